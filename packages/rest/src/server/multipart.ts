/**
 * A parser for `multipart/form-data` bodies (RFC 7578) held in memory. The body size is bounded
 * by the server's content length limit before it gets here.
 */

export interface MultipartPart {
  /** The form field name. */
  name: string;
  /** The file name, for file parts. */
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export class MultipartError extends Error {
  constructor(message: string) {
    super(`Malformed multipart/form-data request: ${message}`);
    this.name = 'MultipartError';
  }
}

const MAX_PARTS = 64;
const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** The boundary of a multipart/form-data content type, or undefined for other types. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const [type, ...params] = splitParams(contentType);
  if (type?.toLowerCase() !== 'multipart/form-data') return undefined;
  for (const p of params) {
    const { key, value } = parseParam(p);
    if (key === 'boundary') {
      if (value.length === 0 || value.length > 70) throw new MultipartError('the boundary must have 1 to 70 characters');
      return value;
    }
  }
  throw new MultipartError('the content type has no boundary parameter');
}

export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = firstDelimiter(body, delimiter);
  const parts: MultipartPart[] = [];
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString('latin1') === '--') return parts;
    pos = skipLineEnd(body, pos);
    if (parts.length === MAX_PARTS) throw new MultipartError(`more than ${MAX_PARTS} parts`);
    const headerEnd = body.indexOf(HEADER_END, pos - 2);
    if (headerEnd < 0 || headerEnd - pos > MAX_HEADER_BYTES) throw new MultipartError('a part has no end of headers');
    const headers = headerEnd < pos ? [] : body.subarray(pos, headerEnd).toString('utf8').split('\r\n');
    const dataStart = headerEnd + HEADER_END.length;
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), dataStart);
    if (next < 0) throw new MultipartError('the body ends before the closing boundary');
    parts.push(partOf(headers, body.subarray(dataStart, next)));
    pos = next + CRLF.length;
  }
}

/** The opening delimiter is at the start, or follows a preamble on a line of its own. */
function firstDelimiter(body: Buffer, delimiter: Buffer): number {
  if (body.subarray(0, delimiter.length).equals(delimiter)) return 0;
  const at = body.indexOf(Buffer.concat([CRLF, delimiter]));
  if (at < 0) throw new MultipartError('the boundary does not occur in the body');
  return at + CRLF.length;
}

/** After a delimiter: optional transport padding (spaces, tabs), then CRLF. */
function skipLineEnd(body: Buffer, pos: number): number {
  let p = pos;
  while (body[p] === 0x20 || body[p] === 0x09) p++;
  if (body[p] !== 0x0d || body[p + 1] !== 0x0a) throw new MultipartError('a boundary line does not end with CRLF');
  return p + 2;
}

function partOf(headerLines: string[], data: Buffer): MultipartPart {
  const headers = new Map<string, string>();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError(`malformed part header '${line.slice(0, 80)}'`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition');
  if (!disposition) throw new MultipartError('a part has no Content-Disposition header');
  const [kind, ...params] = splitParams(disposition);
  if (kind?.toLowerCase() !== 'form-data') throw new MultipartError(`unexpected Content-Disposition '${kind ?? ''}'`);
  const values = new Map(params.map((p) => parseParam(p)).map(({ key, value }) => [key, value]));
  const name = values.get('name');
  if (name === undefined) throw new MultipartError('a part has no field name');
  const part: MultipartPart = { name, data };
  const filename = decodeExtendedValue(values.get('filename*')) ?? values.get('filename');
  if (filename !== undefined) part.filename = filename;
  const contentType = headers.get('content-type');
  if (contentType !== undefined) part.contentType = contentType;
  return part;
}

/** Splits `a; b=1; c="x;y"` at semicolons outside quotes. */
function splitParams(header: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!;
    if (quoted && c === '\\' && i + 1 < header.length) {
      current += c + header[++i]!;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  if (quoted) throw new MultipartError(`unterminated quoted string in '${header.slice(0, 80)}'`);
  out.push(current.trim());
  return out.filter((s) => s !== '');
}

function parseParam(param: string): { key: string; value: string } {
  const eq = param.indexOf('=');
  if (eq <= 0) return { key: param.toLowerCase(), value: '' };
  const key = param.slice(0, eq).trim().toLowerCase();
  const raw = param.slice(eq + 1).trim();
  if (!raw.startsWith('"')) return { key, value: raw };
  if (raw.length < 2 || !raw.endsWith('"')) throw new MultipartError(`malformed quoted value of '${key}'`);
  return { key, value: raw.slice(1, -1).replace(/\\(.)/g, '$1') };
}

/** RFC 5987 `UTF-8''name%20x`; undefined when absent or not UTF-8. */
function decodeExtendedValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = /^([\w!#$%&+^`{}~-]+)'[^']*'(.*)$/.exec(value);
  if (!m || m[1]!.toLowerCase() !== 'utf-8') return undefined;
  try {
    return decodeURIComponent(m[2]!);
  } catch {
    throw new MultipartError('malformed percent-encoding in filename*');
  }
}
