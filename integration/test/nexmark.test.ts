import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { expect } from 'chai';
import { Nexmark } from '@spindle/datastream';
import {
  REPO_ROOT,
  describeRun,
  expectCleanFailure,
  expectJobsFinished,
  readPartFiles,
  removeDir,
  runCli,
  tempDir,
} from './cli-harness.js';

const EVENTS = 60_000;
const SEED = 42;
/** Events per second of event time: 60 000 events span 30 s, so the window queries see several windows. */
const RATE = 2000;

/** What each query example writes, as SQL over the events file (DuckDB), one output line per row. */
const QUERIES: Record<string, string> = {
  q0: `SELECT concat_ws(',', auction, bidder, price, dateTime, extra) FROM bid`,
  q1: `SELECT concat_ws(',', auction, bidder, CAST(price * 0.908 AS DECIMAL(23, 3)), dateTime) FROM bid`,
  q2: `SELECT concat_ws(',', auction, price) FROM bid WHERE auction % 123 = 0`,
  q3: `SELECT concat_ws(',', P.name, P.city, P.state, A.id)
       FROM auction A JOIN person P ON A.seller = P.id
       WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')`,
  // Windows of 10 s sliding by 2 s: a bid at t is in the five windows ending at t - t % 2000 + 2000k, k = 1..5.
  q5: `WITH w AS (SELECT auction, dateTime - dateTime % 2000 + 2000 * k AS windowEnd FROM bid CROSS JOIN range(1, 6) t(k)),
       c AS (SELECT auction, windowEnd, count(*) AS num FROM w GROUP BY auction, windowEnd),
       m AS (SELECT windowEnd, max(num) AS maxn FROM c GROUP BY windowEnd)
       SELECT concat_ws(',', c.auction, c.num, c.windowEnd) FROM c JOIN m ON c.windowEnd = m.windowEnd WHERE c.num = m.maxn`,
  q7: `WITH w AS (SELECT *, dateTime - dateTime % 10000 + 10000 AS windowEnd FROM bid),
       m AS (SELECT windowEnd, max(price) AS maxp FROM w GROUP BY windowEnd)
       SELECT concat_ws(',', auction, bidder, price, dateTime, extra, w.windowEnd) FROM w JOIN m ON w.windowEnd = m.windowEnd AND w.price = m.maxp`,
  q8: `SELECT DISTINCT concat_ws(',', P.id, P.name, P.dateTime - P.dateTime % 10000)
       FROM person P JOIN auction A ON P.id = A.seller AND P.dateTime - P.dateTime % 10000 = A.dateTime - A.dateTime % 10000`,
  // Sessions: a bid less than 10 s after the bidder's previous one continues its session.
  q11: `WITH o AS (SELECT bidder, dateTime,
         CASE WHEN dateTime - lag(dateTime) OVER (PARTITION BY bidder ORDER BY dateTime) < 10000 THEN 0 ELSE 1 END AS starts FROM bid),
       s AS (SELECT bidder, dateTime, sum(starts) OVER (PARTITION BY bidder ORDER BY dateTime ROWS UNBOUNDED PRECEDING) AS session FROM o)
       SELECT concat_ws(',', bidder, count(*), min(dateTime), max(dateTime) + 10000) FROM s GROUP BY bidder, session`,
  // Winning bids of closed auctions; per seller, the average of the last 10, in closing order.
  q6: `WITH w AS (SELECT A.id, A.seller, A.expires, max(B.price) AS price FROM auction A JOIN bid B
         ON A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires GROUP BY A.id, A.seller, A.expires)
       SELECT concat_ws(',', seller,
         CAST(floor(avg(price) OVER (PARTITION BY seller ORDER BY expires, id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)) AS BIGINT)) FROM w`,
};

/** Fewer lines than this would make the comparison weak; the window queries give a few lines per window. */
const MIN_LINES: Record<string, number> = { q3: 20, q5: 15, q6: 100, q7: 2, q8: 100, q11: 100 };

describe('Nexmark', function () {
  this.timeout(180_000);
  let work: string;
  let eventsFile: string;
  let db: DuckDBInstance;
  let sql: DuckDBConnection;

  before(async () => {
    work = tempDir('nexmark');
    eventsFile = path.join(work, 'events.csv');
    const generator = new Nexmark.NexmarkGenerator({ seed: SEED, rate: RATE });
    const lines: string[] = [];
    for (let id = 0; id < EVENTS; id++) lines.push(Nexmark.formatEvent(generator.event(id)));
    fs.writeFileSync(eventsFile, lines.join('\n') + '\n');
    db = await DuckDBInstance.create(':memory:');
    sql = await db.connect();
    // Each line split on commas: f[1] is the kind, f[2]... the fields (formatEvent's format).
    await sql.run(
      `CREATE TABLE raw AS SELECT string_split(line, ',') AS f FROM read_csv('${eventsFile}', columns = {'line': 'VARCHAR'}, delim = '\t', quote = '', escape = '', header = false, auto_detect = false)`,
    );
    const n = (i: number) => `CAST(f[${i}] AS BIGINT)`;
    await sql.run(
      `CREATE VIEW bid AS SELECT ${n(2)} auction, ${n(3)} bidder, ${n(4)} price, ${n(5)} dateTime, f[6] extra FROM raw WHERE f[1] = 'B'`,
    );
    await sql.run(
      `CREATE VIEW auction AS SELECT ${n(2)} id, f[3] itemName, f[4] description, ${n(5)} initialBid, ${n(6)} reserve,
         ${n(7)} dateTime, ${n(8)} expires, ${n(9)} seller, ${n(10)} category, f[11] extra FROM raw WHERE f[1] = 'A'`,
    );
    await sql.run(
      `CREATE VIEW person AS SELECT ${n(2)} id, f[3] AS name, f[4] AS emailAddress, f[5] creditCard, f[6] AS city, f[7] AS state, ${n(8)} dateTime, f[9] extra FROM raw WHERE f[1] = 'P'`,
    );
  });

  after(() => {
    sql?.closeSync();
    removeDir(work);
  });

  async function expectedLines(query: string): Promise<string[]> {
    const reader = await sql.runAndReadAll(QUERIES[query]!);
    return reader.getRows().map((row) => String(row[0]));
  }

  async function runQuery(query: string, input: string[], parallelism: number, options: string[] = []): Promise<string[]> {
    const output = path.join(work, `${query}-p${parallelism}-${input[0]!.slice(2)}`);
    const args = [
      'run',
      '--no-typecheck',
      '-p',
      String(parallelism),
      ...options,
      path.join(REPO_ROOT, 'examples', 'nexmark', `${query}.ts`),
      ...input,
      '--output',
      output,
    ];
    const r = await runCli(args, 120_000);
    expectJobsFinished(args, r);
    return readPartFiles(output).lines;
  }

  describe('the generator', () => {
    it('makes 1 person, 3 auctions and 46 bids of every 50 events, in time order, at 1/rate seconds per event', () => {
      const g = new Nexmark.NexmarkGenerator({ seed: 1, rate: 1000 });
      const counts = { person: 0, auction: 0, bid: 0 };
      let last = -Infinity;
      for (let id = 0; id < 5000; id++) {
        const e = g.event(id);
        counts[e.type]++;
        const t = Nexmark.eventTime(e);
        expect(t).to.be.at.least(last);
        expect(t).to.equal(Nexmark.NEXMARK_BASE_TIME + id);
        last = t;
      }
      expect(counts).to.deep.equal({ person: 100, auction: 300, bid: 4600 });
    });

    it('gives person and auction ids in sequence, and bids name auctions and people made before or just ahead', () => {
      const g = new Nexmark.NexmarkGenerator({ seed: 9 });
      let nextPerson = Nexmark.FIRST_PERSON_ID;
      let nextAuction = Nexmark.FIRST_AUCTION_ID;
      let hotBids = 0;
      for (let id = 0; id < 20_000; id++) {
        const e = g.event(id);
        if (e.type === 'person') expect(e.person.id).to.equal(nextPerson++);
        else if (e.type === 'auction') {
          expect(e.auction.id).to.equal(nextAuction++);
          expect(e.auction.seller).to.be.below(nextPerson + 10);
          expect(e.auction.category).to.be.within(10, 14);
          expect(e.auction.expires).to.be.above(e.auction.dateTime);
          expect(e.auction.reserve).to.be.at.least(e.auction.initialBid);
        } else {
          expect(e.bid.auction).to.be.below(nextAuction + 10);
          expect(e.bid.bidder).to.be.below(nextPerson + 10);
          expect(e.bid.price).to.be.within(100, 100_000_000);
          if (e.bid.auction === Nexmark.FIRST_AUCTION_ID + Math.floor((nextAuction - 1 - Nexmark.FIRST_AUCTION_ID) / 100) * 100) hotBids++;
        }
      }
      // Half of the bids go to the hot auction (the first of the last batch of 100), as in Nexmark.
      expect(hotBids / 18_400).to.be.within(0.45, 0.6);
    });

    it('is deterministic for a seed, differs between seeds, and any event can be made alone', () => {
      const a = new Nexmark.NexmarkGenerator({ seed: 5 });
      const b = new Nexmark.NexmarkGenerator({ seed: 5 });
      const c = new Nexmark.NexmarkGenerator({ seed: 6 });
      const forward = Array.from({ length: 300 }, (_, id) => Nexmark.formatEvent(a.event(id)));
      const backward = Array.from({ length: 300 }, (_, i) => Nexmark.formatEvent(b.event(299 - i))).reverse();
      expect(backward).to.deep.equal(forward);
      expect(Array.from({ length: 300 }, (_, id) => Nexmark.formatEvent(c.event(id)))).to.not.deep.equal(forward);
    });

    it('round-trips events through the file format and names what is wrong with a bad line', () => {
      const g = new Nexmark.NexmarkGenerator({ seed: 2 });
      for (let id = 0; id < 100; id++) expect(Nexmark.parseEvent(Nexmark.formatEvent(g.event(id)))).to.deep.equal(g.event(id));
      expect(() => Nexmark.parseEvent('B,1,2,x,4,extra')).to.throw(/malformed Nexmark event line "B,1,2,x,4,extra": "x" is not an integer/);
      expect(() => Nexmark.parseEvent('Z,1')).to.throw(/P with 9, A with 11 or B with 6 comma-separated fields/);
      // Integers as Number() reads them, whether or not they are plain digits.
      expect(Nexmark.parseEvent('B,-7,+5,1e3,0x10,')).to.deep.equal({
        type: 'bid',
        bid: { auction: -7, bidder: 5, price: 1000, dateTime: 16, extra: '' },
      });
      expect(() => Nexmark.parseEvent('B,1,2,3,4,e,f')).to.throw(/B with 6 comma-separated fields; this one has 7 starting with "B"/);
      expect(() => Nexmark.parseEvent('A,1,2')).to.throw(/this one has 3 starting with "A"/);
      expect(() => Nexmark.parseEvent('B,1,,3,4,e')).to.throw(/"" is not an integer/);
      expect(() => Nexmark.parseEvent('B,9007199254740993,2,3,4,e')).to.throw(/"9007199254740993" is not an integer/);
      expect(Nexmark.parseEvent('B,-0,1234567890123456,0,-1436918400000,x y')).to.deep.equal({
        type: 'bid',
        bid: { auction: -0, bidder: 1234567890123456, price: 0, dateTime: -1436918400000, extra: 'x y' },
      });
      expect(() => Nexmark.parseEvent('B,1,2,3,4')).to.throw(/this one has 5 starting with "B"/);
      expect(() => Nexmark.parseEvent('B,1,2,3,-,e')).to.throw(/"-" is not an integer/);
      expect(Nexmark.parseEvent('B,1,2,3,4 ,e').bid?.dateTime).to.equal(4);
      expect(() => new Nexmark.NexmarkGenerator({ rate: 0 })).to.throw(/rate must be a positive number/);
    });
  });

  for (const query of Object.keys(QUERIES)) {
    it(`${query} gives what SQL in DuckDB gives over the same events, from the file and from the generator`, async () => {
      const expected = (await expectedLines(query)).sort();
      expect(expected.length, 'the query selects something from these events').to.be.greaterThan(MIN_LINES[query] ?? 100);
      const fromFile = await runQuery(query, ['--events-file', eventsFile], 2);
      expect(fromFile.sort()).to.deep.equal(expected);
      const generated = await runQuery(query, ['--events', String(EVENTS), '--seed', String(SEED), '--rate', String(RATE)], 3);
      expect(generated.sort()).to.deep.equal(expected);
    });
  }

  it('q4 (average winning price per category) ends with the averages SQL in DuckDB gives over the same events', async () => {
    const reader = await sql.runAndReadAll(
      `WITH w AS (SELECT A.id, A.category, max(B.price) AS final FROM auction A JOIN bid B
         ON A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires GROUP BY A.id, A.category)
       SELECT concat_ws(',', category, CAST(floor(avg(final)) AS BIGINT)) FROM w GROUP BY category`,
    );
    const expected = reader
      .getRows()
      .map((row) => String(row[0]))
      .sort();
    expect(expected.length).to.equal(5);
    for (const input of [
      ['--events-file', eventsFile],
      ['--events', String(EVENTS), '--seed', String(SEED), '--rate', String(RATE)],
    ]) {
      // Updates of one category come from one subtask, in order: its last line is the final average.
      const last = new Map<string, string>();
      for (const line of await runQuery('q4', input, 2)) last.set(line.split(',')[0]!, line);
      expect([...last.values()].sort()).to.deep.equal(expected);
    }
  });

  it('q12 (processing-time windows) counts every bid of each bidder once, over its windows (BATCH fires the last ones)', async () => {
    const reader = await sql.runAndReadAll(`SELECT concat_ws(',', bidder, count(*)) FROM bid GROUP BY bidder`);
    const expected = reader
      .getRows()
      .map((row) => String(row[0]))
      .sort();
    const lines = await runQuery('q12', ['--events-file', eventsFile], 2, ['-Dexecution.runtime-mode=BATCH']);
    const perBidder = new Map<string, number>();
    for (const line of lines) {
      const [bidder, count, start, end] = line.split(',');
      expect(Number(end) - Number(start), line).to.equal(10_000);
      perBidder.set(bidder!, (perBidder.get(bidder!) ?? 0) + Number(count));
    }
    expect([...perBidder].map(([b, n]) => `${b},${n}`).sort()).to.deep.equal(expected);
  });

  it('fails with the file, the line and the reason when an events file holds a malformed line', async () => {
    const bad = path.join(work, 'bad-events.csv');
    fs.writeFileSync(bad, 'B,1000,1001,77,1436918400000,abc\nB,1000,oops,77,1436918400000,abc\n');
    const output = path.join(work, 'bad-out');
    const args = ['run', '--no-typecheck', path.join(REPO_ROOT, 'examples', 'nexmark', 'q0.ts'), '--events-file', bad, '--output', output];
    const r = await runCli(args, 60_000);
    expectCleanFailure(args, r, /malformed Nexmark event line "B,1000,oops,77,1436918400000,abc": "oops" is not an integer/);
    expect(describeRun(args, r)).to.not.match(/^\s+at /m);
  });
});
