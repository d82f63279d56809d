import { FileSystem, ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

/**
 * Reads `--input` (lines `id,name,amount`) with readCsvFile, 3 fields per line and an integer
 * amount, and writes `id,name,amount` lines to `--output`; with `--skip true` malformed lines are
 * skipped and counted (`Source: Orders.malformedLines`).
 */
export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env
    .readCsvFile(params.getRequired('input'), {
      fields: 3,
      ignoreFirstLine: true,
      skipMalformedLines: params.get('skip') === 'true',
      parse: ([id, name, amount]) => {
        if (!/^\d+$/.test(amount!)) throw new Error(`amount '${amount}' is not an integer`);
        return [Number(id), name!, Number(amount)] as const;
      },
    })
    .name('Orders')
    .map((r) => r.join(','))
    .writeAsText(params.getRequired('output'), FileSystem.WriteMode.OVERWRITE);
  await env.execute('CSV input');
}
