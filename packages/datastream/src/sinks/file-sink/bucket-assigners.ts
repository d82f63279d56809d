import { SpindleError } from '@spindle/core';

/** What a BucketAssigner knows besides the element (Flink's BucketAssigner.Context). */
export interface BucketAssignerContext {
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** The element's event timestamp, undefined when it has none. */
  timestamp(): number | undefined;
}

/**
 * Chooses the bucket (a sub-directory of the sink's base path, '' for the base path itself) of
 * each element (Flink's BucketAssigner). Called on the task's thread, once per element.
 */
export interface BucketAssigner<IN = unknown> {
  getBucketId(element: IN, context: BucketAssignerContext): string;
}

/** Every element in the base path itself (Flink's BasePathBucketAssigner). */
export class BasePathBucketAssigner implements BucketAssigner {
  getBucketId(): string {
    return '';
  }

  toString(): string {
    return 'BasePathBucketAssigner';
  }
}

const DEFAULT_FORMAT = 'yyyy-MM-dd--HH';

/**
 * Buckets by the processing time at which an element arrives, formatted with a Java
 * DateTimeFormatter pattern (Flink's DateTimeBucketAssigner, the default): `yyyy-MM-dd--HH`
 * (hourly buckets) in the system's time zone unless told otherwise. Pattern letters: y, M, d, H,
 * m, s, S; text in single quotes is literal. `zoneId` is an IANA zone such as `UTC` or
 * `Europe/Paris`.
 */
export class DateTimeBucketAssigner implements BucketAssigner {
  private readonly format: (time: number) => string;
  private readonly resolution: number;
  private lastKey = Number.NaN;
  private lastId = '';

  constructor(
    readonly formatString = DEFAULT_FORMAT,
    readonly zoneId?: string,
  ) {
    const tokens = parsePattern(formatString);
    const fields = zoneId === undefined ? localFields : zoneFields(zoneId);
    this.format = (time) => render(tokens, fields(time));
    this.resolution = tokens.some((t) => t.letter === 'S') ? 1 : 1000;
  }

  getBucketId(_element: unknown, context: BucketAssignerContext): string {
    const time = context.currentProcessingTime();
    const key = Math.floor(time / this.resolution);
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.lastId = this.format(time);
    }
    return this.lastId;
  }

  toString(): string {
    return `DateTimeBucketAssigner{formatString='${this.formatString}', zoneId=${this.zoneId ?? 'system default'}}`;
  }
}

interface Fields {
  y: number;
  M: number;
  d: number;
  H: number;
  m: number;
  s: number;
  S: number;
}

type Token = { letter: keyof Fields; width: number } | { letter?: undefined; text: string };

const LETTERS = new Set(['y', 'M', 'd', 'H', 'm', 's', 'S']);

function parsePattern(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === -1) throw invalidPattern(pattern, 'an unterminated quote');
      tokens.push({ text: end === i + 1 ? "'" : pattern.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      if (!LETTERS.has(c)) throw invalidPattern(pattern, `the unsupported letter '${c}' (supported: y M d H m s S; quote literal text)`);
      let j = i;
      while (pattern[j] === c) j++;
      tokens.push({ letter: c as keyof Fields, width: j - i });
      i = j;
    } else {
      tokens.push({ text: c });
      i++;
    }
  }
  return tokens;
}

function render(tokens: Token[], fields: Fields): string {
  let out = '';
  for (const t of tokens) {
    if (t.letter === undefined) out += t.text;
    else if (t.letter === 'y' && t.width === 2) out += String(fields.y % 100).padStart(2, '0');
    else out += String(fields[t.letter]).padStart(t.width, '0');
  }
  return out;
}

function localFields(time: number): Fields {
  const d = new Date(time);
  return {
    y: d.getFullYear(),
    M: d.getMonth() + 1,
    d: d.getDate(),
    H: d.getHours(),
    m: d.getMinutes(),
    s: d.getSeconds(),
    S: d.getMilliseconds(),
  };
}

function zoneFields(zoneId: string): (time: number) => Fields {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zoneId,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new SpindleError(`DateTimeBucketAssigner: unknown time zone "${zoneId}"; use an IANA zone such as UTC or Europe/Paris`, {
      code: 'INVALID_ARGUMENT',
      userFacing: true,
      recoverability: 'non-recoverable',
    });
  }
  return (time) => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(time)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    return {
      y: parts.year ?? 0,
      M: parts.month ?? 0,
      d: parts.day ?? 0,
      H: parts.hour ?? 0,
      m: parts.minute ?? 0,
      s: parts.second ?? 0,
      S: ((time % 1000) + 1000) % 1000,
    };
  };
}

function invalidPattern(pattern: string, problem: string): SpindleError {
  return new SpindleError(`DateTimeBucketAssigner: the format "${pattern}" has ${problem}`, {
    code: 'INVALID_ARGUMENT',
    userFacing: true,
    recoverability: 'non-recoverable',
  });
}
