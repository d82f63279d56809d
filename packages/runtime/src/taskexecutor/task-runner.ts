import { serializeError } from '@spindle/core';
import type { CheckpointTriggerSpec, TaskDeploymentDescriptor, TaskExecutionState, TaskIOMetrics } from '@spindle/protocol';
import type { CheckpointResponder } from '../tasks/subtask-checkpoint.js';
import type { PartitionManager } from '../network/partition-manager.js';
import type { JobProgram } from '../program/program-context.js';
import { StreamTask } from '../tasks/stream-task.js';

/** Runs deployed tasks of one thread; shared by the worker-thread and same-thread slot hosts. */
export class TaskRunner {
  private readonly tasks = new Map<string, StreamTask>();
  private readonly cancelledEarly = new Set<string>();

  constructor(
    private readonly partitions: PartitionManager,
    private readonly loadProgram: (tdd: TaskDeploymentDescriptor) => Promise<JobProgram>,
    /** The slot's managed memory in bytes. */
    private readonly managedMemory: number,
  ) {}

  deploy(tdd: TaskDeploymentDescriptor, report: (state: TaskExecutionState) => void, checkpoints: CheckpointResponder): void {
    void this.run(tdd, report, checkpoints);
  }

  triggerCheckpoint(executionAttemptId: string, trigger: CheckpointTriggerSpec): void {
    this.tasks.get(executionAttemptId)?.triggerCheckpoint(trigger);
  }

  notifyCheckpointComplete(executionAttemptId: string, checkpointId: number): void {
    this.tasks.get(executionAttemptId)?.notifyCheckpointComplete(checkpointId);
  }

  notifyCheckpointAborted(executionAttemptId: string, checkpointId: number): void {
    this.tasks.get(executionAttemptId)?.notifyCheckpointAborted(checkpointId);
  }

  cancel(executionAttemptId: string): void {
    const task = this.tasks.get(executionAttemptId);
    if (task) task.cancel();
    else this.cancelledEarly.add(executionAttemptId);
  }

  cancelAll(): void {
    for (const t of this.tasks.values()) t.cancel();
  }

  metrics(): Record<string, TaskIOMetrics> {
    const out: Record<string, TaskIOMetrics> = {};
    for (const [id, task] of this.tasks) out[id] = task.metrics();
    return out;
  }

  get running(): number {
    return this.tasks.size;
  }

  private async run(
    tdd: TaskDeploymentDescriptor,
    report: (state: TaskExecutionState) => void,
    checkpointResponder: CheckpointResponder,
  ): Promise<void> {
    const id = tdd.executionAttemptId;
    let program: JobProgram;
    try {
      program = await this.loadProgram(tdd);
    } catch (e) {
      report({ jobId: tdd.jobId, executionAttemptId: id, state: 'FAILED', failure: serializeError(e) });
      return;
    }
    if (this.cancelledEarly.delete(id)) {
      report({ jobId: tdd.jobId, executionAttemptId: id, state: 'CANCELED' });
      return;
    }
    const task = new StreamTask(tdd, {
      partitions: this.partitions,
      program,
      keySelector: (dataSetId) => program.keySelector(dataSetId),
      reportState: report,
      checkpointResponder,
      managedMemory: this.managedMemory,
    });
    this.tasks.set(id, task);
    try {
      await task.run();
    } finally {
      this.tasks.delete(id);
    }
  }
}
