import type { PartitionerKind } from '@spindle/protocol';
import type { SourceOperator, StreamOperator } from '@spindle/runtime/task';

export type ChainingStrategy = 'ALWAYS' | 'HEAD' | 'NEVER';

/**
 * A node of the program's dataflow as the API records it. Physical operators become stream
 * nodes; partitioning and union are virtual and only shape the edges.
 */
export type Transformation = OperatorTransformation | PartitionTransformation | UnionTransformation | SideOutputTransformation;

interface Common {
  readonly id: number;
  name: string;
  parallelism: number | undefined;
  maxParallelism: number | undefined;
  uid: string | undefined;
  slotSharingGroup: string | undefined;
  chaining: ChainingStrategy;
  /** Avro schema of the records this transformation outputs, when declared. */
  schema: unknown;
}

export interface OperatorTransformation extends Common {
  readonly type: 'operator';
  /** 'source', 'operator' or 'sink': how plans label the node. */
  readonly role: 'source' | 'operator' | 'sink';
  /** What the operator does (map, flat-map, keyed-reduce, source:text-file, ...). */
  readonly kind: string;
  /**
   * The logical inputs, one entry each: input i of the operator reads `inputs[i]` (a union or a
   * partitioning there may stand for several upstream edges). One entry for one-input operators,
   * two for connected streams.
   */
  readonly inputs: Transformation[];
  readonly createOperator: () => StreamOperator | SourceOperator;
  /** Sources that cannot run in parallel (collections) are pinned to 1. */
  readonly maxSourceParallelism?: number;
  /** Whether the source ends by itself (for the AUTOMATIC runtime mode). */
  readonly bounded: boolean;
  /**
   * A pre-aggregation the graph may run before this operator's keyBy shuffle in BATCH mode
   * (built-in aggregations only), with the node id reserved for it.
   */
  readonly combiner?: { readonly id: number; readonly createOperator: () => StreamOperator };
  /**
   * Runs once per job where the job is submitted, before any subtask starts (never in the
   * workers that rebuild the graph, nor for a plan): a source checks that its input is there, a
   * sink readies its output. Sources run it before sinks.
   */
  readonly prepare?: () => void | Promise<void>;
  /** Operators that sort, hash or join in BATCH share the slot's managed memory by this weight. */
  readonly managedMemoryWeight?: number;
  /** Set on operations that need a bounded input (BATCH), to the API call's name for the error message. */
  readonly batchOnly?: string;
  /** Set on operators that run in one subtask only (windowAll), to the API call's name: setParallelism above 1 throws. */
  nonParallel?: string;
}

export interface PartitionTransformation extends Common {
  readonly type: 'partition';
  readonly input: Transformation;
  readonly partitioner: PartitionerKind;
  readonly keySelector?: (record: unknown) => unknown;
}

export interface UnionTransformation extends Common {
  readonly type: 'union';
  readonly inputs: Transformation[];
}

/** The records an operator sends to one of its side outputs (Flink's SideOutputTransformation). */
export interface SideOutputTransformation extends Common {
  readonly type: 'side-output';
  readonly input: OperatorTransformation;
  /** The OutputTag's id. */
  readonly tag: string;
}
