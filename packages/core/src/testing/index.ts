/**
 * Helpers for tests of every package (`@spindle/core/testing`): waiting with a deadline instead of
 * sleeping, and bounding a run so that a hang fails the test with a message.
 */

/** Runs `run` and fails with `what` if it has not settled within `ms` (a hang), instead of waiting for mocha. */
export async function withinMs<T>(ms: number, what: string, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} did not end within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([run(), hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` until it holds; fails after `timeoutMs`. */
export async function untilTrue(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export { describeFileSystemContract, readText, writeText, type FileSystemUnderTest } from './file-system-contract.js';
