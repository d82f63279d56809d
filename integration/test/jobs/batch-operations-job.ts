import { EndOfStreamWindows, FileSystem, JoinHint, Order, ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

/**
 * The batch operations' end-to-end job, over `--orders` (lines `key,amount`) and `--customers`
 * (lines `key,name`), writing one output directory per operation under `--output`:
 * - sort: the order lines sorted (fullWindowPartition().sortPartition, parallelism 1);
 * - totals: `key count sum` per order key (keyBy().sum());
 * - join-sm / join-hash / join-broadcast: `key,amount,name` of the inner join (three hints);
 * - left: the left outer join, `key,amount` alone where no customer matches (GNU join -a 1);
 * - full: the full outer join, as GNU join -a 1 -a 2 prints it;
 * - cogroup: `key orders customers` (counts per key of both inputs);
 * - distinct: the distinct order keys;
 * - first: 100 order lines (first(100));
 * - largest: the largest amount per key (keyBy().fullWindowPartition().reduce);
 * - partitions: records per subtask (fullWindowPartition().mapPartition) and, with aggregate, their sum of amounts.
 */
export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const out = (name: string) => `${params.getRequired('output')}/${name}`;
  const overwrite = FileSystem.WriteMode.OVERWRITE;
  const orders = env
    .readTextFile(params.getRequired('orders'))
    .map((line) => line.split(',') as [string, string])
    .name('Parse Orders');
  const customers = env
    .readTextFile(params.getRequired('customers'))
    .map((line) => line.split(',') as [string, string])
    .name('Parse Customers');

  env
    .readTextFile(params.getRequired('orders'))
    .fullWindowPartition()
    .sortPartition((line) => line, Order.ASCENDING)
    .name('Sort')
    .setParallelism(1)
    .writeAsText(out('sort'), overwrite)
    .setParallelism(1);

  orders
    .map(([key, amount]) => [key, 1, Number(amount)] as [string, number, number])
    .keyBy(0)
    .reduce((a, b) => [a[0], a[1] + b[1], a[2] + b[2]])
    .name('Totals')
    .map(([key, count, sum]) => `${key} ${count} ${sum}`)
    .writeAsText(out('totals'), overwrite);

  const joins = [
    ['join-sm', JoinHint.REPARTITION_SORT_MERGE],
    ['join-hash', JoinHint.REPARTITION_HASH_SECOND],
    ['join-broadcast', JoinHint.BROADCAST_HASH_SECOND],
  ] as const;
  for (const [name, hint] of joins) {
    orders
      .join(customers, hint)
      .where(0)
      .equalTo(0)
      .window(EndOfStreamWindows.get())
      .apply((o, c) => `${o[0]},${o[1]},${c[1]}`)
      .name(name)
      .writeAsText(out(name), overwrite);
  }
  orders
    .leftOuterJoin(customers, JoinHint.REPARTITION_SORT_MERGE)
    .where(0)
    .equalTo(0)
    .with((o, c) => (c === null ? `${o[0]},${o[1]}` : `${o[0]},${o[1]},${c[1]}`))
    .name('left')
    .writeAsText(out('left'), overwrite);
  orders
    .fullOuterJoin(customers)
    .where(0)
    .equalTo(0)
    .with((o, c) => (o === null ? `${c[0]},${c[1]}` : c === null ? `${o[0]},${o[1]}` : `${o[0]},${o[1]},${c[1]}`))
    .name('full')
    .writeAsText(out('full'), overwrite);

  orders
    .coGroup(customers)
    .where(0)
    .equalTo(0)
    .window(EndOfStreamWindows.get())
    .apply<string>((os, cs, collector) => {
      let key = '';
      let n = 0;
      let m = 0;
      for (const o of os) {
        key = o[0];
        n++;
      }
      for (const c of cs) {
        key = c[0];
        m++;
      }
      collector.collect(`${key} ${n} ${m}`);
    })
    .name('cogroup')
    .writeAsText(out('cogroup'), overwrite);

  orders
    .map(([key]) => key)
    .distinct()
    .name('distinct')
    .writeAsText(out('distinct'), overwrite);
  orders
    .first(100)
    .map((o) => o.join(','))
    .writeAsText(out('first'), overwrite);
  orders
    .map(([key, amount]) => [key, Number(amount)] as [string, number])
    .keyBy(0)
    .fullWindowPartition()
    .reduce((a, b) => (b[1] > a[1] ? b : a))
    .name('largest')
    .map(([key, amount]) => `${key} ${amount}`)
    .writeAsText(out('largest'), overwrite);
  const partitions = orders.fullWindowPartition();
  partitions
    .mapPartition<number>((records, collector) => {
      let n = 0;
      for (const r of records) if (r.length === 2) n++;
      collector.collect(n);
    })
    .name('mapPartition')
    .writeAsText(out('partition-counts'), overwrite);
  partitions
    .aggregate({
      createAccumulator: () => 0,
      add: (r: [string, string], acc: number) => acc + Number(r[1]),
      getResult: (acc: number) => acc,
    })
    .name('aggregate')
    .writeAsText(out('partition-sums'), overwrite);

  await env.execute('Batch operations');
}
