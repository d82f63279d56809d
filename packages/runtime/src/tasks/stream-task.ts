import {
  Configuration,
  CoreOptions,
  DataInputDeserializer,
  SpindleError,
  TaskManagerOptions,
  getLogger,
  serializeError,
  serializerFor,
  type Logger,
  type TypeSerializer,
} from '@spindle/core';
import type { ExecutionState, SerializerSpec, TaskDeploymentDescriptor, TaskExecutionState, TaskIOMetrics } from '@spindle/protocol';
import { InputGate, type InputChannel } from '../network/input-gate.js';
import type { PartitionManager } from '../network/partition-manager.js';
import { ResultPartition } from '../network/result-partition.js';
import type { JobProgram } from '../program/program-context.js';
import { attributeFailure, taskFailure, wireChain } from './chain.js';
import { isSourceOperator, type OperatorContext, type Output, type StreamOperator } from './operator.js';
import { recordWriterOutput, type KeySelector } from './record-writer-output.js';
import { TaskTimers } from './task-timers.js';

export interface TaskEnvironment {
  readonly partitions: PartitionManager;
  readonly program: JobProgram;
  /** Key selectors of the program by data set id, for keyBy edges. */
  keySelector(dataSetId: string): KeySelector | undefined;
  /** Task state changes, in order; the final one carries accumulators or the failure. */
  reportState(state: TaskExecutionState): void;
}

const YIELD_EVERY_MS = 1;

function serializerOf(spec: SerializerSpec): TypeSerializer<unknown> {
  return spec.kind === 'avro' ? serializerFor(spec.schema as object) : serializerFor();
}

/**
 * One subtask of one vertex: its operator chain, its input gates and produced partitions, run
 * by a mailbox-style loop that takes a buffer of input (or a batch from a source) only while
 * every output has room, and yields to the thread's event loop every few milliseconds so that
 * the other tasks of the slot, timers and channel messages get their turn.
 */
export class StreamTask {
  private readonly config: Configuration;
  private readonly log: Logger;
  private readonly partitions: ResultPartition[] = [];
  private readonly gates: InputGate[] = [];
  private operators: StreamOperator[] = [];
  private readonly accumulators: Record<string, unknown> = {};
  private readonly timers = new TaskTimers();
  private cancelled = false;
  /** Aborted on cancellation; user code sees it as `signal` in its context. */
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private nextGate = 0;
  private recordsIn = 0;
  readonly name: string;

  constructor(
    private readonly tdd: TaskDeploymentDescriptor,
    private readonly env: TaskEnvironment,
  ) {
    this.config = new Configuration(tdd.config);
    const vertex = this.vertex;
    this.name = `${vertex.name} (${tdd.subtaskIndex + 1}/${vertex.parallelism})`;
    this.log = getLogger('task').child({ task: this.name, attempt: tdd.executionAttemptId });
  }

  private get vertex() {
    return this.tdd.jobGraph.vertices.find((v) => v.id === this.tdd.vertexId)!;
  }

  async run(): Promise<TaskExecutionState> {
    try {
      this.report('INITIALIZING');
      this.createPartitions();
      const networkOutputs = this.createNetworkOutputs();
      this.operators = this.env.program.createOperators(this.vertex);
      const outputs = wireChain(this.vertex, this.operators, networkOutputs);
      await this.untilCancelled(this.connectInputs());
      await this.openOperators(outputs);
      this.report('RUNNING');
      this.startFlusher();
      if (isSourceOperator(this.operators[0]!)) await this.runSource();
      else await this.runInputs();
      if (this.cancelled) return this.finishWith('CANCELED');
      for (let i = 0; i < this.operators.length; i++) await this.untilCancelled(this.attributed(i, () => this.operators[i]!.endInput()));
      for (const p of this.partitions) p.finish();
      await this.closeOperators();
      return this.finishWith('FINISHED');
    } catch (e) {
      if (this.cancelled) return this.finishWith('CANCELED');
      const failure = taskFailure(e, this.vertex.operators[0]!.name, `${this.tdd.subtaskIndex + 1}/${this.vertex.parallelism}`);
      this.log.warn('task failed', { error: failure });
      for (const p of this.partitions) p.fail(failure.message);
      await this.closeOperators().catch(() => undefined);
      return this.finishWith('FAILED', failure);
    }
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.abort.abort(new SpindleError(`task ${this.name} was cancelled`, { code: 'TASK_CANCELED', recoverability: 'recoverable' }));
    this.wake?.();
    for (const g of this.gates) g.close();
  }

  /**
   * Waits for `work` unless the task is cancelled first: a connect that waits for a partition
   * that will never appear, or user code whose promise never settles, must not keep a cancelled
   * task alive.
   */
  private untilCancelled<T>(work: Promise<T> | T): Promise<T> {
    const signal = this.abort.signal;
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    let stopWatching = (): void => {};
    const cancelled = new Promise<never>((_resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      stopWatching = () => signal.removeEventListener('abort', onAbort);
    });
    return Promise.race([work, cancelled]).finally(stopWatching);
  }

  private report(state: ExecutionState): void {
    this.env.reportState({ jobId: this.tdd.jobId, executionAttemptId: this.tdd.executionAttemptId, state });
  }

  private finishWith(state: 'FINISHED' | 'FAILED' | 'CANCELED', failure?: Error): TaskExecutionState {
    this.timers.stop();
    // A finished partition stays registered: its consumers may connect after the producer ended.
    if (state !== 'FINISHED') {
      for (const p of this.partitions) {
        p.release();
        this.env.partitions.unregister(p.id);
      }
    }
    const result: TaskExecutionState = {
      jobId: this.tdd.jobId,
      executionAttemptId: this.tdd.executionAttemptId,
      state,
      metrics: this.metrics(),
    };
    if (state === 'FINISHED') result.accumulators = this.accumulators;
    if (failure) result.failure = serializeError(failure);
    this.env.reportState(result);
    return result;
  }

  metrics(): TaskIOMetrics {
    let bytesIn = 0;
    for (const g of this.gates) bytesIn += g.numBytesIn;
    let recordsOut = 0;
    let bytesOut = 0;
    for (const p of this.partitions) {
      recordsOut += p.numRecordsOut;
      bytesOut += p.numBytesOut;
    }
    return {
      numRecordsIn: this.recordsIn,
      numRecordsOut: recordsOut,
      numBytesIn: bytesIn,
      numBytesOut: bytesOut,
      ...this.timers.accumulatedTimes(),
    };
  }

  private createPartitions(): void {
    const options = {
      segmentSize: this.config.get(TaskManagerOptions.SEGMENT_SIZE),
      buffersPerChannel: this.config.get(TaskManagerOptions.BUFFERS_PER_CHANNEL),
      floatingBuffers: this.config.get(TaskManagerOptions.FLOATING_BUFFERS_PER_GATE),
    };
    for (const spec of this.tdd.producedPartitions) {
      const partition = new ResultPartition(spec, serializerOf(spec.serializer), options);
      this.partitions.push(partition);
      this.env.partitions.register(partition, this.tdd.jobId);
    }
  }

  private createNetworkOutputs(): Output[] {
    return this.partitions.map((p) =>
      recordWriterOutput(p, p.spec.partitioner, {
        subtaskIndex: this.tdd.subtaskIndex,
        maxParallelism: this.consumerMaxParallelism(p.spec.dataSetId),
        keySelector: this.env.keySelector(p.spec.dataSetId),
        keyedOperatorName: this.consumerOf(p.spec.dataSetId).operators[0]?.name,
      }),
    );
  }

  private consumerMaxParallelism(dataSetId: string): number {
    return this.consumerOf(dataSetId).maxParallelism;
  }

  private consumerOf(dataSetId: string) {
    const edge = this.vertex.outputs.find((o) => o.dataSetId === dataSetId)!;
    return this.tdd.jobGraph.vertices.find((v) => v.id === edge.targetVertexId)!;
  }

  private async connectInputs(): Promise<void> {
    const perChannel = this.config.get(TaskManagerOptions.BUFFERS_PER_CHANNEL);
    const floating = this.config.get(TaskManagerOptions.FLOATING_BUFFERS_PER_GATE);
    const connects: Array<Promise<void>> = [];
    for (const spec of this.tdd.inputGates) {
      const gate = new InputGate(spec.inputIndex, spec.channels.length, perChannel, floating, () => this.wake?.());
      this.gates.push(gate);
      spec.channels.forEach((ch, i) => {
        const channel = gate.channels[i]!;
        connects.push(
          this.env.partitions
            .requestSubpartition(ch.partitionId, spec.consumedSubpartition, ch.producerLocation, {
              jobId: this.tdd.jobId,
              signal: this.abort.signal,
            })
            .then((link) => channel.connect(link)),
        );
      });
    }
    await Promise.all(connects);
  }

  private async openOperators(outputs: Output[]): Promise<void> {
    const vertex = this.vertex;
    for (let i = this.operators.length - 1; i >= 0; i--) {
      const spec = vertex.operators[i]!;
      const ctx: OperatorContext = {
        operatorId: spec.id,
        operatorName: spec.name,
        taskName: this.name,
        subtaskIndex: this.tdd.subtaskIndex,
        parallelism: vertex.parallelism,
        maxParallelism: vertex.maxParallelism,
        attemptNumber: this.tdd.attemptNumber,
        runtimeMode: this.tdd.jobGraph.runtimeMode,
        config: this.config,
        output: outputs[i]!,
        log: this.log.child({ operator: spec.name }),
        addAccumulator: (name, value) => this.addAccumulator(name, value),
        signal: this.abort.signal,
      };
      await this.untilCancelled(this.attributed(i, () => this.operators[i]!.open(ctx)));
    }
  }

  private addAccumulator(name: string, value: number | unknown[]): void {
    const prev = this.accumulators[name];
    if (Array.isArray(value)) this.accumulators[name] = Array.isArray(prev) ? prev.concat(value) : value.slice();
    else this.accumulators[name] = (typeof prev === 'number' ? prev : 0) + value;
  }

  private async closeOperators(): Promise<void> {
    for (let i = 0; i < this.operators.length; i++) await this.attributed(i, () => this.operators[i]!.close());
  }

  /** Runs a lifecycle call of operator `i`, so that its failure names that operator, not the head of the chain. */
  private async attributed(i: number, call: () => void | Promise<void>): Promise<void> {
    try {
      await call();
    } catch (e) {
      throw attributeFailure(e, this.vertex.operators[i]!.name);
    }
  }

  private startFlusher(): void {
    const timeout = this.config.get(CoreOptions.BUFFER_TIMEOUT);
    if (this.tdd.jobGraph.runtimeMode === 'BATCH' || timeout < 0 || this.partitions.length === 0) return;
    this.timers.every(Math.max(1, timeout), () => {
      for (const p of this.partitions) p.flushAll();
    });
  }

  private outputsAvailable(): boolean {
    for (const p of this.partitions) if (!p.isAvailable()) return false;
    return true;
  }

  private async waitForOutputs(): Promise<void> {
    const started = this.timers.mark();
    await Promise.race([Promise.all(this.partitions.map((p) => p.whenAvailable())), this.wakeup()]);
    this.timers.addBackPressured(started);
  }

  private wakeup(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async runSource(): Promise<void> {
    const source = this.operators[0]!;
    if (!isSourceOperator(source)) return;
    let lastYield = performance.now();
    while (!this.cancelled) {
      if (!this.outputsAvailable()) {
        await this.waitForOutputs();
        continue;
      }
      let status = source.emitNext();
      if (typeof status !== 'string') {
        const started = this.timers.mark();
        try {
          status = await this.untilCancelled(status);
        } finally {
          this.timers.addIdle(started);
        }
      }
      if (status === 'end') return;
      lastYield = await this.maybeYield(lastYield);
    }
  }

  private async runInputs(): Promise<void> {
    const deserializers = this.tdd.inputGates.map((g) => serializerOf(g.serializer));
    const input = new DataInputDeserializer();
    const head = this.operators[0]!;
    let lastYield = performance.now();
    while (!this.cancelled) {
      if (!this.outputsAvailable()) {
        await this.waitForOutputs();
        continue;
      }
      const next = this.pollGates();
      if (next === undefined) {
        if (this.gates.every((g) => g.isFinished())) return;
        const started = this.timers.mark();
        await this.wakeup();
        this.timers.addIdle(started);
        lastYield = performance.now();
        continue;
      }
      if (next.data !== null) {
        this.processBuffer(next.data, deserializers[next.gate]!, input, head, next.inputIndex);
        next.channel.recycle(next.data);
      }
      lastYield = await this.maybeYield(lastYield);
    }
  }

  private processBuffer(
    data: Uint8Array,
    serializer: TypeSerializer<unknown>,
    input: DataInputDeserializer,
    head: StreamOperator,
    inputIndex: number,
  ): void {
    input.setBuffer(data, 0, data.byteLength);
    let n = 0;
    while (input.available() > 0) {
      head.processElement(serializer.deserialize(input), inputIndex);
      n++;
    }
    this.recordsIn += n;
  }

  private pollGates(): { gate: number; inputIndex: number; channel: InputChannel; data: Uint8Array | null } | undefined {
    const n = this.gates.length;
    for (let k = 0; k < n; k++) {
      const i = (this.nextGate + k) % n;
      const gate = this.gates[i]!;
      if (!gate.hasData()) continue;
      this.nextGate = (i + 1) % n;
      const polled = gate.poll()!;
      return { gate: i, inputIndex: gate.inputIndex, channel: polled.channel, data: polled.data };
    }
    return undefined;
  }

  private async maybeYield(lastYield: number): Promise<number> {
    const now = performance.now();
    if (now - lastYield < YIELD_EVERY_MS) return lastYield;
    await new Promise<void>((resolve) => setImmediate(resolve));
    return performance.now();
  }
}
