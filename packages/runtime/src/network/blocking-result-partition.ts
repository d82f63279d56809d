import fs from 'node:fs';
import path from 'node:path';
import { SpindleError, type TypeSerializer } from '@spindle/core';
import type { ResultPartitionSpec } from '@spindle/protocol';
import { BlockingPartitionFileWriter, FRAME_BUFFER, FRAME_EVENT, type BlockingPartitionMeta } from './blocking-partition-file.js';
import { publishToDfs } from './dfs-blocking-partition.js';
import { ResultPartitionWriter, type ResultPartitionOptions } from './result-partition-writer.js';

/**
 * A BLOCKING partition (batch exchanges): the task writes it whole to files (see
 * blocking-partition-file.ts), and consumers read it only once the task has finished. Writing
 * never waits for consumers, so it is never backpressured. On `finish` the complete partition is
 * handed to `onComplete` (its TaskExecutor's store, which serves and later releases it); an
 * unfinished one is deleted on `release`.
 *
 * With a `dfsTarget` (`shuffle.blocking.storage` on a distributed file system), the local files
 * are a staging copy: `finish` publishes the partition to `dfsTarget` (dfs-blocking-partition.ts)
 * and deletes them; consumers read it from there and no TaskExecutor holds it.
 */
export class BlockingResultPartition extends ResultPartitionWriter {
  private readonly file: BlockingPartitionFileWriter;
  private completed = false;
  private publishing: Promise<void> | undefined;

  constructor(
    spec: ResultPartitionSpec,
    serializer: TypeSerializer<unknown>,
    options: ResultPartitionOptions,
    private readonly jobId: string,
    directory: string,
    private readonly onComplete: (meta: BlockingPartitionMeta) => void,
    private readonly dfsTarget?: string,
  ) {
    super(spec, serializer, options);
    this.directory = directory;
    const base = path.join(directory, spec.partitionId.replace(/[^A-Za-z0-9_.-]/g, '_'));
    this.file = this.writing(() => {
      fs.mkdirSync(directory, { recursive: true });
      return new BlockingPartitionFileWriter(`${base}.data`, `${base}.index`, spec.numSubpartitions);
    });
  }

  private readonly directory: string;

  protected ship(index: number, bytes: Uint8Array, length: number): void {
    this.writing(() => this.file.write(index, FRAME_BUFFER, bytes, length));
  }

  protected shipEvent(bytes: Uint8Array): void {
    this.writing(() => {
      for (let i = 0; i < this.numSubpartitions; i++) this.file.write(i, FRAME_EVENT, bytes);
    });
  }

  /** Runs a file operation; a failure names the directory and `io.tmp.dirs`, and what to do. */
  private writing<R>(op: () => R): R {
    try {
      return op();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException | undefined)?.code;
      const full = code === 'ENOSPC' || code === 'EDQUOT';
      const reason = full ? 'no space left on device' : e instanceof Error ? e.message : String(e);
      throw new SpindleError(
        `cannot write the blocking partition ${this.id} in ${this.directory} (io.tmp.dirs): ${reason}; point io.tmp.dirs at writable directories with free space`,
        { code: full ? 'PARTITION_DISK_FULL' : 'PARTITION_WRITE', recoverability: 'environment', userFacing: true, cause: e },
      );
    }
  }

  protected finishSubpartitions(): void {
    this.writing(() => this.file.finish());
    if (this.dfsTarget !== undefined) {
      this.publishing = this.publish(this.dfsTarget);
      // Its failure reaches the task through whenStored().
      this.publishing.catch(() => undefined);
      return;
    }
    this.completed = true;
    this.onComplete({
      partitionId: this.id,
      jobId: this.jobId,
      dataPath: this.file.dataPath,
      indexPath: this.file.indexPath,
      numSubpartitions: this.numSubpartitions,
    });
  }

  override whenStored(): Promise<void> {
    return this.publishing ?? Promise.resolve();
  }

  private async publish(target: string): Promise<void> {
    try {
      await publishToDfs(this.file, target);
    } catch (e) {
      this.file.discard();
      throw new SpindleError(
        `cannot write the blocking partition ${this.id} to ${target} (shuffle.blocking.storage): ${(e as Error).message}`,
        { code: 'PARTITION_WRITE', recoverability: 'environment', userFacing: true, cause: e },
      );
    }
    // Published: the local staging copy is no longer needed.
    this.completed = true;
    this.file.discard();
  }

  /** Nobody reads a blocking partition before it is complete: a failed task just leaves none. */
  fail(): void {}

  isAvailable(): boolean {
    return true;
  }

  async whenAvailable(): Promise<void> {}

  /** Deletes the files of a partition that was not completed; a completed one belongs to its store. */
  release(): void {
    if (!this.completed) this.file.discard();
  }
}
