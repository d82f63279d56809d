import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { SourceOperator } from '@spindle/runtime';
import { CsvFileSource, type CsvOptions } from '../src/sources/csv-file-source.js';
import { OperatorHarness } from './operator-harness.js';

describe('CsvFileSource', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-csv-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Reads the whole file; the error of the source, if any, is returned instead of records. */
  async function read<T>(lines: string[], options: CsvOptions<T>, eol = '\n'): Promise<{ records: unknown[]; error?: Error }> {
    const file = path.join(dir, 'in.csv');
    fs.writeFileSync(file, lines.join(eol) + eol);
    const h = await OperatorHarness.open(new CsvFileSource(file, options));
    const source = h.operator as unknown as SourceOperator;
    try {
      while ((await source.emitNext()) === 'more');
      return { records: h.values() };
    } catch (e) {
      return { records: h.values(), error: e as Error };
    }
  }

  /** Lines with multi-byte characters, so that byte offsets and line numbers differ. */
  const rows = (n: number) => Array.from({ length: n }, (_, i) => `${i},naïve-日本-${i % 13},${i % 100}`);

  it('splits lines into fields and parses them, skipping the header and blank lines', async () => {
    const lines = ['id,name,amount', ...rows(5), '', ...rows(2)];
    const { records, error } = await read(lines, { ignoreFirstLine: true, parse: ([id, , amount]) => Number(id) + Number(amount) });
    expect(error).to.equal(undefined);
    expect(records).to.deep.equal([0, 2, 4, 6, 8, 0, 2]);
  });

  it('names the file, the line number and the reason of a malformed line deep in the file (CRLF lines)', async () => {
    const lines = rows(200_000);
    lines[123_456] = '123456,short';
    const { error } = await read(lines, { fields: 3 }, '\r\n');
    expect(error?.message).to.equal(`malformed record in ${path.join(dir, 'in.csv')} at line 123457: expected 3 fields, found 2`);
    expect((error as Error & { code?: string }).code).to.equal('MALFORMED_RECORD');
  });

  it("takes the parse function's error as the reason, or skips the line when configured", async () => {
    const lines = rows(1000);
    lines[10] = '10,x,not-a-number';
    const parse = ([, , amount]: string[]) => {
      if (!/^\d+$/.test(amount!)) throw new Error(`bad amount '${amount}'`);
      return Number(amount);
    };
    const failed = await read(lines, { parse });
    expect(failed.error?.message).to.match(/at line 11: bad amount 'not-a-number'$/);
    const skipped = await read(lines, { parse, skipMalformedLines: true });
    expect(skipped.error).to.equal(undefined);
    expect(skipped.records).to.have.length(999);
  });
});
