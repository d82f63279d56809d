import type { Readable } from 'node:stream';
import {
  FileSystemError,
  LocalFileSystem,
  SpindleError,
  errorMessage,
  fileSystemFor,
  parseFsUri,
  type Configuration,
  type FileSystem,
} from '@spindle/core';
import type { OperatorContext, SourceStatus } from '@spindle/runtime/task';
import { LineReaderThread, ReaderError, type LineScan } from './line-reader.js';
import { AbstractSource } from './source-operators.js';

const EMIT_BYTES = 1 << 16;
const MIN_SPLIT = 4 << 20;

export interface InputFile {
  /** The file's URI in the form of its file system (a plain path for local files). */
  path: string;
  length: number;
}

export interface FileSplit {
  file: string;
  start: number;
  end: number;
}

/**
 * The files of a path, through the FileSystem port: the file itself, or the visible files of a
 * directory (names not starting with `.` or `_`), in name order. A missing path is a user-facing
 * error naming it.
 */
export async function listInputFiles(input: string, config?: Configuration): Promise<InputFile[]> {
  const { fs } = await fileSystemFor(input, config);
  const stat = await fs.status(input).catch((e: unknown) => {
    throw inputError(input, e);
  });
  if (stat === undefined) {
    throw new SpindleError(`input path ${input} does not exist: check the path`, {
      code: 'INPUT_NOT_FOUND',
      userFacing: true,
      recoverability: 'non-recoverable',
    });
  }
  if (!stat.isDirectory) return [{ path: input, length: stat.length }];
  const files: InputFile[] = [];
  try {
    for await (const s of fs.listIterator(input)) {
      if (!s.isDirectory && !s.name.startsWith('.') && !s.name.startsWith('_')) files.push({ path: s.path, length: s.length });
    }
  } catch (e) {
    throw inputError(input, e);
  }
  return files;
}

/** Errors of the file system are the user's to fix (a path, a permission, an address): say so. */
function inputError(input: string, e: unknown): Error {
  if (e instanceof FileSystemError) return e;
  return new SpindleError(`cannot read ${input}: ${errorMessage(e)}`, {
    code: 'INPUT_IO',
    userFacing: true,
    recoverability: 'environment',
    cause: e,
  });
}

/** Byte-range splits over the files, about four per subtask, each at least a few MiB. */
export function createSplits(files: InputFile[], parallelism: number): FileSplit[] {
  const total = files.reduce((a, f) => a + f.length, 0);
  const target = Math.max(MIN_SPLIT, Math.ceil(total / (parallelism * 4)));
  const splits: FileSplit[] = [];
  for (const { path, length } of files) {
    for (let start = 0; start < length; start += target) splits.push({ file: path, start, end: Math.min(length, start + target) });
  }
  return splits;
}

/**
 * Reads lines of text files through the FileSystem port (any scheme). A split owns the lines that
 * start inside its byte range; the last one is read to its end past the range. Split j goes to
 * subtask j mod p. Its position is the splits it has left, the current one starting at its next
 * line (a split starting right after a newline begins with that line, so a restored split reads
 * on from there).
 *
 * Local files are read on a reader thread of the source (as Flink's file source reads on a fetcher
 * thread): it reads ahead and cuts the split into pieces of whole lines, which the task's thread
 * decodes and emits, a piece per `emitNext`; the position is the start of the first line not
 * emitted. Other file systems are read on the task's thread.
 */
export class TextFileSource extends AbstractSource<FileSplit> {
  private splits: FileSplit[] = [];
  private current: SplitReader | undefined;
  /** The split whose stream is being opened: still all left to read. */
  private opening: FileSplit | undefined;
  private fs: FileSystem | undefined;
  private thread: LineReaderThread | undefined;
  /** The split being read by the reader thread, and the offset of its first line not emitted (undefined: none emitted yet). */
  private threadRead: { split: FileSplit; position: number | undefined } | undefined;
  /** File offset of the piece being emitted (reader thread). */
  private pieceStart = 0;

  constructor(private readonly input: string) {
    super();
  }

  /**
   * Emits one line; `index` is its place among the lines of the current chunk, which starts at
   * byte `currentChunk().start` of `currentChunk().file` (see `lineNumber`). Subclasses that
   * parse lines override it.
   */
  protected emitLine(line: string, _index: number): void {
    this.out.collect(line);
  }

  private readonly collectLine = (line: string, index: number): void => this.emitLine(line, index);

  /**
   * Emits a piece of whole lines read by the reader thread (`\n`-separated, without the last
   * newline), with what the source's line scanner made of it on that thread, if anything.
   * Emits each line by default; `currentChunk()` is the piece.
   */
  protected emitPiece(text: string, _scan: LineScan | undefined): void {
    collectLines(text, this.collectLine);
  }

  /**
   * The URL of a module (see LineScanModule) that the reader thread runs over each piece of lines
   * before handing it over, so that work of parsing is done there; none by default.
   */
  protected lineScanner(): string | undefined {
    return undefined;
  }

  /** The file and the byte offset of the chunk whose lines are being emitted. */
  protected currentChunk(): { file: string; start: number } {
    if (this.threadRead !== undefined) return { file: this.threadRead.split.file, start: this.pieceStart };
    return { file: this.current?.file ?? '', start: this.current?.chunkStart ?? 0 };
  }

  /** The 1-based line number of the `index`-th line of the chunk starting at byte `start` of `file`: newlines before it, counted. */
  protected async lineNumber(file: string, start: number, index: number): Promise<number> {
    const stream = await this.fs!.open(file, { offset: 0 });
    let newlines = 0;
    let read = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const part = chunk.subarray(0, Math.max(0, start - read));
        for (let i = part.indexOf(10); i >= 0; i = part.indexOf(10, i + 1)) newlines++;
        read += chunk.length;
        if (read >= start) break;
      }
    } finally {
      stream.destroy();
    }
    return newlines + index + 1;
  }

  // The task awaits open (StreamOperator.open may return a promise); the base class's open is synchronous.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  override async open(ctx: OperatorContext): Promise<void> {
    super.open(ctx);
    this.fs = (await fileSystemFor(this.input, ctx.config)).fs;
    if (this.restoredPositions !== undefined) {
      this.splits = this.restoredPositions.slice();
      return;
    }
    const all = createSplits(await listInputFiles(this.input, ctx.config), ctx.parallelism);
    this.splits = all.filter((_, j) => j % ctx.parallelism === ctx.subtaskIndex);
  }

  protected override currentPositions(): FileSplit[] {
    const current = this.opening ?? this.current?.remaining() ?? this.threadRemaining();
    return current === undefined ? this.splits.slice() : [current, ...this.splits];
  }

  /** The rest of the split the reader thread reads: from its first line not emitted. */
  private threadRemaining(): FileSplit | undefined {
    const read = this.threadRead;
    if (read === undefined || read.position === undefined) return read?.split;
    const { file, end } = read.split;
    return read.position >= end ? undefined : { file, start: read.position, end };
  }

  emitNext(): SourceStatus | Promise<SourceStatus> {
    if (this.fs instanceof LocalFileSystem) return this.emitFromThread();
    if (this.current === undefined) {
      const split = this.splits.shift();
      if (split === undefined) return 'end';
      this.opening = split;
      return SplitReader.open(this.fs!, split).then((reader) => {
        this.current = reader;
        this.opening = undefined;
        return 'more';
      });
    }
    const emitted = this.current.emit(this.collectLine);
    if (emitted === true) return 'more';
    if (emitted === false) return this.nextSplit();
    return emitted.then((more) => (more ? 'more' : this.nextSplit()));
  }

  private emitFromThread(): SourceStatus | Promise<SourceStatus> {
    let read = this.threadRead;
    if (read === undefined) {
      const split = this.splits.shift();
      if (split === undefined) return 'end';
      this.threadRead = read = { split, position: undefined };
      this.thread ??= new LineReaderThread(this.lineScanner());
      this.thread.read(parseFsUri(split.file).path, split.start, split.end);
    }
    const thread = this.thread!;
    const reply = thread.poll();
    if (reply === undefined) {
      const file = read.split.file;
      return thread.arrival().then(
        () => 'more' as const,
        (e: unknown) => {
          throw inputError(file, e);
        },
      );
    }
    switch (reply.t) {
      case 'piece': {
        this.pieceStart = reply.start;
        const bytes = Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.text);
        this.emitPiece(bytes.toString(reply.ascii ? 'latin1' : 'utf8'), reply.scan);
        read.position = reply.start + reply.bytes.length;
        thread.credit();
        return 'more';
      }
      case 'end':
        this.threadRead = undefined;
        return this.splits.length > 0 ? 'more' : 'end';
      case 'error':
        throw inputError(read.split.file, new ReaderError(reply.message, reply.code));
    }
  }

  override close(): void {
    this.current?.close();
    this.current = undefined;
    this.thread?.close();
    this.thread = undefined;
  }

  private nextSplit(): SourceStatus {
    this.current?.close();
    this.current = undefined;
    return this.splits.length > 0 ? 'more' : 'end';
  }
}

/** Each `\n`-separated line of `text` (without a carriage return before the newline), with its index. */
function collectLines(text: string, collect: (line: string, index: number) => void): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) collect(stripCr(lines[i]!), i);
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/**
 * The lines of one split, read from a stream of the file that starts one byte before the split
 * (to see whether the split starts a line), consumed only as fast as lines are emitted. `buf`
 * holds the unread bytes; `bufStart` is the file offset of `buf[0]`.
 */
class SplitReader {
  /** File offset of the first line the last `emit` passed on. */
  chunkStart = 0;
  private buf: Buffer = Buffer.alloc(0);
  private bufStart: number;
  private pos = 0;
  private eof = false;
  private done = false;
  private skipping: boolean;

  private constructor(
    private readonly split: FileSplit,
    private readonly stream: Readable,
  ) {
    this.bufStart = split.start === 0 ? 0 : split.start - 1;
    this.skipping = split.start > 0;
    stream.on('error', () => undefined);
  }

  static async open(fs: FileSystem, split: FileSplit): Promise<SplitReader> {
    try {
      return new SplitReader(split, await fs.open(split.file, { offset: split.start === 0 ? 0 : split.start - 1 }));
    } catch (e) {
      throw inputError(split.file, e);
    }
  }

  /**
   * Emits about EMIT_BYTES of whole lines, decoded as one string and split: true when more may
   * follow, false when the split is exhausted, a promise when bytes must arrive first.
   */
  emit(collect: (line: string, index: number) => void): boolean | Promise<boolean> {
    for (;;) {
      if (this.done) return false;
      if (this.skipping && !this.skipPartialLine()) {
        if (!this.eof && !this.pull()) return this.whenReadable();
        continue;
      }
      if (this.bufStart + this.pos >= this.split.end) return this.finish();
      const first = this.buf.indexOf(10, this.pos);
      if (first < 0) {
        if (!this.eof) {
          if (!this.pull()) return this.whenReadable();
          continue;
        }
        if (this.pos < this.buf.length) {
          this.chunkStart = this.bufStart + this.pos;
          collect(stripCr(this.buf.toString('utf8', this.pos)), 0);
        }
        return this.finish();
      }
      this.emitLines(first, collect);
      return true;
    }
  }

  get file(): string {
    return this.split.file;
  }

  close(): void {
    this.stream.destroy();
  }

  /** The part of the split not read yet, from the start of its next line; undefined when done. */
  remaining(): FileSplit | undefined {
    if (this.skipping) return this.split;
    const start = this.bufStart + this.pos;
    return this.done || start >= this.split.end ? undefined : { file: this.split.file, start, end: this.split.end };
  }

  /** Lines from `pos` up to about EMIT_BYTES, none starting at or after the split's end. */
  private emitLines(first: number, collect: (line: string, index: number) => void): void {
    let last = Math.max(first, this.buf.lastIndexOf(10, Math.min(this.buf.length, this.pos + EMIT_BYTES) - 1));
    const endInBuf = this.split.end - this.bufStart;
    if (last >= endInBuf) {
      const cut = this.buf.indexOf(10, Math.max(this.pos, endInBuf - 1));
      last = Math.max(first, cut);
    }
    this.chunkStart = this.bufStart + this.pos;
    collectLines(this.buf.toString('utf8', this.pos, last), collect);
    this.pos = last + 1;
  }

  /** Skips to the start of the first line that begins inside the split; false when more bytes are needed. */
  private skipPartialLine(): boolean {
    const nl = this.buf.indexOf(10, this.pos);
    if (nl >= 0) {
      this.pos = nl + 1;
      this.skipping = false;
      return true;
    }
    this.bufStart += this.buf.length;
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    if (this.eof) this.done = true;
    return this.eof;
  }

  private finish(): false {
    this.done = true;
    this.stream.destroy();
    return false;
  }

  /** Takes the next chunk the stream holds, keeping the unread tail; false when none is there yet. */
  private pull(): boolean {
    const chunk = this.stream.read() as Buffer | null;
    if (chunk === null) {
      if (this.stream.readableEnded) this.eof = true;
      if (this.stream.errored) throw inputError(this.split.file, this.stream.errored);
      return this.eof;
    }
    this.bufStart += this.pos;
    this.buf = this.pos >= this.buf.length ? chunk : Buffer.concat([this.buf.subarray(this.pos), chunk]);
    this.pos = 0;
    return true;
  }

  private whenReadable(): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const settle = (e?: Error) => {
        this.stream.off('readable', onReadable);
        this.stream.off('end', onEnd);
        this.stream.off('error', settle);
        if (e) reject(inputError(this.split.file, e));
        else resolve(true);
      };
      const onReadable = () => settle();
      const onEnd = () => {
        this.eof = true;
        settle();
      };
      this.stream.on('readable', onReadable);
      this.stream.on('end', onEnd);
      this.stream.on('error', settle);
    });
  }
}
