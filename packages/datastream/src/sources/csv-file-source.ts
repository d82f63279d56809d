import { SpindleError, errorMessage } from '@spindle/core';
import type { OperatorContext, SourceStatus } from '@spindle/runtime/task';
import { TextFileSource } from './text-file-source.js';

/** How `readCsvFile` splits and checks lines; see the README. */
export interface CsvOptions<T> {
  /** Separator of the fields (`,` by default). Fields are not quoted: a delimiter always separates. */
  fieldDelimiter?: string;
  /** The number of fields every line must have; a line with another number is malformed. */
  fields?: number;
  /** Makes the record of a line's fields; an error it throws makes the line malformed, its message the reason. */
  parse?: (fields: string[]) => T;
  /** Skips the first line of every file (a header). */
  ignoreFirstLine?: boolean;
  /**
   * Skips malformed lines and counts them in the accumulator `<source name>.malformedLines`
   * instead of failing the job (the default).
   */
  skipMalformedLines?: boolean;
}

/** A malformed line found while a chunk was emitted; its line number is counted afterwards. */
class MalformedLine extends Error {
  constructor(
    readonly file: string,
    readonly chunkStart: number,
    readonly index: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Reads delimited text files as records: the lines of TextFileSource (same splits and
 * positions), each split into fields, checked and parsed. Blank lines are not records. A
 * malformed line fails the job with its file, line number and reason, or, with
 * `skipMalformedLines`, is counted and left out.
 */
export class CsvFileSource<T> extends TextFileSource {
  private readonly delimiter: string;
  private accumulator = '';

  constructor(
    input: string,
    private readonly options: CsvOptions<T>,
  ) {
    super(input);
    this.delimiter = options.fieldDelimiter ?? ',';
  }

  override async open(ctx: OperatorContext): Promise<void> {
    await super.open(ctx);
    this.accumulator = `${ctx.operatorName}.malformedLines`;
  }

  override emitNext(): SourceStatus | Promise<SourceStatus> {
    try {
      return super.emitNext();
    } catch (e) {
      if (e instanceof MalformedLine) return this.fail(e);
      throw e;
    }
  }

  protected override emitLine(line: string, index: number): void {
    if (line === '') return;
    if (this.options.ignoreFirstLine && index === 0 && this.currentChunk().start === 0) return;
    const fields = line.split(this.delimiter);
    let reason: string | undefined;
    let record: unknown = fields;
    if (this.options.fields !== undefined && fields.length !== this.options.fields) {
      reason = `expected ${this.options.fields} fields, found ${fields.length}`;
    } else if (this.options.parse) {
      try {
        record = this.options.parse(fields);
      } catch (e) {
        reason = errorMessage(e);
      }
    }
    if (reason === undefined) this.out.collect(record);
    else if (this.options.skipMalformedLines) this.ctx.addAccumulator(this.accumulator, 1);
    else {
      const chunk = this.currentChunk();
      throw new MalformedLine(chunk.file, chunk.start, index, reason);
    }
  }

  private async fail(m: MalformedLine): Promise<never> {
    const line = await this.lineNumber(m.file, m.chunkStart, m.index);
    throw new SpindleError(`malformed record in ${m.file} at line ${line}: ${m.reason}`, {
      code: 'MALFORMED_RECORD',
      userFacing: true,
      recoverability: 'non-recoverable',
    });
  }
}
