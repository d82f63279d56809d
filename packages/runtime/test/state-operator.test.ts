import { expect } from 'chai';
import {
  ListStateDescriptor,
  MapStateDescriptor,
  OperatorStateStore,
  ValueStateDescriptor,
  repartitionOperatorState,
} from '../src/index.js';

const offsets = () => new ListStateDescriptor<{ partition: number; offset: number }>('offsets');
const seen = () => new ListStateDescriptor<string>('seen');
const rules = () => new MapStateDescriptor<string, { limit: number }>('rules');

/** p old subtasks; subtask i holds `sizes[i]` offsets numbered in subtask order and one union element. */
function oldSnapshots(sizes: number[]): { parts: Uint8Array[]; allOffsets: number[]; allSeen: string[] } {
  const allOffsets: number[] = [];
  const allSeen: string[] = [];
  let next = 0;
  const parts = sizes.map((size, subtask) => {
    const store = new OperatorStateStore();
    const list = store.getListState(offsets());
    for (let j = 0; j < size; j++) {
      list.add({ partition: next, offset: next * 10 });
      allOffsets.push(next++);
    }
    store.getUnionListState(seen()).add(`subtask-${subtask}`);
    allSeen.push(`subtask-${subtask}`);
    return store.snapshot();
  });
  return { parts, allOffsets, allSeen };
}

function restoreAll(parts: Uint8Array[], parallelism: number): OperatorStateStore[] {
  return repartitionOperatorState(parts, parallelism).map((bytes) => {
    const store = new OperatorStateStore();
    store.restore(bytes);
    return store;
  });
}

describe('operator state', () => {
  it('list state is split evenly 2→3 (contiguous runs differing by at most one); union state goes whole to every subtask', () => {
    const { parts, allOffsets, allSeen } = oldSnapshots([4, 3]);
    const stores = restoreAll(parts, 3);
    const got = stores.map((s) =>
      s
        .getListState(offsets())
        .get()
        .map((o) => o.partition),
    );
    expect(got).to.deep.equal([allOffsets.slice(0, 3), allOffsets.slice(3, 5), allOffsets.slice(5, 7)]);
    expect(stores[1]!.getListState(offsets()).get()).to.deep.equal([
      { partition: 3, offset: 30 },
      { partition: 4, offset: 40 },
    ]);
    for (const s of stores) expect(s.getUnionListState(seen()).get()).to.deep.equal(allSeen);
  });

  it('redistributes 3→1: the one subtask gets every element of both kinds', () => {
    const { parts, allOffsets, allSeen } = oldSnapshots([2, 0, 5]);
    const [store] = restoreAll(parts, 1);
    expect(
      store!
        .getListState(offsets())
        .get()
        .map((o) => o.partition),
    ).to.deep.equal(allOffsets);
    expect(store!.getUnionListState(seen()).get()).to.deep.equal(allSeen);
  });

  it('a subtask that wrote nothing contributes nothing, and a new subtask may get an empty list', () => {
    const { parts } = oldSnapshots([1, 0]);
    const stores = restoreAll([...parts, new Uint8Array(0)], 3);
    expect(stores.map((s) => s.getListState(offsets()).get().length)).to.deep.equal([1, 0, 0]);
  });

  it('broadcast state is the same map in every subtask, from snapshots of all subtasks or of one', () => {
    const write = (writeBroadcastState: boolean) => {
      const store = new OperatorStateStore({ writeBroadcastState });
      const state = store.getBroadcastState(rules());
      state.put('a', { limit: 1 });
      state.putAll([
        ['b', { limit: 2 }],
        ['c', { limit: 3 }],
      ]);
      state.remove('c');
      return store.snapshot();
    };
    const expected = [
      ['a', { limit: 1 }],
      ['b', { limit: 2 }],
    ];
    for (const parts of [
      [write(true), write(true)],
      [write(true), write(false)],
    ]) {
      const stores = restoreAll(parts, 3);
      for (const s of stores) {
        const state = s.getBroadcastState(rules());
        expect([...state.entries()]).to.deep.equal(expected);
        expect(state.contains('b')).to.equal(true);
        expect(state.get('c')).to.equal(undefined);
      }
      expect(stores[0]!.getRegisteredBroadcastStateNames()).to.deep.equal(['rules']);
    }
  });

  it('keeps restored states that were not asked for, and rejects a state asked for in another mode', () => {
    const { parts } = oldSnapshots([2, 2]);
    const [store] = restoreAll(parts, 1);
    store!.getUnionListState(seen());
    const again = new OperatorStateStore();
    again.restore(store!.snapshot());
    expect(again.getListState(offsets()).get()).to.have.lengthOf(4);
    expect(() => again.getListState(seen()))
      .to.throw(/union/)
      .with.property('code', 'STATE_INCOMPATIBLE');
    expect(() => again.getListState(new ValueStateDescriptor('v') as never))
      .to.throw(/ListStateDescriptor/)
      .with.property('code', 'UNKNOWN_STATE_DESCRIPTOR');
  });
});
