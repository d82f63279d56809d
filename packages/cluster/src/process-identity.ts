import type { Configuration } from '@spindle/core';

/**
 * Key under which a JobManager shows its process id in `GET /jobmanager/config` (like Flink's
 * `internal.*` entries, set by the process, never by users). Whoever started the process can
 * then tell its own JobManager from any other program that answers on the REST port.
 */
export const JOB_MANAGER_PID_KEY = 'internal.jobmanager.pid';

/** The configuration a JobManager shows over REST: its own, plus its process id. */
export function shownConfiguration(config: Configuration): Configuration {
  return config.clone().setString(JOB_MANAGER_PID_KEY, String(process.pid));
}

/**
 * The process id of the Spindle JobManager answering at `restBase` (`http://host:port`), or
 * undefined when nothing answers, or something that is not a JobManager (no such entry).
 */
export async function jobManagerPidAt(restBase: string, timeoutMs = 1000): Promise<number | undefined> {
  try {
    const r = await fetch(`${restBase}/jobmanager/config`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!r.ok) return undefined;
    const body: unknown = await r.json();
    if (!Array.isArray(body)) return undefined;
    const entry = body.find(
      (e: unknown): e is { key: string; value: unknown } =>
        typeof e === 'object' && e !== null && (e as { key?: unknown }).key === JOB_MANAGER_PID_KEY,
    );
    const pid = Number(entry?.value);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
