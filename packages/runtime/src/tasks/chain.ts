import { SpindleError, UserCodeError, errorMessage } from '@spindle/core';
import type { JobVertexSpec } from '@spindle/protocol';
import { RemoteProducerError } from '../network/input-gate.js';
import type { Watermark, WatermarkStatus } from '../network/stream-elements.js';
import { isTextLinesInput, type Output, type StreamOperator, type TextLinesInput, type TextLinesOutput } from './operator.js';

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
  if (error instanceof RemoteProducerError && error.partitionId !== undefined) {
    // A BLOCKING input's producer finished long ago: failing to read its partition means the data is gone.
    return new SpindleError(`input of ${headName} (${subtask}) cannot read blocking partition ${error.partitionId}: ${error.message}`, {
      code: 'PARTITION_NOT_FOUND',
      recoverability: 'partition-data-missing',
      partitionId: error.partitionId,
    });
  }
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

  protected get operatorName(): string {
    return this.name;
  }

  collect(record: unknown, timestamp?: number): void {
    try {
      this.operator.processElement(record, 0, timestamp);
    } catch (e) {
      throw attributeFailure(e, this.name);
    }
  }

  emitWatermark(mark: Watermark): void {
    try {
      this.operator.processWatermark(mark, 0);
    } catch (e) {
      throw attributeFailure(e, this.name);
    }
  }

  emitWatermarkStatus(status: WatermarkStatus): void {
    try {
      this.operator.processWatermarkStatus(status, 0);
    } catch (e) {
      throw attributeFailure(e, this.name);
    }
  }
}

/** To an operator that takes UTF-8 lines whole (a text sink). */
class TextLinesChainingOutput extends ChainingOutput implements TextLinesOutput {
  constructor(
    private readonly lines: StreamOperator & TextLinesInput,
    name: string,
  ) {
    super(lines, name);
  }

  collectTextLines(bytes: Uint8Array): void {
    try {
      this.lines.processTextLines(bytes);
    } catch (e) {
      throw attributeFailure(e, this.operatorName);
    }
  }
}

class FanOutOutput implements Output {
  constructor(private readonly outputs: Output[]) {}

  collect(record: unknown, timestamp?: number): void {
    for (const o of this.outputs) o.collect(record, timestamp);
  }

  emitWatermark(mark: Watermark): void {
    for (const o of this.outputs) o.emitWatermark(mark);
  }

  emitWatermarkStatus(status: WatermarkStatus): void {
    for (const o of this.outputs) o.emitWatermarkStatus(status);
  }
}

/** What a chain emits towards its consumers; the task's `currentOutputWatermark` metric. */
export interface OutputWatermarkGauge {
  outputWatermark: Watermark;
}

/** Records the watermark leaving the chain (at its network outputs, or at a sink), then forwards it. */
class GaugedOutput implements Output {
  constructor(
    private readonly inner: Output | undefined,
    private readonly gauge: OutputWatermarkGauge,
  ) {}

  collect(record: unknown, timestamp?: number): void {
    this.inner?.collect(record, timestamp);
  }

  emitWatermark(mark: Watermark): void {
    this.gauge.outputWatermark = mark;
    this.inner?.emitWatermark(mark);
  }

  emitWatermarkStatus(status: WatermarkStatus): void {
    this.inner?.emitWatermarkStatus(status);
  }
}

/** Records go to the main targets; watermarks and statuses to the side outputs' consumers as well (as in Flink). */
class MainOutput implements Output {
  constructor(
    private readonly main: Output,
    private readonly sides: Output[],
  ) {}

  collect(record: unknown, timestamp?: number): void {
    this.main.collect(record, timestamp);
  }

  emitWatermark(mark: Watermark): void {
    this.main.emitWatermark(mark);
    for (const s of this.sides) s.emitWatermark(mark);
  }

  emitWatermarkStatus(status: WatermarkStatus): void {
    this.main.emitWatermarkStatus(status);
    for (const s of this.sides) s.emitWatermarkStatus(status);
  }
}

export interface WiredChain {
  /** One main output per operator. */
  outputs: Output[];
  /** Per operator: its consumed side outputs by tag id. */
  sideOutputs: ReadonlyMap<string, Output>[];
}

/**
 * Wires the outputs of a vertex's chain: chained successors get objects directly, network
 * outputs get the record writer of their edge. Returns one main output per operator and its side
 * outputs by tag. Operators without a chained successor on their main output record the
 * watermark they emit in `gauge`.
 */
export function wireChain(
  vertex: JobVertexSpec,
  operators: StreamOperator[],
  networkOutputs: Output[],
  gauge: OutputWatermarkGauge,
): WiredChain {
  const index = new Map(vertex.operators.map((o, i) => [o.id, i]));
  const targetsOf = (chained: string[], networkIndexes: number[]): Output[] => [
    ...chained.map((id) => {
      const i = index.get(id)!;
      const op = operators[i]!;
      const name = vertex.operators[i]!.name;
      return isTextLinesInput(op) ? new TextLinesChainingOutput(op, name) : new ChainingOutput(op, name);
    }),
    ...networkIndexes.map((n) => networkOutputs[n]!),
  ];
  const combine = (targets: Output[]): Output => (targets.length === 1 ? targets[0]! : new FanOutOutput(targets));
  const outputs: Output[] = [];
  const sideOutputs: ReadonlyMap<string, Output>[] = [];
  for (const spec of vertex.operators) {
    const targets = targetsOf(spec.chainedOutputs, []);
    const network = spec.networkOutputs.map((n) => networkOutputs[n]!);
    if (spec.chainedOutputs.length === 0) {
      targets.push(new GaugedOutput(network.length === 1 ? network[0] : network.length > 1 ? new FanOutOutput(network) : undefined, gauge));
    } else {
      targets.push(...network);
    }
    const sides = new Map<string, Output>();
    for (const side of spec.sideOutputs ?? []) sides.set(side.tag, combine(targetsOf(side.chainedOutputs, side.networkOutputs)));
    const main = combine(targets);
    outputs.push(sides.size === 0 ? main : new MainOutput(main, [...sides.values()]));
    sideOutputs.push(sides);
  }
  return { outputs, sideOutputs };
}
