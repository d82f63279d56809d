import { isGloballyTerminal, type JobStatus } from '@spindle/protocol';
import type { ClusterOverview, ConfigEntry, TaskManagerInfo, UploadedJar, VersionInfo } from '../cluster-view.js';

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
}

export function dashboardConfigBody(version: VersionInfo, s: DashboardSettings): Record<string, unknown> {
  return {
    'refresh-interval': s.refreshIntervalMs,
    'timezone-name': Intl.DateTimeFormat().resolvedOptions().timeZone,
    // Flink sends the zone's offset from UTC in milliseconds.
    'timezone-offset': -new Date(s.now).getTimezoneOffset() * 60_000,
    'flink-version': version.version,
    'flink-revision': version.revision,
    // The features are those of a web UI (Flink's submit and cancel pages, web.submit.enable,
    // web.cancel.enable). Spindle serves no web UI, so it claims none; the REST endpoints behind
    // them (/jars, PATCH /jobs/:jobid) work regardless.
    features: { 'web-submit': false, 'web-cancel': false, 'web-rescale': false, 'web-history': false },
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
