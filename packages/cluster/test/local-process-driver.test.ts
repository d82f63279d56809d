import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Configuration } from '@spindle/core';
import type { WorkerTermination } from '@spindle/runtime';
import { LocalProcessDriver } from '../src/local-process-driver.js';

/** A stand-in TaskManager: writes its arguments to its log, then exits with code 3. */
const FAKE_TASK_MANAGER = [process.execPath, '-e', 'console.log(JSON.stringify({ argv: process.argv.slice(1) })); process.exit(3)', '--'];

async function until<T>(probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('LocalProcessDriver', function () {
  this.timeout(30_000);
  let dir: string;

  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spindle-driver-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts a process of the requested size and reports its exit status with the end of its log', async () => {
    const driver = new LocalProcessDriver(new Configuration({ 'env.log.dir': dir }), FAKE_TASK_MANAGER);
    const ended: Array<{ id: string; termination: WorkerTermination }> = [];
    expect(await driver.start({ onWorkerTerminated: (id, termination) => ended.push({ id, termination }) })).to.deep.equal([]);
    const id = await driver.requestWorker({ memoryMb: 512, vcores: 2 });
    const [end] = await until(() => (ended.length > 0 ? ended : undefined));
    expect(end!.id).to.equal(id);
    expect(end!.termination.exitCode).to.equal(3);
    const started = JSON.parse(fs.readFileSync(path.join(dir, `spindle-taskmanager-${id}.log`), 'utf8')) as { argv: string[] };
    expect(started.argv).to.include.members([
      `-Dtaskmanager.resource-id=${id}`,
      '-Dtaskmanager.memory.process.size=512m',
      '-Dtaskmanager.cpu.cores=2',
    ]);
    expect(end!.termination.diagnostics).to.include('-Dtaskmanager.memory.process.size=512m');
    await driver.deregisterApplication('SUCCEEDED', 'done');
    expect(driver.finalStatus).to.deep.equal({ status: 'SUCCEEDED', diagnostics: 'done' });
    await driver.close();
  });
});
