import { expect } from 'chai';
import { ManualScheduler } from '@spindle/core';
import {
  HeapKeyedStateBackend,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  StateVisibility,
  Time,
  UpdateType,
  ValueStateDescriptor,
} from '../src/index.js';

const MAX_P = 128;
const TTL = 100;

function setup(): { clock: ManualScheduler; backend: HeapKeyedStateBackend } {
  const clock = new ManualScheduler(1_000);
  return { clock, backend: new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: { start: 0, end: MAX_P - 1 }, clock }) };
}

/** TTL without background cleanup, so only reads (and snapshots) remove values. */
function ttl(update: UpdateType, visibility: StateVisibility): StateTtlConfig {
  return StateTtlConfig.newBuilder(Time.milliseconds(TTL))
    .setUpdateType(update)
    .setStateVisibility(visibility)
    .disableCleanupInBackground()
    .build();
}

describe('state TTL', () => {
  it('OnCreateAndWrite: a value expires TTL after its last write, however often it is read', () => {
    const { clock, backend } = setup();
    const d = new ValueStateDescriptor<string>('v').enableTimeToLive(ttl(UpdateType.OnCreateAndWrite, StateVisibility.NeverReturnExpired));
    const state = backend.getPartitionedState(d);
    backend.setCurrentKey('k');
    state.update('x');
    clock.advance(TTL - 1);
    expect(state.value()).to.equal('x');
    clock.advance(1);
    expect(state.value()).to.equal(undefined);
    state.update('y');
    clock.advance(60);
    state.update('z');
    clock.advance(60);
    expect(state.value()).to.equal('z');
  });

  it('OnReadAndWrite: every read restarts the TTL', () => {
    const { clock, backend } = setup();
    const d = new ValueStateDescriptor<string>('v').enableTimeToLive(ttl(UpdateType.OnReadAndWrite, StateVisibility.NeverReturnExpired));
    const state = backend.getPartitionedState(d);
    backend.setCurrentKey('k');
    state.update('x');
    for (let i = 0; i < 5; i++) {
      clock.advance(TTL - 1);
      expect(state.value()).to.equal('x');
    }
    clock.advance(TTL);
    expect(state.value()).to.equal(undefined);
  });

  it('ReturnExpiredIfNotCleanedUp returns an expired value once, then it is gone', () => {
    const { clock, backend } = setup();
    const d = new ValueStateDescriptor<string>('v').enableTimeToLive(
      ttl(UpdateType.OnCreateAndWrite, StateVisibility.ReturnExpiredIfNotCleanedUp),
    );
    const state = backend.getPartitionedState(d);
    backend.setCurrentKey('k');
    state.update('x');
    clock.advance(TTL * 5);
    expect(state.value()).to.equal('x');
    expect(state.value()).to.equal(undefined);
  });

  it('applies TTL per list element and per map entry', () => {
    const { clock, backend } = setup();
    const config = ttl(UpdateType.OnCreateAndWrite, StateVisibility.NeverReturnExpired);
    const list = backend.getPartitionedState(new ListStateDescriptor<number>('l').enableTimeToLive(config));
    const map = backend.getPartitionedState(new MapStateDescriptor<string, number>('m').enableTimeToLive(config));
    backend.setCurrentKey('k');
    list.add(1);
    map.put('old', 1);
    clock.advance(60);
    list.addAll([2, 3]);
    map.put('new', 2);
    clock.advance(50);
    expect(list.get()).to.deep.equal([2, 3]);
    expect([...map.entries()]).to.deep.equal([['new', 2]]);
    expect(map.contains('old')).to.equal(false);
    clock.advance(50);
    expect(list.get()).to.deep.equal([]);
    expect(map.isEmpty()).to.equal(true);
    expect([...backend.getKeys('l')]).to.deep.equal([]);
    expect([...backend.getKeys('m')]).to.deep.equal([]);
  });

  it('a reducing state starts over when its value has expired', () => {
    const { clock, backend } = setup();
    const config = ttl(UpdateType.OnCreateAndWrite, StateVisibility.ReturnExpiredIfNotCleanedUp);
    const sum = backend.getPartitionedState(new ReducingStateDescriptor<number>('sum', (a, b) => a + b).enableTimeToLive(config));
    backend.setCurrentKey('k');
    sum.add(5);
    sum.add(6);
    clock.advance(TTL);
    sum.add(1);
    expect(sum.get()).to.equal(1);
  });

  it('cleanupFullSnapshot leaves expired values out of snapshots; without it they are written', () => {
    const { clock, backend } = setup();
    const build = (full: boolean) => {
      const b = StateTtlConfig.newBuilder(TTL).disableCleanupInBackground();
      return (full ? b.cleanupFullSnapshot() : b).build();
    };
    const cleaned = backend.getPartitionedState(new ValueStateDescriptor<number>('cleaned').enableTimeToLive(build(true)));
    const kept = backend.getPartitionedState(new ValueStateDescriptor<number>('kept').enableTimeToLive(build(false)));
    for (let i = 0; i < 10; i++) {
      backend.setCurrentKey(i);
      cleaned.update(i);
      kept.update(i);
      if (i === 4) clock.advance(TTL);
    }
    const snapshot = backend.snapshot();
    const restoredClock = new ManualScheduler(0);
    const restored = new HeapKeyedStateBackend({
      maxParallelism: MAX_P,
      keyGroupRange: { start: 0, end: MAX_P - 1 },
      clock: restoredClock,
    });
    restored.restore([snapshot]);
    restored.getPartitionedState(new ValueStateDescriptor<number>('cleaned').enableTimeToLive(build(true)));
    restored.getPartitionedState(new ValueStateDescriptor<number>('kept').enableTimeToLive(build(false)));
    expect(new Set(restored.getKeys('cleaned'))).to.deep.equal(new Set([5, 6, 7, 8, 9]));
    expect(new Set(restored.getKeys('kept'))).to.deep.equal(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    // The live backend still holds the expired values: the snapshot filter does not touch them.
    expect(new Set(backend.getKeys('cleaned')).size).to.equal(10);
  });

  it('incremental cleanup removes expired values of keys that are never read again', () => {
    const { clock, backend } = setup();
    const config = StateTtlConfig.newBuilder(TTL).cleanupIncrementally(3, true).build();
    const state = backend.getPartitionedState(new ValueStateDescriptor<number>('v').enableTimeToLive(config));
    for (let i = 0; i < 30; i++) {
      backend.setCurrentKey(i);
      state.update(i);
    }
    clock.advance(TTL);
    backend.setCurrentKey('fresh');
    state.update(-1);
    // Every key change checks 3 entries (and so does every access), so 10 changes cover the 31 entries.
    for (let i = 0; i < 10; i++) backend.setCurrentKey('fresh');
    expect([...backend.getKeys('v')]).to.deep.equal(['fresh']);
  });

  it('is rejected as a mismatch when a restored state had no TTL', () => {
    const { backend } = setup();
    backend.getPartitionedState(new ValueStateDescriptor<number>('v'));
    backend.setCurrentKey(1);
    backend.getPartitionedState(new ValueStateDescriptor<number>('v')).update(1);
    const restored = setup().backend;
    restored.restore([backend.snapshot()]);
    expect(() => restored.getPartitionedState(new ValueStateDescriptor<number>('v').enableTimeToLive(StateTtlConfig.newBuilder(5).build())))
      .to.throw()
      .with.property('code', 'STATE_INCOMPATIBLE');
  });
});
