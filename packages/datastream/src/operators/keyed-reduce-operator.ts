import { SpindleError } from '@spindle/core';
import { ValueStateDescriptor, type ValueState } from '@spindle/runtime/task';
import type { FieldExpression, ReduceFunction } from '../functions/basic-functions.js';
import { AbstractOperator } from './basic-operators.js';
import { SpillingHashAggregation } from './batch/hash-aggregation.js';
import { reportSpill } from './batch/spill-report.js';
import { emitAll } from './batch/emit.js';

/**
 * A rolling reduce per key. STREAMING keeps a ValueState per key on the keyed state backend (the
 * task makes the record's key current before each record) and emits the updated value after
 * every record. BATCH emits only the final value of each key when the input ends, aggregating in
 * a hash table within the operator's managed memory that spills sorted runs when it outgrows it
 * (SpillingHashAggregation), as Flink's BATCH execution sorts by key instead of keeping keyed state.
 */
export class KeyedReduceOperator extends AbstractOperator {
  private readonly descriptor = new ValueStateDescriptor<unknown>('reduce-value');
  private state!: ValueState<unknown>;
  private batch: SpillingHashAggregation | undefined;

  /**
   * `accumulateInPlace`, when given, folds a record into an accumulator the operator owns; BATCH
   * mode uses it, since nothing emitted can observe the accumulator before the input ends.
   */
  constructor(
    private readonly reduce: ReduceFunction<unknown>,
    private readonly accumulateInPlace?: InPlaceAggregation,
  ) {
    super();
  }

  override open(ctx: Parameters<AbstractOperator['open']>[0]): void {
    super.open(ctx);
    const backend = this.keyedStateBackend;
    if (backend === undefined) {
      throw new SpindleError(`${ctx.operatorName} is a keyed aggregation but its input is not keyed (use keyBy first)`, {
        code: 'KEYED_STATE_NOT_KEYED',
        userFacing: true,
      });
    }
    if (ctx.runtimeMode === 'BATCH') {
      this.batch = new SpillingHashAggregation(this.reduce, this.accumulateInPlace, {
        operatorName: ctx.operatorName,
        memoryBudget: ctx.managedMemory,
        tmpDirs: ctx.tmpDirs,
      });
      return;
    }
    this.state = backend.getPartitionedState(this.descriptor);
  }

  processElement(record: unknown, _inputIndex: number, timestamp?: number): void {
    if (this.batch) {
      this.batch.add(this.keyedStateBackend!.getCurrentKey(), record);
      return;
    }
    const state = this.state;
    const prev = state.value();
    const next = prev === undefined ? record : this.reduce(prev, record);
    state.update(next);
    this.out.collect(next, timestamp);
  }

  /** BATCH: the final value of every key. */
  override async finish(): Promise<void> {
    const batch = this.batch;
    if (!batch) return;
    await emitAll(this.ctx, this.out, batch.results());
    reportSpill(this.ctx, batch.spilled);
  }

  override close(): void | Promise<void> {
    this.batch?.close();
    return super.close();
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
