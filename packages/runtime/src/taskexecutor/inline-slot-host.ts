import type { CheckpointTriggerSpec, TaskDeploymentDescriptor, TaskExecutionState } from '@spindle/protocol';
import type { CheckpointResponder } from '../tasks/subtask-checkpoint.js';
import { SpindleError, localManagedMemoryPerSlot } from '@spindle/core';
import type { PartitionManager } from '../network/partition-manager.js';
import type { JobProgram } from '../program/program-context.js';
import type { SlotHost, SlotMetrics } from './slot-host.js';
import { TaskRunner } from './task-runner.js';

/**
 * A slot whose tasks run in the calling thread, for programs run straight from a script or a
 * test: their functions are already loaded here, so nothing is rebuilt from a bundle.
 *
 * Limit: user code that never returns (a busy loop) blocks this thread, the TaskExecutor's
 * included, so neither cancellation nor `task.cancellation.timeout` can stop it; only slots that
 * are worker threads can be terminated.
 */
export class InlineSlotHost implements SlotHost {
  private readonly runner: TaskRunner;
  private closed = false;

  /** `jobId`: the job the slot is allocated to; its partitions are released when the slot closes. */
  constructor(
    private readonly partitions: PartitionManager,
    programs: (jobId: string) => JobProgram | undefined,
    private readonly jobId?: string,
    /** The slot's managed memory in bytes. */
    managedMemory: number = localManagedMemoryPerSlot(0, 1),
  ) {
    const load = async (tdd: TaskDeploymentDescriptor): Promise<JobProgram> => {
      const program = programs(tdd.jobId);
      if (!program) throw new SpindleError(`no program registered for job ${tdd.jobId}`, { code: 'NO_PROGRAM' });
      return program;
    };
    this.runner = new TaskRunner(partitions, load, managedMemory);
  }

  deploy(tdd: TaskDeploymentDescriptor, report: (state: TaskExecutionState) => void, checkpoints: CheckpointResponder): void {
    this.runner.deploy(tdd, report, checkpoints);
  }

  triggerCheckpoint(executionAttemptId: string, trigger: CheckpointTriggerSpec): void {
    this.runner.triggerCheckpoint(executionAttemptId, trigger);
  }

  notifyCheckpointComplete(executionAttemptId: string, checkpointId: number): void {
    this.runner.notifyCheckpointComplete(executionAttemptId, checkpointId);
  }

  notifyCheckpointAborted(executionAttemptId: string, checkpointId: number): void {
    this.runner.notifyCheckpointAborted(executionAttemptId, checkpointId);
  }

  cancel(executionAttemptId: string): void {
    this.runner.cancel(executionAttemptId);
  }

  /** The tasks run on the TaskExecutor's own thread, whose status the TaskExecutor reports itself. */
  async requestMetrics(): Promise<SlotMetrics> {
    return { tasks: this.runner.metrics() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.runner.cancelAll();
    // The slot is freed when its job ended: what the job produced or waits for here goes with it.
    if (this.jobId !== undefined) this.partitions.releaseJob(this.jobId, `job ${this.jobId} ended and its slot was freed`);
  }
}
