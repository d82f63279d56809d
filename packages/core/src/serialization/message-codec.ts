import { SpindleError, errorMessage } from '../errors.js';
import { DataInputDeserializer } from './data-input.js';
import { DataOutputSerializer } from './data-output.js';
import { readGenericValue, writeGenericValue } from './generic-serializer.js';

/**
 * The one encoding of rpc messages (arguments, results and failures), for every transport: the
 * in-process transport of the MiniCluster encodes and decodes through it as gRPC does, so a value
 * arrives the same in a mini cluster and in a real cluster.
 *
 * A message is a format version byte followed by one value of the generic encoding (see
 * generic-serializer.ts): JSON's types plus undefined (also inside arrays and as a property's
 * value, kept apart from an absent property), bigint, NaN, ±Infinity, -0, Date, Map, Set,
 * Uint8Array and Buffer, and errors, which come back as SpindleErrors with their name, message,
 * code, recoverability, userFacing flag, stack and causes. Functions, symbols and instances of
 * other classes cannot be sent: encoding them fails with a MESSAGE_ENCODING error naming the
 * path of the value.
 */

const FORMAT_VERSION = 1;

/**
 * Encodes one message. `root` names the value in error messages (`args`, `result`), `context`
 * says what the message is for (`the arguments of requestSlot`).
 */
export function encodeMessage(value: unknown, root: string, context: string): Uint8Array {
  const out = new DataOutputSerializer(256);
  out.writeByte(FORMAT_VERSION);
  writeGenericValue(
    value,
    out,
    root,
    (what, path, cause) =>
      new SpindleError(`cannot send ${what} at ${path} in ${context}: rpc messages carry plain data only`, {
        code: 'MESSAGE_ENCODING',
        recoverability: 'non-recoverable',
        cause,
      }),
  );
  return out.toUint8Array();
}

/** Encodes a failure (any thrown value) as a message whose decoded value is a SpindleError. */
export function encodeFailure(e: unknown): Uint8Array {
  if (e instanceof Error) return encodeMessage(e, 'error', 'a failure');
  const error = new Error(errorMessage(e));
  delete error.stack;
  return encodeMessage(error, 'error', 'a failure');
}

/** Decodes a message written by encodeFailure: the error it carries. */
export function decodeFailure(bytes: Uint8Array): Error {
  const failure = decodeMessage(bytes);
  return failure instanceof Error ? failure : new SpindleError(errorMessage(failure));
}

/** Decodes a message written by encodeMessage or encodeFailure. */
export function decodeMessage(bytes: Uint8Array): unknown {
  const input = new DataInputDeserializer(bytes);
  const version = input.readByte();
  if (version !== FORMAT_VERSION) {
    throw new SpindleError(`cannot decode an rpc message of format version ${version} (this process reads version ${FORMAT_VERSION})`, {
      code: 'MESSAGE_ENCODING',
      recoverability: 'non-recoverable',
    });
  }
  const value = readGenericValue(input);
  if (input.available() !== 0) {
    throw new SpindleError(`corrupt rpc message: ${input.available()} bytes after the value`, { code: 'CORRUPT' });
  }
  return value;
}
