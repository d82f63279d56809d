import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Configuration, ConfigurationError } from '@spindle/core';
import { cgroupMemoryLimit, deriveTaskManagerMemory } from '../src/taskmanager-memory.js';

const MB = 1024 * 1024;

describe('TaskManager memory sizing', () => {
  it("splits Flink's default process size as Flink does, without metaspace and network memory", () => {
    const m = deriveTaskManagerMemory(new Configuration({ 'taskmanager.numberOfTaskSlots': '2' }));
    expect(m.processSize).to.equal(1728 * MB);
    expect(m.jvmOverhead).to.equal(192 * MB);
    expect(m.managed).to.equal(0.4 * 1536 * MB);
    expect(m.frameworkHeap).to.equal(128 * MB);
    expect(m.taskHeap).to.equal(1536 * MB - 0.4 * 1536 * MB - 128 * MB);
    const perSlot = Math.floor(m.taskHeap / 2 / MB);
    expect(m.slotLimits).to.deep.equal({ maxOldGenerationSizeMb: perSlot - 49, maxYoungGenerationSizeMb: 49 });
  });

  it('takes explicit sizes, and a cgroup limit only as a cap', () => {
    const config = new Configuration({
      'taskmanager.memory.process.size': '2g',
      'taskmanager.memory.managed.size': '256m',
      'taskmanager.memory.task.heap.size': '1g',
    });
    const m = deriveTaskManagerMemory(config);
    expect(m).to.include({ processSize: 2048 * MB, managed: 256 * MB, taskHeap: 1024 * MB });
    expect(deriveTaskManagerMemory(config, 4096 * MB).processSize).to.equal(2048 * MB);
    const capped = deriveTaskManagerMemory(new Configuration({ 'taskmanager.memory.managed.fraction': '0' }), 1024 * MB);
    expect(capped).to.include({ processSize: 1024 * MB, cgroupLimit: 1024 * MB, taskHeap: (1024 - 192 - 128) * MB });
  });

  it('reports every problem of a process size too small for its parts', () => {
    const config = new Configuration({ 'taskmanager.memory.process.size': '300m', 'taskmanager.memory.task.heap.size': '200m' });
    expect(() => deriveTaskManagerMemory(config))
      .to.throw(ConfigurationError)
      .with.property('problems')
      .that.has.length(1)
      .and.satisfies((p: string[]) => p[0]!.includes('do not fit') && p[0]!.includes('process 300 MiB'));
    const slots = new Configuration({ 'taskmanager.memory.process.size': '512m', 'taskmanager.numberOfTaskSlots': '4' });
    expect(() => deriveTaskManagerMemory(slots)).to.throw(/leaves less than 32 MiB to each of 4 slots/);
  });

  it('reads cgroup v2 and v1 limits, under the own cgroup first, and no limit as none', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cgroup-'));
    const self = path.join(root, 'self');
    try {
      fs.writeFileSync(self, '0::/job/tm\n');
      fs.mkdirSync(path.join(root, 'job', 'tm'), { recursive: true });
      fs.writeFileSync(path.join(root, 'job', 'tm', 'memory.max'), '536870912\n');
      fs.writeFileSync(path.join(root, 'memory.max'), 'max\n');
      expect(cgroupMemoryLimit({ root, self })).to.equal(512 * MB);
      fs.writeFileSync(path.join(root, 'job', 'tm', 'memory.max'), 'max\n');
      expect(cgroupMemoryLimit({ root, self })).to.equal(undefined);
      fs.rmSync(path.join(root, 'job'), { recursive: true });
      fs.rmSync(path.join(root, 'memory.max'));
      fs.writeFileSync(self, '4:memory:/yarn/c1\n0::/\n');
      fs.mkdirSync(path.join(root, 'memory', 'yarn', 'c1'), { recursive: true });
      fs.writeFileSync(path.join(root, 'memory', 'yarn', 'c1', 'memory.limit_in_bytes'), String(768 * MB));
      expect(cgroupMemoryLimit({ root, self })).to.equal(768 * MB);
      fs.writeFileSync(path.join(root, 'memory', 'yarn', 'c1', 'memory.limit_in_bytes'), '9223372036854771712');
      expect(cgroupMemoryLimit({ root, self })).to.equal(undefined);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
