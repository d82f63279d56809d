import { DataOutputSerializer, type TypeSerializer } from '@spindle/core';
import type { ResultPartitionSpec } from '@spindle/protocol';
import { serializeEvent, writeRecord, writeWatermark, writeWatermarkStatus } from './element-codec.js';
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
 * handed to `ship` as one buffer. An element never spans two buffers: the element that overflows
 * moves to the next one. Events go to every subpartition after the elements written before them.
 *
 * The subclasses decide where buffers go: a PIPELINED partition queues them for consumers that
 * read while the task runs (result-partition.ts); a BLOCKING one writes them to files that
 * consumers read once the task finished (blocking-result-partition.ts). Called on the task's
 * thread only.
 */
export abstract class ResultPartitionWriter {
  private readonly builders: DataOutputSerializer[];
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
    const start = out.position;
    writeRecord(out, this.serializer, record, timestamp);
    this.numRecordsOut++;
    if (out.position >= this.segmentSize) this.spill(index, start);
  }

  /** Serializes `record` once and appends it to every subpartition. */
  broadcast(record: unknown, timestamp?: number): void {
    this.broadcastElement((out) => writeRecord(out, this.serializer, record, timestamp));
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

  private broadcastElement(write: (out: DataOutputSerializer) => void): void {
    const first = this.builders[0]!;
    const start = first.position;
    write(first);
    const bytes = first.buffer().subarray(start, first.position);
    for (let i = 1; i < this.builders.length; i++) {
      const out = this.builders[i]!;
      const s = out.position;
      out.writeBytes(bytes);
      if (out.position >= this.segmentSize) this.spill(i, s);
    }
    if (first.position >= this.segmentSize) this.spill(0, start);
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

  private spill(index: number, recordStart: number): void {
    const out = this.builders[index]!;
    const end = out.position;
    if (recordStart > 0) {
      this.shipCounted(index, out.buffer(), recordStart);
      out.buffer().copyWithin(0, recordStart, end);
      out.position = end - recordStart;
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
