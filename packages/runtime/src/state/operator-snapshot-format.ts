import { DataInputDeserializer, DataOutputSerializer, SpindleError } from '@spindle/core';
import { invalidSnapshot } from './state-errors.js';

/**
 * How operator state is redistributed when the parallelism changes (Flink's OperatorStateHandle.Mode):
 * - `split`: list state; the elements of all subtasks are concatenated and split evenly;
 * - `union`: union list state; every subtask gets every element;
 * - `broadcast`: broadcast state; every subtask gets one subtask's copy (they are equal).
 */
export type OperatorStateMode = 'split' | 'union' | 'broadcast';
const MODES: readonly OperatorStateMode[] = ['split', 'union', 'broadcast'];

/**
 * The binary format of an operator state snapshot (one part per subtask), version 1:
 *
 * ```
 * byte     format version (1)
 * byte     0x4f ('O', operator state)
 * varuint  number of states, then per state:
 *            string name, byte mode (0 split, 1 union, 2 broadcast), string serializer kind,
 *            varuint number of elements, then per element: varuint byte length, bytes
 * ```
 *
 * A list element is one value of the state's serializer; a broadcast entry is `string key (core's
 * key codec)` followed by the value. Elements are length-prefixed so that redistribution works on
 * bytes, without the serializers (it runs where the job's code is not loaded).
 */
export const OPERATOR_SNAPSHOT_VERSION = 1;
const OPERATOR_MARKER = 0x4f;

export interface OperatorStatePart {
  name: string;
  mode: OperatorStateMode;
  serializerKind: string;
  elements: Uint8Array[];
}

export function writeOperatorSnapshot(states: readonly OperatorStatePart[]): Uint8Array {
  const out = new DataOutputSerializer(256);
  out.writeByte(OPERATOR_SNAPSHOT_VERSION);
  out.writeByte(OPERATOR_MARKER);
  out.writeVarUint(states.length);
  for (const s of states) {
    out.writeString(s.name);
    out.writeByte(MODES.indexOf(s.mode));
    out.writeString(s.serializerKind);
    out.writeVarUint(s.elements.length);
    for (const e of s.elements) {
      out.writeVarUint(e.length);
      out.writeBytes(e);
    }
  }
  return out.toUint8Array();
}

export function readOperatorSnapshot(bytes: Uint8Array): OperatorStatePart[] {
  try {
    return parse(new DataInputDeserializer(bytes));
  } catch (e) {
    if (e instanceof SpindleError && e.code === 'STATE_SNAPSHOT_INVALID') throw e;
    throw invalidSnapshot(`corrupt operator state snapshot: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parse(input: DataInputDeserializer): OperatorStatePart[] {
  const version = input.readByte();
  if (version !== OPERATOR_SNAPSHOT_VERSION) {
    throw invalidSnapshot(`unsupported operator state snapshot version ${version} (this build reads ${OPERATOR_SNAPSHOT_VERSION})`);
  }
  if (input.readByte() !== OPERATOR_MARKER) throw invalidSnapshot('not an operator state snapshot');
  const states: OperatorStatePart[] = [];
  for (let n = input.readVarUint(), i = 0; i < n; i++) {
    const name = input.readString();
    const modeCode = input.readByte();
    const mode = MODES[modeCode];
    if (mode === undefined) throw invalidSnapshot(`operator state '${name}' has an unknown mode code ${modeCode}`);
    const serializerKind = input.readString();
    const elements: Uint8Array[] = [];
    for (let m = input.readVarUint(), j = 0; j < m; j++) elements.push(new Uint8Array(input.readBytes(input.readVarUint())));
    states.push({ name, mode, serializerKind, elements });
  }
  if (input.available() !== 0) throw invalidSnapshot(`${input.available()} trailing bytes after the last operator state`);
  return states;
}

/**
 * Redistributes the operator state snapshots of the old subtasks (in subtask order; an empty
 * array stands for a subtask that wrote none) to `newParallelism` new subtasks, as Flink's
 * round-robin repartitioner:
 * - split: the elements of all old subtasks, in subtask order, cut into contiguous runs whose
 *   lengths differ by at most one (the first runs take the remainder);
 * - union: every new subtask gets all elements;
 * - broadcast: new subtask i gets the copy of the i-th (mod count) old subtask that wrote one.
 * The result holds one snapshot per new subtask, for OperatorStateStore.restore.
 */
export function repartitionOperatorState(parts: readonly Uint8Array[], newParallelism: number): Uint8Array[] {
  if (!Number.isInteger(newParallelism) || newParallelism < 1)
    throw new RangeError(`parallelism must be a positive integer, got ${newParallelism}`);
  const byName = new Map<string, OperatorStatePart[]>();
  for (const bytes of parts) {
    if (bytes.length === 0) continue;
    for (const s of readOperatorSnapshot(bytes)) {
      const known = byName.get(s.name);
      if (known === undefined) byName.set(s.name, [s]);
      else {
        if (known[0]!.mode !== s.mode || known[0]!.serializerKind !== s.serializerKind) {
          throw invalidSnapshot(`operator state '${s.name}' was written with different modes or serializers by different subtasks`);
        }
        known.push(s);
      }
    }
  }
  const result: OperatorStatePart[][] = Array.from({ length: newParallelism }, () => []);
  for (const [name, copies] of byName) {
    const { mode, serializerKind } = copies[0]!;
    const target = (i: number, elements: Uint8Array[]) => result[i]!.push({ name, mode, serializerKind, elements });
    if (mode === 'broadcast') {
      for (let i = 0; i < newParallelism; i++) target(i, copies[i % copies.length]!.elements);
      continue;
    }
    const all = copies.flatMap((c) => c.elements);
    if (mode === 'union') {
      for (let i = 0; i < newParallelism; i++) target(i, all);
      continue;
    }
    const base = Math.floor(all.length / newParallelism);
    const remainder = all.length % newParallelism;
    let start = 0;
    for (let i = 0; i < newParallelism; i++) {
      const length = base + (i < remainder ? 1 : 0);
      target(i, all.slice(start, start + length));
      start += length;
    }
  }
  return result.map((states) => writeOperatorSnapshot(states));
}
