import { DataOutputSerializer, type TypeSerializer } from '@spindle/core';
import type { ResultPartitionSpec } from '@spindle/protocol';
import { BufferKind, ElementTag, serializeEvent, writeRecord, writeWatermark, writeWatermarkStatus } from './element-codec.js';
import type { RuntimeEvent, Watermark, WatermarkStatus } from './stream-elements.js';

export interface ResultPartitionOptions {
  segmentSize: number;
  buffersPerChannel: number;
  floatingBuffers: number;
}

/**
 * What a task writes its output into (Flink's ResultPartitionWriter), whatever the partition's
 * type: stream elements (records, watermarks, watermark status; see element-codec.ts) are
 * serialized once into a per-subpartition builder; a builder that reaches the segment size is
 * handed to `ship` as one buffer. A buffer starts with its kind: RECORDS while every element is
 * a record without timestamp (written untagged), ELEMENTS from the first element that needs a tag
 * (a RECORDS buffer that already holds records is shipped first). An element never spans two
 * buffers: the element that overflows moves to the next one, which has the same kind. Events go
 * to every subpartition after the elements written before them.
 *
 * The subclasses decide where buffers go: a PIPELINED partition queues them for consumers that
 * read while the task runs (result-partition.ts); a BLOCKING one writes them to files that
 * consumers read once the task finished (blocking-result-partition.ts). Called on the task's
 * thread only.
 */
export abstract class ResultPartitionWriter {
  private readonly builders: DataOutputSerializer[];
  /** The kind of each builder's buffer (BufferKind), when it holds any byte. */
  private readonly kinds: Uint8Array;
  /** A broadcast element, serialized once. */
  private readonly scratch = new DataOutputSerializer(256);
  protected readonly segmentSize: number;
  numRecordsOut = 0;
  numBytesOut = 0;
  private finished = false;

  constructor(
    readonly spec: ResultPartitionSpec,
    private readonly serializer: TypeSerializer<unknown>,
    options: ResultPartitionOptions,
  ) {
    this.segmentSize = options.segmentSize;
    this.builders = Array.from({ length: spec.numSubpartitions }, () => new DataOutputSerializer(options.segmentSize + 1024));
    this.kinds = new Uint8Array(spec.numSubpartitions);
  }

  get id(): string {
    return this.spec.partitionId;
  }

  get numSubpartitions(): number {
    return this.spec.numSubpartitions;
  }

  /** Takes one finished buffer of subpartition `index` (the first `length` bytes of `bytes`, which the caller reuses). */
  protected abstract ship(index: number, bytes: Uint8Array, length: number): void;
  /** Takes a serialized event for every subpartition, behind the buffers shipped before it. */
  protected abstract shipEvent(bytes: Uint8Array): void;
  /** Every subpartition is complete: no buffer or event follows. */
  protected abstract finishSubpartitions(): void;
  /** The task failed: consumers get `message` in place of further data. */
  abstract fail(message: string): void;
  /** Whether a buffer can be shipped now (false under backpressure). */
  abstract isAvailable(): boolean;
  abstract whenAvailable(): Promise<void>;
  /** Frees what the writer holds (buffers, files of an unfinished partition). Idempotent. */
  abstract release(): void;

  /** Serializes `record` (with its timestamp, when it has one) into subpartition `index`. */
  emit(record: unknown, index: number, timestamp?: number): void {
    const out = this.builders[index]!;
    let start: number;
    if (timestamp !== undefined) {
      start = this.startElements(index);
      writeRecord(out, this.serializer, record, timestamp);
    } else {
      start = this.startPlainRecord(index);
      this.serializer.serialize(record, out);
    }
    this.numRecordsOut++;
    if (out.position >= this.segmentSize) this.spill(index, start);
  }

  /** Serializes `record` once and appends it to every subpartition. */
  broadcast(record: unknown, timestamp?: number): void {
    const scratch = this.scratch;
    scratch.position = 0;
    if (timestamp === undefined) this.serializer.serialize(record, scratch);
    else writeRecord(scratch, this.serializer, record, timestamp);
    const bytes = scratch.buffer().subarray(0, scratch.position);
    for (let i = 0; i < this.builders.length; i++) {
      const out = this.builders[i]!;
      const start = timestamp === undefined ? this.startPlainRecord(i) : this.startElements(i);
      out.writeBytes(bytes);
      if (out.position >= this.segmentSize) this.spill(i, start);
    }
    this.numRecordsOut++;
  }

  /** Appends a watermark to every subpartition (watermarks are for all consumers). */
  broadcastWatermark(mark: Watermark): void {
    this.broadcastElement((out) => writeWatermark(out, mark));
  }

  broadcastWatermarkStatus(status: WatermarkStatus): void {
    this.broadcastElement((out) => writeWatermarkStatus(out, status));
  }

  /** Sends an event to every subpartition, behind everything emitted before it: the partly filled buffers go first. */
  broadcastEvent(event: RuntimeEvent): void {
    this.flushAll();
    const out = new DataOutputSerializer(64);
    serializeEvent(event, out);
    this.shipEvent(out.buffer().subarray(0, out.position));
  }

  /** Appends a tagged element, serialized once, to every subpartition. */
  private broadcastElement(write: (out: DataOutputSerializer) => void): void {
    const scratch = this.scratch;
    scratch.position = 0;
    write(scratch);
    const bytes = scratch.buffer().subarray(0, scratch.position);
    for (let i = 0; i < this.builders.length; i++) {
      const start = this.startElements(i);
      const out = this.builders[i]!;
      out.writeBytes(bytes);
      if (out.position >= this.segmentSize) this.spill(i, start);
    }
  }

  /**
   * Makes subpartition `index` take a record without timestamp: an empty builder starts a RECORDS
   * buffer, and in an ELEMENTS buffer the record gets its tag. Returns where the element starts.
   */
  private startPlainRecord(index: number): number {
    const out = this.builders[index]!;
    const start = out.position;
    if (start === 0) {
      out.writeByte(BufferKind.RECORDS);
      this.kinds[index] = BufferKind.RECORDS;
      return 1;
    }
    if (this.kinds[index] === BufferKind.ELEMENTS) out.writeByte(ElementTag.RECORD);
    return start;
  }

  /**
   * Makes subpartition `index` take a tagged element: a RECORDS buffer that holds records is
   * shipped, and an empty builder starts an ELEMENTS buffer. Returns where the element starts.
   */
  private startElements(index: number): number {
    const out = this.builders[index]!;
    if (out.position > 0 && this.kinds[index] === BufferKind.ELEMENTS) return out.position;
    if (out.position > 0) {
      this.shipCounted(index, out.buffer(), out.position);
      out.position = 0;
    }
    out.writeByte(BufferKind.ELEMENTS);
    this.kinds[index] = BufferKind.ELEMENTS;
    return 1;
  }

  /** Sends every partly filled buffer (the buffer timeout, or end of input). */
  flushAll(): void {
    for (let i = 0; i < this.builders.length; i++) {
      const out = this.builders[i]!;
      if (out.position > 0) this.shipCounted(i, out.buffer(), out.position);
      out.position = 0;
    }
  }

  /** Flushes and completes every subpartition. */
  finish(): void {
    if (this.finished) return;
    this.flushAll();
    this.finished = true;
    this.finishSubpartitions();
  }

  /**
   * Settles once the finished partition is stored for good: at once, except for a partition
   * published elsewhere after `finish` (a BLOCKING one on a distributed file system), which
   * consumers can read only then; rejects when publishing failed.
   */
  whenStored(): Promise<void> {
    return Promise.resolve();
  }

  /** The element at `elementStart` overflowed the segment: what came before it is shipped, and it moves to a new buffer of the same kind. */
  private spill(index: number, elementStart: number): void {
    const out = this.builders[index]!;
    const end = out.position;
    if (elementStart > 1) {
      this.shipCounted(index, out.buffer(), elementStart);
      // The kind byte at 0 stays: the element is written for that kind.
      out.buffer().copyWithin(1, elementStart, end);
      out.position = 1 + end - elementStart;
    }
    if (out.position >= this.segmentSize) {
      this.shipCounted(index, out.buffer(), out.position);
      out.position = 0;
    }
  }

  private shipCounted(index: number, bytes: Uint8Array, length: number): void {
    this.numBytesOut += length;
    this.ship(index, bytes, length);
  }
}
