import { memoryOption, numberOption } from '../config-option.js';

const MB = 1024 * 1024;

/**
 * The TaskManager memory model (Flink's TaskManagerOptions.*_MEMORY), mapped to Node.js: the
 * process size is split into the JVM-overhead share (here: V8 code, buffers outside the heaps,
 * thread stacks), managed memory (reserved outside the heaps), the framework heap (the
 * TaskManager's own thread) and the task heap, divided among the slots' worker threads
 * (`resourceLimits`). Flink's metaspace and network memory have no counterpart.
 *
 * The framework heap is a budget, not a limit: Node's `--max-old-space-size` would set it, but it
 * also overrides every worker's `resourceLimits` (Node's documented behaviour), so the
 * TaskManager's own thread keeps V8's default limit and the slots keep theirs.
 */
export const TaskManagerMemoryOptions = {
  PROCESS_SIZE: memoryOption({
    key: 'taskmanager.memory.process.size',
    default: 1728 * MB,
    min: 64 * MB,
    description:
      'Total memory of a TaskManager process; the other sizes derive from it. On YARN the container size. A cgroup memory limit below it caps it.',
  }),
  FRAMEWORK_HEAP: memoryOption({
    key: 'taskmanager.memory.framework.heap.size',
    default: 128 * MB,
    min: 16 * MB,
    description:
      "Heap budget of the TaskManager's own thread (RPC, shuffle, blob cache); not enforced, since --max-old-space-size would override the slots' limits.",
  }),
  TASK_HEAP: memoryOption({
    key: 'taskmanager.memory.task.heap.size',
    default: 0,
    min: 0,
    description:
      "Heap of the slots' worker threads together, divided equally among taskmanager.numberOfTaskSlots; 0 derives it: what the process size leaves after overhead, managed memory and framework heap.",
  }),
  MANAGED_SIZE: memoryOption({
    key: 'taskmanager.memory.managed.size',
    default: 0,
    min: 0,
    description: 'Memory reserved outside the heaps for managed consumers; 0 derives it from taskmanager.memory.managed.fraction.',
  }),
  MANAGED_FRACTION: numberOption({
    key: 'taskmanager.memory.managed.fraction',
    default: 0.4,
    min: 0,
    max: 0.99,
    description:
      'Share of the process size less the JVM overhead reserved as managed memory (when managed.size is not set). Jobs on heap state may set 0 to give it to the task heap.',
  }),
  JVM_OVERHEAD_FRACTION: numberOption({
    key: 'taskmanager.memory.jvm-overhead.fraction',
    default: 0.1,
    min: 0,
    max: 0.99,
    description: 'Share of the process size kept for the runtime outside the heaps (V8 code, buffers, stacks), within min and max.',
  }),
  JVM_OVERHEAD_MIN: memoryOption({
    key: 'taskmanager.memory.jvm-overhead.min',
    default: 192 * MB,
    min: 0,
    description: 'Least memory kept for the runtime outside the heaps.',
  }),
  JVM_OVERHEAD_MAX: memoryOption({
    key: 'taskmanager.memory.jvm-overhead.max',
    default: 1024 * MB,
    min: 0,
    description: 'Most memory kept for the runtime outside the heaps.',
  }),
} as const;

/** Flink's managed memory of a local (mini-cluster) execution when taskmanager.memory.managed.size is not set. */
export const LOCAL_MANAGED_MEMORY = 128 * MB;

/**
 * The managed memory of one slot of a TaskManager that runs inside the client or a test (a
 * MiniCluster, which has no process size to derive from): `taskmanager.memory.managed.size`, or
 * 128 MiB as Flink's local execution, divided equally among the slots.
 */
export function localManagedMemoryPerSlot(managedSize: number, slots: number): number {
  return Math.floor((managedSize > 0 ? managedSize : LOCAL_MANAGED_MEMORY) / Math.max(1, slots));
}
