import { ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

/**
 * Three stages joined by keyBy shuffles, for the batch scheduling tests: numbers 1..n → [x mod 101, x]
 * (stage 1, with the source) → keyBy → sum per key (stage 2) → [key mod 7, sum] → keyBy → sum per
 * key (stage 3) → text lines `<key> <sum>`. Stage 2 spins `spin-ms` once per slot, which
 * gives a test a window in which stage 1 has finished and stage 2 still reads its partitions.
 */
export const FIRST_MOD = 101;
export const SECOND_MOD = 7;

/** The expected lines, by plain arithmetic. */
export function expectedStageLines(n: number): string[] {
  const sums = new Map<number, number>();
  for (let x = 1; x <= n; x++) {
    const key = (x % FIRST_MOD) % SECOND_MOD;
    sums.set(key, (sums.get(key) ?? 0) + x);
  }
  return [...sums].map(([k, s]) => `${k} ${s}`).sort();
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const parallelism = params.getInt('parallelism', 4);
  const spinMs = params.getInt('spin-ms', 0);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  env.setRuntimeMode(params.get('mode', 'BATCH') === 'STREAMING' ? 'STREAMING' : 'BATCH');
  let spun = false;
  env
    .fromSequence(1, params.getInt('n', 100_000))
    .map((x): [number, number] => [x % FIRST_MOD, x])
    .name('Stage 1')
    .keyBy((p) => p[0])
    .reduce((a, b): [number, number] => {
      if (!spun && spinMs > 0) {
        spun = true;
        for (const until = Date.now() + spinMs; Date.now() < until;);
      }
      return [a[0], a[1] + b[1]];
    })
    .name('Stage 2')
    .map((p): [number, number] => [p[0] % SECOND_MOD, p[1]])
    .keyBy((p) => p[0])
    .reduce((a, b): [number, number] => [a[0], a[1] + b[1]])
    .name('Stage 3')
    .map((p) => `${p[0]} ${p[1]}`)
    .writeAsText(params.getRequired('output'))
    .name('Sums');
  await env.execute(params.get('name', 'Batch stages'));
}
