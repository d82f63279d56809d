import type { ProcessStatus, TaskIOMetrics, ThreadStatus } from '@spindle/protocol';
import type { MetricGroup } from './prometheus.js';

/**
 * Flink's metric names for what Spindle measures, in one place: the ids of the REST metric
 * endpoints and, turned into Prometheus names, of the `/metrics` endpoints. Values are numbers;
 * watermarks are the exact decimal strings of Flink's Long watermarks.
 */
export type MetricValues = Record<string, number | string>;

/**
 * A task's metrics (Flink's task scope: `numRecordsIn`, `busyTimeMsPerSecond`, ...), and unless
 * `withOperators` is false its operators' counters as `<operator name>.<metric>`, as Flink lists
 * operator metrics of a vertex in REST.
 */
export function taskMetricValues(m: TaskIOMetrics, withOperators = true): MetricValues {
  return {
    numRecordsIn: m.numRecordsIn,
    numRecordsOut: m.numRecordsOut,
    numBytesIn: m.numBytesIn,
    numBytesOut: m.numBytesOut,
    numRecordsInPerSecond: m.numRecordsInPerSecond,
    numRecordsOutPerSecond: m.numRecordsOutPerSecond,
    numBytesInPerSecond: m.numBytesInPerSecond,
    numBytesOutPerSecond: m.numBytesOutPerSecond,
    busyTimeMsPerSecond: m.busyTimeMsPerSecond,
    backPressuredTimeMsPerSecond: m.backPressuredTimeMsPerSecond,
    idleTimeMsPerSecond: m.idleTimeMsPerSecond,
    accumulatedBusyTime: m.accumulatedBusyTimeMs,
    accumulatedBackPressuredTime: m.accumulatedBackPressuredTimeMs,
    accumulatedIdleTime: m.accumulatedIdleTimeMs,
    currentInputWatermark: m.currentInputWatermark,
    currentOutputWatermark: m.currentOutputWatermark,
    ...(withOperators ? m.operatorCounters : {}),
  };
}

/**
 * The task's operator counters as Prometheus groups of Flink's operator scope
 * (`<scope>_operator_<metric>` with an `operator_name` label), under the task's `scope` and `labels`.
 */
export function operatorMetricGroups(m: TaskIOMetrics, scope: readonly string[], labels: Readonly<Record<string, string>>): MetricGroup[] {
  const byOperator = new Map<string, MetricValues>();
  for (const [fullName, value] of Object.entries(m.operatorCounters ?? {})) {
    const dot = fullName.lastIndexOf('.');
    const operator = fullName.slice(0, dot);
    const values = byOperator.get(operator) ?? {};
    values[fullName.slice(dot + 1)] = value;
    byOperator.set(operator, values);
  }
  return [...byOperator].map(([operator, values]) => ({
    scope: [...scope, 'operator'],
    labels: { ...labels, operator_name: operator },
    values,
  }));
}

/**
 * The status metrics of a JobManager or TaskManager process under Flink's names, which tools
 * built for Flink read (`Status.JVM.*`: here the process's V8 heaps and native memory), plus
 * Spindle's event-loop lag. `threads` are further threads with heaps of their own (slot
 * workers); their heaps count in the process's heap, their lag in `Status.EventLoop.SlotLag.*`.
 */
export function processMetricValues(status: ProcessStatus, threads: readonly ThreadStatus[] = []): MetricValues {
  const all = [status.main, ...threads];
  const sum = (f: (t: ThreadStatus) => number) => all.reduce((n, t) => n + f(t), 0);
  const heapCommitted = sum((t) => t.heapCommitted);
  const values: MetricValues = {
    'Status.JVM.Memory.Heap.Used': sum((t) => t.heapUsed),
    'Status.JVM.Memory.Heap.Committed': heapCommitted,
    'Status.JVM.Memory.Heap.Max': sum((t) => t.heapMax),
    'Status.JVM.Memory.NonHeap.Used': Math.max(0, status.rss - heapCommitted),
    'Status.JVM.Memory.NonHeap.Committed': Math.max(0, status.rss - heapCommitted),
    'Status.JVM.Memory.Direct.MemoryUsed': status.arrayBuffers,
    'Status.JVM.Memory.Direct.TotalCapacity': status.arrayBuffers,
    'Status.JVM.CPU.Load': status.cpuLoad,
    // Flink reports the CPU time in nanoseconds.
    'Status.JVM.CPU.Time': Math.round(status.cpuTimeMs * 1e6),
    'Status.JVM.Threads.Count': all.length,
    'Status.Process.Rss': status.rss,
    'Status.Process.External': status.external,
    'Status.EventLoop.Lag.Mean': status.main.eventLoopLagMeanMs,
    'Status.EventLoop.Lag.Max': status.main.eventLoopLagMaxMs,
    'Status.EventLoop.Lag.P99': status.main.eventLoopLagP99Ms,
  };
  if (threads.length > 0) {
    values['Status.EventLoop.SlotLag.Mean'] = threads.reduce((n, t) => n + t.eventLoopLagMeanMs, 0) / threads.length;
    values['Status.EventLoop.SlotLag.Max'] = Math.max(...threads.map((t) => t.eventLoopLagMaxMs));
  }
  for (const gc of mergeGarbageCollectors(all)) {
    values[`Status.JVM.GarbageCollector.${gc.name}.Count`] = gc.count;
    values[`Status.JVM.GarbageCollector.${gc.name}.Time`] = gc.timeMs;
  }
  return values;
}

/** Collections by collector name, summed over threads. */
export function mergeGarbageCollectors(threads: readonly ThreadStatus[]): Array<{ name: string; count: number; timeMs: number }> {
  const byName = new Map<string, { name: string; count: number; timeMs: number }>();
  for (const t of threads) {
    for (const gc of t.garbageCollectors) {
      const entry = byName.get(gc.name) ?? { name: gc.name, count: 0, timeMs: 0 };
      entry.count += gc.count;
      entry.timeMs += gc.timeMs;
      byName.set(gc.name, entry);
    }
  }
  return [...byName.values()];
}

/**
 * A metric value as a number, for aggregation and Prometheus; a watermark string becomes the
 * (rounded) Long it spells, as Flink's reporters show Long.MIN_VALUE before the first watermark.
 */
export function numericValue(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}
