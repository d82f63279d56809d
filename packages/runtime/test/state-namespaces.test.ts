import { expect } from 'chai';
import { assignToKeyGroup, keyGroupRangeFor } from '@spindle/core';
import {
  AggregatingStateDescriptor,
  HeapKeyedStateBackend,
  ListStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  type InternalMergingState,
  type ListState,
  type NamespaceSerializer,
  type ReducingState,
  type ValueState,
} from '../src/index.js';

const MAX_P = 16;

type Ns = { s: number; e: number };
const nsSerializer: NamespaceSerializer<Ns> = {
  encode: (n) => `${n.s},${n.e}`,
  decode: (x) => {
    const [s, e] = x.split(',').map(Number);
    return { s: s!, e: e! };
  },
};

function backend(start = 0, end = MAX_P - 1): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: { start, end } });
}

const w1 = { s: 0, e: 10 };
const w2 = { s: 5, e: 15 };
const w3 = { s: 20, e: 30 };

describe('namespaced keyed state', () => {
  it('keeps one value per (key, namespace), the default namespace apart from the others', () => {
    const b = backend();
    const v = b.getPartitionedState(new ValueStateDescriptor<string>('v'), nsSerializer) as ValueState<string> & InternalMergingState;
    for (const key of ['a', 7, { o: 1 }]) {
      b.setCurrentKey(key);
      v.update(`default-${JSON.stringify(key)}`);
      v.setCurrentNamespace(w1);
      v.update(`w1-${JSON.stringify(key)}`);
      v.setCurrentNamespace(w2);
      expect(v.value()).to.equal(undefined);
      v.update(`w2-${JSON.stringify(key)}`);
      v.setCurrentNamespace(undefined);
    }
    for (const key of ['a', 7, { o: 1 }]) {
      b.setCurrentKey(key);
      expect(v.value()).to.equal(`default-${JSON.stringify(key)}`);
      v.setCurrentNamespace(w1);
      expect(v.value()).to.equal(`w1-${JSON.stringify(key)}`);
      v.clear();
      expect(v.value()).to.equal(undefined);
      v.setCurrentNamespace(w2);
      expect(v.value()).to.equal(`w2-${JSON.stringify(key)}`);
      v.setCurrentNamespace(undefined);
    }
    expect([...b.getKeys('v')].length).to.equal(3);
  });

  it('merges namespaces of list, reducing and aggregating states', () => {
    const b = backend();
    b.setCurrentKey('k');
    const list = b.getPartitionedState(new ListStateDescriptor<number>('l')) as ListState<number> & InternalMergingState;
    const sum = b.getPartitionedState(new ReducingStateDescriptor<number>('r', (x, y) => x + y)) as ReducingState<number> &
      InternalMergingState;
    const avg = b.getPartitionedState(
      new AggregatingStateDescriptor<number, [number, number], number>('a', {
        createAccumulator: () => [0, 0],
        add: (v, [s, n]) => [s + v, n + 1],
        getResult: ([s, n]) => s / n,
        merge: ([s1, n1], [s2, n2]) => [s1 + s2, n1 + n2],
      }),
    ) as ReducingState<number> & InternalMergingState;
    const data: [Ns, number[]][] = [
      [w1, [1, 2]],
      [w2, [3]],
      [w3, [10, 20]],
    ];
    for (const [w, values] of data) {
      for (const s of [list, sum, avg]) s.setCurrentNamespace(w);
      for (const x of values) {
        list.add(x);
        sum.add(x);
        avg.add(x);
      }
    }
    for (const s of [list, sum, avg]) s.mergeNamespaces(w3, [w1, w2]);
    for (const s of [list, sum, avg]) s.setCurrentNamespace(w3);
    expect(list.get().sort((x, y) => x - y)).to.deep.equal([1, 2, 3, 10, 20]);
    expect(sum.get()).to.equal(36);
    expect(avg.get()).to.equal(36 / 5);
    for (const s of [list, sum, avg]) s.setCurrentNamespace(w1);
    expect(list.get()).to.deep.equal([]);
    expect(sum.get()).to.equal(undefined);
  });

  it('snapshots namespaced values and timers by key group and restores them at another parallelism', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    const parts: Uint8Array[] = [];
    for (let sub = 0; sub < 2; sub++) {
      const range = keyGroupRangeFor(MAX_P, 2, sub);
      const b = backend(range.start, range.end);
      const v = b.getPartitionedState(new ValueStateDescriptor<number>('v'), nsSerializer) as ValueState<number> & InternalMergingState;
      for (const [i, key] of keys.entries()) {
        const keyGroup = assignToKeyGroup(key, MAX_P);
        if (keyGroup < range.start || keyGroup > range.end) continue;
        b.setCurrentKey(key);
        v.setCurrentNamespace(undefined);
        v.update(i);
        v.setCurrentNamespace(w1);
        v.update(i * 100);
      }
      parts.push(b.snapshot());
    }
    const restored = backend();
    restored.restore(parts);
    const v = restored.getPartitionedState(new ValueStateDescriptor<number>('v'), nsSerializer) as ValueState<number> &
      InternalMergingState;
    for (const [i, key] of keys.entries()) {
      restored.setCurrentKey(key);
      v.setCurrentNamespace(undefined);
      expect(v.value()).to.equal(i);
      v.setCurrentNamespace(w1);
      expect(v.value()).to.equal(i * 100);
      v.setCurrentNamespace(w2);
      expect(v.value()).to.equal(undefined);
    }
  });
});
