import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreOptions, getLogger, randomHexId, tmpDirectories, type Configuration } from '@spindle/core';
import type { ProducerLink, ToProducer } from './channel-link.js';
import {
  FRAME_BUFFER,
  SubpartitionFileReader,
  removeBlockingPartitionFiles,
  type BlockingPartitionMeta,
  type FrameSource,
} from './blocking-partition-file.js';

/** The directories of `io.tmp.dirs`; the system's temporary directory when unset. */
export function tmpDirs(config: Configuration): string[] {
  return tmpDirectories(config.get(CoreOptions.TMP_DIRS), os.tmpdir());
}

/**
 * The BLOCKING result partitions of one TaskExecutor (Flink's TaskExecutorPartitionTracker with
 * the partitions' files): tasks of any slot write into its directories (one per `io.tmp.dirs`
 * entry, private to this TaskExecutor) and hand over each complete partition with `add`. From
 * then on the partition belongs to the TaskExecutor, not to the slot that wrote it: it outlives
 * the slot and is served to any consumer (`serve`) until the JobMaster releases it (`release`,
 * `releaseJob`) or the TaskExecutor shuts down (`close` removes the directories). Called on the
 * TaskExecutor's thread.
 */
export class BlockingPartitionStore {
  readonly directories: string[];
  private readonly partitions = new Map<string, BlockingPartitionMeta>();
  private readonly log = getLogger('blocking-partitions');

  constructor(baseDirs: string[]) {
    const name = `spindle-partitions-${randomHexId().slice(0, 12)}`;
    // Created by the first partition written into them (blocking-result-partition.ts).
    this.directories = baseDirs.map((d) => path.join(d, name));
    // A process that exits without closing its TaskExecutor (a local run interrupted) leaves no files either.
    process.once('exit', this.onExit);
  }

  private readonly onExit = (): void => this.close();

  add(meta: BlockingPartitionMeta): void {
    this.partitions.set(meta.partitionId, meta);
  }

  has(partitionId: string): boolean {
    return this.partitions.has(partitionId);
  }

  /** Whether a partition of `jobId` is held here. */
  holdsJob(jobId: string): boolean {
    for (const m of this.partitions.values()) if (m.jobId === jobId) return true;
    return false;
  }

  /** Partition ids held here, for tests and checks that a released job left nothing. */
  ids(): string[] {
    return [...this.partitions.keys()];
  }

  /** Sends subpartition `subpartition` of a held partition over `link`, against the consumer's credit. */
  serve(partitionId: string, subpartition: number, link: ProducerLink): void {
    const meta = this.partitions.get(partitionId);
    if (!meta) {
      link.send({ t: 'f', message: `blocking partition ${partitionId} is not held by this TaskManager (released or lost)` });
      return;
    }
    let reader: SubpartitionFileReader;
    try {
      reader = new SubpartitionFileReader(meta, subpartition);
    } catch (e) {
      link.send({ t: 'f', message: `cannot read blocking partition ${partitionId}: ${(e as Error).message}` });
      return;
    }
    new FileSubpartitionSender(reader, link, partitionId).start();
  }

  /** Deletes the given partitions' files (their consumers finished and the job no longer needs them). */
  release(partitionIds: Iterable<string>): void {
    for (const id of partitionIds) {
      const meta = this.partitions.get(id);
      if (!meta) continue;
      this.partitions.delete(id);
      removeBlockingPartitionFiles(meta);
    }
  }

  /** Ids of the partitions of `jobId` held here. */
  idsOf(jobId: string): string[] {
    return [...this.partitions.values()].filter((m) => m.jobId === jobId).map((m) => m.partitionId);
  }

  releaseJob(jobId: string): void {
    this.release(this.idsOf(jobId));
  }

  /** Removes every partition and the directories. Idempotent. */
  close(): void {
    process.off('exit', this.onExit);
    this.partitions.clear();
    for (const d of this.directories) {
      try {
        fs.rmSync(d, { recursive: true, force: true });
      } catch (e) {
        this.log.warn('could not remove the blocking partition directory', { dir: d, error: e });
      }
    }
  }
}

/**
 * The sending side of one subpartition read from its file (local, or on a distributed file
 * system): a buffer leaves only against credit and carries the backlog of buffers still unread;
 * events need no credit; end-of-partition follows the last frame. Segments the consumer hands
 * back are dropped (each read allocates).
 */
export class FileSubpartitionSender {
  private credit = 0;
  private done = false;

  constructor(
    private readonly reader: FrameSource,
    private readonly link: ProducerLink,
    private readonly partitionId: string,
  ) {}

  start(): void {
    this.link.onMessage((m: ToProducer) => {
      if (m.t === 'x') return this.close();
      this.credit += m.credit;
      this.trySend();
    });
  }

  private trySend(): void {
    try {
      while (!this.done) {
        const kind = this.reader.peekKind();
        if (kind === 'pending') return this.reader.whenReadable?.(() => this.trySend());
        if (kind === undefined) {
          this.link.send({ t: 'e' });
          return this.close();
        }
        if (kind === FRAME_BUFFER && this.credit <= 0) return;
        const frame = this.reader.next()!;
        const transfer = this.link.sameThread ? undefined : [frame.data];
        if (frame.kind === FRAME_BUFFER) {
          this.credit--;
          const message = { t: 'b' as const, data: frame.data, length: frame.data.byteLength, backlog: this.reader.remainingBuffers };
          this.link.send(message, transfer);
        } else this.link.send({ t: 'v', data: frame.data }, transfer);
      }
    } catch (e) {
      this.link.send({ t: 'f', message: `cannot read blocking partition ${this.partitionId}: ${(e as Error).message}` });
      this.close();
    }
  }

  private close(): void {
    this.done = true;
    this.reader.close();
  }
}
