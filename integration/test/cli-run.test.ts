import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { describeRun, expectCleanFailure, expectJobsFinished, readPartFiles, removeDir, runCli, tempDir } from './cli-harness.js';

const ARGS_JOB = 'integration/fixtures/cli-args.ts';
const WORD_COUNT = 'examples/word-count.ts';

interface PlanNode {
  id: number;
  type: string;
  pact: string;
  operator: string;
  contents: string;
  parallelism: number;
  predecessors: Array<{ id: number; ship_strategy: string; side: string }>;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Parses `spindle info` output and checks every node has Flink's plan fields. */
function parsePlan(args: string[], stdout: string): PlanNode[] {
  let plan: { nodes?: PlanNode[] };
  try {
    plan = JSON.parse(stdout) as { nodes?: PlanNode[] };
  } catch (e) {
    throw new Error(`spindle ${args.join(' ')} did not print JSON (${String(e)}):\n${stdout}`, { cause: e });
  }
  expect(plan.nodes, 'plan.nodes').to.be.an('array').with.lengthOf.above(0);
  const ids = new Set(plan.nodes!.map((n) => n.id));
  expect(ids.size, 'node ids are unique').to.equal(plan.nodes!.length);
  for (const node of plan.nodes!) {
    expect(node).to.include.all.keys('id', 'type', 'pact', 'operator', 'contents', 'parallelism', 'predecessors');
    expect(node.id).to.be.a('number');
    for (const field of ['type', 'pact', 'operator', 'contents'] as const)
      expect(node[field], `${field} of node ${node.id}`).to.be.a('string').with.lengthOf.above(0);
    expect(Number.isInteger(node.parallelism) && node.parallelism >= 1, `parallelism of node ${node.id}`).to.equal(true);
    for (const p of node.predecessors) {
      expect(p).to.include.all.keys('id', 'ship_strategy', 'side');
      expect(ids.has(p.id), `predecessor ${p.id} of node ${node.id} is a node`).to.equal(true);
    }
  }
  return plan.nodes!;
}

/** The top speeds the example must print, worked out here: Flink's maxBy keeps the first of equal maxima. */
function expectedTopSpeeds(events: number, cars: number): string[] {
  const best = new Map<number, { carId: number; speed: number; distance: number }>();
  const lines: string[] = [];
  for (let i = 0; i < events; i++) {
    const event = { carId: i % cars, speed: 50 + ((i * 37) % 70), distance: i * 10 };
    const previous = best.get(event.carId);
    const top = previous === undefined || event.speed > previous.speed ? event : previous;
    best.set(event.carId, top);
    if (top.speed >= 115) lines.push(`car ${top.carId} reached ${top.speed} km/h at ${top.distance} m`);
  }
  return lines;
}

describe('spindle run and info', function () {
  this.timeout(60_000);
  let work: string;

  beforeEach(() => {
    work = tempDir('run');
  });
  afterEach(() => removeDir(work));

  it('passes the job arguments to main(args), in the client and in every slot', async () => {
    const out = path.join(work, 'echo');
    const jobArgs = ['--out', out, '--greeting', 'hello world', '-n', '3', 'plain', 'ünïcödé', ''];
    const args = ['run', '--no-typecheck', ARGS_JOB, ...jobArgs];
    const r = await runCli(args);
    expectJobsFinished(args, r);
    expect(readJson<{ args: string[] }>(path.join(out, 'main-client.json')).args).to.deep.equal(jobArgs);
    expect(readJson<{ args: string[] }>(path.join(out, 'main-worker.json')).args).to.deep.equal(jobArgs);
    expect(readPartFiles(path.join(out, 'records')).lines).to.deep.equal([JSON.stringify(jobArgs)]);
  });

  it('takes engine options after the job file up to the first job argument, or up to --', async () => {
    const out = path.join(work, 'after');
    const args = ['run', ARGS_JOB, '--no-typecheck', '-p', '2', '-Dexecution.runtime-mode=BATCH', '--out', out, '--input', 'x', '-p', '7'];
    const r = await runCli(args);
    expectJobsFinished(args, r);
    const seen = readJson<{ args: string[]; parallelism: number }>(path.join(out, 'main-client.json'));
    expect(seen).to.deep.equal({ args: ['--out', out, '--input', 'x', '-p', '7'], parallelism: 2 });
    const sequence = readPartFiles(path.join(out, 'sequence'));
    expect(sequence.files).to.deep.equal(['part-0-0', 'part-1-0']);
    expect(sequence.lines.map(Number).sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);

    const out2 = path.join(work, 'dashdash');
    const args2 = ['run', '--no-typecheck', ARGS_JOB, '-p', '2', '--', '-p', '5', '--out', out2];
    const r2 = await runCli(args2);
    expectJobsFinished(args2, r2);
    expect(readJson<{ args: string[]; parallelism: number }>(path.join(out2, 'main-client.json'))).to.deep.equal({
      args: ['-p', '5', '--out', out2],
      parallelism: 2,
    });
  });

  it('applies -p to every operator but the collection source (spindle info, before or after the job file)', async () => {
    for (const args of [
      ['info', '--no-typecheck', '-p', '3', WORD_COUNT],
      ['info', '--no-typecheck', WORD_COUNT, '-p', '3'],
    ]) {
      const r = await runCli(args);
      expect(r.code, describeRun(args, r)).to.equal(0);
      const nodes = parsePlan(args, r.stdout);
      expect(nodes.length).to.be.greaterThan(2);
      for (const node of nodes) {
        const expected = node.type.includes('Collection Source') ? 1 : 3;
        expect(node.parallelism, `${describeRun(args, r)}\nparallelism of ${node.type}`).to.equal(expected);
      }
      expect(nodes.filter((n) => n.type.includes('Collection Source'))).to.have.length(1);
    }
  });

  it('prints the plan as Flink JSON with a HASH edge for keyBy, without running the job', async () => {
    const input = path.join(work, 'words.txt');
    fs.writeFileSync(input, 'a b a\n');
    const args = ['info', WORD_COUNT, '--input', input, '--output', path.join(work, 'never-written')];
    const r = await runCli(args);
    expect(r.code, describeRun(args, r)).to.equal(0);
    expect(r.stdout).to.not.include('Job has been submitted');
    expect(fs.existsSync(path.join(work, 'never-written'))).to.equal(false);
    const nodes = parsePlan(args, r.stdout);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const sources = nodes.filter((n) => n.predecessors.length === 0);
    expect(sources.map((n) => n.pact)).to.deep.equal(['Data Source']);
    expect(sources[0]!.contents).to.include(input);
    expect(nodes.filter((n) => n.pact === 'Data Sink')).to.have.length(1);
    const counter = nodes.find((n) => n.contents.includes('Counter'));
    expect(counter, 'the keyed Counter node').to.not.equal(undefined);
    expect(counter!.predecessors).to.have.length(1);
    expect(counter!.predecessors[0]!.ship_strategy).to.equal('HASH');
    expect(byId.get(counter!.predecessors[0]!.id)!.contents).to.include('Tokenizer');
  });

  it('runs a job written as top-level code without a main function', async () => {
    const args = ['run', '--no-typecheck', 'integration/fixtures/cli-top-level-print.ts'];
    const r = await runCli(args);
    expectJobsFinished(args, r);
    const printed = r.stdout.split('\n').filter((line) => line.startsWith('square '));
    expect(printed, describeRun(args, r)).to.deep.equal(['square 1', 'square 4', 'square 9', 'square 16', 'square 25']);
  });

  it('gives a top-level job its arguments in process.argv.slice(2)', async () => {
    const out = path.join(work, 'squares');
    const args = ['run', '--no-typecheck', 'integration/fixtures/cli-top-level.ts', '--out', out, '--n', '6'];
    const r = await runCli(args);
    expectJobsFinished(args, r);
    const { lines } = readPartFiles(out);
    expect(lines.sort()).to.deep.equal([1, 4, 9, 16, 25, 36].map((n) => `square ${n}`).sort());
  });

  it('runs the top-speeds example and prints the expected top speeds', async () => {
    const args = ['run', '--no-typecheck', 'examples/top-speeds.ts', '--events', '200', '--rate', '2000'];
    const r = await runCli(args);
    expectJobsFinished(args, r);
    const printed = r.stdout.split('\n').filter((line) => line.startsWith('car '));
    const expected = expectedTopSpeeds(200, 4);
    expect(printed.length, describeRun(args, r)).to.equal(expected.length);
    for (let car = 0; car < 4; car++) {
      const ofCar = (lines: string[]) => lines.filter((l) => l.startsWith(`car ${car} `));
      expect(ofCar(printed), `top speeds of car ${car}, in order`).to.deep.equal(ofCar(expected));
    }
  });

  it('fails a job whose main builds a different graph in the slots than in the client', async () => {
    const args = ['run', '--no-typecheck', 'integration/fixtures/cli-nondeterministic.ts'];
    const r = await runCli(args);
    expectCleanFailure(args, r, 'different dataflow graph', 'OnlyInWorkers');
    expect(r.stdout).to.not.include('has finished');
  });
});
