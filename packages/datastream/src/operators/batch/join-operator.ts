import { SpindleError, decodeKey, encodeKey } from '@spindle/core';
import type { ExternalSorter, InputSelectable, OperatorContext } from '@spindle/runtime/task';
import type { Collector } from '../../functions/basic-functions.js';
import { AbstractOperator } from '../basic-operators.js';
import { estimateSize } from './memory-estimate.js';
import { groupingSorter, type Keyed } from './sorted-groups.js';
import { addSpill, reportSpill } from './spill-report.js';
import { emitAll } from './emit.js';

/** Flink's JoinFunction; in outer joins the side without a match is `null`. */
export type JoinFunction<IN1, IN2, OUT> = (first: IN1, second: IN2) => OUT;
/** Flink's CoGroupFunction: the records of both inputs with one key (one side may be empty). */
export type CoGroupFunction<IN1, IN2, OUT> = (first: Iterable<IN1>, second: Iterable<IN2>, out: Collector<OUT>) => void;

export type JoinType = 'INNER' | 'LEFT_OUTER' | 'RIGHT_OUTER' | 'FULL_OUTER';

/** How a join runs: 'hash' builds a table of one input (falling back to sort-merge when it outgrows memory). */
export type JoinExecution = { kind: 'hash'; buildInput: 0 | 1 } | { kind: 'sort-merge' };

export interface JoinSpec {
  type: JoinType;
  execution: JoinExecution;
  keys: [(r: unknown) => unknown, (r: unknown) => unknown];
  join?: JoinFunction<unknown, unknown, unknown>;
  coGroup?: CoGroupFunction<unknown, unknown, unknown>;
}

const ENTRY_OVERHEAD = 64;

interface BuildEntry {
  records: unknown[];
  matched: boolean;
}

/**
 * The build input's records by key. Number keys are held by value, without encoding them: a Map
 * equates numbers as the key codec does (-0 is 0, every NaN is one key) and keeps them apart from
 * keys of other types, which are held by their encoding.
 */
class BuildTable {
  private readonly numbers = new Map<number, BuildEntry>();
  private readonly encoded = new Map<string, BuildEntry>();

  constructor(private readonly context: string) {}

  /** The entry of a probe record's key; `context` names that input in key errors. */
  get(key: unknown, context: string): BuildEntry | undefined {
    return typeof key === 'number' ? this.numbers.get(key) : this.encoded.get(encodeKey(key, context));
  }

  /** The entry of a key's encoding (from a sorter). */
  getEncoded(key: string): BuildEntry | undefined {
    // Only the encoding of a number starts with `n`.
    return key.charCodeAt(0) === 0x6e ? this.numbers.get(decodeKey(key) as number) : this.encoded.get(key);
  }

  /** Adds a record; returns the bytes the table grew by, roughly. */
  add(key: unknown, record: unknown): number {
    const size = estimateSize(record);
    if (typeof key === 'number') {
      const entry = this.numbers.get(key);
      if (entry) entry.records.push(record);
      else this.numbers.set(key, { records: [record], matched: false });
      return size + (entry ? 8 : ENTRY_OVERHEAD + 16);
    }
    const encoded = encodeKey(key, this.context);
    const entry = this.encoded.get(encoded);
    if (entry) entry.records.push(record);
    else this.encoded.set(encoded, { records: [record], matched: false });
    return size + (entry ? 8 : ENTRY_OVERHEAD + 2 * encoded.length);
  }

  /** Every entry with the encoding of its key. */
  *entries(): Generator<[string, BuildEntry], void, undefined> {
    for (const [key, entry] of this.numbers) yield [encodeKey(key), entry];
    yield* this.encoded;
  }

  *values(): Generator<BuildEntry, void, undefined> {
    yield* this.numbers.values();
    yield* this.encoded.values();
  }
}

/**
 * Joins or co-groups two bounded inputs by key (BATCH only). Sort-merge: both inputs go into
 * external sorters, which are merged by key at the end of input. Hash: the task reads the build
 * input first (InputSelectable, as Flink's hash join does), which fills a table within the managed
 * memory (half of it when probe records came early and wait in a sorter); probe records are then joined as they come, without being buffered. A build
 * input that outgrows its memory moves to a sorter and the join continues as sort-merge (the
 * inputs are read as they come from then on). Outer sides without a match are joined with null.
 */
export class JoinOperator extends AbstractOperator implements InputSelectable {
  private table: BuildTable | undefined;
  /** What key errors name, per input. */
  private keyContexts: [string, string] = ['', ''];
  private tableBytes = 0;
  private buildEnded = false;
  private readonly sorters: Array<ExternalSorter<string> | undefined> = [undefined, undefined];

  constructor(private readonly spec: JoinSpec) {
    super();
  }

  override open(ctx: OperatorContext): void {
    super.open(ctx);
    if (ctx.runtimeMode !== 'BATCH') {
      throw new SpindleError(`${ctx.operatorName} runs only on bounded input in BATCH mode: set execution.runtime-mode to BATCH`, {
        code: 'BATCH_ONLY',
        userFacing: true,
        recoverability: 'non-recoverable',
      });
    }
    this.keyContexts = [0, 1].map((i) => `key of input ${i + 1} of '${ctx.operatorName}'`) as [string, string];
    const execution = this.spec.execution;
    if (execution.kind === 'hash') this.table = new BuildTable(this.keyContexts[execution.buildInput]);
  }

  /** Hash: only the build input until it ended (or moved to a sorter), then both. */
  nextSelection(): number | 'ALL' {
    const execution = this.spec.execution;
    return execution.kind === 'hash' && this.table !== undefined && !this.buildEnded ? execution.buildInput : 'ALL';
  }

  endInput(inputIndex: number): void {
    if (this.spec.execution.kind === 'hash' && inputIndex === this.spec.execution.buildInput) this.buildEnded = true;
  }

  processElement(record: unknown, inputIndex: number): void {
    const key = this.spec.keys[inputIndex]!(record);
    const execution = this.spec.execution;
    if (this.table === undefined || execution.kind !== 'hash') {
      this.sorter(inputIndex).add([encodeKey(key, this.keyContexts[inputIndex]), record]);
    } else if (inputIndex === execution.buildInput) {
      this.build(key, record);
    } else if (this.buildEnded) {
      this.probeNow(key, record, execution.buildInput);
    } else {
      this.sorter(inputIndex).add([encodeKey(key, this.keyContexts[inputIndex]), record]);
      if (this.tableBytes > this.tableBudget()) this.spillTable();
    }
  }

  override async finish(): Promise<void> {
    const execution = this.spec.execution;
    const results = this.table !== undefined && execution.kind === 'hash' ? this.probeRest(execution.buildInput) : this.mergeSorted();
    await emitAll(this.ctx, this.out, results);
    this.table = undefined;
    reportSpill(this.ctx, addSpill(this.sorter(0).spilled, this.sorter(1).spilled));
  }

  /** Hash join at the end: the probe records buffered before the build input ended, then the build side's unmatched records (outer). */
  private *probeRest(buildInput: 0 | 1): Generator<unknown, void, undefined> {
    for (const entry of this.sorter(1 - buildInput).sorted())
      yield* this.probe(this.table!.getEncoded((entry as Keyed)[0]), (entry as Keyed)[1]);
    if (!this.outer(buildInput)) return;
    for (const e of this.table!.values()) if (!e.matched) for (const r of e.records) yield this.joinOne(buildInput, r);
  }

  override close(): void | Promise<void> {
    this.table = undefined;
    for (const s of this.sorters) s?.close();
    return super.close();
  }

  private sorter(input: number): ExternalSorter<string> {
    return (this.sorters[input] ??= groupingSorter(this.ctx, 0.5));
  }

  private outer(input: number): boolean {
    const type = this.spec.type;
    return type === 'FULL_OUTER' || (input === 0 ? type === 'LEFT_OUTER' : type === 'RIGHT_OUTER');
  }

  private build(key: unknown, record: unknown): void {
    this.tableBytes += this.table!.add(key, record);
    if (this.tableBytes > this.tableBudget()) this.spillTable();
  }

  /**
   * The table's memory: all of the operator's while the probe input is read only after the build
   * input (nextSelection), half while probe records wait in a sorter beside it.
   */
  private tableBudget(): number {
    const probeInput = 1 - (this.spec.execution as { buildInput: 0 | 1 }).buildInput;
    return this.sorters[probeInput] === undefined ? this.ctx.managedMemory : this.ctx.managedMemory / 2;
  }

  /** The build input does not fit: it moves to a sorter, and the join finishes as sort-merge. */
  private spillTable(): void {
    const execution = this.spec.execution as { buildInput: 0 | 1 };
    const sorter = this.sorter(execution.buildInput);
    for (const [key, entry] of this.table!.entries()) for (const r of entry.records) sorter.add([key, r]);
    this.table = undefined;
    this.tableBytes = 0;
  }

  /** The joins of a probe record with the build records of its key, `entry` (or with null, outer). */
  private *probe(entry: BuildEntry | undefined, record: unknown): Generator<unknown, void, undefined> {
    const buildInput = (this.spec.execution as { buildInput: 0 | 1 }).buildInput;
    const probeInput = 1 - buildInput;
    if (entry === undefined) {
      if (this.outer(probeInput)) yield this.joinOne(probeInput, record);
      return;
    }
    entry.matched = true;
    const join = this.spec.join!;
    for (const built of entry.records) yield buildInput === 0 ? join(built, record) : join(record, built);
  }

  /** `probe` for a record as it comes: joined and emitted directly (the hot path of a hash join). */
  private probeNow(key: unknown, record: unknown, buildInput: 0 | 1): void {
    const entry = this.table!.get(key, this.keyContexts[1 - buildInput]!);
    if (entry === undefined) {
      if (this.outer(1 - buildInput)) this.out.collect(this.joinOne(1 - buildInput, record));
      return;
    }
    entry.matched = true;
    const join = this.spec.join!;
    const out = this.out;
    const records = entry.records;
    if (buildInput === 0) for (let i = 0; i < records.length; i++) out.collect(join(records[i], record));
    else for (let i = 0; i < records.length; i++) out.collect(join(record, records[i]));
  }

  /** A record of `input` without a match (outer joins), joined with null. */
  private joinOne(input: number, record: unknown): unknown {
    return input === 0 ? this.spec.join!(record, null) : this.spec.join!(null, record);
  }

  /** Sort-merge join or coGroup of both sorted inputs, a key at a time. */
  private *mergeSorted(): Generator<unknown, void, undefined> {
    const a = new GroupCursor(this.sorter(0).sorted());
    const b = new GroupCursor(this.sorter(1).sorted());
    const collected: unknown[] = [];
    const collector = { collect: (r: unknown) => void collected.push(r) };
    const join = this.spec.join;
    while (a.key !== undefined || b.key !== undefined) {
      const c = a.key === undefined ? 1 : b.key === undefined ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      const first = c <= 0 ? a.takeGroup() : [];
      if (this.spec.coGroup) {
        this.spec.coGroup(first, c >= 0 ? b.takeGroup() : [], collector);
        yield* collected;
        collected.length = 0;
      } else if (c < 0) {
        if (this.outer(0)) for (const r of first) yield join!(r, null);
      } else if (c > 0) {
        for (const r of b.streamGroup()) if (this.outer(1)) yield join!(null, r);
      } else {
        for (const r of b.streamGroup()) for (const l of first) yield join!(l, r);
      }
    }
  }
}

/** Reads `[key, record]` pairs sorted by key, a key's group at a time. */
class GroupCursor {
  private next: IteratorResult<unknown>;

  constructor(private readonly sorted: Iterator<unknown>) {
    this.next = sorted.next();
  }

  get key(): string | undefined {
    return this.next.done ? undefined : (this.next.value as Keyed)[0];
  }

  takeGroup(): unknown[] {
    return [...this.streamGroup()];
  }

  /** The records of the current key, read as they are consumed; consume them all. */
  *streamGroup(): Generator<unknown, void, undefined> {
    const key = this.key;
    while (!this.next.done && (this.next.value as Keyed)[0] === key) {
      const record = (this.next.value as Keyed)[1];
      this.next = this.sorted.next();
      yield record;
    }
  }
}
