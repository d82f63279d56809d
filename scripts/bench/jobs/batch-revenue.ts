/**
 * The batch benchmark's join + group-by (the same work as the peers' BatchRevenue and the DuckDB
 * query): `--orders` lines `orderId,customerId,amount`, `--customers` lines
 * `customerId,nation,segment`; the orders joined with their customer (inner join, repartition
 * hash on the customers, which continues as sort-merge when they outgrow managed memory), then
 * per nation and segment the revenue and the number of orders, written as
 * `nation,segment,revenue,orders` lines.
 *
 *   spindle run -p 2 -Dexecution.runtime-mode=BATCH scripts/bench/jobs/batch-revenue.ts \
 *       --orders orders.csv --customers customers.csv --output out/
 */
import { EndOfStreamWindows, FileSystem, JoinHint, ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

type Order = [customer: number, amount: number];
type Customer = [id: number, group: string];
type Revenue = [group: string, amount: number, orders: number];

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const orders = env
    .readTextFile(params.getRequired('orders'))
    .map((line): Order => {
      const first = line.indexOf(',');
      const second = line.indexOf(',', first + 1);
      return [Number(line.slice(first + 1, second)), Number(line.slice(second + 1))];
    })
    .name('Parse Orders');
  const customers = env
    .readTextFile(params.getRequired('customers'))
    .map((line): Customer => {
      const comma = line.indexOf(',');
      return [Number(line.slice(0, comma)), line.slice(comma + 1)];
    })
    .name('Parse Customers');
  orders
    .join(customers, JoinHint.REPARTITION_HASH_SECOND)
    .where(0)
    .equalTo(0)
    .window(EndOfStreamWindows.get())
    .apply((o, c): Revenue => [c[1], o[1], 1])
    .name('Join')
    .keyBy(0)
    .reduce((a, b) => [a[0], a[1] + b[1], a[2] + b[2]])
    .name('Revenue')
    .map(([group, amount, count]) => `${group},${amount},${count}`)
    .writeAsText(params.getRequired('output'), FileSystem.WriteMode.OVERWRITE);
  await env.execute('Batch revenue');
}
