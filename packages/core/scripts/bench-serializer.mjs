// Serializes then deserializes 5 million ['word' + (i % 5000), 1] records with the generic
// serializer, through one reused output and input, in batches of 2000 records (about 14 KB, the
// scale of a 32 KiB network buffer).
// Usage: npx tsc -b packages/core, then node packages/core/scripts/bench-serializer.mjs [records]
// Prints each of three rounds and the best one.
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

const rate = (n, ms) => (((n / ms) * 1000) / 1e6).toFixed(1) + ' M/s';

const ROUNDS = 3;
runOnce(Math.min(TOTAL, 1_000_000));
console.log(`records per round: ${TOTAL}, batch: ${BATCH}, distinct words: ${DISTINCT}`);
let best = Infinity;
for (let round = 1; round <= ROUNDS; round++) {
  const { serializeMs, deserializeMs } = runOnce(TOTAL);
  const totalMs = serializeMs + deserializeMs;
  best = Math.min(best, totalMs);
  console.log(
    `round ${round}: serialize ${rate(TOTAL, serializeMs)}, deserialize ${rate(TOTAL, deserializeMs)}, ` +
      `serialize+deserialize ${rate(TOTAL, totalMs)} (${totalMs.toFixed(0)} ms)`,
  );
}
console.log(`best serialize+deserialize: ${rate(TOTAL, best)}`);
