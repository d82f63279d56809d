import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { describeRun, expectJobsFinished, readPartFiles, removeDir, runCli, tempDir } from './cli-harness.js';
import { expectNoProcessesOf, freePort, killProcessesOf, restGet, until } from './process-harness.js';

const MiB = 1024 * 1024;

/**
 * A job whose source embeds `size` bytes of text that does not compress into anything small:
 * its bundle is larger than that, and every subtask reads the constant.
 */
function writeLargeJob(file: string, size: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let state = 12345;
  const chars = new Array<string>(size);
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    chars[i] = alphabet[state % alphabet.length]!;
  }
  const payload = chars.join('');
  let checksum = 0;
  for (let i = 0; i < payload.length; i++) checksum = (checksum * 31 + payload.charCodeAt(i)) >>> 0;
  fs.writeFileSync(
    file,
    `import { ParameterTool, StreamExecutionEnvironment } from '@spindle/datastream';
const PAYLOAD = '${payload}';
function checksum(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}
export async function main(args: string[]): Promise<void> {
  const params = ParameterTool.fromArgs(args);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env
    .fromSequence(1, 4)
    .map((i) => \`\${i} \${PAYLOAD.length} \${checksum(PAYLOAD)}\`)
    .writeAsText(params.getRequired('output'));
  await env.execute('Large bundle');
}
`,
  );
  return `${size} ${checksum}`;
}

describe('a job bundle of 20 MiB on a standalone cluster (JobManager and TaskManager processes)', function () {
  this.timeout(240_000);
  let dir: string;
  let tmp: string;
  let dynamic: string[];

  before(async () => {
    dir = tempDir('large');
    tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    const restPort = await freePort();
    dynamic = [
      `-Drest.port=${restPort}`,
      '-Drest.address=127.0.0.1',
      `-Djobmanager.rpc.port=${await freePort()}`,
      '-Dstandalone.number-of-taskmanagers=1',
      '-Dtaskmanager.numberOfTaskSlots=2',
      `-Denv.log.dir=${path.join(dir, 'log')}`,
    ];
    const start = await runCli(['cluster', 'start', ...dynamic], 60_000, { TMPDIR: tmp });
    expect(start.code, describeRun(['cluster', 'start'], start)).to.equal(0);
    await until(
      'a registered TaskManager',
      async () => ((await restGet<{ taskmanagers: number }>(`127.0.0.1:${restPort}`, '/overview')).taskmanagers === 1 ? true : undefined),
      30_000,
    );
  });

  after(async () => {
    if (dir === undefined) return;
    const stop = await runCli(['cluster', 'stop', ...dynamic], 60_000, { TMPDIR: tmp });
    killProcessesOf(dir);
    expect(stop.code, describeRun(['cluster', 'stop'], stop)).to.equal(0);
    await expectNoProcessesOf(dir);
    expect(fs.readdirSync(tmp), 'directories the cluster processes left in their TMPDIR').to.deep.equal([]);
    removeDir(dir);
  });

  it('reaches the TaskManager and runs, with the right output', async () => {
    const job = path.join(dir, 'large-job.ts');
    const expected = writeLargeJob(job, 20 * MiB);
    const out = path.join(dir, 'out');
    const rest = dynamic[0]!.replace('-Drest.port=', '127.0.0.1:');
    const args = ['run', '--no-typecheck', '-m', rest, '-p', '2', job, '--output', out];
    expectJobsFinished(args, await runCli(args, 180_000, { TMPDIR: tmp }));
    const lines = readPartFiles(out).lines.sort();
    expect(lines).to.deep.equal([1, 2, 3, 4].map((i) => `${i} ${expected}`));
  });
});
