/**
 * Shuffle through the engine: a keyed exchange between two Node processes over Spindle's TCP
 * data plane (ShuffleServer / ShuffleClient, credit-based flow control).
 *
 *   node shuffle-spindle.mjs consume <records> <channels> [hash|forward]   (starts the producer)
 *   node shuffle-spindle.mjs produce <records> <channels> [hash|forward]
 *
 * The producer process runs a ResultPartition with <channels> subpartitions behind a
 * ShuffleServer and emits records [i, 'k' + (i % 1000)], serialized with the GenericSerializer
 * into 32 KiB buffers, through the record writer of a keyBy on the second field (`hash`: key
 * groups, as keyBy does) or of a forward edge (`forward`, one channel); it waits whenever its
 * buffer pool is exhausted, as a task does. The consumer process connects one
 * InputGate with a channel per subpartition through a ShuffleClient, deserializes every
 * stream element (here the untagged records of RECORDS buffers), checks ids arrive in order per
 * channel, and prints one JSON line: records, bytes of buffers received and the seconds from the
 * first request to the end of every channel.
 *
 * Engine modules come from the build output (run `npx tsc -b` first).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DataInputDeserializer, GenericSerializer } from '../../../packages/core/dist/src/index.js';
import {
  ElementTag,
  InputGate,
  PartitionManager,
  ResultPartition,
  ShuffleClient,
  ShuffleServer,
  readBufferKind,
  recordWriterOutput,
} from '../../../packages/runtime/dist/src/index.js';

const SEGMENT_SIZE = 32 * 1024;
const BUFFERS_PER_CHANNEL = 2;
const FLOATING_BUFFERS = 8;
const MAX_PARALLELISM = 128;
const PARTITION_ID = 'bench-shuffle#0#0';
const KEYS = Array.from({ length: 1000 }, (_, k) => 'k' + k);

const [mode, records, channels] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const partitioner = process.argv[5] ?? 'hash';
const validPartitioner = partitioner === 'hash' || (partitioner === 'forward' && channels === 1);
if ((mode === 'consume' || mode === 'produce') && records > 0 && channels > 0 && validPartitioner) {
  await (mode === 'consume' ? consume(records, channels) : produce(records, channels));
} else {
  console.error('usage: shuffle-spindle.mjs consume|produce <records> <channels> [hash|forward (1 channel)]');
  process.exit(2);
}

async function produce(total, numChannels) {
  const manager = new PartitionManager();
  const server = new ShuffleServer((id, sp, link) => manager.servePartition(id, sp, link));
  const port = await server.start();
  const spec = {
    dataSetId: 'bench-shuffle',
    partitionId: PARTITION_ID,
    numSubpartitions: numChannels,
    partitioner,
    resultType: 'PIPELINED_BOUNDED',
    serializer: { kind: 'generic' },
  };
  const options = { segmentSize: SEGMENT_SIZE, buffersPerChannel: BUFFERS_PER_CHANNEL, floatingBuffers: FLOATING_BUFFERS };
  const partition = new ResultPartition(spec, new GenericSerializer(), options);
  manager.register(partition);
  const output = recordWriterOutput(partition, partitioner, {
    subtaskIndex: 0,
    maxParallelism: MAX_PARALLELISM,
    keySelector: (record) => record[1],
  });
  console.log(JSON.stringify({ port }));

  for (let i = 0; i < total; i++) {
    if (!partition.isAvailable()) await partition.whenAvailable();
    output.collect([i, KEYS[i % 1000]]);
  }
  partition.finish();
  // The consumer closes its connection once it has read everything.
  while (server.connectionCount > 0 || server.channelCount > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await server.close();
}

async function consume(total, numChannels) {
  const producer = spawn(process.execPath, [fileURLToPath(import.meta.url), 'produce', String(total), String(numChannels), partitioner], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const producerExit = new Promise((resolve) => producer.once('exit', (code, signal) => resolve({ code, signal })));
  const { port } = await firstLine(producer.stdout, producerExit);

  let wake;
  const gate = new InputGate(0, numChannels, BUFFERS_PER_CHANNEL, FLOATING_BUFFERS, () => wake?.());
  const client = new ShuffleClient();
  const started = process.hrtime.bigint();
  for (let c = 0; c < numChannels; c++) {
    gate.channels[c].connect(await client.request({ host: '127.0.0.1', port }, PARTITION_ID, c));
  }
  const state = { records: 0, bytes: 0, idSum: 0, keyChars: 0, lastId: new Array(numChannels).fill(-1) };
  const serializer = new GenericSerializer();
  const input = new DataInputDeserializer();
  while (!gate.isFinished()) {
    const next = gate.poll();
    if (!next) {
      await new Promise((resolve) => (wake = resolve));
      wake = undefined;
      continue;
    }
    if (!(next.data instanceof Uint8Array)) continue;
    state.bytes += next.data.byteLength;
    input.setBuffer(next.data, 0, next.data.byteLength);
    // Stream elements, as a task reads them: the buffer's kind, then (RECORDS) untagged records or
    // (ELEMENTS) a tag byte before each element.
    const records = readBufferKind(input);
    while (input.available() > 0) {
      const tag = records ? ElementTag.RECORD : input.readByte();
      if (tag !== ElementTag.RECORD) throw new Error(`unexpected stream element (tag ${tag}) on channel ${next.channel.index}`);
      consume1(state, next.channel.index, serializer.deserialize(input));
    }
    next.channel.recycle(next.data);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await client.close();

  const exit = await producerExit;
  if (exit.code !== 0) throw new Error(`producer failed: exit code ${exit.code}, signal ${exit.signal}`);
  check(state, total);
  console.log(JSON.stringify({ records: state.records, bytes: state.bytes, seconds }));
}

function consume1(state, channel, record) {
  const id = record[0];
  if (id <= state.lastId[channel]) throw new Error(`record ${id} after record ${state.lastId[channel]} on channel ${channel}`);
  state.lastId[channel] = id;
  state.idSum += id;
  state.keyChars += record[1].length;
  state.records++;
}

async function firstLine(stream, exited) {
  const lines = createInterface({ input: stream });
  const line = await Promise.race([
    new Promise((resolve) => lines.once('line', resolve)),
    exited.then((exit) => {
      throw new Error(`producer exited before listening: exit code ${exit.code}, signal ${exit.signal}`);
    }),
  ]);
  lines.close();
  return JSON.parse(line);
}

function check(state, expected) {
  let keyChars = 0;
  for (let i = 0; i < expected; i++) keyChars += (i % 1000 < 10 ? 1 : i % 1000 < 100 ? 2 : 3) + 1;
  const idSum = (expected * (expected - 1)) / 2;
  if (state.records !== expected || state.idSum !== idSum || state.keyChars !== keyChars) {
    throw new Error(
      `received ${state.records} records (id sum ${state.idSum}, key chars ${state.keyChars}); ` +
        `expected ${expected} (${idSum}, ${keyChars})`,
    );
  }
}
