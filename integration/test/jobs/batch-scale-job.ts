import { EndOfStreamWindows, FileSystem, JoinHint, ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

type Order = [customer: number, amount: number];
type Customer = [id: number, group: string];

/**
 * The scale test's job over `--orders` (lines `orderId,customerId,amount,comment`) and
 * `--customers` (lines `customerId,nation,segment`), writing under `--output`:
 * - totals: `customerId,orders,amount` per customer (keyed reduce in BATCH, spills when the
 *   customers outgrow its memory);
 * - revenue: `nation,segment,amount,orders` of the orders joined with their customer (a
 *   repartition hash join that turns sort-merge when the customers outgrow memory), grouped by
 *   nation and segment.
 */
export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const out = (name: string) => `${params.getRequired('output')}/${name}`;
  const overwrite = FileSystem.WriteMode.OVERWRITE;
  const orders = env
    .readTextFile(params.getRequired('orders'))
    .map((line): Order => {
      const f = line.split(',');
      return [Number(f[1]), Number(f[2])];
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
    .map(([customer, amount]): [number, number, number] => [customer, 1, amount])
    .keyBy(0)
    .reduce((a, b) => [a[0], a[1] + b[1], a[2] + b[2]])
    .name('Totals')
    .map(([customer, count, amount]) => `${customer},${count},${amount}`)
    .writeAsText(out('totals'), overwrite);

  orders
    .join(customers, JoinHint.REPARTITION_HASH_SECOND)
    .where(0)
    .equalTo(0)
    .window(EndOfStreamWindows.get())
    .apply((o, c): [string, number, number] => [c[1], o[1], 1])
    .name('Join')
    .keyBy(0)
    .reduce((a, b) => [a[0], a[1] + b[1], a[2] + b[2]])
    .name('Revenue')
    .map(([group, amount, count]) => `${group},${amount},${count}`)
    .writeAsText(out('revenue'), overwrite);

  await env.execute('Batch at scale');
}
