/**
 * What the progress display reads of `GET /jobs/:jobid` (Flink's JobDetailsInfo), the same
 * body for a session cluster and for the embedded one.
 */
export interface JobProgressSnapshot {
  state: string;
  /** Milliseconds since the job started (to its end once it ended). */
  duration: number;
  vertices: VertexProgress[];
  /** Spindle's own field, present while the job waits for slots the cluster does not have. */
  'spindle-slot-wait'?: { needed: number; missing: number; free: number };
}

export interface VertexProgress {
  id: string;
  name: string;
  parallelism: number;
  status: string;
  /** -1 while no subtask was deployed. */
  duration: number;
  tasks: Record<string, number>;
  metrics: { 'read-bytes': number; 'write-bytes': number; 'read-records': number; 'write-records': number };
}

/** A count with thousands separators, independent of the locale: 1,000,000. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const BYTE_UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/** Bytes in binary units with one decimal, as Flink's web UI shows them: 512 B, 12.3 MB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** 3.2 s, 2m 05s, 1h 02m; '-' for an unknown duration. */
export function formatElapsed(ms: number): string {
  if (ms < 0) return '-';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  const pad = (x: number) => String(x).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
}

export function stagesFinished(s: JobProgressSnapshot): string {
  return `${s.vertices.filter((v) => v.status === 'FINISHED').length}/${s.vertices.length} stages finished`;
}

export function subtasksFinished(v: VertexProgress): string {
  return `${v.tasks.FINISHED ?? 0}/${v.parallelism}`;
}

/** `1,000 records in, 101 records out, 1.2 MB in, 3.4 KB out, 3.2 s`. */
export function vertexFigures(v: VertexProgress): string {
  const m = v.metrics;
  return [
    `${formatCount(m['read-records'])} records in`,
    `${formatCount(m['write-records'])} records out`,
    `${formatBytes(m['read-bytes'])} in`,
    `${formatBytes(m['write-bytes'])} out`,
    formatElapsed(v.duration),
  ].join(', ');
}

/** `Stage 'Map -> Sink' (2/4)`: the stage's name and its place among the job's vertices. */
export function stageLabel(s: JobProgressSnapshot, index: number): string {
  return `Stage '${s.vertices[index]!.name}' (${index + 1}/${s.vertices.length})`;
}

/** The name cut to `width` characters, marked with '...' when cut. */
export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 3))}...`;
}
