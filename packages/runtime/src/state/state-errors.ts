import { SpindleError } from '@spindle/core';

/**
 * Error codes of keyed and operator state. Callers (operators) attach their own name to the
 * message; failover reads the code and recoverability, never the message.
 * - NO_KEY_CONTEXT: keyed state or a timer used while no key is current (outside a keyed context);
 * - UNKNOWN_STATE_DESCRIPTOR: a descriptor of a kind the backend does not know;
 * - STATE_INCOMPATIBLE: one state name asked for with another kind, TTL setting or serializer
 *   than before or than in the restored snapshot;
 * - NULL_STATE_VALUE: null or undefined added to a list state (reducing and aggregating states are
 *   cleared by it, as in Flink's heap backend);
 * - KEY_GROUP_OUT_OF_RANGE: a key whose key group this subtask does not own (a routing bug);
 * - STATE_SNAPSHOT_INVALID: a snapshot that cannot be read or does not fit the backend.
 */
export type StateErrorCode =
  | 'NO_KEY_CONTEXT'
  | 'UNKNOWN_STATE_DESCRIPTOR'
  | 'STATE_INCOMPATIBLE'
  | 'NULL_STATE_VALUE'
  | 'KEY_GROUP_OUT_OF_RANGE'
  | 'STATE_SNAPSHOT_INVALID';

export function stateError(code: StateErrorCode, message: string, userFacing = true): SpindleError {
  return new SpindleError(message, { code, recoverability: 'non-recoverable', userFacing });
}

export function noKeyContext(stateName: string): SpindleError {
  return stateError(
    'NO_KEY_CONTEXT',
    `keyed state '${stateName}' was accessed without a current key; keyed state and timers are only available on a keyed stream, while processing an element or a timer`,
  );
}

export function nullStateValue(stateName: string, what: string): SpindleError {
  return stateError('NULL_STATE_VALUE', `cannot add ${what} to state '${stateName}'`);
}

export function invalidSnapshot(message: string): SpindleError {
  return stateError('STATE_SNAPSHOT_INVALID', message, false);
}
