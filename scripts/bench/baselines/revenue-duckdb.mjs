/**
 * The batch benchmark's join + group-by in DuckDB (`@duckdb/node-api`), over the same files as
 * Spindle's `jobs/batch-revenue.ts`, writing the same `nation,segment,revenue,orders` lines:
 *
 *   node revenue-duckdb.mjs <orders.csv> <customers.csv> <output file> <threads>
 *
 * Prints `Job Runtime: <n> ms`: the query, from reading the files to the last row, without
 * loading DuckDB.
 */
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [orders, customers, output, threads = '2'] = process.argv.slice(2);
if (!output) {
  console.error('usage: revenue-duckdb.mjs <orders.csv> <customers.csv> <output file> [threads]');
  process.exit(2);
}
const csv = (file, columns) => `read_csv('${file}', columns = {${columns}}, header = false, auto_detect = false, quote = '', escape = '')`;
const db = await DuckDBInstance.create(':memory:', { threads });
const sql = await db.connect();
const started = process.hrtime.bigint();
const reader = await sql.runAndReadAll(
  `SELECT concat_ws(',', c.nation, c.segment, sum(o.amount), count(*))
   FROM ${csv(orders, `'id': 'BIGINT', 'customer': 'BIGINT', 'amount': 'BIGINT'`)} o
   JOIN ${csv(customers, `'id': 'BIGINT', 'nation': 'VARCHAR', 'segment': 'VARCHAR'`)} c ON o.customer = c.id
   GROUP BY c.nation, c.segment`,
);
const lines = reader.getRows().map((row) => `${String(row[0])}\n`);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
fs.writeFileSync(output, lines.join(''));
sql.closeSync();
console.log(`Job Runtime: ${Math.round(ms)} ms`);
