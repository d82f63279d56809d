/** One thread of a process as a thread dump shows it (Flink's ThreadInfo, rendered). */
export interface ThreadDumpEntry {
  name: string;
  /** The thread as a Java thread dump shows one: header, what it is doing, its JavaScript stack. */
  info: string;
}

/** What the process knows about one of its threads beyond its stack: a name, and lines such as the tasks it runs. */
export interface ThreadDescription {
  name: string;
  details: string[];
}

interface ReportThread {
  header?: { threadId?: number };
  javascriptStack?: { message?: string; stack?: string[] };
}

/**
 * Node gives a thread's stack only through its diagnostic report, which interrupts every worker
 * thread where it is: a worker running JavaScript shows the frames it is in (RUNNABLE); a worker
 * waiting in its event loop for work shows none (WAITING). Native frames, locks and CPU times
 * are not available.
 */
function render(id: number, d: ThreadDescription, report: ReportThread, self: boolean): ThreadDumpEntry {
  // An idle worker's report has no frames, only a note such as `Unavailable.`
  const frames = (report.javascriptStack?.stack ?? []).map((f) => f.trim()).filter((f) => f.startsWith('at '));
  const state = self || frames.length > 0 ? 'RUNNABLE' : 'WAITING';
  const lines = [
    `"${d.name}" Id=${id} ${state}`,
    ...d.details.map((l) => `\t- ${l}`),
    ...(frames.length > 0 ? frames.map((f) => `\t${f}`) : ['\t(waiting for work in its event loop)']),
  ];
  return { name: d.name, info: `${lines.join('\n')}\n` };
}

/**
 * The threads of this process: the main thread (which is taking the dump) and each worker thread,
 * described by `describe(threadId)` (worker thread ids are Node's `Worker.threadId`; the main
 * thread's is 0). A worker `describe` returns undefined for is still listed, as `worker-<id>`.
 */
export function processThreadDump(describe: (threadId: number) => ThreadDescription | undefined): ThreadDumpEntry[] {
  const report = process.report.getReport() as unknown as ReportThread & { workers?: ReportThread[] };
  const mainId = report.header?.threadId ?? 0;
  const main = render(mainId, describe(mainId) ?? { name: 'main', details: [] }, report, true);
  const workers = (report.workers ?? []).map((w) => {
    const id = w.header?.threadId ?? -1;
    return render(id, describe(id) ?? { name: `worker-${id}`, details: [] }, w, false);
  });
  return [main, ...workers];
}
