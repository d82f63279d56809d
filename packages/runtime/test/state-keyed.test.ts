import { expect } from 'chai';
import { SpindleError, assignToKeyGroup, keyGroupRangeFor } from '@spindle/core';
import {
  AggregatingStateDescriptor,
  HeapKeyedStateBackend,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  type AggregateFunction,
  type StateDescriptor,
} from '../src/index.js';

const MAX_P = 128;

function fullBackend(): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: { start: 0, end: MAX_P - 1 } });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof SpindleError ? e.code : `not a SpindleError: ${String(e)}`;
  }
  return undefined;
}

/** Average as (sum, count): accumulator and result types differ from the input. */
const average: AggregateFunction<number, [number, number], number> = {
  createAccumulator: () => [0, 0],
  add: (v, [sum, count]) => [sum + v, count + 1],
  getResult: ([sum, count]) => sum / count,
  merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
};

describe('heap keyed state backend', () => {
  it('keeps keys of every type apart as the key codec does, also through a snapshot', () => {
    const keys: unknown[] = [
      'x',
      ['x'],
      'a1:s1:x',
      '\u0000a1:s1:x',
      '\u0000',
      '',
      1,
      '1',
      1n,
      true,
      'true',
      null,
      undefined,
      0,
      NaN,
      [1, 'a'],
      { a: 1 },
      new Date(5),
    ];
    const backend = fullBackend();
    const value = backend.getPartitionedState(new ValueStateDescriptor<number>('v'));
    keys.forEach((k, i) => {
      backend.setCurrentKey(k);
      expect(value.value()).to.equal(undefined, `key #${i}`);
      value.update(i);
    });
    const read = (b: HeapKeyedStateBackend, k: unknown) => {
      b.setCurrentKey(k);
      return b.getPartitionedState(new ValueStateDescriptor<number>('v')).value();
    };
    expect(read(backend, -0)).to.equal(keys.indexOf(0));
    expect(read(backend, 0 / 0)).to.equal(keys.findIndex((k) => Number.isNaN(k)));
    expect(read(backend, [1, 'a'])).to.equal(keys.length - 3);
    expect(read(backend, { a: 1 })).to.equal(keys.length - 2);
    const restored = fullBackend();
    restored.restore([backend.snapshot()]);
    keys.forEach((k, i) => expect(read(restored, k)).to.equal(i, `restored key #${i}`));
    expect(read(restored, -0)).to.equal(keys.indexOf(0));
    expect([...restored.getKeys('v')]).to.have.deep.members(keys);
  });

  it('keeps a ValueState per key, with the default value where none is set, and clears it', () => {
    const backend = fullBackend();
    const count = backend.getPartitionedState(new ValueStateDescriptor<number>('count', undefined, 0));
    const words = ['a', 'b', 'a', 'c', 'a', 'b'];
    for (const w of words) {
      backend.setCurrentKey(w);
      count.update((count.value() ?? 0) + 1);
    }
    const expected = new Map<string, number>();
    for (const w of words) expected.set(w, (expected.get(w) ?? 0) + 1);
    for (const [w, n] of expected) {
      backend.setCurrentKey(w);
      expect(count.value()).to.equal(n);
    }
    backend.setCurrentKey('never');
    expect(count.value()).to.equal(0);
    backend.setCurrentKey('a');
    count.clear();
    expect(count.value()).to.equal(0);
    backend.setCurrentKey('b');
    count.update(null);
    expect(count.value()).to.equal(0);
    expect([...backend.getKeys('count')]).to.deep.equal(['c']);
  });

  it('treats keys equal by the key codec as one key (tuples, objects with reordered fields)', () => {
    const backend = fullBackend();
    const state = backend.getPartitionedState(new ValueStateDescriptor<string>('v'));
    backend.setCurrentKey(['user', 1]);
    state.update('first');
    backend.setCurrentKey({ b: 2, a: 1 });
    state.update('object');
    backend.setCurrentKey(['user', 1.0]);
    expect(state.value()).to.equal('first');
    expect(backend.getCurrentKey()).to.deep.equal(['user', 1]);
    backend.setCurrentKey({ a: 1, b: 2 });
    expect(state.value()).to.equal('object');
    backend.setCurrentKey(['user', '1']);
    expect(state.value()).to.equal(undefined);
  });

  it('ListState adds, adds all, updates, reads in order and clears; an empty update clears', () => {
    const backend = fullBackend();
    const list = backend.getPartitionedState(new ListStateDescriptor<number>('list'));
    backend.setCurrentKey(1);
    expect(list.get()).to.deep.equal([]);
    list.add(1);
    list.addAll([2, 3]);
    list.add(4);
    backend.setCurrentKey(2);
    list.update([9, 8]);
    backend.setCurrentKey(1);
    const got = list.get();
    expect(got).to.deep.equal([1, 2, 3, 4]);
    got.push(99);
    expect(list.get()).to.deep.equal([1, 2, 3, 4]);
    list.update([7]);
    expect(list.get()).to.deep.equal([7]);
    backend.setCurrentKey(2);
    expect(list.get()).to.deep.equal([9, 8]);
    list.update([]);
    expect(list.get()).to.deep.equal([]);
    expect([...backend.getKeys('list')]).to.deep.equal([1]);
    expect(codeOf(() => list.add(null as unknown as number))).to.equal('NULL_STATE_VALUE');
  });

  it('MapState puts, gets, removes and iterates the current key’s entries with codec equality of user keys', () => {
    const backend = fullBackend();
    const map = backend.getPartitionedState(new MapStateDescriptor<unknown, number>('map'));
    backend.setCurrentKey('k1');
    expect(map.isEmpty()).to.equal(true);
    map.put('x', 1);
    map.put(2, 2);
    map.put(['t', 1], 3);
    map.putAll(
      new Map<unknown, number>([
        ['y', 4],
        [['t', 1], 30],
      ]),
    );
    map.put('u', undefined as unknown as number);
    backend.setCurrentKey('k2');
    map.putAll([['other', 100]]);
    backend.setCurrentKey('k1');
    expect(map.get(['t', 1])).to.equal(30);
    expect(map.contains('u')).to.equal(true);
    expect(map.contains('zz')).to.equal(false);
    expect(map.get('other')).to.equal(undefined);
    const byJson = (e: [unknown, unknown]) => JSON.stringify(e[0]);
    const entries = [...map.entries()].sort((a, b) => (byJson(a) < byJson(b) ? -1 : 1));
    expect(entries).to.deep.equal([
      ['u', undefined],
      ['x', 1],
      ['y', 4],
      [2, 2],
      [['t', 1], 30],
    ]);
    expect(new Set(map.keys())).to.have.lengthOf(5);
    expect([...map.values()].filter((v) => v !== undefined).reduce((a, b) => a + b, 0)).to.equal(1 + 2 + 4 + 30);
    for (const k of ['x', 2, ['t', 1], 'y', 'u']) map.remove(k);
    expect(map.isEmpty()).to.equal(true);
    expect([...backend.getKeys('map')]).to.deep.equal(['k2']);
  });

  it('ReducingState folds added values with the reduce function; AggregatingState goes through an accumulator', () => {
    const backend = fullBackend();
    const max = backend.getPartitionedState(new ReducingStateDescriptor<number>('max', (a, b) => Math.max(a, b)));
    const avg = backend.getPartitionedState(new AggregatingStateDescriptor('avg', average));
    const input: [string, number][] = [
      ['a', 3],
      ['b', 10],
      ['a', 7],
      ['a', 2],
      ['b', 4],
    ];
    for (const [k, v] of input) {
      backend.setCurrentKey(k);
      max.add(v);
      avg.add(v);
    }
    backend.setCurrentKey('a');
    expect(max.get()).to.equal(7);
    expect(avg.get()).to.equal((3 + 7 + 2) / 3);
    backend.setCurrentKey('b');
    expect(max.get()).to.equal(10);
    expect(avg.get()).to.equal(7);
    avg.clear();
    max.clear();
    expect(avg.get()).to.equal(undefined);
    expect(max.get()).to.equal(undefined);
  });

  it('returns the same handle for the same descriptor name and rejects another kind under that name', () => {
    const backend = fullBackend();
    const a = backend.getPartitionedState(new ValueStateDescriptor<number>('s'));
    expect(backend.getPartitionedState(new ValueStateDescriptor<number>('s'))).to.equal(a);
    expect(codeOf(() => backend.getPartitionedState(new ListStateDescriptor<number>('s')))).to.equal('STATE_INCOMPATIBLE');
  });

  it('fails with NO_KEY_CONTEXT when state is used without a current key', () => {
    const backend = fullBackend();
    const v = backend.getPartitionedState(new ValueStateDescriptor<number>('v'));
    const m = backend.getPartitionedState(new MapStateDescriptor<string, number>('m'));
    expect(codeOf(() => v.value())).to.equal('NO_KEY_CONTEXT');
    expect(codeOf(() => v.update(1))).to.equal('NO_KEY_CONTEXT');
    expect(codeOf(() => [...m.entries()])).to.equal('NO_KEY_CONTEXT');
    backend.setCurrentKey('k');
    backend.clearCurrentKey();
    expect(codeOf(() => m.put('a', 1))).to.equal('NO_KEY_CONTEXT');
    try {
      v.value();
    } catch (e) {
      expect((e as Error).message).to.contain("'v'");
    }
  });

  it('rejects a descriptor of an unknown kind with a clear error', () => {
    const backend = fullBackend();
    class FoldingStateDescriptor extends ValueStateDescriptor<number> {
      override readonly kind = 'folding' as unknown as 'value';
    }
    let error: unknown;
    try {
      backend.getPartitionedState(new FoldingStateDescriptor('fold'));
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(SpindleError);
    expect((error as SpindleError).code).to.equal('UNKNOWN_STATE_DESCRIPTOR');
    expect((error as SpindleError).message)
      .to.contain("'fold'")
      .and.to.contain('folding');
    const plain = { name: 'x', kind: 'value' } as unknown as StateDescriptor<unknown, unknown>;
    expect(codeOf(() => backend.getPartitionedState(plain))).to.equal('UNKNOWN_STATE_DESCRIPTOR');
  });

  it('rejects keys of key groups outside its range when their state is used', () => {
    const range = keyGroupRangeFor(MAX_P, 2, 0);
    const backend = new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: range });
    const value = backend.getPartitionedState(new ValueStateDescriptor<number>('v'));
    const list = backend.getPartitionedState(new ListStateDescriptor<number>('l'));
    let foreign = 0;
    while (assignToKeyGroup(foreign, MAX_P) <= range.end) foreign++;
    let own = 0;
    while (assignToKeyGroup(own, MAX_P) > range.end) own++;
    backend.setCurrentKey(own);
    value.update(1);
    backend.setCurrentKey(foreign);
    expect(codeOf(() => value.value())).to.equal('KEY_GROUP_OUT_OF_RANGE');
    expect(codeOf(() => value.update(2))).to.equal('KEY_GROUP_OUT_OF_RANGE');
    expect(codeOf(() => list.add(2))).to.equal('KEY_GROUP_OUT_OF_RANGE');
    expect(codeOf(() => backend.getCurrentKeyGroupIndex())).to.equal('KEY_GROUP_OUT_OF_RANGE');
    expect([...backend.getKeys('v')]).to.deep.equal([own]);
    expect([...backend.getKeys('l')]).to.deep.equal([]);
    backend.setCurrentKey(own);
    expect(value.value()).to.equal(1);
    expect(codeOf(() => backend.setCurrentKey(() => 1))).to.equal('INVALID_KEY');
  });

  it('applyToAllKeys visits every key with a value, with that key current, and may clear state', () => {
    const backend = fullBackend();
    const state = backend.getPartitionedState(new ValueStateDescriptor<number>('v'));
    const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);
    keys.forEach((k, i) => {
      backend.setCurrentKey(k);
      state.update(i);
    });
    backend.setCurrentKey('key-3');
    const seen = new Map<unknown, number | undefined>();
    backend.applyToAllKeys(new ValueStateDescriptor<number>('v'), (key, s) => {
      expect(backend.getCurrentKey()).to.equal(key);
      seen.set(key, s.value());
      if ((s.value() ?? 0) % 2 === 0) s.clear();
    });
    expect(seen).to.deep.equal(new Map(keys.map((k, i) => [k, i])));
    expect(backend.getCurrentKey()).to.equal('key-3');
    expect(new Set(backend.getKeys('v'))).to.deep.equal(new Set(keys.filter((_, i) => i % 2 === 1)));
  });
});
