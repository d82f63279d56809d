import { expect } from 'chai';
import { configureLogging } from '@spindle/core';
import { repartitionOperatorState } from '@spindle/runtime';
import { OnCheckpointRollingPolicy, OutputFileConfig } from '../src/index.js';
import { SinkHarness } from './file-sink-harness.js';
import { committedLines, finishedFiles, hiddenFiles, line, lines, rowSink } from './file-sink-test-support.js';
import { MemoryFileSystem } from './memory-file-system.js';

configureLogging({ level: 'error' });

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('FileSink: two-phase commit, driven as the checkpoint coordinator drives it', () => {
  let fs: MemoryFileSystem;
  let base: string;
  beforeEach(() => {
    ({ fs, root: base } = MemoryFileSystem.create());
    base = `${base}/out`;
  });

  it('names part files <prefix>-<uid>-<subtask>-<counter><suffix>, hidden until the checkpoint that covers them completes', async () => {
    const config = OutputFileConfig.builder().withPartPrefix('prefix').withPartSuffix('.ext').build();
    const h = await SinkHarness.open(rowSink(base, OnCheckpointRollingPolicy.build(), config), { subtaskIndex: 3, parallelism: 4 });
    h.elements(['a', 'b']);
    await h.snapshot(1);
    expect(finishedFiles(fs).size).to.equal(0);
    const [pending] = [...hiddenFiles(fs)];
    expect(pending![0]).to.match(new RegExp(`^\\.prefix-${UUID}-3-0\\.ext\\.inprogress\\.${UUID}$`));
    expect(pending![1]).to.equal('a\nb\n');

    await h.complete(1);
    const [finished] = [...finishedFiles(fs)];
    expect(finished![0]).to.match(new RegExp(`^prefix-${UUID}-3-0\\.ext$`));
    expect(finished![1]).to.equal('a\nb\n');
    expect(hiddenFiles(fs).size).to.equal(0);

    h.element('c');
    await h.snapshot(2);
    await h.complete(2);
    const names = [...finishedFiles(fs).keys()];
    expect(names).to.have.length(2);
    expect(names.map((n) => n.replace(/-\d+\.ext$/, ''))).to.deep.equal([
      finished![0].replace(/-0\.ext$/, ''),
      finished![0].replace(/-0\.ext$/, ''),
    ]);
    expect(finishedFiles(fs).get(names.find((n) => n.endsWith('-1.ext'))!)).to.equal('c\n');
  });

  it('commits at a checkpoint only the files that were pending when it was taken', async () => {
    const h = await SinkHarness.open(rowSink(base));
    h.elements(lines(1, 3)); // part 0 = 1,2 (pending), part 1 = 3 (in progress)
    await h.snapshot(1);
    h.elements(lines(4, 5)); // part 1 rolls after 4: pending for checkpoint 2
    await h.complete(1);
    expect(committedLines(fs)).to.deep.equal(lines(1, 2));
    await h.snapshot(2);
    await h.complete(2);
    expect(committedLines(fs)).to.deep.equal(lines(1, 4));
    expect([...hiddenFiles(fs).values()]).to.deep.equal([line(5) + '\n']);
  });

  it('a later completed checkpoint commits the files of an earlier one whose notification was lost or which was aborted', async () => {
    const h = await SinkHarness.open(rowSink(base));
    h.elements(lines(1, 3));
    await h.snapshot(1);
    h.elements(lines(4, 5));
    await h.snapshot(2);
    await h.operator.notifyCheckpointAborted(2);
    h.elements(lines(6, 7));
    await h.snapshot(3);
    expect(finishedFiles(fs).size).to.equal(0);
    await h.complete(3);
    expect(committedLines(fs)).to.deep.equal(lines(1, 6));
  });

  it('crash after a snapshot, before its notification: the restore commits its pending files, resumes its in-progress file cut to the checkpointed length, and drops later data', async () => {
    const h1 = await SinkHarness.open(rowSink(base));
    h1.elements(lines(1, 5)); // parts 0 = 1,2 and 1 = 3,4 pending; part 2 = 5 in progress
    const checkpoint1 = await h1.snapshot(1);
    h1.elements(lines(6, 7)); // part 2 = 5,6 rolls; part 3 = 7
    await h1.snapshot(2); // part 2 reaches the file with line 6: more than checkpoint 1 recorded
    h1.element(line(8));
    fs.crash(); // checkpoint 2 never completes; h1 is gone
    const resumed = [...hiddenFiles(fs)].find(([, content]) => content.startsWith(line(5)))![0];
    expect(hiddenFiles(fs).get(resumed)).to.equal(`${line(5)}\n${line(6)}\n`);

    const h2 = await SinkHarness.open(rowSink(base), { restored: checkpoint1 });
    expect(committedLines(fs)).to.deep.equal(lines(1, 4));
    expect(hiddenFiles(fs).get(resumed), 'cut back to what checkpoint 1 recorded').to.equal(`${line(5)}\n`);
    h2.elements(lines(6, 9)); // the sources replay from checkpoint 1
    await h2.finish();
    await h2.snapshot(2);
    await h2.complete(2);
    expect(committedLines(fs)).to.deep.equal(lines(1, 9));
    // What the first attempt wrote after checkpoint 1 stays hidden, never committed.
    for (const content of hiddenFiles(fs).values()) expect(content).to.match(/line-0[678]/);
  });

  it('crash before any snapshot: a fresh start writes everything again and nothing of the first attempt becomes visible', async () => {
    const h1 = await SinkHarness.open(rowSink(base));
    h1.elements(lines(1, 5));
    await h1.snapshot(1); // taken, but the job fails before it completes: the restart starts from scratch
    fs.crash();

    const h2 = await SinkHarness.open(rowSink(base));
    h2.elements(lines(1, 5));
    await h2.finish();
    await h2.snapshot(1);
    await h2.complete(1);
    expect(committedLines(fs)).to.deep.equal(lines(1, 5));
  });

  it('crash after the notification: committing the restored pending files again is idempotent', async () => {
    const h1 = await SinkHarness.open(rowSink(base));
    h1.elements(lines(1, 5));
    const checkpoint1 = await h1.snapshot(1);
    await h1.complete(1);
    expect(committedLines(fs)).to.deep.equal(lines(1, 4));
    fs.crash();

    const h2 = await SinkHarness.open(rowSink(base), { restored: checkpoint1 });
    h2.element(line(6));
    await h2.finish();
    await h2.snapshot(2);
    await h2.complete(2);
    expect(committedLines(fs)).to.deep.equal(lines(1, 6));
  });

  it('restoring twice from the same checkpoint gives the same output', async () => {
    const h1 = await SinkHarness.open(rowSink(base));
    h1.elements(lines(1, 3));
    const checkpoint1 = await h1.snapshot(1);
    fs.crash();
    for (let attempt = 0; attempt < 2; attempt++) {
      const h = await SinkHarness.open(rowSink(base), { restored: checkpoint1 });
      h.elements(lines(4, 6));
      await h.snapshot(2);
      fs.crash();
    }
    const h = await SinkHarness.open(rowSink(base), { restored: checkpoint1 });
    h.elements(lines(4, 6));
    await h.finish();
    await h.snapshot(2);
    await h.complete(2);
    expect(committedLines(fs)).to.deep.equal(lines(1, 6));
  });

  for (const to of [1, 3]) {
    it(`restores 2 subtasks at parallelism ${to}: every pending file is committed once and every in-progress file continued once`, async () => {
      const old = await Promise.all([0, 1].map((i) => SinkHarness.open(rowSink(base), { subtaskIndex: i, parallelism: 2 })));
      old[0]!.elements(lines(1, 5));
      old[1]!.elements(lines(11, 13));
      const snapshots = await Promise.all(old.map((h) => h.snapshot(1)));
      old[0]!.elements(lines(6, 7));
      fs.crash();

      const parts = repartitionOperatorState(snapshots, to);
      const restored = await Promise.all(
        parts.map((bytes, i) => SinkHarness.open(rowSink(base), { subtaskIndex: i, parallelism: to, restored: bytes })),
      );
      expect(committedLines(fs)).to.deep.equal([...lines(1, 4), ...lines(11, 12)]);
      restored[0]!.elements(lines(6, 7));
      for (const h of restored) await h.finish();
      for (const h of restored) await h.snapshot(2);
      for (const h of restored) await h.complete(2);
      expect(committedLines(fs)).to.deep.equal([...lines(1, 7), ...lines(11, 13)]);
      expect(hiddenFiles(fs).size, 'only the crashed attempt’s unfinished part stays hidden').to.be.at.most(1);
    });
  }

  it('a restore whose in-progress file is gone fails, naming the sink and the file', async () => {
    const h1 = await SinkHarness.open(rowSink(base));
    h1.elements(lines(1, 1));
    const checkpoint1 = await h1.snapshot(1);
    const [temp] = [...hiddenFiles(fs).keys()];
    await fs.delete(`${base}/${temp}`);
    const error = await SinkHarness.open(rowSink(base), { restored: checkpoint1 }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.message).to.contain(`FileSink to ${base}`).and.contain(temp).and.contain('does not exist');
    expect(error?.code).to.equal('FILE_SINK_RESTORE');
  });

  it('a restore finding a part file shorter than its checkpoint recorded fails instead of committing it', async () => {
    const h1 = await SinkHarness.open(rowSink(base, OnCheckpointRollingPolicy.build()));
    h1.elements(lines(1, 2));
    const checkpoint1 = await h1.snapshot(1);
    const [temp] = [...hiddenFiles(fs).keys()];
    fs.put(`${base}/${temp}`, 'lin');
    const error = await SinkHarness.open(rowSink(base), { restored: checkpoint1 }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.message).to.contain(temp).and.contain('fewer than the 16');
    expect(committedLines(fs)).to.deep.equal([]);
  });

  it('never overwrites a committed file that differs from the pending one', async () => {
    const h1 = await SinkHarness.open(rowSink(base, OnCheckpointRollingPolicy.build()));
    h1.elements(lines(1, 2));
    const checkpoint1 = await h1.snapshot(1);
    await h1.complete(1);
    const [name] = [...finishedFiles(fs).keys()];
    fs.put(`${base}/${name}`, 'something else\n');
    const error = await SinkHarness.open(rowSink(base), { restored: checkpoint1 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.contain(name).and.contain('never overwritten');
  });
});
