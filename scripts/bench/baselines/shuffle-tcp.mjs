/**
 * Shuffle baseline: plain framed TCP between two Node processes, with no engine.
 *
 *   node shuffle-tcp.mjs receive <records> [buffer-api|hand-coded]   (starts the sender itself)
 *   node shuffle-tcp.mjs send <port> <records> [buffer-api|hand-coded]
 *
 * The sender packs records [i, 'k' + (i % 1000)] into frames of about 32 KiB (u32 frame
 * length, then per record: u32 id, u8 key length, key bytes in latin1) and writes them to
 * 127.0.0.1, waiting for 'drain' when the socket asks it to. The receiver parses every frame,
 * decodes every record into an [id, key] array, checks that ids arrive in order, and prints
 * one JSON line: records, payload bytes and the seconds from accepting the connection to the
 * end of the stream.
 *
 * Two codecs for the records: `buffer-api` uses Buffer's methods (writeUInt32LE, latin1Write,
 * toString('latin1')), as plain Node code would; `hand-coded` moves bytes in JavaScript loops
 * and builds keys with String.fromCharCode, which avoids a native call per field.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const FRAME_TARGET = 32 * 1024;
const MAX_RECORD = 4 + 1 + 255;
const KEYS = Array.from({ length: 1000 }, (_, k) => 'k' + k);

const CODECS = {
  'buffer-api': { encode: encodeWithBufferApi, decode: decodeWithBufferApi },
  'hand-coded': { encode: encodeByHand, decode: decodeByHand },
};

const [mode, ...args] = process.argv.slice(2);
const codecName = (mode === 'receive' ? args[1] : args[2]) ?? 'buffer-api';
const codec = CODECS[codecName];
if (codec && mode === 'receive' && args.length <= 2) await receive(Number(args[0]));
else if (codec && mode === 'send' && args.length <= 3) await send(Number(args[0]), Number(args[1]));
else {
  console.error(
    'usage: shuffle-tcp.mjs receive <records> [codec] | send <port> <records> [codec]; codecs: ' + Object.keys(CODECS).join(', '),
  );
  process.exit(2);
}

function encodeWithBufferApi(frame, pos, id, key) {
  frame.writeUInt32LE(id, pos);
  frame[pos + 4] = key.length;
  return pos + 5 + frame.latin1Write(key, pos + 5);
}

function encodeByHand(frame, pos, id, key) {
  frame[pos] = id;
  frame[pos + 1] = id >>> 8;
  frame[pos + 2] = id >>> 16;
  frame[pos + 3] = id >>> 24;
  const n = key.length;
  frame[pos + 4] = n;
  for (let j = 0; j < n; j++) frame[pos + 5 + j] = key.charCodeAt(j);
  return pos + 5 + n;
}

function decodeWithBufferApi(buf, pos, keyLength) {
  return [buf.readUInt32LE(pos), buf.toString('latin1', pos + 5, pos + 5 + keyLength)];
}

function decodeByHand(buf, pos, keyLength) {
  const id = (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0;
  let key = '';
  for (let j = pos + 5, end = pos + 5 + keyLength; j < end; j++) key += String.fromCharCode(buf[j]);
  return [id, key];
}

async function send(port, records) {
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let i = 0;
  while (i < records) {
    const frame = Buffer.allocUnsafe(FRAME_TARGET + MAX_RECORD);
    let pos = 4;
    while (i < records && pos < FRAME_TARGET) {
      pos = codec.encode(frame, pos, i, KEYS[i % 1000]);
      i++;
    }
    frame.writeUInt32LE(pos - 4, 0);
    if (!socket.write(frame.subarray(0, pos))) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await new Promise((resolve) => socket.end(resolve));
}

async function receive(expected) {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const sender = spawn(process.execPath, [fileURLToPath(import.meta.url), 'send', String(port), String(expected), codecName], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const senderExit = new Promise((resolve) => sender.once('exit', (code, signal) => resolve({ code, signal })));

  const socket = await new Promise((resolve) => server.once('connection', resolve));
  const started = process.hrtime.bigint();
  const state = { records: 0, bytes: 0, lastId: -1, idSum: 0, keyChars: 0, pending: null };
  socket.on('data', (chunk) => onChunk(state, chunk));
  await new Promise((resolve, reject) => socket.once('end', resolve).once('error', reject));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  server.close();

  const exit = await senderExit;
  if (exit.code !== 0) throw new Error(`sender failed: exit code ${exit.code}, signal ${exit.signal}`);
  if (state.pending) throw new Error(`stream ended inside a frame (${state.pending.length} bytes left)`);
  check(state, expected);
  console.log(JSON.stringify({ records: state.records, bytes: state.bytes, seconds }));
}

function onChunk(state, chunk) {
  let buf = state.pending ? Buffer.concat([state.pending, chunk]) : chunk;
  let pos = 0;
  while (buf.length - pos >= 4) {
    const length = buf.readUInt32LE(pos);
    if (buf.length - pos - 4 < length) break;
    readFrame(state, buf, pos + 4, pos + 4 + length);
    state.bytes += 4 + length;
    pos += 4 + length;
  }
  state.pending = pos < buf.length ? buf.subarray(pos) : null;
}

function readFrame(state, buf, start, end) {
  let pos = start;
  while (pos < end) {
    const keyLength = buf[pos + 4];
    const record = codec.decode(buf, pos, keyLength);
    pos += 5 + keyLength;
    consume(state, record);
  }
}

function consume(state, record) {
  const id = record[0];
  if (id <= state.lastId) throw new Error(`record ${id} after record ${state.lastId}`);
  state.lastId = id;
  state.idSum += id;
  state.keyChars += record[1].length;
  state.records++;
}

function check(state, expected) {
  let keyChars = 0;
  for (let i = 0; i < 1000 && i < expected; i++) keyChars += String(i).length + 1;
  keyChars *= Math.floor(expected / 1000);
  for (let i = 0; i < expected % 1000; i++) keyChars += String(i).length + 1;
  const idSum = (expected * (expected - 1)) / 2;
  if (state.records !== expected || state.idSum !== idSum || state.keyChars !== keyChars) {
    throw new Error(
      `received ${state.records} records (id sum ${state.idSum}, key chars ${state.keyChars}); ` +
        `expected ${expected} (${idSum}, ${keyChars})`,
    );
  }
}
