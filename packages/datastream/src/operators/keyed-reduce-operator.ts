import { KeyMap, SpindleError } from '@spindle/core';
import type { FieldExpression, KeySelector, ReduceFunction } from '../functions.js';
import { AbstractOperator } from './basic-operators.js';

/** A combiner pre-aggregates for the keyed operator named by `keyedOperatorName` (called once the graph is built). */
export interface CombinerOptions {
  maxKeys: number;
  keyedOperatorName: () => string;
}

/**
 * A rolling reduce per key. STREAMING emits the updated value after every record; BATCH emits
 * only the final value of each key when the input ends. Keys are compared by core's key codec
 * (KeyMap), as keyBy partitions them.
 */
export class KeyedReduceOperator extends AbstractOperator {
  private state = new KeyMap<unknown>();
  private batch = false;

  /**
   * `accumulateInPlace`, when given, folds a record into an accumulator the operator owns; BATCH
   * mode uses it, since nothing emitted can observe the accumulator before the input ends.
   */
  constructor(
    private readonly keySelector: KeySelector<unknown, unknown>,
    private readonly reduce: ReduceFunction<unknown>,
    private readonly accumulateInPlace?: InPlaceAggregation,
    private readonly combiner?: CombinerOptions,
  ) {
    super();
  }

  override open(ctx: Parameters<AbstractOperator['open']>[0]): void {
    super.open(ctx);
    this.batch = ctx.runtimeMode === 'BATCH' || this.combiner !== undefined;
    this.state = this.newState();
  }

  private newState(): KeyMap<unknown> {
    return new KeyMap(`keyBy of '${this.combiner?.keyedOperatorName() ?? this.ctx.operatorName}'`);
  }

  processElement(record: unknown, _inputIndex: number, timestamp?: number): void {
    const key = this.keySelector(record);
    const prev = this.state.get(key);
    const inPlace = this.batch ? this.accumulateInPlace : undefined;
    if (inPlace && prev !== undefined) {
      inPlace.fold(prev, record);
      return;
    }
    const next = prev === undefined ? (inPlace ? inPlace.copy(record) : record) : this.reduce(prev, record);
    this.state.set(key, next);
    if (!this.batch) this.out.collect(next, timestamp);
    else if (prev === undefined && this.combiner && this.state.size >= this.combiner.maxKeys) this.flushPartials();
  }

  override finish(): void {
    this.flushPartials();
  }

  /** BATCH (and combiners): emits the value of every key and starts over. */
  private flushPartials(): void {
    if (!this.batch) return;
    for (const v of this.state.values()) this.out.collect(v);
    this.state = this.newState();
  }
}

function readField(record: unknown, field: FieldExpression | undefined): unknown {
  if (field === undefined) return record;
  if (record === null || typeof record !== 'object') {
    throw new SpindleError(`cannot read field ${JSON.stringify(field)} of ${typeof record} record ${String(record)}`, {
      code: 'FIELD_ACCESS',
      userFacing: true,
    });
  }
  return (record as Record<string | number, unknown>)[field];
}

function withField(record: unknown, field: FieldExpression | undefined, value: unknown): unknown {
  if (field === undefined) return value;
  if (Array.isArray(record)) {
    const copy = record.slice();
    copy[field as number] = value;
    return copy;
  }
  return { ...(record as object), [field]: value };
}

function numeric(v: unknown, field: FieldExpression | undefined): number {
  if (typeof v !== 'number') {
    throw new SpindleError(
      `field ${field === undefined ? '(the record)' : JSON.stringify(field)} is ${typeof v}, not a number: cannot aggregate it`,
      {
        code: 'FIELD_TYPE',
        userFacing: true,
      },
    );
  }
  return v;
}

export type AggregationKind = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

/** Folding into an owned copy: `copy` makes the accumulator from a key's first record. */
export interface InPlaceAggregation {
  copy(record: unknown): unknown;
  fold(accumulator: unknown, record: unknown): void;
}

/** sum/min/max on a field of arrays or objects can fold in place; minBy/maxBy keep whole records. */
export function inPlaceAggregation(kind: AggregationKind, field: FieldExpression | undefined): InPlaceAggregation | undefined {
  if (field === undefined || (kind !== 'sum' && kind !== 'min' && kind !== 'max')) return undefined;
  const combine = kind === 'sum' ? (a: number, b: number) => a + b : kind === 'min' ? Math.min : Math.max;
  return {
    copy: (record) => {
      numeric(readField(record, field), field);
      return Array.isArray(record) ? record.slice() : { ...(record as object) };
    },
    fold: (acc, record) => {
      const target = acc as Record<string | number, number>;
      target[field] = combine(target[field]!, numeric(readField(record, field), field));
    },
  };
}

/** The reduce function of sum/min/max/minBy/maxBy on one field, as Flink defines them. */
export function aggregation(kind: AggregationKind, field: FieldExpression | undefined): ReduceFunction<unknown> {
  switch (kind) {
    case 'sum':
      return (a, b) => withField(a, field, numeric(readField(a, field), field) + numeric(readField(b, field), field));
    case 'min':
      return (a, b) => withField(a, field, Math.min(numeric(readField(a, field), field), numeric(readField(b, field), field)));
    case 'max':
      return (a, b) => withField(a, field, Math.max(numeric(readField(a, field), field), numeric(readField(b, field), field)));
    case 'minBy':
      return (a, b) => (numeric(readField(b, field), field) < numeric(readField(a, field), field) ? b : a);
    case 'maxBy':
      return (a, b) => (numeric(readField(b, field), field) > numeric(readField(a, field), field) ? b : a);
  }
}
