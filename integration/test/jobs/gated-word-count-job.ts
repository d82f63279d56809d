import fs from 'node:fs';
import { ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

/**
 * A BATCH word count of two stages joined by a keyBy shuffle, for the blocking-storage failover
 * tests: numbers 1..n become words `w<x mod words>` (stage "Words", with the source), then a count
 * per word (stage "Count"), written as lines `<word> <count>`. The count's first reduce call waits
 * until the file `--gate` exists (at most 120 s), so a test can act while the producer stage has
 * finished and the consumer stage runs, and decide when it goes on.
 */
export function expectedWordCounts(n: number, words: number): string[] {
  const counts = new Map<string, number>();
  for (let x = 1; x <= n; x++) counts.set(`w${x % words}`, (counts.get(`w${x % words}`) ?? 0) + 1);
  return [...counts].map(([w, c]) => `${w} ${c}`).sort();
}

function waitForFile(file: string): void {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 120_000;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`the gate file ${file} did not appear within 120 s`);
    Atomics.wait(sleeper, 0, 0, 20);
  }
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const words = params.getInt('words', 97);
  const gate = params.getRequired('gate');
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(params.getInt('parallelism', 2));
  env.setRuntimeMode('BATCH');
  let opened = false;
  env
    .fromSequence(1, params.getInt('n', 100_000))
    .map((x): [string, number] => [`w${x % words}`, 1])
    .name('Words')
    .keyBy((p) => p[0])
    .reduce((a, b): [string, number] => {
      if (!opened) {
        waitForFile(gate);
        opened = true;
      }
      return [a[0], a[1] + b[1]];
    })
    .name('Count')
    .map((p) => `${p[0]} ${p[1]}`)
    .writeAsText(params.getRequired('output'))
    .name('Counts');
  await env.execute(params.get('name', 'Gated word count'));
}
