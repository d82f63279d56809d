import { expect } from 'chai';
import { ManualScheduler, SpindleError } from '@spindle/core';
import {
  HeapKeyedStateBackend,
  InternalTimeServiceManager,
  SchedulerProcessingTimeService,
  ValueStateDescriptor,
  type InternalTimer,
  type Triggerable,
} from '../src/index.js';

const MAX_P = 128;

interface Fired {
  kind: 'event' | 'processing';
  timestamp: number;
  key: unknown;
  namespace: unknown;
  /** The backend's current key during the callback. */
  currentKey: unknown;
}

function setup(onFire?: (f: Fired) => void) {
  const scheduler = new ManualScheduler(0);
  const backend = new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: { start: 0, end: MAX_P - 1 }, clock: scheduler });
  const pts = new SchedulerProcessingTimeService(scheduler);
  const fired: Fired[] = [];
  const record = (kind: Fired['kind']) => (t: InternalTimer) => {
    const f = { kind, timestamp: t.timestamp, key: t.key, namespace: t.namespace, currentKey: backend.getCurrentKey() };
    fired.push(f);
    onFire?.(f);
  };
  const triggerable: Triggerable = { onEventTime: record('event'), onProcessingTime: record('processing') };
  const manager = new InternalTimeServiceManager(backend, pts);
  const timers = manager.getInternalTimerService('timers', triggerable);
  return { scheduler, backend, pts, manager, timers, fired };
}

describe('internal timer service', () => {
  it('fires event-time timers up to the watermark in timestamp order, each with its key current', () => {
    const { backend, timers, manager, fired } = setup();
    const registrations: [string, number][] = [
      ['c', 30],
      ['a', 10],
      ['b', 20],
      ['a', 25],
      ['d', 50],
    ];
    for (const [key, ts] of registrations) {
      backend.setCurrentKey(key);
      timers.registerEventTimeTimer(ts);
    }
    backend.setCurrentKey('zzz');
    manager.advanceWatermark(29);
    expect(fired.map((f) => [f.key, f.timestamp])).to.deep.equal([
      ['a', 10],
      ['b', 20],
      ['a', 25],
    ]);
    expect(fired.every((f) => f.currentKey === f.key && f.kind === 'event')).to.equal(true);
    expect(timers.currentWatermark()).to.equal(29);
    expect(timers.numEventTimeTimers()).to.equal(2);
    manager.advanceWatermark(100);
    expect(fired.map((f) => f.timestamp)).to.deep.equal([10, 20, 25, 30, 50]);
  });

  it('deduplicates (key, namespace, time) and never fires deleted timers', () => {
    const { backend, timers, manager, fired } = setup();
    backend.setCurrentKey('k');
    timers.registerEventTimeTimer(10);
    timers.registerEventTimeTimer(10);
    timers.registerEventTimeTimer(10, 'window-1');
    timers.registerEventTimeTimer(20);
    timers.registerEventTimeTimer(15);
    backend.setCurrentKey('other');
    timers.registerEventTimeTimer(10);
    timers.deleteEventTimeTimer(15);
    backend.setCurrentKey('k');
    timers.deleteEventTimeTimer(15);
    timers.deleteEventTimeTimer(99);
    expect(timers.numEventTimeTimers()).to.equal(4);
    manager.advanceWatermark(Number.MAX_SAFE_INTEGER);
    expect(fired.map((f) => [f.key, f.timestamp, f.namespace])).to.deep.equal([
      ['k', 10, undefined],
      ['k', 10, 'window-1'],
      ['other', 10, undefined],
      ['k', 20, undefined],
    ]);
  });

  it('fires processing-time timers when the clock reaches them, re-arming for the next', () => {
    const { scheduler, backend, timers, fired } = setup();
    backend.setCurrentKey('a');
    timers.registerProcessingTimeTimer(100);
    timers.registerProcessingTimeTimer(300);
    backend.setCurrentKey('b');
    timers.registerProcessingTimeTimer(200);
    timers.registerProcessingTimeTimer(50);
    timers.deleteProcessingTimeTimer(50);
    scheduler.advance(99);
    expect(fired).to.deep.equal([]);
    scheduler.advance(1);
    expect(fired.map((f) => [f.key, f.timestamp, f.currentKey])).to.deep.equal([['a', 100, 'a']]);
    scheduler.advance(1000);
    expect(fired.map((f) => [f.key, f.timestamp, f.kind])).to.deep.equal([
      ['a', 100, 'processing'],
      ['b', 200, 'processing'],
      ['a', 300, 'processing'],
    ]);
    expect(timers.numProcessingTimeTimers()).to.equal(0);
    expect(scheduler.pendingCount()).to.equal(0);
  });

  it('lets a timer callback register further timers (reentrant), which fire in order', () => {
    const ref: { timers?: ReturnType<typeof setup>['timers'] } = {};
    const ctx = setup((f) => {
      if (f.timestamp < 40) {
        if (f.kind === 'event') ref.timers!.registerEventTimeTimer(f.timestamp + 10);
        else ref.timers!.registerProcessingTimeTimer(f.timestamp + 10);
      }
    });
    const timers = (ref.timers = ctx.timers);
    ctx.backend.setCurrentKey('k');
    timers.registerEventTimeTimer(10);
    timers.registerEventTimeTimer(100);
    ctx.manager.advanceWatermark(45);
    expect(ctx.fired.map((f) => f.timestamp)).to.deep.equal([10, 20, 30, 40]);
    expect(timers.numEventTimeTimers()).to.equal(1);
    ctx.fired.length = 0;
    ctx.backend.setCurrentKey('p');
    timers.registerProcessingTimeTimer(15);
    timers.registerProcessingTimeTimer(60);
    ctx.scheduler.advance(100);
    expect(ctx.fired.map((f) => [f.key, f.timestamp])).to.deep.equal([
      ['p', 15],
      ['p', 25],
      ['p', 35],
      ['p', 45],
      ['p', 60],
    ]);
  });

  it('gives callbacks the timer key’s state', () => {
    const values: [unknown, unknown][] = [];
    const ref: { read?: () => unknown } = {};
    const ctx = setup((f) => values.push([f.key, ref.read!()]));
    const state = ctx.backend.getPartitionedState(new ValueStateDescriptor<number>('v'));
    ref.read = () => state.value();
    for (const [k, v] of [
      ['x', 1],
      ['y', 2],
    ] as const) {
      ctx.backend.setCurrentKey(k);
      state.update(v);
      ctx.timers.registerEventTimeTimer(v);
    }
    ctx.manager.advanceWatermark(2);
    expect(values).to.deep.equal([
      ['x', 1],
      ['y', 2],
    ]);
  });

  it('refuses timers without a current key (NO_KEY_CONTEXT)', () => {
    const { timers } = setup();
    expect(() => timers.registerEventTimeTimer(1))
      .to.throw(SpindleError)
      .with.property('code', 'NO_KEY_CONTEXT');
    expect(() => timers.deleteProcessingTimeTimer(1))
      .to.throw(SpindleError)
      .with.property('code', 'NO_KEY_CONTEXT');
  });
});
