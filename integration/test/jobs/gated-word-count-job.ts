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

export interface GatedWordCountOptions {
  n: number;
  words: number;
  gate: string;
  output: string;
  /** The count throws on its first call (after the gate): the job fails after its producer stage finished. */
  fail?: boolean;
}

/** The job's pipeline on `env` (parallelism and runtime mode as `env` has them). */
export function buildGatedWordCount(env: StreamExecutionEnvironment, o: GatedWordCountOptions): void {
  let opened = false;
  env
    .fromSequence(1, o.n)
    .map((x): [string, number] => [`w${x % o.words}`, 1])
    .name('Words')
    .keyBy((p) => p[0])
    .reduce((a, b): [string, number] => {
      if (!opened) {
        waitForFile(o.gate);
        opened = true;
        if (o.fail === true) throw new Error('the count fails on purpose');
      }
      return [a[0], a[1] + b[1]];
    })
    .name('Count')
    .map((p) => `${p[0]} ${p[1]}`)
    .writeAsText(o.output)
    .name('Counts');
}

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(params.getInt('parallelism', 2));
  env.setRuntimeMode('BATCH');
  buildGatedWordCount(env, {
    n: params.getInt('n', 100_000),
    words: params.getInt('words', 97),
    gate: params.getRequired('gate'),
    output: params.getRequired('output'),
  });
  await env.execute(params.get('name', 'Gated word count'));
}
