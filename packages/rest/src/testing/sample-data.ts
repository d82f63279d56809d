import { randomHexId } from '@spindle/core';
import { EXECUTION_STATES, type ExecutionState } from '@spindle/protocol';
import type { TaskIOMetrics } from '@spindle/protocol';
import type { ExecutionStateCounts, JobDetails, JobVertexDetails, SubtaskInfo, TaskManagerInfo } from '../cluster-view.js';

export function stateCounts(counts: Partial<Record<ExecutionState, number>> = {}): ExecutionStateCounts {
  return Object.fromEntries(EXECUTION_STATES.map((s) => [s, counts[s] ?? 0])) as ExecutionStateCounts;
}

/** A vertex whose subtasks all are in `state`. */
export function sampleVertex(name: string, parallelism: number, state: ExecutionState, startTime: number): JobVertexDetails {
  return {
    id: randomHexId(),
    name,
    parallelism,
    maxParallelism: 128,
    slotSharingGroup: 'default',
    status: state,
    startTime,
    endTime: state === 'FINISHED' || state === 'CANCELED' || state === 'FAILED' ? startTime + 1000 : -1,
    tasksPerState: stateCounts({ [state]: parallelism }),
    metrics: {
      bytesIn: 1024,
      bytesOut: 2048,
      recordsIn: 10,
      recordsOut: 20,
      complete: true,
      accumulatedBackPressuredTimeMs: 5,
      accumulatedIdleTimeMs: 7,
      accumulatedBusyTimeMs: 11,
      currentInputWatermark: 1_700_000_000_000,
      currentOutputWatermark: Number.POSITIVE_INFINITY,
    },
  };
}

/** A running two-vertex streaming job: 'Source: Sequence -> Map' feeding 'Sink' over a hash exchange. */
export function sampleJobDetails(overrides: Partial<JobDetails> = {}): JobDetails {
  const start = overrides.startTime ?? 1_700_000_000_000;
  const source = sampleVertex('Source: Sequence -> Map', 2, 'RUNNING', start + 10);
  const sink = sampleVertex('Sink: Print', 2, 'RUNNING', start + 12);
  const jobId = overrides.jobId ?? randomHexId();
  const name = overrides.name ?? 'Sample job';
  const vertices = overrides.vertices ?? [source, sink];
  const tasks = stateCounts();
  for (const v of vertices) for (const s of EXECUTION_STATES) tasks[s] += v.tasksPerState[s];
  return {
    jobId,
    name,
    status: 'RUNNING',
    startTime: start,
    endTime: -1,
    lastModification: start + 12,
    tasksPerState: tasks,
    jobType: 'STREAMING',
    maxParallelism: -1,
    isStoppable: false,
    timestamps: { INITIALIZING: start, CREATED: start + 1, RUNNING: start + 5 },
    vertices,
    plan: {
      jobId,
      name,
      type: 'STREAMING',
      nodes: vertices.map((v, i) => ({
        id: v.id,
        parallelism: v.parallelism,
        operator: '',
        operatorStrategy: '',
        description: v.name,
        inputs: i === 0 ? [] : [{ num: 0, id: vertices[i - 1]!.id, shipStrategy: 'HASH', exchange: 'pipelined_bounded' }],
      })),
    },
    ...overrides,
  };
}

export function sampleTaskManager(index: number, slots = 2, freeSlots = slots): TaskManagerInfo {
  return {
    id: `localhost:${40000 + index}-${randomHexId().slice(0, 6)}`,
    address: `127.0.0.1:${40000 + index}`,
    dataPort: 41000 + index,
    jmxPort: -1,
    lastHeartbeat: 1_700_000_000_000,
    slotsNumber: slots,
    freeSlots,
    hardware: { cpuCores: 8, physicalMemory: 16 * 1024 ** 3, freeMemory: 0, managedMemory: 0 },
  };
}

/** Task metrics of a subtask that has run for a while: `records` in and twice as many out. */
export function sampleTaskMetrics(records: number, backPressuredMsPerSecond = 0): TaskIOMetrics {
  return {
    numRecordsIn: records,
    numRecordsOut: 2 * records,
    numBytesIn: 10 * records,
    numBytesOut: 20 * records,
    accumulatedBackPressuredTimeMs: 5,
    accumulatedBusyTimeMs: 11,
    accumulatedIdleTimeMs: 7,
    numRecordsInPerSecond: records / 10,
    numRecordsOutPerSecond: records / 5,
    numBytesInPerSecond: records,
    numBytesOutPerSecond: 2 * records,
    busyTimeMsPerSecond: 1000 - backPressuredMsPerSecond - 100,
    backPressuredTimeMsPerSecond: backPressuredMsPerSecond,
    idleTimeMsPerSecond: 100,
    currentInputWatermark: '1700000000000',
    currentOutputWatermark: '-9223372036854775808',
  };
}

/** The subtasks of a job's vertices, each in its vertex's state on one of `taskManagers`, with metrics once deployed. */
export function sampleSubtasks(job: JobDetails, taskManagers: readonly TaskManagerInfo[] = []): SubtaskInfo[] {
  return job.vertices.flatMap((v) =>
    Array.from({ length: v.parallelism }, (_, i): SubtaskInfo => {
      const tm = taskManagers.length > 0 ? taskManagers[i % taskManagers.length] : undefined;
      const deployed = v.startTime >= 0;
      return {
        vertexId: v.id,
        subtaskIndex: i,
        attemptNumber: 0,
        state: v.status,
        timestamps: {
          CREATED: job.startTime,
          SCHEDULED: job.startTime + 1,
          ...(deployed ? { DEPLOYING: v.startTime, INITIALIZING: v.startTime + 1, RUNNING: v.startTime + 2 } : {}),
          ...(v.endTime >= 0 ? { [v.status]: v.endTime } : {}),
        },
        taskManagerId: tm?.id ?? null,
        host: tm ? '127.0.0.1' : null,
        ...(deployed ? { metrics: sampleTaskMetrics(10 * (i + 1), i === 0 ? 600 : 0) } : {}),
      };
    }),
  );
}
