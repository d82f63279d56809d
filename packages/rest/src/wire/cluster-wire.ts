import { isGloballyTerminal, type JobStatus, type TaskManagerStatus } from '@spindle/protocol';
import { mergeGarbageCollectors, processMetricValues } from '@spindle/runtime';
import type {
  ClusterOverview,
  ConfigEntry,
  TaskManagerDetails,
  TaskManagerInfo,
  ThreadInfo,
  UploadedJar,
  VersionInfo,
} from '../cluster-view.js';

export function overviewBody(o: ClusterOverview, version: VersionInfo): Record<string, unknown> {
  const count = (s: JobStatus) => o.jobsPerStatus[s] ?? 0;
  let running = 0;
  for (const [status, n] of Object.entries(o.jobsPerStatus) as Array<[JobStatus, number]>) {
    if (!isGloballyTerminal(status)) running += n;
  }
  return {
    taskmanagers: o.taskManagers,
    'slots-total': o.slotsTotal,
    'slots-available': o.slotsAvailable,
    'jobs-running': running,
    'jobs-finished': count('FINISHED'),
    'jobs-cancelled': count('CANCELED'),
    'jobs-failed': count('FAILED'),
    'flink-version': version.version,
    'flink-commit': version.revision,
  };
}

export interface DashboardSettings {
  refreshIntervalMs: number;
  now: number;
  /** Whether the dashboard may submit programs (`web.submit.enable` and a cluster that runs them) and cancel jobs. */
  submit: boolean;
  cancel: boolean;
}

export function dashboardConfigBody(version: VersionInfo, s: DashboardSettings): Record<string, unknown> {
  return {
    'refresh-interval': s.refreshIntervalMs,
    'timezone-name': Intl.DateTimeFormat().resolvedOptions().timeZone,
    // Flink sends the zone's offset from UTC in milliseconds.
    'timezone-offset': -new Date(s.now).getTimezoneOffset() * 60_000,
    'flink-version': version.version,
    'flink-revision': version.revision,
    // What the dashboard offers, and the endpoints behind it allow: submission (/jars) and
    // cancellation (PATCH /jobs/:jobid). Rescaling and a history server do not exist.
    features: { 'web-submit': s.submit, 'web-cancel': s.cancel, 'web-rescale': false, 'web-history': false },
  };
}

function resourceProfile(cpuCores: number): Record<string, unknown> {
  return { cpuCores, taskHeapMemory: 0, taskOffHeapMemory: 0, managedMemory: 0, networkMemory: 0, extendedResources: {} };
}

const MEMORY_FIELDS = [
  'frameworkHeap',
  'taskHeap',
  'frameworkOffHeap',
  'taskOffHeap',
  'networkMemory',
  'managedMemory',
  'jvmMetaspace',
  'jvmOverhead',
  'totalFlinkMemory',
  'totalProcessMemory',
] as const;

/** Resource profiles and memory sizes are not measured: one CPU core per slot, memory 0. */
export function taskManagerBody(tm: TaskManagerInfo): Record<string, unknown> {
  return {
    id: tm.id,
    path: tm.address,
    dataPort: tm.dataPort,
    jmxPort: tm.jmxPort,
    timeSinceLastHeartbeat: tm.lastHeartbeat,
    slotsNumber: tm.slotsNumber,
    freeSlots: tm.freeSlots,
    totalResource: resourceProfile(tm.slotsNumber),
    freeResource: resourceProfile(tm.freeSlots),
    hardware: { ...tm.hardware },
    memoryConfiguration: Object.fromEntries(MEMORY_FIELDS.map((f) => [f, 0])),
  };
}

/**
 * Flink's TaskManagerMetricsInfo from a TaskManager's last status: heap (every thread's V8
 * heap), non-heap (the rest of the resident set), direct (ArrayBuffers), garbage collectors.
 * Spindle has no memory-mapped buffers (mapped*: 0) and no TaskManager-wide network buffer
 * pool (buffers belong to tasks): those fields are 0, as Flink sends for metrics it has not
 * fetched.
 */
function taskManagerMetricsBody(status: TaskManagerStatus | undefined): Record<string, unknown> {
  const values = status
    ? processMetricValues(
        status,
        status.slots.map((s) => s.thread),
      )
    : {};
  const n = (key: string) => Number(values[key] ?? 0);
  const threads = status ? [status.main, ...status.slots.map((s) => s.thread)] : [];
  return {
    heapUsed: n('Status.JVM.Memory.Heap.Used'),
    heapCommitted: n('Status.JVM.Memory.Heap.Committed'),
    heapMax: n('Status.JVM.Memory.Heap.Max'),
    nonHeapUsed: n('Status.JVM.Memory.NonHeap.Used'),
    nonHeapCommitted: n('Status.JVM.Memory.NonHeap.Committed'),
    nonHeapMax: -1,
    directCount: 0,
    directUsed: n('Status.JVM.Memory.Direct.MemoryUsed'),
    directMax: n('Status.JVM.Memory.Direct.TotalCapacity'),
    mappedCount: 0,
    mappedUsed: 0,
    mappedMax: 0,
    memorySegmentsAvailable: 0,
    memorySegmentsTotal: 0,
    nettyShuffleMemorySegmentsAvailable: 0,
    nettyShuffleMemorySegmentsUsed: 0,
    nettyShuffleMemorySegmentsTotal: 0,
    nettyShuffleMemoryAvailable: 0,
    nettyShuffleMemoryUsed: 0,
    nettyShuffleMemoryTotal: 0,
    garbageCollectors: mergeGarbageCollectors(threads).map((gc) => ({ name: gc.name, count: gc.count, time: gc.timeMs })),
  };
}

/**
 * `/taskmanagers/:taskmanagerid`: Flink's TaskManagerDetailsInfo, plus Spindle's own
 * `spindle-prometheus-port` (the port of the TaskManager's Prometheus endpoint, -1 without one).
 */
export function taskManagerDetailsBody(tm: TaskManagerDetails): Record<string, unknown> {
  return {
    ...taskManagerBody(tm),
    allocatedSlots: tm.allocatedSlots.map((s) => ({ jobId: s.jobId, resource: resourceProfile(1) })),
    metrics: taskManagerMetricsBody(tm.status),
    'spindle-prometheus-port': tm.metricsPort ?? -1,
  };
}

export function jarListBody(address: string, jars: UploadedJar[]): Record<string, unknown> {
  return {
    address,
    files: jars.map((j) => ({
      id: j.id,
      name: j.name,
      uploaded: j.uploaded,
      entry: j.entries.map((e) => ({ name: e.name, description: e.description })),
    })),
  };
}

const SENSITIVE = [
  'password',
  'secret',
  'token',
  'apikey',
  'api-key',
  'auth-params',
  'service-key',
  'jaas.config',
  'http-headers',
  'fs.azure.account.key',
  'credential',
];
const HIDDEN = '******';

/** `/jobmanager/config`: entries with the values of secret-looking keys hidden, as Flink does. */
export function configBody(entries: ConfigEntry[]): Array<{ key: string; value: string }> {
  return entries.map(({ key, value }) => ({ key, value: SENSITIVE.some((s) => key.toLowerCase().includes(s)) ? HIDDEN : value }));
}

/** Flink's ThreadDumpInfo: `/jobmanager/thread-dump` and `/taskmanagers/:taskmanagerid/thread-dump`. */
export function threadDumpBody(threads: readonly ThreadInfo[]): {
  threadInfos: Array<{ threadName: string; stringifiedThreadInfo: string }>;
} {
  return { threadInfos: threads.map((t) => ({ threadName: t.name, stringifiedThreadInfo: t.stack })) };
}
