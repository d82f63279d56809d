import { DataOutputSerializer, type TypeSerializer } from '@spindle/core';
import type { ResultPartitionSpec } from '@spindle/protocol';
import { BufferPool } from './buffer-pool.js';
import { serializeEvent, writeRecord, writeWatermark, writeWatermarkStatus } from './element-codec.js';
import type { RuntimeEvent, Watermark, WatermarkStatus } from './stream-elements.js';
import { Subpartition } from './subpartition.js';

export interface ResultPartitionOptions {
  segmentSize: number;
  buffersPerChannel: number;
  floatingBuffers: number;
}

/**
 * One produced partition of one task: stream elements (records, watermarks, watermark status;
 * see element-codec.ts) are serialized once into a per-subpartition builder; a builder that
 * reaches the segment size is copied into a pooled segment and queued. An element never spans
 * two buffers: the element that overflows moves to the next one. Events (checkpoint barriers)
 * go to every subpartition after the elements written before them, outside buffers.
 */
export class ResultPartition {
  readonly subpartitions: Subpartition[];
  private readonly builders: DataOutputSerializer[];
  readonly pool: BufferPool;
  private readonly segmentSize: number;
  numRecordsOut = 0;
  numBytesOut = 0;
  private finished = false;

  constructor(
    readonly spec: ResultPartitionSpec,
    private readonly serializer: TypeSerializer<unknown>,
    options: ResultPartitionOptions,
  ) {
    this.segmentSize = options.segmentSize;
    const n = spec.numSubpartitions;
    this.pool = new BufferPool(options.segmentSize, n * options.buffersPerChannel + options.floatingBuffers);
    this.subpartitions = Array.from({ length: n }, (_, i) => new Subpartition(i, this.pool));
    this.builders = Array.from({ length: n }, () => new DataOutputSerializer(options.segmentSize + 1024));
  }

  get id(): string {
    return this.spec.partitionId;
  }

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

  /**
   * Sends an event to every subpartition, behind everything emitted before it: the partly filled
   * buffers go first. The event is serialized once; each subpartition gets its own copy.
   */
  broadcastEvent(event: RuntimeEvent): void {
    this.flushAll();
    const out = new DataOutputSerializer(64);
    serializeEvent(event, out);
    const bytes = out.buffer().subarray(0, out.position);
    // A fresh ArrayBuffer per subpartition: it may be moved to another thread.
    for (const sp of this.subpartitions) sp.addEvent(new Uint8Array(bytes).buffer);
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
      if (out.position > 0) this.ship(i, out, out.position);
      out.position = 0;
    }
  }

  /** Flushes and appends end-of-partition to every subpartition. */
  finish(): void {
    if (this.finished) return;
    this.flushAll();
    this.finished = true;
    for (const sp of this.subpartitions) sp.finish();
  }

  fail(message: string): void {
    for (const sp of this.subpartitions) sp.fail(message);
  }

  isAvailable(): boolean {
    return this.pool.isAvailable();
  }

  whenAvailable(): Promise<void> {
    return this.pool.whenAvailable();
  }

  release(): void {
    this.pool.release();
  }

  private spill(index: number, recordStart: number): void {
    const out = this.builders[index]!;
    const end = out.position;
    if (recordStart > 0) {
      this.ship(index, out, recordStart);
      out.buffer().copyWithin(0, recordStart, end);
      out.position = end - recordStart;
    }
    if (out.position >= this.segmentSize) {
      this.ship(index, out, out.position);
      out.position = 0;
    }
  }

  private ship(index: number, out: DataOutputSerializer, length: number): void {
    const seg = length <= this.segmentSize ? this.pool.requestOrOverdraft() : this.pool.requestOversized(length);
    seg.set(out.buffer().subarray(0, length), 0);
    this.numBytesOut += length;
    this.subpartitions[index]!.add(seg, length);
  }
}
