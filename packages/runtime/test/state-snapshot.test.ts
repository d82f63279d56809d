import { expect } from 'chai';
import { ManualScheduler, assignKeyToParallelOperator, keyGroupRangeFor } from '@spindle/core';
import {
  AggregatingStateDescriptor,
  HeapKeyedStateBackend,
  InternalTimeServiceManager,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  SchedulerProcessingTimeService,
  ValueStateDescriptor,
  type InternalTimer,
} from '../src/index.js';

const MAX_P = 128;
const KEYS: unknown[] = [...Array.from({ length: 600 }, (_, i) => `user-${i}`), ...Array.from({ length: 100 }, (_, i) => ['tuple', i])];

const value = () => new ValueStateDescriptor<{ n: number; name: string }>('value');
const list = () => new ListStateDescriptor<number>('list');
const map = () => new MapStateDescriptor<string, number[]>('map');
const sum = () => new ReducingStateDescriptor<number>('sum', (a, b) => a + b);
const count = () =>
  new AggregatingStateDescriptor<number, { c: number }, number>('count', {
    createAccumulator: () => ({ c: 0 }),
    add: (_v, acc) => ({ c: acc.c + 1 }),
    getResult: (acc) => acc.c,
  });

/** What each key should hold, computed from its index alone. */
function expectedOf(i: number) {
  return {
    value: { n: i, name: `#${i}` },
    list: [i, i * 2, -i],
    map: [
      ['a', [i]],
      ['b', []],
    ],
    sum: i + 100,
    count: 2,
    eventTimers: [1000 + i, 5000],
    processingTimers: [20_000 + i],
  };
}

function backendFor(parallelism: number, index: number, scheduler: ManualScheduler): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: keyGroupRangeFor(MAX_P, parallelism, index), clock: scheduler });
}

function timerServiceOf(backend: HeapKeyedStateBackend, scheduler: ManualScheduler, fired: [string, unknown, number, unknown][]) {
  const record = (kind: string) => (t: InternalTimer) => fired.push([kind, t.key, t.timestamp, t.namespace]);
  return new InternalTimeServiceManager(backend, new SchedulerProcessingTimeService(scheduler)).getInternalTimerService('process', {
    onEventTime: record('event'),
    onProcessingTime: record('processing'),
  });
}

/** Writes every key's state and timers into two backends that split the key groups (p=2). */
function writeAtParallelism2(scheduler: ManualScheduler): Uint8Array[] {
  const backends = [0, 1].map((i) => backendFor(2, i, scheduler));
  const fired: [string, unknown, number, unknown][] = [];
  const timers = backends.map((b) => timerServiceOf(b, scheduler, fired));
  KEYS.forEach((key, i) => {
    const owner = assignKeyToParallelOperator(key, MAX_P, 2);
    const b = backends[owner]!;
    b.setCurrentKey(key);
    const e = expectedOf(i);
    b.getPartitionedState(value()).update(e.value);
    b.getPartitionedState(list()).update(e.list);
    const m = b.getPartitionedState(map());
    for (const [k, v] of e.map) m.put(k as string, v as number[]);
    b.getPartitionedState(sum()).add(i);
    b.getPartitionedState(sum()).add(100);
    b.getPartitionedState(count()).add(7);
    b.getPartitionedState(count()).add(8);
    timers[owner]!.registerEventTimeTimer(1000 + i);
    timers[owner]!.registerEventTimeTimer(5000, 'ns');
    timers[owner]!.registerProcessingTimeTimer(20_000 + i);
  });
  const parts = backends.map((b) => b.snapshot());
  for (const t of timers) t.close();
  expect(fired).to.deep.equal([]);
  return parts;
}

function restoreAndCheck(parts: Uint8Array[], parallelism: number): void {
  const scheduler = new ManualScheduler(0);
  const owners = new Map<string, number>();
  const backends = Array.from({ length: parallelism }, (_, i) => {
    const b = backendFor(parallelism, i, scheduler);
    b.restore(parts);
    return b;
  });
  backends.forEach((b, index) => {
    b.getPartitionedState(value());
    const keys = [...b.getKeys('value')];
    for (const k of keys) {
      const id = JSON.stringify(k);
      expect(owners.has(id), `key ${id} in two subtasks`).to.equal(false);
      owners.set(id, index);
      expect(assignKeyToParallelOperator(k, MAX_P, parallelism)).to.equal(index);
    }
  });
  expect(owners.size).to.equal(KEYS.length);
  KEYS.forEach((key, i) => {
    const b = backends[owners.get(JSON.stringify(key))!]!;
    b.setCurrentKey(key);
    const e = expectedOf(i);
    expect(b.getPartitionedState(value()).value()).to.deep.equal(e.value);
    expect(b.getPartitionedState(list()).get()).to.deep.equal(e.list);
    expect([...b.getPartitionedState(map()).entries()]).to.deep.equal(e.map);
    expect(b.getPartitionedState(sum()).get()).to.equal(e.sum);
    expect(b.getPartitionedState(count()).get()).to.equal(e.count);
  });
  const fired: [string, unknown, number, unknown][] = [];
  const perBackend = backends.map((b) => {
    const service = timerServiceOf(b, scheduler, fired);
    const before = fired.length;
    service.advanceWatermark(Number.MAX_SAFE_INTEGER);
    return fired.slice(before);
  });
  scheduler.advance(1_000_000);
  const expectedTimers = KEYS.flatMap((key, i) => {
    const e = expectedOf(i);
    return [
      ['event', key, e.eventTimers[0], undefined],
      ['event', key, e.eventTimers[1], 'ns'],
      ['processing', key, e.processingTimers[0], undefined],
    ];
  });
  const sortKey = (t: unknown[]) => JSON.stringify(t);
  expect(fired.map(sortKey).sort()).to.deep.equal(expectedTimers.map(sortKey).sort());
  perBackend.forEach((events, index) => {
    for (const [, key] of events) expect(assignKeyToParallelOperator(key, MAX_P, parallelism)).to.equal(index);
    const ts = events.map((e) => e[2]);
    expect(ts).to.deep.equal([...ts].sort((a, b) => a - b));
  });
}

describe('keyed state snapshots', () => {
  it('state and timers written at p=2 restore into p=3 and p=1 with every key in exactly one subtask', () => {
    const parts = writeAtParallelism2(new ManualScheduler(0));
    restoreAndCheck(parts, 3);
    restoreAndCheck(parts, 1);
    restoreAndCheck(parts, 2);
  });

  it('keeps restored states that were not asked for in the next snapshot', () => {
    const parts = writeAtParallelism2(new ManualScheduler(0));
    const scheduler = new ManualScheduler(0);
    const middle = backendFor(1, 0, scheduler);
    middle.restore(parts);
    middle.setCurrentKey('user-7');
    middle.getPartitionedState(sum()).add(1);
    const again = backendFor(1, 0, scheduler);
    again.restore([middle.snapshot()]);
    again.setCurrentKey('user-7');
    expect(again.getPartitionedState(sum()).get()).to.equal(7 + 100 + 1);
    expect(again.getPartitionedState(list()).get()).to.deep.equal(expectedOf(7).list);
    const fired: [string, unknown, number, unknown][] = [];
    timerServiceOf(again, scheduler, fired).advanceWatermark(1007);
    expect(fired.filter((f) => f[1] === 'user-7')).to.deep.equal([['event', 'user-7', 1007, undefined]]);
  });

  it('writes values with the descriptor’s Avro schema', () => {
    const schema = {
      type: 'record',
      name: 'Point',
      fields: [
        { name: 'x', type: 'double' },
        { name: 'label', type: 'string' },
      ],
    };
    const d = () => new ValueStateDescriptor<{ x: number; label: string }>('point', { avroSchema: schema });
    const b = backendFor(1, 0, new ManualScheduler(0));
    b.setCurrentKey(1);
    b.getPartitionedState(d()).update({ x: 1.5, label: 'one' });
    const r = backendFor(1, 0, new ManualScheduler(0));
    r.restore([b.snapshot()]);
    r.setCurrentKey(1);
    expect({ ...r.getPartitionedState(d()).value() }).to.deep.equal({ x: 1.5, label: 'one' });
    const generic = backendFor(1, 0, new ManualScheduler(0));
    generic.restore([b.snapshot()]);
    expect(() => generic.getPartitionedState(new ValueStateDescriptor('point')))
      .to.throw()
      .with.property('code', 'STATE_INCOMPATIBLE');
  });

  it('rejects another format version, another maximum parallelism, overlapping parts and garbage', () => {
    const b = backendFor(1, 0, new ManualScheduler(0));
    b.setCurrentKey('k');
    b.getPartitionedState(value()).update({ n: 1, name: 'x' });
    const good = b.snapshot();
    const badVersion = new Uint8Array(good);
    badVersion[0] = 9;
    const restore = (parts: Uint8Array[], maxP = MAX_P) =>
      new HeapKeyedStateBackend({ maxParallelism: maxP, keyGroupRange: { start: 0, end: maxP - 1 } }).restore(parts);
    expect(() => restore([badVersion]))
      .to.throw(/version 9/)
      .with.property('code', 'STATE_SNAPSHOT_INVALID');
    expect(() => restore([good], 256))
      .to.throw(/maximum parallelism of 128/)
      .with.property('code', 'STATE_SNAPSHOT_INVALID');
    expect(() => restore([good, good]))
      .to.throw(/more than one snapshot part/)
      .with.property('code', 'STATE_SNAPSHOT_INVALID');
    expect(() => restore([good.subarray(0, good.length - 3)]))
      .to.throw()
      .with.property('code', 'STATE_SNAPSHOT_INVALID');
  });
});
