/**
 * WordCount: counts whitespace-separated words of a text file (or of a built-in text).
 *
 *   npx spindle run examples/word-count.ts --input README.md --output /tmp/counts
 *   npx spindle run examples/word-count.ts -p 2 -Dexecution.runtime-mode=BATCH --input big.txt --output out/
 *
 * An output directory that already holds part files is an error; `--overwrite` replaces them.
 *
 * Output lines are `word count`. In STREAMING mode every update of a count is written; in BATCH
 * mode only the final count of each word.
 */
import { FileSystem, ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';

const SAMPLE = [
  'To be, or not to be, that is the question:',
  "Whether 'tis nobler in the mind to suffer",
  'The slings and arrows of outrageous fortune,',
  'Or to take arms against a sea of troubles',
  'And by opposing end them.',
];

export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();

  const input = params.get('input');
  const text = input !== undefined ? env.readTextFile(input) : env.fromElements(...SAMPLE);

  const counts = text
    .flatMap<[string, number]>((line, out) => {
      for (const word of line.split(/[ \t\n\v\f\r]+/)) {
        if (word.length > 0) out.collect([word, 1]);
      }
    })
    .name('Tokenizer')
    .keyBy((pair) => pair[0])
    .sum(1)
    .name('Counter')
    .map(([word, count]) => `${word} ${count}`)
    .name('Format');

  const output = params.get('output');
  const mode = params.has('overwrite') ? FileSystem.WriteMode.OVERWRITE : FileSystem.WriteMode.NO_OVERWRITE;
  if (output !== undefined) counts.writeAsText(output, mode).name('Word Counts');
  else counts.print();

  await env.execute('WordCount');
}
