import assert from 'node:assert/strict';
import { finished } from 'node:stream/promises';
import { FileSystemError, type FileSystem, type FileSystemErrorKind, type OpenOptions } from '../fs/file-system.js';
import { childPath } from '../fs/file-systems.js';

/**
 * What an implementation of the FileSystem port hands the shared suite: the file system, and a
 * fresh empty directory (as a URI of its scheme) for each test. `cleanUp` runs after each test.
 */
export interface FileSystemUnderTest {
  readonly fs: FileSystem;
  newDirectory(): Promise<string>;
  cleanUp?(dir: string): Promise<void>;
}

/** Reads a whole file (or a range) as UTF-8. */
export async function readText(fs: FileSystem, p: string, options?: OpenOptions): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await fs.open(p, options)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes `text` as a new file (or over an existing one with `overwrite`), resolving once durable. */
export async function writeText(fs: FileSystem, p: string, text: string, overwrite = false): Promise<void> {
  const out = await fs.create(p, { overwrite });
  out.end(text);
  await finished(out);
}

async function appendText(fs: FileSystem, p: string, text: string): Promise<void> {
  const out = await fs.append(p);
  out.end(text);
  await finished(out);
}

async function failure(work: Promise<unknown>): Promise<FileSystemError> {
  const e = await work.then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(e instanceof FileSystemError, `expected a FileSystemError, got ${String(e)}`);
  return e;
}

async function expectKind(work: Promise<unknown>, kind: FileSystemErrorKind | FileSystemErrorKind[], pathNamed?: string): Promise<void> {
  const e = await failure(work);
  const kinds = Array.isArray(kind) ? kind : [kind];
  assert.ok(kinds.includes(e.kind), `expected ${kinds.join(' or ')}, got ${e.kind}: ${e.message}`);
  if (pathNamed !== undefined) assert.ok(e.message.includes(pathNamed), `the message names ${pathNamed}: ${e.message}`);
}

/**
 * The port's contract as tests: every implementation (file://, hdfs://) runs this same suite, so
 * that callers see one behaviour whatever the scheme. Call inside a mocha `describe`.
 */
export function describeFileSystemContract(label: string, under: () => FileSystemUnderTest): void {
  describe(`FileSystem contract: ${label}`, () => {
    let fs: FileSystem;
    let dir: string;
    const at = (...names: string[]): string => names.reduce((p, n) => childPath(p, n), dir);

    beforeEach(async () => {
      fs = under().fs;
      dir = await under().newDirectory();
    });
    afterEach(async () => {
      await under().cleanUp?.(dir);
    });

    it('creates files with their parents, reads ranges, appends and truncates', async () => {
      const f = at('a', 'b', 'c.txt');
      await writeText(fs, f, 'hello world');
      assert.equal(await readText(fs, f), 'hello world');
      assert.equal(await readText(fs, f, { offset: 6 }), 'world');
      assert.equal(await readText(fs, f, { offset: 2, length: 3 }), 'llo');
      assert.equal(await readText(fs, f, { offset: 2, length: 0 }), '');
      assert.equal(await readText(fs, f, { offset: 6, length: 100 }), 'world');
      await appendText(fs, f, '!');
      assert.equal(await readText(fs, f), 'hello world!');
      await fs.truncate(f, 5);
      assert.equal(await readText(fs, f), 'hello');
      await appendText(fs, f, ' again');
      assert.equal(await readText(fs, f), 'hello again');
    });

    it('writes and reads an empty file', async () => {
      const f = at('empty');
      await writeText(fs, f, '');
      assert.equal(await readText(fs, f), '');
      assert.equal((await fs.status(f))?.length, 0);
    });

    it('refuses to overwrite unless asked', async () => {
      const f = at('x');
      await writeText(fs, f, 'one');
      await expectKind(writeText(fs, f, 'two'), 'already-exists', f);
      assert.equal(await readText(fs, f), 'one');
      await writeText(fs, f, 'two', true);
      assert.equal(await readText(fs, f), 'two');
    });

    it('renames into missing parents, refusing a missing source and an existing destination', async () => {
      await writeText(fs, at('a'), 'A');
      await writeText(fs, at('b'), 'B');
      await fs.rename(at('a'), at('sub', 'c'));
      assert.equal(await readText(fs, at('sub', 'c')), 'A');
      assert.equal(await fs.status(at('a')), undefined);
      await expectKind(fs.rename(at('a'), at('d')), 'not-found', at('a'));
      await expectKind(fs.rename(at('b'), at('sub', 'c')), 'already-exists', at('sub', 'c'));
      assert.equal(await readText(fs, at('sub', 'c')), 'A');
      assert.equal(await readText(fs, at('b')), 'B');
    });

    it('renames a directory with its content', async () => {
      await writeText(fs, at('d1', 'f'), 'F');
      await fs.rename(at('d1'), at('d2'));
      assert.equal(await readText(fs, at('d2', 'f')), 'F');
      assert.equal(await fs.status(at('d1')), undefined);
    });

    it('lists, stats, makes and deletes directories', async () => {
      await fs.mkdirs(at('d', 'e'));
      await fs.mkdirs(at('d', 'e'));
      await writeText(fs, at('d', 'z.txt'), '123');
      const entries = await fs.list(at('d'));
      assert.deepEqual(
        entries.map((s) => [s.name, s.isDirectory, s.length]),
        [
          ['e', true, 0],
          ['z.txt', false, 3],
        ],
      );
      assert.equal(entries[1]!.path, at('d', 'z.txt'));
      const file = await fs.status(at('d', 'z.txt'));
      assert.equal(file?.isDirectory, false);
      assert.equal(file?.name, 'z.txt');
      assert.ok((file?.modificationTime ?? 0) > 0);
      assert.deepEqual(
        (await fs.list(at('d', 'z.txt'))).map((s) => s.name),
        ['z.txt'],
      );
      assert.equal(await fs.status(at('nothing')), undefined);
      await expectKind(fs.delete(at('d')), 'directory-not-empty', at('d'));
      assert.equal(await fs.delete(at('d'), { recursive: true }), true);
      assert.equal(await fs.delete(at('d'), { recursive: true }), false);
      await expectKind(fs.list(at('d')), 'not-found', at('d'));
    });

    it('deletes a file and an empty directory without recursion', async () => {
      await writeText(fs, at('f'), 'x');
      await fs.mkdirs(at('empty'));
      assert.equal(await fs.delete(at('f')), true);
      assert.equal(await fs.delete(at('empty')), true);
      assert.deepEqual(await fs.list(dir), []);
    });

    it('iterates a directory in name order, the same entries as list', async () => {
      const names = Array.from({ length: 25 }, (_, i) => `n${String(i).padStart(2, '0')}`);
      for (const n of [...names].reverse()) await writeText(fs, at('many', n), n);
      const seen: string[] = [];
      for await (const s of fs.listIterator(at('many'))) seen.push(s.name);
      assert.deepEqual(seen, names);
      assert.deepEqual(
        (await fs.list(at('many'))).map((s) => s.name),
        names,
      );
      const missing = (async () => {
        for await (const _ of fs.listIterator(at('none'))) return;
      })();
      await expectKind(missing, 'not-found', at('none'));
    });

    it('names the path of a missing file on open, append and truncate', async () => {
      await expectKind(fs.open(at('missing')).then(drain), 'not-found', at('missing'));
      await expectKind(fs.append(at('missing')), 'not-found', at('missing'));
      await expectKind(fs.truncate(at('missing'), 0), 'not-found', at('missing'));
    });

    it('maps a file used as a directory and a directory opened as a file', async () => {
      await writeText(fs, at('f'), 'x');
      await expectKind(writeText(fs, at('f', 'g'), 'y'), ['parent-not-directory', 'already-exists'], at('f'));
      await expectKind(fs.mkdirs(at('f', 'h')), ['parent-not-directory', 'already-exists'], at('f'));
      await expectKind(fs.open(dir).then(drain), 'is-a-directory', dir);
    });
  });
}

async function drain(stream: NodeJS.ReadableStream): Promise<void> {
  for await (const _ of stream) {
    // read to the end: some file systems report errors only once the stream is read
  }
}
