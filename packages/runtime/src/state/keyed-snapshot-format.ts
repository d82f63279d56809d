import { DataInputDeserializer, DataOutputSerializer, SpindleError, type KeyGroupRange } from '@spindle/core';
import { STATE_KINDS, type StateKind } from './descriptors.js';
import { invalidSnapshot } from './state-errors.js';

/**
 * The binary format of a keyed state snapshot (one part per subtask), version 2. Numbers are
 * core's DataOutputSerializer encodings (varuint = unsigned LEB128, strings = varuint length +
 * UTF-8, float64 little-endian):
 *
 * ```
 * byte     format version (2; version 1 is read too)
 * byte     0x4b ('K', keyed state)
 * varuint  maxParallelism, key group range start, range end (inclusive)
 * varuint  number of states, then per state:
 *            string name, byte kind (0 value, 1 list, 2 map, 3 reducing, 4 aggregating, 5 timers),
 *            string serializer kind ('generic', 'avro', ...; '' for timers), byte 1 if TTL else 0
 * varuint  number of key groups written, then per key group: varuint key group, varuint byte length
 * then the key-group blocks in that order; a block is
 *   varuint number of sections, then per section: varuint state index, varuint byte length, bytes
 * ```
 *
 * A section holds one state's entries in one key group: `varuint n`, then n × `string key (core's
 * key codec), byte 1 and string namespace (the state's NamespaceSerializer) or byte 0 for the
 * default namespace` (version 1: the key alone) followed by the state's cell (see state-cells.ts), or for timers the timer queue's
 * key-group encoding (see timer-queue.ts). Only key groups with entries are written. Since every
 * block stands alone, a backend of any key-group range takes its key groups out of any set of
 * parts; sections of states nobody has asked for yet stay bytes until then.
 */
export const KEYED_SNAPSHOT_VERSION = 2;
const READABLE_VERSIONS = [1, 2];
const KEYED_MARKER = 0x4b;

export type SnapshotStateKind = StateKind | 'timers';
const KINDS: readonly SnapshotStateKind[] = [...STATE_KINDS, 'timers'];

export interface StateMetaInfo {
  name: string;
  kind: SnapshotStateKind;
  serializerKind: string;
  ttl: boolean;
}

/** One state's entries in one key group, as stored in the snapshot. */
export interface KeyGroupSection {
  keyGroup: number;
  bytes: Uint8Array;
  /** The format version of the part it came from (entries have namespaces from version 2 on). */
  version: number;
}

export interface KeyedSnapshotWriter {
  maxParallelism: number;
  range: KeyGroupRange;
  states: readonly StateMetaInfo[];
  /** Writes state `stateIndex`'s section of `keyGroup` into `out`; false when it has nothing there. */
  writeSection(stateIndex: number, keyGroup: number, out: DataOutputSerializer): boolean;
}

export function writeKeyedSnapshot(w: KeyedSnapshotWriter): Uint8Array {
  const blocks = new DataOutputSerializer(1024);
  const section = new DataOutputSerializer(256);
  const block = new DataOutputSerializer(256);
  const index: [number, number][] = [];
  for (let kg = w.range.start; kg <= w.range.end; kg++) {
    block.clear();
    let sections = 0;
    for (let s = 0; s < w.states.length; s++) {
      section.clear();
      if (!w.writeSection(s, kg, section)) continue;
      sections++;
      block.writeVarUint(s);
      block.writeVarUint(section.position);
      block.writeBytes(section.buffer().subarray(0, section.position));
    }
    if (sections === 0) continue;
    const start = blocks.position;
    blocks.writeVarUint(sections);
    blocks.writeBytes(block.buffer().subarray(0, block.position));
    index.push([kg, blocks.position - start]);
  }
  const out = new DataOutputSerializer(blocks.position + 256);
  out.writeByte(KEYED_SNAPSHOT_VERSION);
  out.writeByte(KEYED_MARKER);
  out.writeVarUint(w.maxParallelism);
  out.writeVarUint(w.range.start);
  out.writeVarUint(w.range.end);
  out.writeVarUint(w.states.length);
  for (const m of w.states) {
    out.writeString(m.name);
    out.writeByte(KINDS.indexOf(m.kind));
    out.writeString(m.serializerKind);
    out.writeByte(m.ttl ? 1 : 0);
  }
  out.writeVarUint(index.length);
  for (const [kg, length] of index) {
    out.writeVarUint(kg);
    out.writeVarUint(length);
  }
  out.writeBytes(blocks.buffer().subarray(0, blocks.position));
  return out.toUint8Array();
}

export interface ParsedKeyedSnapshot {
  maxParallelism: number;
  range: KeyGroupRange;
  states: StateMetaInfo[];
  /** Per state index, its sections in the key groups of `wanted` (copied out of the input). */
  sections: KeyGroupSection[][];
}

/** Reads a snapshot part, keeping only the key groups in `wanted`. */
export function readKeyedSnapshot(bytes: Uint8Array, wanted: KeyGroupRange): ParsedKeyedSnapshot {
  try {
    return parse(new DataInputDeserializer(bytes), wanted);
  } catch (e) {
    if (e instanceof SpindleError && e.code === 'STATE_SNAPSHOT_INVALID') throw e;
    throw invalidSnapshot(`corrupt keyed state snapshot: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parse(input: DataInputDeserializer, wanted: KeyGroupRange): ParsedKeyedSnapshot {
  const version = input.readByte();
  if (!READABLE_VERSIONS.includes(version))
    throw invalidSnapshot(`unsupported keyed state snapshot version ${version} (this build reads ${READABLE_VERSIONS.join(' and ')})`);
  if (input.readByte() !== KEYED_MARKER) throw invalidSnapshot('not a keyed state snapshot');
  const maxParallelism = input.readVarUint();
  const range = { start: input.readVarUint(), end: input.readVarUint() };
  const states: StateMetaInfo[] = [];
  for (let n = input.readVarUint(), i = 0; i < n; i++) states.push(readMeta(input));
  const index: [number, number][] = [];
  for (let n = input.readVarUint(), i = 0; i < n; i++) index.push([input.readVarUint(), input.readVarUint()]);
  const sections: KeyGroupSection[][] = states.map(() => []);
  for (const [keyGroup, length] of index) {
    const end = input.position + length;
    if (keyGroup >= wanted.start && keyGroup <= wanted.end) readBlock(input, keyGroup, version, sections);
    else input.require(length);
    if (input.position !== end) throw invalidSnapshot(`key group ${keyGroup}: block length mismatch`);
  }
  if (input.available() !== 0) throw invalidSnapshot(`${input.available()} trailing bytes after the last key group`);
  return { maxParallelism, range, states, sections };
}

function readMeta(input: DataInputDeserializer): StateMetaInfo {
  const name = input.readString();
  const kindCode = input.readByte();
  const kind = KINDS[kindCode];
  if (kind === undefined) throw invalidSnapshot(`state '${name}' has an unknown kind code ${kindCode}`);
  return { name, kind, serializerKind: input.readString(), ttl: input.readByte() === 1 };
}

function readBlock(input: DataInputDeserializer, keyGroup: number, version: number, sections: KeyGroupSection[][]): void {
  for (let n = input.readVarUint(), i = 0; i < n; i++) {
    const stateIndex = input.readVarUint();
    const length = input.readVarUint();
    const target = sections[stateIndex];
    if (target === undefined) throw invalidSnapshot(`key group ${keyGroup} refers to state #${stateIndex}, which is not declared`);
    target.push({ keyGroup, bytes: new Uint8Array(input.readBytes(length)), version });
  }
}

/** The key groups a snapshot part covers, read from its header only. */
export function keyedSnapshotRange(bytes: Uint8Array): KeyGroupRange {
  const input = new DataInputDeserializer(bytes);
  if (!READABLE_VERSIONS.includes(input.readByte()) || input.readByte() !== KEYED_MARKER)
    throw invalidSnapshot('not a keyed state snapshot');
  input.readVarUint();
  return { start: input.readVarUint(), end: input.readVarUint() };
}
