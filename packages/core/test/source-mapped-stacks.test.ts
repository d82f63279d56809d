import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { installSourceMappedStacks, serializeError } from '../src/index.js';

// Line 1 of the generated file maps to line 42, column 5 (1-based) of orig.ts: "AAyCI" is the
// segment [generated column 0, source 0, original line +41, original column +4].
const MAP = { version: 3, sources: ['src/orig.ts'], names: [], mappings: 'AAAA;AAyCI' };
const BODY = "export function boom() {\n  throw new Error('boom');\n}\n";

describe('source-mapped stacks', () => {
  let dir: string;
  let previous: PropertyDescriptor | undefined;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-stacks-'));
    fs.writeFileSync(path.join(dir, 'mapped.mjs'), BODY + '//# sourceMappingURL=maps/mapped.mjs.map\n');
    fs.mkdirSync(path.join(dir, 'maps'));
    fs.writeFileSync(path.join(dir, 'maps', 'mapped.mjs.map'), JSON.stringify({ ...MAP, sources: ['../src/orig.ts'] }));
    const inline = Buffer.from(JSON.stringify({ ...MAP, sourceRoot: 'lib' })).toString('base64');
    fs.writeFileSync(path.join(dir, 'inline.mjs'), BODY + `//# sourceMappingURL=data:application/json;base64,${inline}\n`);
    fs.writeFileSync(path.join(dir, 'plain.mjs'), BODY);
    previous = Object.getOwnPropertyDescriptor(Error, 'prepareStackTrace');
    installSourceMappedStacks();
  });

  after(() => {
    if (previous === undefined) delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
    else Object.defineProperty(Error, 'prepareStackTrace', previous);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function stackOf(file: string): Promise<string> {
    const { boom } = (await import(pathToFileURL(path.join(dir, file)).href)) as { boom: () => never };
    try {
      boom();
    } catch (e) {
      return (e as Error).stack!;
    }
    throw new Error('boom() did not throw');
  }

  it('shows the original file, line and column of a frame whose file has a map beside it', async () => {
    const stack = await stackOf('mapped.mjs');
    expect(stack.split('\n')[0]).to.equal('Error: boom');
    expect(stack.split('\n')[1]).to.equal(`    at boom (${path.join(dir, 'src', 'orig.ts')}:42:5)`);
    // The other frames (this test, mocha) keep their own locations or their own maps.
    expect(stack).to.contain('source-mapped-stacks.test');
  });

  it('reads inline maps (job bundles) with their sourceRoot', async () => {
    const stack = await stackOf('inline.mjs');
    expect(stack.split('\n')[1]).to.equal(`    at boom (${path.join(dir, 'lib', 'src', 'orig.ts')}:42:5)`);
    expect(serializeError(new Error('x')).stack).to.match(/^Error: x\n {4}at /);
  });

  it('leaves frames of files without a map as V8 renders them', async () => {
    const stack = await stackOf('plain.mjs');
    expect(stack.split('\n')[1]).to.equal(`    at boom (${pathToFileURL(path.join(dir, 'plain.mjs')).href}:2:9)`);
  });

  it("heads Node.js's own errors with their code", () => {
    let stack = '';
    try {
      Buffer.alloc(-1);
    } catch (e) {
      stack = (e as Error).stack!;
    }
    expect(stack.split('\n')[0]).to.match(/^RangeError \[ERR_OUT_OF_RANGE\]: /);
  });
});
