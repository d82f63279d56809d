import fs from 'node:fs';
import path from 'node:path';
import { ConfigurationError, TaskManagerMemoryOptions as M, TaskManagerOptions, type Configuration } from '@spindle/core';

const MB = 1024 * 1024;
/** Least heap a slot's worker thread gets: below it a worker cannot even load a job bundle. */
const MIN_SLOT_HEAP = 32 * MB;

/** V8 limits of one slot's worker thread, as `Worker` `resourceLimits` take them. */
export interface SlotResourceLimits {
  maxOldGenerationSizeMb: number;
  maxYoungGenerationSizeMb: number;
}

/** A TaskManager's memory, in bytes, derived from its configuration (and capped by its cgroup). */
export interface TaskManagerMemory {
  processSize: number;
  /** Set when a cgroup limit below the configured process size capped it. */
  cgroupLimit?: number;
  jvmOverhead: number;
  managed: number;
  frameworkHeap: number;
  taskHeap: number;
  slots: number;
  slotLimits: SlotResourceLimits;
}

/**
 * Splits `taskmanager.memory.process.size` as Flink's TaskExecutorProcessUtils does, for Node.js:
 * overhead (fraction within min/max), then managed memory (size, or fraction of the rest), the
 * framework heap, and the task heap (set, or what is left), divided equally among the slots.
 * Every problem is reported at once.
 */
export function deriveTaskManagerMemory(config: Configuration, cgroupLimit?: number): TaskManagerMemory {
  const configured = config.get(M.PROCESS_SIZE);
  const capped = cgroupLimit !== undefined && cgroupLimit < configured;
  const processSize = capped ? cgroupLimit : configured;
  const fraction = processSize * config.get(M.JVM_OVERHEAD_FRACTION);
  const jvmOverhead = Math.min(Math.max(fraction, config.get(M.JVM_OVERHEAD_MIN)), config.get(M.JVM_OVERHEAD_MAX));
  const total = processSize - jvmOverhead;
  const managed = config.get(M.MANAGED_SIZE) || total * config.get(M.MANAGED_FRACTION);
  const frameworkHeap = config.get(M.FRAMEWORK_HEAP);
  const slots = config.get(TaskManagerOptions.NUM_TASK_SLOTS);
  const taskHeap = config.get(M.TASK_HEAP) || total - managed - frameworkHeap;
  const problems: string[] = [];
  const sizes = `process ${mb(processSize)}${capped ? ' (the cgroup limit)' : ''}, overhead ${mb(jvmOverhead)}, managed ${mb(managed)}, framework heap ${mb(frameworkHeap)}`;
  if (jvmOverhead + managed + frameworkHeap + taskHeap > processSize) {
    problems.push(
      `${M.PROCESS_SIZE.key}: the memory parts do not fit (${sizes}, task heap ${mb(taskHeap)}); raise the process size or lower the parts`,
    );
  }
  if (taskHeap / slots < MIN_SLOT_HEAP) {
    problems.push(
      `${M.PROCESS_SIZE.key}: the task heap of ${mb(taskHeap)} (${sizes}) leaves less than ${mb(MIN_SLOT_HEAP)} to each of ${slots} slots; raise the process size, lower ${M.MANAGED_FRACTION.key} or the number of slots`,
    );
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  const memory = { processSize, jvmOverhead, managed, frameworkHeap, taskHeap, slots, slotLimits: slotLimits(taskHeap / slots) };
  return capped ? { ...memory, cgroupLimit } : memory;
}

/** The young generation takes an eighth of a slot's heap, between 8 and 64 MiB; the old generation the rest. */
function slotLimits(slotHeap: number): SlotResourceLimits {
  const heapMb = Math.floor(slotHeap / MB);
  const young = Math.min(64, Math.max(8, Math.floor(heapMb / 8)));
  return { maxOldGenerationSizeMb: heapMb - young, maxYoungGenerationSizeMb: young };
}

/** The sizes as the TaskManager logs them at start (Flink prints the same breakdown). */
export function memoryLogFields(memory: TaskManagerMemory): Record<string, string | number> {
  return {
    processSize: mb(memory.processSize),
    ...(memory.cgroupLimit !== undefined ? { cappedByCgroup: mb(memory.cgroupLimit) } : {}),
    jvmOverhead: mb(memory.jvmOverhead),
    managed: mb(memory.managed),
    frameworkHeap: mb(memory.frameworkHeap),
    taskHeap: mb(memory.taskHeap),
    slots: memory.slots,
    slotOldGeneration: `${memory.slotLimits.maxOldGenerationSizeMb} MiB`,
    slotYoungGeneration: `${memory.slotLimits.maxYoungGenerationSizeMb} MiB`,
  };
}

function mb(bytes: number): string {
  return `${Math.floor(bytes / MB)} MiB`;
}

/** Where the cgroup files are; tests point them at a directory of their own. */
export interface CgroupPaths {
  /** The cgroup file system's mount point (`/sys/fs/cgroup`). */
  root: string;
  /** This process's cgroup membership (`/proc/self/cgroup`). */
  self: string;
}

const UNLIMITED = 2 ** 60;

/**
 * The memory limit of this process's cgroup, in bytes: cgroup v2 `memory.max`, else v1
 * `memory.limit_in_bytes`, looked up under the process's own cgroup path and then at the root
 * (inside a container the namespace root is the container's cgroup). Undefined when there is
 * no limit ("max", or v1's near-2^63 "unlimited") or no cgroup file system.
 */
export function cgroupMemoryLimit(paths: CgroupPaths = { root: '/sys/fs/cgroup', self: '/proc/self/cgroup' }): number | undefined {
  const membership = readOr(paths.self, '').split('\n');
  const v2 = membership.find((l) => l.startsWith('0::'))?.slice(3);
  const v1 = membership.find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l))?.replace(/^[^:]*:[^:]*:/, '');
  const candidates = [
    ...(v2 !== undefined ? [path.join(paths.root, v2, 'memory.max')] : []),
    path.join(paths.root, 'memory.max'),
    ...(v1 !== undefined ? [path.join(paths.root, 'memory', v1, 'memory.limit_in_bytes')] : []),
    path.join(paths.root, 'memory', 'memory.limit_in_bytes'),
  ];
  for (const file of candidates) {
    const text = readOr(file, undefined)?.trim();
    if (text === undefined) continue;
    const n = Number(text);
    return Number.isFinite(n) && n > 0 && n < UNLIMITED ? n : undefined;
  }
  return undefined;
}

function readOr<T>(file: string, fallback: T): string | T {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}
