import os from 'node:os';
import {
  CheckpointingOptions,
  Configuration,
  CoreOptions,
  ShuffleOptions,
  SpindleError,
  TaskManagerOptions,
  getLogger,
  keyGroupRangeFor,
  localManagedMemoryPerSlot,
  tmpDirectories,
  serializeError,
  serializerFor,
  systemScheduler,
  type Logger,
  type Scheduler,
  type TypeSerializer,
} from '@spindle/core';
import type {
  ChainedOperatorSpec,
  CheckpointTriggerSpec,
  ExecutionState,
  SerializerSpec,
  TaskDeploymentDescriptor,
  TaskExecutionState,
  TaskIOMetrics,
} from '@spindle/protocol';
import { InputGate } from '../network/input-gate.js';
import type { PartitionManager } from '../network/partition-manager.js';
import type { BlockingPartitionMeta } from '../network/blocking-partition-file.js';
import { BlockingResultPartition } from '../network/blocking-result-partition.js';
import { dfsPartitionDirectory, isDfsStorage } from '../network/dfs-blocking-partition.js';
import { ResultPartition } from '../network/result-partition.js';
import type { ResultPartitionWriter } from '../network/result-partition-writer.js';
import { CheckpointBarrier, Watermark, watermarkToLongString } from '../network/stream-elements.js';
import type { JobProgram } from '../program/program-context.js';
import { attributeFailure, taskFailure, wireChain, type OutputWatermarkGauge } from './chain.js';
import { MailboxProcessor, type DefaultAction } from './mailbox-processor.js';
import {
  isAvailabilityProvider,
  isSourceOperator,
  type KeyedStateInfo,
  SimpleCounter,
  type Counter,
  type OperatorContext,
  type Output,
  type SourceOperator,
  type StateInitializationContext,
  type StreamOperator,
} from './operator.js';
import { MailboxProcessingTimeService, attributedTimeService } from './processing-time-service.js';
import { recordWriterOutput, type KeySelector } from './record-writer-output.js';
import { CheckpointBarrierHandler } from './checkpoint-barrier-handler.js';
import { SubtaskCheckpoint, readRestoredState, type CheckpointResponder, type RestoredState } from './subtask-checkpoint.js';
import { StreamTaskInput } from './stream-task-input.js';
import { TaskTimers } from './task-timers.js';
import { RateWindow } from '../metrics/rate-window.js';

export interface TaskEnvironment {
  readonly partitions: PartitionManager;
  readonly program: JobProgram;
  /** Key selectors of the program by data set id, for keyBy edges. */
  keySelector(dataSetId: string): KeySelector | undefined;
  /** Task state changes, in order; the final one carries accumulators or the failure. */
  reportState(state: TaskExecutionState): void;
  /** The clock and timers of processing time; the system's by default. */
  readonly scheduler?: Scheduler;
  /** Where checkpoint acknowledgements go; tasks of jobs without checkpointing need none. */
  readonly checkpointResponder?: CheckpointResponder;
  /** The slot's managed memory in bytes, divided among the memory-using operators of its slot sharing group. */
  readonly managedMemory?: number;
}

function serializerOf(spec: SerializerSpec): TypeSerializer<unknown> {
  return spec.kind === 'avro' ? serializerFor(spec.schema as object) : serializerFor();
}

/**
 * One subtask of one vertex: its operator chain, its input gates and produced partitions, run
 * by a mailbox loop (MailboxProcessor) whose default action takes input elements (or a batch
 * from a source) only while every output has room, and which runs mails (processing-time
 * timers, periodic watermarks, buffer flushes) between elements. Every call into an operator
 * happens inside that loop or the lifecycle around it, on the task's thread.
 */
export class StreamTask {
  private readonly config: Configuration;
  private readonly log: Logger;
  private readonly partitions: ResultPartitionWriter[] = [];
  private readonly gates: InputGate[] = [];
  private operators: StreamOperator[] = [];
  private outputs: Output[] = [];
  private sideOutputs: ReadonlyMap<string, Output>[] = [];
  private readonly accumulators: Record<string, unknown> = {};
  private readonly operatorCounters = new Map<string, Counter>();
  private readonly timers = new TaskTimers();
  /** Records and bytes in and out, for their per-second rates. */
  private readonly counterRates = new RateWindow([0, 0, 0, 0]);
  private readonly mailbox = new MailboxProcessor();
  private readonly timeService: MailboxProcessingTimeService;
  private readonly gauge: OutputWatermarkGauge = { outputWatermark: Watermark.MIN };
  private input: StreamTaskInput | undefined;
  private barriers: CheckpointBarrierHandler | undefined;
  private checkpoints!: SubtaskCheckpoint;
  private restoredState: Array<RestoredState | undefined> = [];
  private cancelled = false;
  /** Aborted on cancellation; user code sees it as `signal` in its context. */
  private readonly abort = new AbortController();
  private wakeInput: (() => void) | undefined;
  readonly name: string;

  constructor(
    private readonly tdd: TaskDeploymentDescriptor,
    private readonly env: TaskEnvironment,
  ) {
    this.config = new Configuration(tdd.config);
    const vertex = this.vertex;
    this.name = `${vertex.name} (${tdd.subtaskIndex + 1}/${vertex.parallelism})`;
    this.log = getLogger('task').child({ task: this.name, attempt: tdd.executionAttemptId });
    this.timeService = new MailboxProcessingTimeService(env.scheduler ?? systemScheduler, this.mailbox);
  }

  private get vertex() {
    return this.tdd.jobGraph.vertices.find((v) => v.id === this.tdd.vertexId)!;
  }

  async run(): Promise<TaskExecutionState> {
    try {
      this.report('INITIALIZING');
      this.timers.startSampling(() => this.counterRates.sample(this.counters()));
      this.createPartitions();
      if (this.tdd.restore?.finished) return await this.finishOnRestore();
      const networkOutputs = this.createNetworkOutputs();
      this.operators = this.env.program.createOperators(this.vertex);
      this.checkpoints = this.subtaskCheckpoint();
      const wired = wireChain(this.vertex, this.operators, networkOutputs, this.gauge);
      this.outputs = wired.outputs;
      this.sideOutputs = wired.sideOutputs;
      await this.untilCancelled(this.connectInputs());
      await this.initializeOperators();
      this.report('RUNNING');
      this.startFlusher();
      await this.mailbox.runMailboxLoop(this.isSourceTask() ? this.sourceAction() : this.inputAction());
      if (this.cancelled) return await this.finishCancelled();
      // A bounded source that ended emits the end of event time (Flink's MAX_WATERMARK).
      if (this.isSourceTask()) this.outputs[0]!.emitWatermark(Watermark.MAX);
      for (let i = 0; i < this.operators.length; i++) await this.untilCancelled(this.attributed(i, () => this.operators[i]!.finish()));
      this.timeService.quiesce();
      await this.waitForFinalCheckpoint();
      if (this.cancelled) return this.finishWith('CANCELED');
      for (const p of this.partitions) p.finish();
      // Publishing a partition to a distributed file system takes a while: a cancel may arrive meanwhile.
      await Promise.all(this.partitions.map((p) => p.whenStored()));
      if (this.cancelled) return await this.finishCancelled();
      await this.closeOperators();
      return this.finishWith('FINISHED');
    } catch (e) {
      if (this.cancelled) return await this.finishCancelled();
      const failure = taskFailure(e, this.vertex.operators[0]!.name, `${this.tdd.subtaskIndex + 1}/${this.vertex.parallelism}`);
      this.log.warn('task failed', { error: failure });
      this.timeService.quiesce();
      for (const p of this.partitions) p.fail(failure.message);
      await this.closeOperators().catch(() => undefined);
      return this.finishWith('FAILED', failure);
    }
  }

  /** Takes a checkpoint at this task (a source, or a task whose producers all finished); runs as a mail. */
  triggerCheckpoint(trigger: CheckpointTriggerSpec): void {
    const barrier = new CheckpointBarrier(trigger.checkpointId, trigger.timestamp, {
      type: trigger.kind,
      alignment: trigger.mode === 'EXACTLY_ONCE' ? 'ALIGNED' : 'AT_LEAST_ONCE',
      targetLocation: trigger.location,
    });
    this.mailbox.put(`checkpoint ${trigger.checkpointId}`, () => {
      // Draining: every event-time timer downstream fires before the snapshot, as in Flink's stop --drain.
      if (trigger.drain && this.isSourceTask()) this.outputs[0]!.emitWatermark(Watermark.MAX);
      if (this.barriers) this.barriers.onTriggeredWithoutBarriers(barrier);
      else return this.checkpoints.checkpointState(barrier, 0);
    });
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.mailbox.put(`checkpoint ${checkpointId} complete`, () => this.checkpoints.notifyCheckpointComplete(checkpointId));
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.mailbox.put(`checkpoint ${checkpointId} aborted`, () => {
      this.barriers?.abort(checkpointId);
      return this.checkpoints.notifyCheckpointAborted(checkpointId);
    });
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.abort.abort(new SpindleError(`task ${this.name} was cancelled`, { code: 'TASK_CANCELED', recoverability: 'recoverable' }));
    this.mailbox.stop();
    this.timeService.quiesce();
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

  /** A cancelled task closes its operators too (they release files, connections), as the operator contract says. */
  private async finishCancelled(): Promise<TaskExecutionState> {
    this.timeService.quiesce();
    await this.closeOperators().catch(() => undefined);
    return this.finishWith('CANCELED');
  }

  private finishWith(state: 'FINISHED' | 'FAILED' | 'CANCELED', failure?: Error): TaskExecutionState {
    this.timers.stop();
    this.timeService.quiesce();
    // A finished partition stays registered: its consumers may connect after the producer ended.
    if (state !== 'FINISHED') {
      for (const p of this.partitions) {
        p.release();
        if (p instanceof ResultPartition) this.env.partitions.unregister(p.id);
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

  /** Records in and out, bytes in and out, so far. */
  private counters(): [number, number, number, number] {
    let bytesIn = 0;
    for (const g of this.gates) bytesIn += g.numBytesIn;
    let recordsOut = 0;
    let bytesOut = 0;
    for (const p of this.partitions) {
      recordsOut += p.numRecordsOut;
      bytesOut += p.numBytesOut;
    }
    return [this.input?.recordsIn ?? 0, recordsOut, bytesIn, bytesOut];
  }

  metrics(): TaskIOMetrics {
    const counters = this.counters();
    const [recordsIn, recordsOut, bytesIn, bytesOut] = counters;
    const rates = this.counterRates.rates(counters);
    return {
      numRecordsIn: recordsIn,
      numRecordsOut: recordsOut,
      numBytesIn: bytesIn,
      numBytesOut: bytesOut,
      numRecordsInPerSecond: rates[0] ?? 0,
      numRecordsOutPerSecond: rates[1] ?? 0,
      numBytesInPerSecond: rates[2] ?? 0,
      numBytesOutPerSecond: rates[3] ?? 0,
      currentInputWatermark: watermarkToLongString(this.input?.currentInputWatermark ?? Watermark.MIN),
      currentOutputWatermark: watermarkToLongString(this.gauge.outputWatermark),
      ...this.timers.accumulatedTimes(),
      ...this.timers.timeRates(),
      ...(this.operatorCounters.size > 0
        ? { operatorCounters: Object.fromEntries([...this.operatorCounters].map(([name, c]) => [name, c.getCount()])) }
        : {}),
    };
  }

  private createPartitions(): void {
    const options = {
      segmentSize: this.config.get(TaskManagerOptions.SEGMENT_SIZE),
      buffersPerChannel: this.config.get(TaskManagerOptions.BUFFERS_PER_CHANNEL),
      floatingBuffers: this.config.get(TaskManagerOptions.FLOATING_BUFFERS_PER_GATE),
    };
    const partitions = this.env.partitions;
    const storage = this.config.get(ShuffleOptions.BLOCKING_STORAGE);
    // The partition's type decides the writer: BLOCKING ones go to files that the TaskExecutor serves
    // once complete, or that are published to the distributed file system of shuffle.blocking.storage.
    for (const spec of this.tdd.producedPartitions) {
      const serializer = serializerOf(spec.serializer);
      if (spec.resultType === 'BLOCKING') {
        const dir = partitions.blockingDirectory(this.tdd.subtaskIndex);
        const dfs = isDfsStorage(storage) ? dfsPartitionDirectory(storage, this.tdd.jobId, spec.partitionId) : undefined;
        const complete = (meta: BlockingPartitionMeta): void => partitions.completeBlocking(meta);
        this.partitions.push(new BlockingResultPartition(spec, serializer, options, this.tdd.jobId, dir, complete, dfs));
        continue;
      }
      const partition = new ResultPartition(spec, serializer, options);
      this.partitions.push(partition);
      partitions.register(partition, this.tdd.jobId);
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

  private isBlockingInput(dataSetId: string): boolean {
    return this.vertex.inputs.some((edge) => edge.dataSetId === dataSetId && edge.resultType === 'BLOCKING');
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
      const blocking = this.isBlockingInput(spec.dataSetId) ? spec.channels.map((c) => c.partitionId) : undefined;
      const gate = new InputGate(spec.inputIndex, spec.channels.length, perChannel, floating, () => this.wakeInput?.(), blocking);
      this.gates.push(gate);
      spec.channels.forEach((ch, i) => {
        const channel = gate.channels[i]!;
        const connect = this.env.partitions
          .requestSubpartition(ch.partitionId, spec.consumedSubpartition, ch.producerLocation, {
            jobId: this.tdd.jobId,
            signal: this.abort.signal,
            ...(ch.dfsDirectory === undefined ? {} : { dfsDirectory: ch.dfsDirectory }),
          })
          .then((link) => channel.connect(link));
        // A BLOCKING partition appears only once its producer finished, which may be after this task
        // started to read its other inputs (producers in the same region): its channel connects
        // when it can, and a failure to connect reaches the task as that channel's failure.
        if (blocking) void connect.catch((e: unknown) => channel.failConnection((e as Error).message));
        else connects.push(connect);
      });
    }
    await Promise.all(connects);
    const serializers = this.tdd.inputGates.map((g) => serializerOf(g.serializer));
    const head = this.operators[0]!;
    const keyed =
      typeof head.setKeyContextElement === 'function' ? (this.keyedStateInfo()?.keySelectors.map((s) => s !== undefined) ?? []) : [];
    const aligned = this.config.get(CheckpointingOptions.MODE) === 'EXACTLY_ONCE';
    const barriers = new CheckpointBarrierHandler(this.gates, aligned, {
      // Taken before any further input or timer: the snapshot must see the state as of the barrier.
      triggerCheckpointOnBarrier: (barrier, alignmentMs) =>
        this.mailbox.putFirst(`checkpoint ${barrier.checkpointId}`, () => this.checkpoints.checkpointState(barrier, alignmentMs)),
    });
    this.barriers = barriers;
    const events = {
      onEvent: (event: CheckpointBarrier, gate: number, channel: number) => barriers.onBarrier(event, gate, channel),
      onChannelEnd: () => barriers.onChannelEnd(),
    };
    this.input = new StreamTaskInput(this.gates, serializers, head, this.mailbox, events, keyed);
  }

  private subtaskCheckpoint(): SubtaskCheckpoint {
    const tdd = this.tdd;
    return new SubtaskCheckpoint({
      operators: this.operators,
      operatorIds: this.vertex.operators.map((o) => o.id),
      partitions: this.partitions,
      stateFileName: `${tdd.vertexId}-${tdd.subtaskIndex}-${tdd.attemptNumber}.state`,
      responder: this.env.checkpointResponder ?? {
        acknowledge: () => undefined,
        decline: () => undefined,
      },
      attributed: (i, call) => this.attributed(i, call),
    });
  }

  /**
   * With checkpoints after tasks finish (a STREAMING job with checkpointing), a task whose
   * operators finished keeps its partitions open and waits, running mails (checkpoint triggers and
   * notifications), until a checkpoint taken after the finish completed: its sinks committed
   * everything, and its consumers get end of input only then.
   */
  private async waitForFinalCheckpoint(): Promise<void> {
    this.checkpoints.markOperatorsFinished();
    const config = this.config;
    const enabled =
      this.tdd.jobGraph.runtimeMode === 'STREAMING' &&
      config.get(CheckpointingOptions.INTERVAL) > 0 &&
      config.get(CheckpointingOptions.CHECKPOINTS_AFTER_TASKS_FINISH);
    if (!enabled) return;
    const done = this.checkpoints.finalCheckpointCompleted;
    await this.mailbox.runMailboxLoop((ctl) => ctl.suspendDefaultAction(done.then(() => ctl.allActionsCompleted())));
  }

  /** A subtask that had finished at the restored checkpoint: its consumers get end of input at once. */
  /**
   * A subtask that had finished at the restored checkpoint reads no input and emits nothing, but
   * when that checkpoint holds state of its operators they still go through initializeState, open,
   * finish and close: a failure between the checkpoint's completion and a sink's commit would
   * otherwise leave what the checkpoint recorded (a FileSink's pending files) uncommitted for ever.
   * What they emit was emitted before the checkpoint, so it is dropped.
   */
  private async finishOnRestore(): Promise<TaskExecutionState> {
    const restore = this.tdd.restore!;
    const hasState = Object.values(restore.operators).some((o) => o.keyed.length > 0 || o.operator || o.operatorBytes);
    if (hasState) {
      const discard: Output = { collect: () => undefined, emitWatermark: () => undefined, emitWatermarkStatus: () => undefined };
      this.operators = this.env.program.createOperators(this.vertex);
      this.checkpoints = this.subtaskCheckpoint();
      const wired = wireChain(
        this.vertex,
        this.operators,
        this.partitions.map(() => discard),
        this.gauge,
      );
      this.outputs = wired.outputs;
      this.sideOutputs = wired.sideOutputs;
      await this.initializeOperators();
      for (let i = 0; i < this.operators.length; i++) await this.untilCancelled(this.attributed(i, () => this.operators[i]!.finish()));
      this.timeService.quiesce();
      await this.closeOperators();
    }
    for (const p of this.partitions) p.finish();
    await Promise.all(this.partitions.map((p) => p.whenStored()));
    return this.finishWith('FINISHED');
  }

  private async loadRestoredState(): Promise<void> {
    const restore = this.tdd.restore;
    if (restore !== undefined) this.restoredState = await readRestoredState(restore, this.vertex.operators);
  }

  /**
   * The head operator is keyed when inputs of its vertex come through keyBy edges: it gets their
   * key selectors (by logical input) and the key groups of this subtask, computed as Flink's
   * KeyGroupRangeAssignment does with the vertex's maximum parallelism. (keyBy edges never chain,
   * so only a head can be keyed; operators chained after it run inside its calls, with its key
   * still current.)
   */
  private keyedStateInfo(): KeyedStateInfo | undefined {
    const vertex = this.vertex;
    const keySelectors: Array<KeySelector | undefined> = [];
    for (const edge of vertex.inputs) {
      const selector = this.env.keySelector(edge.dataSetId);
      if (selector !== undefined) keySelectors[edge.inputIndex] = selector;
    }
    if (keySelectors.length === 0) return undefined;
    return {
      keySelectors,
      maxParallelism: vertex.maxParallelism,
      keyGroupRange: keyGroupRangeFor(vertex.maxParallelism, vertex.parallelism, this.tdd.subtaskIndex),
    };
  }

  private stateInitializationContext(i: number): StateInitializationContext {
    const spec = this.vertex.operators[i]!;
    const keyed = i === 0 ? this.keyedStateInfo() : undefined;
    const restore = this.tdd.restore;
    const restored = this.restoredState[i];
    return {
      isRestored: restore !== undefined,
      ...(restore !== undefined ? { restoredCheckpointId: restore.checkpointId } : {}),
      ...(restored !== undefined ? { restoredState: restored } : {}),
      operatorName: spec.name,
      processingTimeService: attributedTimeService(this.timeService, spec.name),
      clock: this.env.scheduler ?? systemScheduler,
      ...(keyed ? { keyed } : {}),
    };
  }

  /** `initializeState`, then `open`, of every operator, tail of the chain first. */
  private async initializeOperators(): Promise<void> {
    await this.untilCancelled(this.loadRestoredState());
    for (let i = this.operators.length - 1; i >= 0; i--) {
      const context = this.stateInitializationContext(i);
      await this.untilCancelled(this.attributed(i, () => this.operators[i]!.initializeState(context)));
    }
    for (let i = this.operators.length - 1; i >= 0; i--) {
      const ctx = this.operatorContext(i);
      const opening = this.attributed(i, () => this.operators[i]!.open(ctx));
      await this.untilCancelled(opening).catch((e: unknown) => {
        // Cancelled while the operator opens: the task does not wait for it, and closes the
        // operator again once the open settles, so that what it opened late (a file) is let go.
        if (this.abort.signal.aborted) void opening.then(() => this.operators[i]!.close()).catch(() => undefined);
        throw e;
      });
    }
  }

  /** The context of operator `i` (its state comes with `initializeState`). */
  private operatorContext(i: number): OperatorContext {
    const vertex = this.vertex;
    const spec = vertex.operators[i]!;
    return {
      operatorId: spec.id,
      operatorName: spec.name,
      taskName: this.name,
      subtaskIndex: this.tdd.subtaskIndex,
      parallelism: vertex.parallelism,
      maxParallelism: vertex.maxParallelism,
      attemptNumber: this.tdd.attemptNumber,
      runtimeMode: this.tdd.jobGraph.runtimeMode,
      config: this.config,
      output: this.outputs[i]!,
      sideOutputs: this.sideOutputs[i]!,
      log: this.log.child({ operator: spec.name }),
      numberOfInputs: i > 0 ? 1 : (this.input?.numberOfInputs ?? 0),
      processingTimeService: attributedTimeService(this.timeService, spec.name),
      mailboxExecutor: { execute: (description, action) => this.mailbox.put(description, () => this.attributed(i, action)) },
      addAccumulator: (name, value) => this.addAccumulator(name, value),
      metricGroup: { counter: (name) => this.operatorCounter(`${spec.name}.${name}`) },
      signal: this.abort.signal,
      managedMemory: this.managedMemoryOf(spec),
      whenOutputAvailable: () => (this.outputsAvailable() ? undefined : this.waitForOutputs()),
      tmpDirs: tmpDirectories(this.config.get(CoreOptions.TMP_DIRS), os.tmpdir()),
    };
  }

  /**
   * The operator's share of the slot's managed memory (Flink's managed memory fractions): its
   * weight over the weights of every operator of its slot sharing group, which may share the slot.
   */
  private managedMemoryOf(spec: ChainedOperatorSpec): number {
    const weight = spec.managedMemoryWeight ?? 0;
    if (weight <= 0) return 0;
    const group = this.vertex.slotSharingGroup;
    let total = 0;
    for (const v of this.tdd.jobGraph.vertices) {
      if (v.slotSharingGroup !== group) continue;
      for (const op of v.operators) total += op.managedMemoryWeight ?? 0;
    }
    return Math.floor(((this.env.managedMemory ?? localManagedMemoryPerSlot(0, 1)) * weight) / total);
  }

  /** An operator's counter by its full name (operators of one name in a chain share it). */
  private operatorCounter(fullName: string): Counter {
    let counter = this.operatorCounters.get(fullName);
    if (counter === undefined) {
      counter = new SimpleCounter();
      this.operatorCounters.set(fullName, counter);
    }
    return counter;
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

  /** Sends partly filled buffers every `execution.buffer-timeout.interval`, as a mail. */
  private startFlusher(): void {
    const timeout = this.config.get(CoreOptions.BUFFER_TIMEOUT);
    if (this.tdd.jobGraph.runtimeMode === 'BATCH' || timeout < 0 || this.partitions.length === 0) return;
    const flush = (): void => {
      for (const p of this.partitions) p.flushAll();
    };
    this.timers.every(Math.max(1, timeout), () => this.mailbox.put('flush output buffers', flush));
  }

  private outputsAvailable(): boolean {
    for (const p of this.partitions) if (!p.isAvailable()) return false;
    for (const op of this.operators) if (isAvailabilityProvider(op) && !op.isAvailable()) return false;
    return true;
  }

  private async waitForOutputs(): Promise<void> {
    this.timers.beginBackPressure();
    try {
      const operators = this.operators.filter(isAvailabilityProvider);
      await Promise.all([...this.partitions.map((p) => p.whenAvailable()), ...operators.map((op) => op.whenAvailable())]);
    } finally {
      this.timers.endBackPressure();
    }
  }

  private async idleWhile<T>(work: Promise<T>): Promise<T> {
    this.timers.beginIdle();
    try {
      return await work;
    } finally {
      this.timers.endIdle();
    }
  }

  private inputAvailable(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeInput = () => {
        this.wakeInput = undefined;
        resolve();
      };
    });
  }

  private isSourceTask(): boolean {
    return isSourceOperator(this.operators[0]!);
  }

  /** The default action of a source task: one batch of the source per call. */
  private sourceAction(): DefaultAction {
    const source = this.operators[0] as SourceOperator;
    return (ctl) => {
      if (!this.outputsAvailable()) return ctl.suspendDefaultAction(this.waitForOutputs());
      const status = source.emitNext();
      if (status === 'end') return ctl.allActionsCompleted();
      if (status === 'more') return;
      const next = this.idleWhile(this.untilCancelled(status)).then((s) => {
        if (s === 'end') ctl.allActionsCompleted();
      });
      ctl.suspendDefaultAction(next);
    };
  }

  /** The default action of a task with inputs: the elements of one buffer (or one event) per call. */
  private inputAction(): DefaultAction {
    const input = this.input!;
    return (ctl) => {
      if (!this.outputsAvailable()) return ctl.suspendDefaultAction(this.waitForOutputs());
      const status = input.emitNext();
      if (status === 'end') ctl.allActionsCompleted();
      else if (status === 'nothing') ctl.suspendDefaultAction(this.idleWhile(this.inputAvailable()));
    };
  }
}
