import { decodeKey, encodeKey, type DataInputDeserializer, type DataOutputSerializer, type TypeSerializer } from '@spindle/core';
import type { StateKind } from './descriptors.js';
import type { TtlCell, TtlPolicy } from './ttl.js';
import { UserKeyMap } from './user-key-map.js';

/**
 * How the cells of one state kind are stored, expired and written into snapshots. A cell is what a
 * state table holds per key:
 * - value, reducing, aggregating: the value (`TtlCell<V>` with a TTL);
 * - list: an array of elements (of `TtlCell<V>` with a TTL, one timestamp per element);
 * - map: a UserKeyMap of values (of `TtlCell<V>` with a TTL, one timestamp per entry).
 *
 * Snapshot encoding of a cell (timestamps are float64 milliseconds, present only with a TTL):
 * - single value: `[ts] value`;
 * - list: `varuint n`, then n × `[ts] element`;
 * - map: `varuint n`, then n × `string userKey (key codec) [ts] value`.
 */
export interface CellOps {
  /** Removes expired parts; returns the cell to keep (maybe a new object) or undefined when nothing is left. */
  purge: (cell: unknown, now: number) => unknown;
  write: (cell: unknown, out: DataOutputSerializer) => void;
  read: (input: DataInputDeserializer) => unknown;
}

export function cellOpsFor(kind: StateKind, serializer: TypeSerializer<unknown>, ttl: TtlPolicy | undefined, stateName: string): CellOps {
  const element = elementOps(serializer, ttl);
  switch (kind) {
    case 'list':
      return listOps(element, ttl);
    case 'map':
      return mapOps(element, ttl, stateName);
    default:
      return singleOps(element, ttl);
  }
}

interface ElementOps {
  write: (cell: unknown, out: DataOutputSerializer) => void;
  read: (input: DataInputDeserializer) => unknown;
}

function elementOps(serializer: TypeSerializer<unknown>, ttl: TtlPolicy | undefined): ElementOps {
  if (ttl === undefined) return { write: (v, out) => serializer.serialize(v, out), read: (input) => serializer.deserialize(input) };
  return {
    write(cell, out) {
      const c = cell as TtlCell<unknown>;
      out.writeFloat64(c.ts);
      serializer.serialize(c.value, out);
    },
    read(input) {
      const ts = input.readFloat64();
      return { ts, value: serializer.deserialize(input) };
    },
  };
}

function singleOps(element: ElementOps, ttl: TtlPolicy | undefined): CellOps {
  return {
    purge: (cell, now) => (ttl !== undefined && ttl.isExpired(cell as TtlCell<unknown>, now) ? undefined : cell),
    write: element.write,
    read: element.read,
  };
}

function listOps(element: ElementOps, ttl: TtlPolicy | undefined): CellOps {
  return {
    purge(cell, now) {
      const list = cell as TtlCell<unknown>[];
      if (ttl === undefined) return list.length === 0 ? undefined : list;
      const live = list.filter((c) => !ttl.isExpired(c, now));
      if (live.length === list.length) return list;
      return live.length === 0 ? undefined : live;
    },
    write(cell, out) {
      const list = cell as unknown[];
      out.writeVarUint(list.length);
      for (const e of list) element.write(e, out);
    },
    read(input) {
      const n = input.readVarUint();
      const list: unknown[] = [];
      for (let i = 0; i < n; i++) list.push(element.read(input));
      return list;
    },
  };
}

function mapOps(element: ElementOps, ttl: TtlPolicy | undefined, stateName: string): CellOps {
  const context = `map state '${stateName}'`;
  return {
    purge(cell, now) {
      const map = cell as UserKeyMap<TtlCell<unknown>>;
      if (ttl === undefined) return map.size === 0 ? undefined : map;
      let expired = 0;
      for (const [, c] of map.entries()) if (ttl.isExpired(c, now)) expired++;
      if (expired === 0) return map;
      if (expired === map.size) return undefined;
      const live = new UserKeyMap<TtlCell<unknown>>(context);
      for (const [k, c] of map.entries()) if (!ttl.isExpired(c, now)) live.set(k, c);
      return live;
    },
    write(cell, out) {
      const map = cell as UserKeyMap<unknown>;
      out.writeVarUint(map.size);
      for (const [k, v] of map.entries()) {
        out.writeString(encodeKey(k, context));
        element.write(v, out);
      }
    },
    read(input) {
      const n = input.readVarUint();
      const map = new UserKeyMap<unknown>(context);
      for (let i = 0; i < n; i++) {
        const key = decodeKey(input.readString());
        map.set(key, element.read(input));
      }
      return map;
    },
  };
}
