import { SpindleError, UserCodeError, errorMessage } from '@spindle/core';
import type { JobVertexSpec } from '@spindle/protocol';
import { RemoteProducerError } from '../network/input-gate.js';
import type { Output, StreamOperator } from './operator.js';

/** An error raised inside the chain, tagged with the operator it came from. */
export class OperatorFailure extends Error {
  constructor(
    readonly operatorName: string,
    override readonly cause: unknown,
  ) {
    super(errorMessage(cause));
  }
}

export function attributeFailure(error: unknown, operatorName: string): OperatorFailure {
  return error instanceof OperatorFailure ? error : new OperatorFailure(operatorName, error);
}

/** Turns a failure of the chain into the error the job reports: operator and subtask named. */
export function taskFailure(error: unknown, headName: string, subtask: string): SpindleError {
  if (error instanceof RemoteProducerError) {
    return new SpindleError(`input of ${headName} (${subtask}) failed because an upstream task failed: ${error.message}`, {
      code: 'UPSTREAM_FAILED',
      recoverability: 'recoverable',
    });
  }
  const failure = attributeFailure(error, headName);
  const cause = failure.cause;
  const where = `${failure.operatorName} (${subtask})`;
  if (cause instanceof SpindleError && !(cause instanceof UserCodeError)) {
    return new SpindleError(`${where} failed: ${cause.message}`, {
      code: cause.code,
      recoverability: cause.recoverability,
      userFacing: cause.userFacing,
      cause,
    });
  }
  const name = cause instanceof Error ? cause.name : 'Error';
  return new UserCodeError(`${where} failed: ${name}: ${errorMessage(cause)}`, cause);
}

class ChainingOutput implements Output {
  constructor(
    private readonly operator: StreamOperator,
    private readonly name: string,
  ) {}

  collect(record: unknown): void {
    try {
      this.operator.processElement(record, 0);
    } catch (e) {
      throw attributeFailure(e, this.name);
    }
  }
}

class FanOutOutput implements Output {
  constructor(private readonly outputs: Output[]) {}

  collect(record: unknown): void {
    for (const o of this.outputs) o.collect(record);
  }
}

const DISCARD: Output = { collect: () => undefined };

/**
 * Wires the outputs of a vertex's chain: chained successors get objects directly, network
 * outputs get the record writer of their edge. Returns one output per operator.
 */
export function wireChain(vertex: JobVertexSpec, operators: StreamOperator[], networkOutputs: Output[]): Output[] {
  const index = new Map(vertex.operators.map((o, i) => [o.id, i]));
  return vertex.operators.map((spec) => {
    const targets: Output[] = [];
    for (const id of spec.chainedOutputs) {
      const i = index.get(id)!;
      targets.push(new ChainingOutput(operators[i]!, vertex.operators[i]!.name));
    }
    for (const n of spec.networkOutputs) targets.push(networkOutputs[n]!);
    if (targets.length === 0) return DISCARD;
    return targets.length === 1 ? targets[0]! : new FanOutOutput(targets);
  });
}
