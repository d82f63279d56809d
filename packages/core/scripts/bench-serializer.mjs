// Serializes then deserializes 5 million ['word' + (i % 5000), 1] records with the generic
// serializer, through one reused output and input, in batches the size of a network buffer.
// Usage: npm run build, then node packages/core/scripts/bench-serializer.mjs [records]
import { DataInputDeserializer, DataOutputSerializer, GenericSerializer } from '../dist/src/index.js';

const TOTAL = Number(process.argv[2] ?? 5_000_000);
const BATCH = 2000;
const DISTINCT = 5000;

const records = Array.from({ length: DISTINCT }, (_, i) => ['word' + i, 1]);
const serializer = new GenericSerializer();
const out = new DataOutputSerializer(32 * 1024);
const input = new DataInputDeserializer();

function runOnce(total) {
  let serializeMs = 0;
  let deserializeMs = 0;
  let checksum = 0;
  for (let done = 0; done < total; done += BATCH) {
    const n = Math.min(BATCH, total - done);
    const t0 = performance.now();
    out.clear();
    for (let i = 0; i < n; i++) serializer.serialize(records[(done + i) % DISTINCT], out);
    const t1 = performance.now();
    input.setBuffer(out.buffer(), 0, out.position);
    for (let i = 0; i < n; i++) checksum += serializer.deserialize(input)[1];
    deserializeMs += performance.now() - t1;
    serializeMs += t1 - t0;
  }
  if (checksum !== total) throw new Error(`checksum ${checksum} != ${total}`);
  return { serializeMs, deserializeMs };
}

const rate = (n, ms) => ((n / ms) * 1000 / 1e6).toFixed(1) + ' M records/s';

runOnce(Math.min(TOTAL, 500_000));
const { serializeMs, deserializeMs } = runOnce(TOTAL);
console.log(`records:               ${TOTAL}`);
console.log(`serialize:             ${rate(TOTAL, serializeMs)}`);
console.log(`deserialize:           ${rate(TOTAL, deserializeMs)}`);
console.log(`serialize+deserialize: ${rate(TOTAL, serializeMs + deserializeMs)} (${(serializeMs + deserializeMs).toFixed(0)} ms)`);
