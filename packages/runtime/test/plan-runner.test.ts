import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SpindleError } from '@spindle/core';
import { PlanRunner } from '../src/program/plan-runner.js';

/** The error a promise rejects with, or a failure when it resolves. */
async function rejection(p: Promise<unknown>): Promise<SpindleError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(SpindleError);
    return e as SpindleError;
  }
  throw new Error('expected a rejection');
}

describe('PlanRunner (plan-mode runs in worker threads)', function () {
  this.timeout(60_000);
  let dir: string;
  let runner: PlanRunner | undefined;
  const argvBefore = [...process.argv];

  const bundle = (name: string, code: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, code);
    return file;
  };

  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-plan-'))));
  afterEach(async () => {
    await runner?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers a program without a job, a failing main and a bad entry point with user-facing errors', async () => {
    runner = new PlanRunner({ maxConcurrent: 2, maxQueued: 10, timeoutMs: 20_000 });
    const noJob = bundle('no-job.mjs', 'export function main() {}');
    const throwing = bundle('throwing.mjs', "export function main(args) { throw new TypeError('bad ' + args[0]); }");
    const errors = await Promise.all([
      rejection(runner.plan(noJob, { args: [], config: {} })),
      rejection(runner.plan(throwing, { args: ['input'], config: {} })),
      rejection(runner.plan(noJob, { args: [], config: {}, entryPoint: 'com.example.Main' })),
    ]);
    expect(errors.map((e) => e.code)).to.deep.equal(['NO_JOB', 'PROGRAM_FAILED', 'BAD_ENTRY_POINT']);
    expect(errors.every((e) => e.userFacing)).to.equal(true);
    expect(errors[1].message).to.include('TypeError: bad input');
    expect(process.argv).to.deep.equal(argvBefore);
  });

  it('stops a run after the timeout, and refuses runs beyond the queue at once', async () => {
    runner = new PlanRunner({ maxConcurrent: 1, maxQueued: 1, timeoutMs: 1_000 });
    const hanging = bundle('hanging.mjs', 'await new Promise(() => {});');
    const first = rejection(runner.plan(hanging, { args: [], config: {} }));
    const second = rejection(runner.plan(hanging, { args: [], config: {} }));
    const third = await rejection(runner.plan(hanging, { args: [], config: {} }));
    expect(third.code).to.equal('PLAN_RUNS_EXHAUSTED');
    expect(third.message).to.include('rest.jar-run.max-queued');
    expect((await first).code).to.equal('PLAN_TIMEOUT');
    expect((await second).code).to.equal('PLAN_TIMEOUT');
    expect((await second).message).to.include('rest.jar-run.timeout');
  });

  it('refuses runs once closed', async () => {
    runner = new PlanRunner({ maxConcurrent: 1, maxQueued: 1, timeoutMs: 1_000 });
    await runner.close();
    expect((await rejection(runner.plan(bundle('x.mjs', ''), { args: [], config: {} }))).code).to.equal('PLAN_RUNS_EXHAUSTED');
  });
});
