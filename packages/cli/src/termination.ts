const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type TerminationSignal = keyof typeof EXIT_CODES;
type Hook = (signal: TerminationSignal) => Promise<unknown>;

/** Work to finish before the process ends on SIGINT/SIGTERM (cancelling an attached job). */
const hooks = new Set<Hook>();
let users = 0;
let terminating = false;

function onSignal(signal: TerminationSignal): void {
  if (terminating) return;
  terminating = true;
  const pending = [...hooks].map((hook) => hook(signal).catch(() => undefined));
  // A hook that hangs must not keep a terminated client alive.
  const deadline = new Promise((resolve) => setTimeout(resolve, 15_000).unref());
  void Promise.race([Promise.all(pending), deadline]).finally(() => process.exit(EXIT_CODES[signal]));
}

/**
 * Makes SIGINT and SIGTERM end the process (130, 143, as a shell reports them) once the hooks of
 * `onTermination` settled, so that `exit` handlers run. Returns the undo; the handlers stay while
 * anyone still needs them.
 */
export function exitOnSignals(): () => void {
  if (users++ === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    if (--users === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  };
}

/** Runs `hook` when the process is terminated by SIGINT/SIGTERM, before it exits. Returns the undo. */
export function onTermination(hook: Hook): () => void {
  const undoSignals = exitOnSignals();
  hooks.add(hook);
  return () => {
    hooks.delete(hook);
    undoSignals();
  };
}
