/**
 * A keyed ValueState update loop, for the keyed-state benchmark:
 *
 *   node keyed-state-loop.mjs <native|value|value-ttl> <updates> <keys>
 *
 * Each update makes a string key current (`key-<i % keys>`) and increments its count:
 * `native` with a plain Map (the floor: what the loop costs without state), `value` with the heap
 * keyed state backend's ValueState (128 key groups, all owned), `value-ttl` the same with a 1 h TTL
 * (OnCreateAndWrite, default incremental cleanup). After a warm-up of a tenth of the updates on
 * other keys, the timed loop runs; then every count is checked. Prints one JSON line:
 * { updates, keys, seconds, cpuSeconds }.
 */
import { HeapKeyedStateBackend, StateTtlConfig, Time, ValueStateDescriptor } from '../../../packages/runtime/dist/src/index.js';

const [mode, updatesArg, keysArg] = process.argv.slice(2);
const updates = Number(updatesArg);
const keyCount = Number(keysArg);
if (!['native', 'value', 'value-ttl'].includes(mode) || !(updates > 0) || !(keyCount > 0)) {
  console.error('usage: keyed-state-loop.mjs <native|value|value-ttl> <updates> <keys>');
  process.exit(2);
}

function nativeCounter() {
  const counts = new Map();
  let current = '';
  return {
    setKey: (k) => (current = k),
    increment: () => counts.set(current, (counts.get(current) ?? 0) + 1),
    read: () => counts.get(current),
  };
}

function stateCounter(ttl) {
  const backend = new HeapKeyedStateBackend({ maxParallelism: 128, keyGroupRange: { start: 0, end: 127 } });
  const descriptor = new ValueStateDescriptor('count');
  if (ttl) descriptor.enableTimeToLive(StateTtlConfig.newBuilder(Time.hours(1)).build());
  const state = backend.getPartitionedState(descriptor);
  return {
    setKey: (k) => backend.setCurrentKey(k),
    increment: () => state.update((state.value() ?? 0) + 1),
    read: () => state.value(),
  };
}

function loop(counter, keys, n) {
  for (let i = 0; i < n; i++) {
    counter.setKey(keys[i % keys.length]);
    counter.increment();
  }
}

const counter = mode === 'native' ? nativeCounter() : stateCounter(mode === 'value-ttl');
const keys = Array.from({ length: keyCount }, (_, i) => `key-${i}`);
loop(
  counter,
  keys.map((k) => `warm-${k}`),
  Math.ceil(updates / 10),
);

const cpuBefore = process.cpuUsage();
const start = process.hrtime.bigint();
loop(counter, keys, updates);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpuBefore);

for (let k = 0; k < keyCount; k++) {
  counter.setKey(keys[k]);
  const expected = Math.floor(updates / keyCount) + (k < updates % keyCount ? 1 : 0);
  if (counter.read() !== expected) {
    console.error(`wrong count for ${keys[k]}: ${counter.read()}, expected ${expected}`);
    process.exit(1);
  }
}
console.log(JSON.stringify({ updates, keys: keyCount, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
