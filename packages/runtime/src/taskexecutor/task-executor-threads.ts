import type { ExecutionState } from '@spindle/protocol';
import { processThreadDump, type ThreadDescription, type ThreadDumpEntry } from '../metrics/thread-dump.js';
import type { SlotHost } from './slot-host.js';
import type { DeployedTaskInfo } from './task-executor-reports.js';

interface SlotView {
  index: number;
  jobId?: string;
  host?: SlotHost;
}

interface TaskView {
  slot: SlotView;
  info: DeployedTaskInfo;
  state: ExecutionState;
}

/** A task as Flink names it in its thread (`Map (1/2)#0`), then its state and job. */
function taskLine(t: TaskView): string {
  const i = t.info;
  return `task ${i.taskName} (${i.subtaskIndex + 1}/${i.parallelism})#${i.attemptNumber} ${t.state}, job ${i.jobName} (${i.jobId})`;
}

/**
 * A TaskManager's threads: its main thread (RPC, heartbeats, the data plane's sockets, and the
 * tasks of slots that run on it) and the worker thread of each slot, with the tasks deployed in
 * the slot and their states, and each thread's JavaScript stack where it is now.
 */
export function taskManagerThreadDump(resourceId: string, slots: readonly SlotView[], tasks: readonly TaskView[]): ThreadDumpEntry[] {
  const inSlot = (s: SlotView) => tasks.filter((t) => t.slot === s).map(taskLine);
  const workers = new Map<number, ThreadDescription>();
  const onMain: string[] = [];
  for (const s of slots) {
    if (s.host === undefined) continue;
    const lines = [`slot ${s.index} of ${resourceId}${s.jobId ? `, allocated to job ${s.jobId}` : ''}`, ...inSlot(s)];
    if (s.host.threadId === undefined) onMain.push(...lines);
    else workers.set(s.host.threadId, { name: `Slot ${s.index} worker`, details: lines });
  }
  return processThreadDump((id) =>
    id === 0 ? { name: 'main', details: [`TaskManager ${resourceId}: RPC, heartbeats, network`, ...onMain] } : workers.get(id),
  );
}
