import { SpindleError } from '@spindle/core';

/**
 * A value a function builds up while it runs (Flink's Accumulator), registered under a name in
 * the runtime context. When the task finishes, the values of all subtasks are merged — counters
 * summed, lists concatenated in subtask order — into the job's result
 * (`JobExecutionResult.getAccumulatorResult(name)`) and shown by the REST API per job, per vertex
 * and per subtask.
 */
export interface Accumulator<V, T = V> {
  add(value: T): void;
  getLocalValue(): V;
  resetLocal(): void;
}

abstract class Counter implements Accumulator<number> {
  private value = 0;

  add(value: number): void {
    this.value = this.normalize(this.value + value);
  }

  getLocalValue(): number {
    return this.value;
  }

  resetLocal(): void {
    this.value = 0;
  }

  /** A new counter of the same class with the same value. */
  copy(): this {
    const c = new (this.constructor as new () => this)();
    c.value = this.value;
    return c;
  }

  protected abstract normalize(value: number): number;
}

/** Counts in 32-bit integers, wrapping on overflow as Java's int does. */
export class IntCounter extends Counter {
  protected normalize(value: number): number {
    return value | 0;
  }
}

/** Counts in safe integers; adding a fraction is truncated. */
export class LongCounter extends Counter {
  protected normalize(value: number): number {
    return Math.trunc(value);
  }
}

export class DoubleCounter extends Counter {
  protected normalize(value: number): number {
    return value;
  }
}

/** Collects values into a list (Flink's ListAccumulator); keep it small, it travels whole. */
export class ListAccumulator<T> implements Accumulator<T[], T> {
  private values: T[] = [];

  add(value: T): void {
    this.values.push(value);
  }

  getLocalValue(): T[] {
    return this.values;
  }

  resetLocal(): void {
    this.values = [];
  }

  copy(): ListAccumulator<T> {
    const c = new ListAccumulator<T>();
    c.values = structuredClone(this.values);
    return c;
  }
}

/** The accumulators of this module, which a function instance of each subtask gets a copy of. */
export function isBuiltInAccumulator(value: object): value is Counter | ListAccumulator<unknown> {
  return value instanceof Counter || value instanceof ListAccumulator;
}

/** The accumulators of one operator instance, by name. */
export class AccumulatorRegistry {
  private readonly byName = new Map<string, Accumulator<unknown, never>>();

  constructor(private readonly operatorName: string) {}

  add<V, T>(name: string, accumulator: Accumulator<V, T>): void {
    if (this.byName.has(name)) {
      throw new SpindleError(`${this.operatorName}: The accumulator '${name}' already exists and cannot be added.`, {
        code: 'ACCUMULATOR_EXISTS',
        recoverability: 'non-recoverable',
        userFacing: true,
      });
    }
    this.byName.set(name, accumulator);
  }

  get<V, T>(name: string): Accumulator<V, T> | undefined {
    return this.byName.get(name) as Accumulator<V, T> | undefined;
  }

  /** The accumulator `name` of class `type`, created on first use; another class under that name fails. */
  getOrCreate<A extends Accumulator<unknown, never>>(name: string, type: new () => A): A {
    const existing = this.byName.get(name);
    if (existing === undefined) {
      const created = new type();
      this.byName.set(name, created);
      return created;
    }
    if (!(existing instanceof type)) {
      throw new SpindleError(
        `${this.operatorName}: The accumulator '${name}' is a ${existing.constructor.name}, not a ${type.name}; use another name.`,
        { code: 'ACCUMULATOR_TYPE_MISMATCH', recoverability: 'non-recoverable', userFacing: true },
      );
    }
    return existing;
  }

  /** Hands every value to the task (numbers and arrays; other values are not accumulators of the job). */
  publish(add: (name: string, value: number | unknown[]) => void): void {
    for (const [name, accumulator] of this.byName) {
      const value = accumulator.getLocalValue();
      if (typeof value === 'number' || Array.isArray(value)) add(name, value);
    }
  }
}
