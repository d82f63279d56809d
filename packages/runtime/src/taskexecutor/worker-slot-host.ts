import { Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import { SpindleError, getLogger, localManagedMemoryPerSlot, serializeError } from '@spindle/core';
import type { CheckpointTriggerSpec, TaskDeploymentDescriptor, TaskExecutionState } from '@spindle/protocol';
import type { CheckpointResponder } from '../tasks/subtask-checkpoint.js';
import type { HubMember, ShuffleHub } from './shuffle-hub.js';
import type { SlotHost, SlotMetrics } from './slot-host.js';
import type { FromSlotWorker, SlotWorkerData, ToSlotWorker } from './worker-protocol.js';

const WORKER_URL = new URL('./slot-worker.js', import.meta.url);

/** A slot whose tasks run in a worker thread of their own. */
export class WorkerSlotHost implements SlotHost, HubMember {
  private readonly worker: Worker;
  private readonly reports = new Map<
    string,
    { tdd: TaskDeploymentDescriptor; report: (s: TaskExecutionState) => void; checkpoints: CheckpointResponder }
  >();
  private closed = false;
  private nextMetricsRequest = 0;
  private readonly metricsRequests = new Map<number, (m: SlotMetrics) => void>();
  private readonly exited: Promise<void>;
  private readonly log = getLogger('slot');

  constructor(
    slotIndex: number,
    readonly jobId: string,
    config: Record<string, string>,
    private readonly hub: ShuffleHub,
    argv: string[] = [],
    /** Heap limits of the worker thread (its share of the TaskManager's task heap); V8's defaults when absent. */
    private readonly resourceLimits?: ResourceLimits,
    /** The slot's managed memory in bytes (its share of the TaskManager's). */
    managedMemory: number = localManagedMemoryPerSlot(0, 1),
  ) {
    const data: SlotWorkerData = { slotIndex, jobId, config, managedMemory, blockingDirectories: hub.blocking.directories };
    this.worker = new Worker(WORKER_URL, { workerData: data, argv, ...(resourceLimits ? { resourceLimits } : {}) });
    this.worker.on('message', (m: FromSlotWorker) => this.onMessage(m));
    this.worker.on('error', (e: NodeJS.ErrnoException) => this.failAll(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? this.outOfMemory() : e));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    void this.exited.then(() => {
      this.hub.remove(this);
      if (!this.closed)
        this.failAll(
          new SpindleError('the slot worker thread exited unexpectedly', { code: 'WORKER_EXIT', recoverability: 'environment' }),
        );
    });
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  deploy(tdd: TaskDeploymentDescriptor, report: (state: TaskExecutionState) => void, checkpoints: CheckpointResponder): void {
    this.reports.set(tdd.executionAttemptId, { tdd, report, checkpoints });
    this.post({ type: 'deploy', tdd });
  }

  triggerCheckpoint(executionAttemptId: string, trigger: CheckpointTriggerSpec): void {
    this.post({ type: 'trigger-checkpoint', executionAttemptId, trigger });
  }

  notifyCheckpointComplete(executionAttemptId: string, checkpointId: number): void {
    this.post({ type: 'checkpoint-complete', executionAttemptId, checkpointId });
  }

  notifyCheckpointAborted(executionAttemptId: string, checkpointId: number): void {
    this.post({ type: 'checkpoint-aborted', executionAttemptId, checkpointId });
  }

  cancel(executionAttemptId: string): void {
    this.post({ type: 'cancel', executionAttemptId });
  }

  requestMetrics(): Promise<SlotMetrics> {
    if (this.closed) return Promise.resolve({ tasks: {} });
    // A worker stuck in user code must not hold up the heartbeats that carry these metrics.
    return new Promise((resolve) => {
      const requestId = this.nextMetricsRequest++;
      const timer = setTimeout(() => {
        this.metricsRequests.delete(requestId);
        resolve({ tasks: {} });
      }, 1000);
      this.metricsRequests.set(requestId, (metrics) => {
        clearTimeout(timer);
        resolve(metrics);
      });
      this.post({ type: 'metrics', requestId });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return this.exited;
    this.closed = true;
    for (const resolve of this.metricsRequests.values()) resolve({ tasks: {} });
    this.metricsRequests.clear();
    this.hub.remove(this);
    await this.worker.terminate();
  }

  serve(partitionId: string, subpartition: number, port: MessagePort): void {
    this.post({ type: 'serve', partitionId, subpartition, port }, [port]);
  }

  connected(requestId: number, port?: MessagePort): void {
    if (port) this.post({ type: 'connected', requestId, port }, [port]);
    else this.post({ type: 'connected', requestId });
  }

  private post(message: ToSlotWorker, transfer?: MessagePort[]): void {
    if (!this.closed) this.worker.postMessage(message, transfer);
  }

  private onMessage(m: FromSlotWorker): void {
    switch (m.type) {
      case 'state': {
        const entry = this.reports.get(m.state.executionAttemptId);
        if (!entry) return;
        if (m.state.state === 'FINISHED' || m.state.state === 'FAILED' || m.state.state === 'CANCELED') {
          this.reports.delete(m.state.executionAttemptId);
        }
        entry.report(m.state);
        break;
      }
      case 'checkpoint-ack':
        this.reports.get(m.executionAttemptId)?.checkpoints.acknowledge(m.checkpointId, m.ack);
        break;
      case 'checkpoint-decline':
        this.reports.get(m.executionAttemptId)?.checkpoints.decline(m.checkpointId, m.failure);
        break;
      case 'metrics':
        this.metricsRequests.get(m.requestId)?.({ tasks: m.metrics, thread: m.thread });
        this.metricsRequests.delete(m.requestId);
        break;
      case 'announce':
        this.hub.announce(this, m.partitionId);
        break;
      case 'withdraw':
        this.hub.withdraw(this, m.partitionId);
        break;
      case 'announce-blocking':
        this.hub.announceBlocking(m.partition);
        break;
      case 'request':
        this.hub.request(this, m.requestId, m.partitionId, m.subpartition, m.location);
        break;
      case 'abandon':
        this.hub.abandon(this, m.requestId);
        break;
    }
  }

  private outOfMemory(): SpindleError {
    const limit = this.resourceLimits?.maxOldGenerationSizeMb;
    const heap = limit === undefined ? "V8's default heap limit" : `its heap limit of ${limit} MiB (old generation)`;
    return new SpindleError(
      `The slot's worker thread ran out of memory: its tasks needed more than ${heap}. A slot's heap is ` +
        'taskmanager.memory.task.heap.size (derived from taskmanager.memory.process.size) divided among ' +
        'taskmanager.numberOfTaskSlots: raise the process size, or give each TaskManager fewer slots.',
      { code: 'WORKER_OUT_OF_MEMORY', recoverability: 'environment', userFacing: true },
    );
  }

  private failAll(error: Error): void {
    this.log.error('slot worker failed', { error });
    for (const [id, { tdd, report }] of this.reports) {
      report({ jobId: tdd.jobId, executionAttemptId: id, state: 'FAILED', failure: serializeError(error) });
    }
    this.reports.clear();
  }
}
