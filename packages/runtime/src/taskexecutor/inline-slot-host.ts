import type { TaskDeploymentDescriptor, TaskExecutionState, TaskIOMetrics } from '@spindle/protocol';
import { SpindleError } from '@spindle/core';
import type { PartitionManager } from '../network/partition-manager.js';
import type { JobProgram } from '../program/program-context.js';
import type { SlotHost } from './slot-host.js';
import { TaskRunner } from './task-runner.js';

/**
 * A slot whose tasks run in the calling thread, for programs run straight from a script or a
 * test: their functions are already loaded here, so nothing is rebuilt from a bundle.
 */
export class InlineSlotHost implements SlotHost {
  private readonly runner: TaskRunner;

  constructor(partitions: PartitionManager, programs: (jobId: string) => JobProgram | undefined) {
    this.runner = new TaskRunner(partitions, async (tdd) => {
      const program = programs(tdd.jobId);
      if (!program) throw new SpindleError(`no program registered for job ${tdd.jobId}`, { code: 'NO_PROGRAM' });
      return program;
    });
  }

  deploy(tdd: TaskDeploymentDescriptor, report: (state: TaskExecutionState) => void): void {
    this.runner.deploy(tdd, report);
  }

  cancel(executionAttemptId: string): void {
    this.runner.cancel(executionAttemptId);
  }

  async requestMetrics(): Promise<Record<string, TaskIOMetrics>> {
    return this.runner.metrics();
  }

  async close(): Promise<void> {
    this.runner.cancelAll();
  }
}
