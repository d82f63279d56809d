import os from 'node:os';
import { PerformanceObserver, constants, monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { GarbageCollectorStats, ProcessStatus, ThreadStatus } from '@spindle/protocol';

/** Timer period of the event-loop delay histogram; a sample is the period plus the lag. */
const RESOLUTION_MS = 10;

const GC_NAMES: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'Scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'MarkSweepCompact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'IncrementalMarking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'ProcessWeakCallbacks',
};

interface Lag {
  mean: number;
  max: number;
  p99: number;
}

/**
 * Measures the thread it is created on (one per JobManager, TaskManager and slot worker
 * thread): event-loop lag over fixed windows (`windowMs`, as Flink's metric views update every
 * few seconds), heap, garbage collections, and for the process as a whole CPU use. Its timer
 * is unref'd, so it never keeps a process alive; `close()` stops it.
 */
export class RuntimeSampler {
  private readonly histogram: IntervalHistogram;
  private readonly gcObserver: PerformanceObserver;
  private readonly gc = new Map<string, { count: number; timeMs: number }>();
  private readonly timer: NodeJS.Timeout;
  private lag: Lag = { mean: 0, max: 0, p99: 0 };
  private cpuLoad = 0;
  private lastCpu = process.cpuUsage();
  private lastWall = performance.now();

  constructor(windowMs = 5000) {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
        const name = (kind !== undefined ? GC_NAMES[kind] : undefined) ?? 'Other';
        const stats = this.gc.get(name) ?? { count: 0, timeMs: 0 };
        stats.count++;
        stats.timeMs += entry.duration;
        this.gc.set(name, stats);
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.timer = setInterval(() => this.roll(), windowMs);
    this.timer.unref();
  }

  /** This thread: heap, the lag of the last complete window, collections so far. */
  thread(): ThreadStatus {
    const heap = v8.getHeapStatistics();
    return {
      heapUsed: heap.used_heap_size,
      heapCommitted: heap.total_heap_size,
      heapMax: heap.heap_size_limit,
      eventLoopLagMeanMs: this.lag.mean,
      eventLoopLagMaxMs: this.lag.max,
      eventLoopLagP99Ms: this.lag.p99,
      garbageCollectors: [...this.gc].map(([name, s]): GarbageCollectorStats => ({ name, count: s.count, timeMs: Math.round(s.timeMs) })),
    };
  }

  /** The process, as seen from this (its main) thread. */
  process(): ProcessStatus {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      timestamp: Date.now(),
      main: this.thread(),
      rss: memory.rss,
      external: memory.external,
      arrayBuffers: memory.arrayBuffers,
      cpuTimeMs: (cpu.user + cpu.system) / 1000,
      cpuLoad: this.cpuLoad,
      freeMemory: os.freemem(),
    };
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
    this.gcObserver.disconnect();
  }

  private roll(): void {
    const lagOf = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    if (this.histogram.count > 0) {
      this.lag = { mean: lagOf(this.histogram.mean), max: lagOf(this.histogram.max), p99: lagOf(this.histogram.percentile(99)) };
    }
    this.histogram.reset();
    const cpu = process.cpuUsage();
    const wall = performance.now();
    const usedMs = (cpu.user - this.lastCpu.user + cpu.system - this.lastCpu.system) / 1000;
    const cores = os.availableParallelism();
    this.cpuLoad = wall > this.lastWall ? Math.min(1, usedMs / ((wall - this.lastWall) * cores)) : 0;
    this.lastCpu = cpu;
    this.lastWall = wall;
  }
}
