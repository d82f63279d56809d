import type { TaskDeploymentDescriptor, TaskIOMetrics, TaskManagerStatus } from '@spindle/protocol';
import { LogDirectory } from '../logs/log-directory.js';
import { RuntimeSampler } from '../metrics/runtime-sampler.js';
import type { LogFileChunk, TaskManagerLogs } from '../rpc/gateways.js';
import type { SlotHost, SlotMetrics } from './slot-host.js';

/** What identifies a running task in its metrics (Flink's task scope variables). */
export interface DeployedTaskInfo {
  jobId: string;
  jobName: string;
  vertexId: string;
  taskName: string;
  subtaskIndex: number;
  /** The vertex's parallelism. */
  parallelism: number;
  attemptNumber: number;
  attemptId: string;
}

/** A TaskManager's measurements at one moment: its status and its running tasks' metrics. */
export interface TaskExecutorMetrics {
  status: TaskManagerStatus;
  tasks: Array<DeployedTaskInfo & { metrics: TaskIOMetrics }>;
}

/** The metrics of one slot's tasks and thread. */
export interface SlotReport {
  slotIndex: number;
  jobMasterAddress?: string;
  metrics: SlotMetrics;
}

/** Largest part of a log file one call returns (RPC messages stay well under gRPC's 4 MiB). */
const MAX_LOG_CHUNK = 1024 * 1024;

export function deployedTaskInfo(tdd: TaskDeploymentDescriptor): DeployedTaskInfo {
  const vertex = tdd.jobGraph.vertices.find((v) => v.id === tdd.vertexId);
  return {
    jobId: tdd.jobId,
    jobName: tdd.jobName,
    vertexId: tdd.vertexId,
    taskName: vertex?.name ?? tdd.vertexId,
    subtaskIndex: tdd.subtaskIndex,
    parallelism: vertex?.parallelism ?? 1,
    attemptNumber: tdd.attemptNumber,
    attemptId: tdd.executionAttemptId,
  };
}

/**
 * What a TaskExecutor reports about itself: its process status (sampled on its own thread from
 * `start()` to `close()`), the metrics of its slots, and the files of its log directory.
 */
export class TaskExecutorReports {
  private sampler: RuntimeSampler | undefined;

  constructor(private readonly logs: LogDirectory = new LogDirectory(undefined)) {}

  start(): void {
    this.sampler ??= new RuntimeSampler();
  }

  close(): void {
    this.sampler?.close();
  }

  /** Asks every slot that hosts tasks for their metrics (a slot that does not answer within a second reports none). */
  async collect(slots: ReadonlyArray<{ index: number; host?: SlotHost; jobMasterAddress?: string }>): Promise<SlotReport[]> {
    const hosted = slots.filter((s) => s.host !== undefined);
    return Promise.all(
      hosted.map(async (s) => ({
        slotIndex: s.index,
        ...(s.jobMasterAddress !== undefined ? { jobMasterAddress: s.jobMasterAddress } : {}),
        metrics: await s.host!.requestMetrics(),
      })),
    );
  }

  /** The process and the slot threads that reported. */
  status(reports: readonly SlotReport[]): TaskManagerStatus {
    // Before start (or after close) the status is measured once, on a sampler of its own.
    const sampler = this.sampler ?? new RuntimeSampler();
    const process = sampler.process();
    if (sampler !== this.sampler) sampler.close();
    const slots = reports.flatMap((r) => (r.metrics.thread ? [{ slotIndex: r.slotIndex, thread: r.metrics.thread }] : []));
    return { ...process, slots };
  }

  async logList(): Promise<TaskManagerLogs> {
    const files = await this.logs.list();
    return this.logs.mainFile === undefined ? { files } : { files, mainFile: this.logs.mainFile };
  }

  async logFile(name: string, offset: number, length: number): Promise<LogFileChunk> {
    const start = Number.isSafeInteger(offset) && offset > 0 ? offset : 0;
    const size = Number.isSafeInteger(length) && length > 0 ? Math.min(length, MAX_LOG_CHUNK) : MAX_LOG_CHUNK;
    return this.logs.read(name, start, size);
  }
}
