import { KeyMap } from '@spindle/core';
import type { KeySelector, ReduceFunction } from '../functions/basic-functions.js';
import { AbstractOperator } from './basic-operators.js';
import type { InPlaceAggregation } from './keyed-reduce-operator.js';

/** A combiner pre-aggregates for the keyed operator named by `keyedOperatorName` (called once the graph is built). */
export interface CombinerOptions {
  maxKeys: number;
  keyedOperatorName: () => string;
}

/**
 * BATCH pre-aggregation chained before a keyed aggregation's shuffle: it folds records per key
 * (in place when it can) and emits its partial aggregates at the end of input, or whenever it holds
 * `maxKeys` keys. It runs before keyBy, so it keeps its own map with the key codec's equality
 * (KeyMap), not keyed state.
 */
export class ReduceCombinerOperator extends AbstractOperator {
  private state = new KeyMap<unknown>();

  constructor(
    private readonly keySelector: KeySelector<unknown, unknown>,
    private readonly reduce: ReduceFunction<unknown>,
    private readonly accumulateInPlace: InPlaceAggregation | undefined,
    private readonly options: CombinerOptions,
  ) {
    super();
  }

  override open(ctx: Parameters<AbstractOperator['open']>[0]): void {
    super.open(ctx);
    this.state = this.newState();
  }

  private newState(): KeyMap<unknown> {
    return new KeyMap(`keyBy of '${this.options.keyedOperatorName()}'`);
  }

  processElement(record: unknown, _inputIndex: number): void {
    const key = this.keySelector(record);
    const prev = this.state.get(key);
    const inPlace = this.accumulateInPlace;
    if (inPlace && prev !== undefined) {
      inPlace.fold(prev, record);
      return;
    }
    this.state.set(key, prev === undefined ? (inPlace ? inPlace.copy(record) : record) : this.reduce(prev, record));
    if (prev === undefined && this.state.size >= this.options.maxKeys) this.flushPartials();
  }

  override finish(): void {
    this.flushPartials();
  }

  private flushPartials(): void {
    for (const v of this.state.values()) this.out.collect(v);
    this.state = this.newState();
  }
}
