import fs from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Stack traces with source-mapped frames, read lazily: a frame of a file with a source map (the
 * engine's compiled modules, a job bundle's inline map) shows the original TypeScript file, line
 * and column. Node.js's own source map support (`--enable-source-maps`,
 * `process.setSourceMapsEnabled`) reads and parses the map of every module as it loads, which
 * costs each process and worker thread tens of milliseconds of CPU; here a file's map is read the
 * first time one of its frames is formatted, so a process that formats no stack pays nothing.
 */

interface LoadedMap {
  map: SourceMap;
  /** Where the map's sources are relative to (the map's own URL, or the file's for an inline map). */
  base: string;
}

const maps = new Map<string, LoadedMap | null>();
const MAPPING_URL = /\/\/[#@] sourceMappingURL=([^\s'"]+)\s*$/;

/**
 * Formats every stack trace of this thread (Error.prepareStackTrace) with source-mapped frames.
 * Call it once at the start of a process or worker thread, before any stack is read.
 */
export function installSourceMappedStacks(): void {
  Error.prepareStackTrace = formatStack;
}

function formatStack(error: Error, trace: NodeJS.CallSite[]): string {
  let out = headerOf(error);
  for (const site of trace) out += '\n    at ' + formatFrame(site);
  return out;
}

/** As Node.js heads a stack: `Name [CODE]: message` for its own errors, else Error.prototype.toString. */
function headerOf(error: Error): string {
  try {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_') && typeof error.name === 'string') {
      return `${error.name} [${code}]: ${error.message}`;
    }
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}

/** V8's own rendering of the frame, with the location replaced by the original one when a map has it. */
function formatFrame(site: NodeJS.CallSite): string {
  // V8's CallSite renders itself as a stack line does.
  const rendered = (site as { toString(): string }).toString();
  try {
    const file = site.getFileName();
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    if (file === undefined || file === null || line === null || column === null) return rendered;
    const loaded = mapOf(file);
    if (loaded === null) return rendered;
    const entry = loaded.map.findEntry(line - 1, column - 1) as Partial<{
      originalSource: string;
      originalLine: number;
      originalColumn: number;
    }>;
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return rendered;
    const source = new URL(entry.originalSource, loaded.base).href;
    const location = `${source.startsWith('file:') ? fileURLToPath(source) : source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    // `name (location)` or, for an anonymous top-level frame, `location` alone.
    return rendered.endsWith(')') && rendered.includes(' (') ? `${rendered.slice(0, rendered.lastIndexOf(' ('))} (${location})` : location;
  } catch {
    return rendered;
  }
}

/** The source map of a file (path or file: URL), read once; null when it has none. */
function mapOf(file: string): LoadedMap | null {
  let loaded = maps.get(file);
  if (loaded !== undefined) return loaded;
  loaded = null;
  try {
    const isUrl = file.startsWith('file:');
    if (isUrl || file.startsWith('/')) {
      const path = isUrl ? fileURLToPath(file) : file;
      const fileUrl = isUrl ? new URL(file) : pathToFileURL(file);
      const match = MAPPING_URL.exec(tailOf(path));
      if (match !== null) {
        const reference = match[1]!;
        let payload: string;
        let base: URL;
        if (reference.startsWith('data:')) {
          const comma = reference.indexOf(',');
          const data = reference.slice(comma + 1);
          payload = reference.slice(0, comma).endsWith(';base64') ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data);
          base = fileUrl;
        } else {
          base = new URL(reference, fileUrl);
          payload = fs.readFileSync(base, 'utf8');
        }
        const json = JSON.parse(payload) as { sourceRoot?: string; sources?: string[] };
        const root = typeof json.sourceRoot === 'string' && json.sourceRoot !== '' ? json.sourceRoot.replace(/\/?$/, '/') : '';
        loaded = { map: new SourceMap(json as never), base: new URL(root, base).href };
      }
    }
  } catch {
    loaded = null;
  }
  maps.set(file, loaded);
  return loaded;
}

/** The end of a file, where its sourceMappingURL comment is (an inline map can be long: the whole file then). */
function tailOf(path: string): string {
  const text = fs.readFileSync(path, 'utf8');
  const at = text.lastIndexOf('\n//');
  return at < 0 ? text : text.slice(at + 1);
}
