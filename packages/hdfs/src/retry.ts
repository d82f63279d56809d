/** How hard the client tries before it gives up; every delay grows exponentially, with jitter. */
export interface RetryPolicy {
  /** Retries of one request, for failures that are safe to repeat. */
  readonly maxRetries: number;
  /** Switches between the NameNodes of a nameservice (standby answers, refused connections). */
  readonly maxFailovers: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Close to Hadoop's client: a failover takes seconds, so a nameservice is tried for about half a minute. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  maxFailovers: 15,
  baseDelayMs: 250,
  maxDelayMs: 4000,
};

/** The delay before attempt `n` (1 = the first repetition). */
export function backoffMs(policy: RetryPolicy, n: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, n - 1));
  return Math.round(exp * (0.5 + Math.random() / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Network failures, by where they happened. `not-sent`: no server saw the request (refused,
 * unreachable, connect timeout), so any operation may be repeated or sent to another NameNode.
 * `unknown-host`: the name does not resolve. `broken`: the request may have been carried out.
 */
export type NetworkFailure = 'not-sent' | 'unknown-host' | 'broken';

const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EADDRNOTAVAIL']);

/** The error code of a failed fetch (undici puts it on the cause). */
export function networkErrorCode(e: unknown): string | undefined {
  let c: unknown = e;
  for (let depth = 0; depth < 5 && c !== undefined && c !== null; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What went wrong with a failed fetch, for messages: its error code, else the innermost cause's message. */
export function networkErrorText(e: unknown): string {
  const code = networkErrorCode(e);
  if (code !== undefined) return code;
  let c: unknown = e;
  while ((c as { cause?: unknown }).cause instanceof Error) c = (c as { cause: unknown }).cause;
  return c instanceof Error ? c.message : String(c);
}

export function classifyNetworkError(e: unknown): NetworkFailure {
  const code = networkErrorCode(e);
  if (code !== undefined && NOT_SENT.has(code)) return 'not-sent';
  if (code === 'ENOTFOUND') return 'unknown-host';
  return 'broken';
}
