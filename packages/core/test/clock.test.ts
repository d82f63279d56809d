import { expect } from 'chai';
import { ManualScheduler, systemScheduler } from '../src/index.js';

describe('ManualScheduler', () => {
  it('runs due tasks in time order, ties in scheduling order', () => {
    const s = new ManualScheduler(1000);
    const ran: string[] = [];
    s.schedule(() => ran.push(`c@${s.now()}`), 30);
    s.schedule(() => ran.push(`a@${s.now()}`), 10);
    s.schedule(() => ran.push(`b@${s.now()}`), 10);
    s.schedule(() => ran.push('late'), 100);
    s.advance(50);
    expect(ran).to.deep.equal(['a@1010', 'b@1010', 'c@1030']);
    expect(s.now()).to.equal(1050);
    expect(s.pendingCount()).to.equal(1);
  });

  it('runs tasks scheduled by tasks when they fall due within the same advance', () => {
    const s = new ManualScheduler();
    const ran: number[] = [];
    s.schedule(() => s.schedule(() => ran.push(s.now()), 5), 5);
    s.advance(20);
    expect(ran).to.deep.equal([10]);
  });

  it('repeats fixed-rate tasks until cancelled', () => {
    const s = new ManualScheduler();
    const ran: number[] = [];
    const task = s.scheduleAtFixedRate(() => ran.push(s.now()), 100, 50);
    s.advance(260);
    expect(ran).to.deep.equal([100, 150, 200, 250]);
    task.cancel();
    s.advance(1000);
    expect(ran).to.have.length(4);
  });

  it('does not run cancelled tasks', () => {
    const s = new ManualScheduler();
    let ran = false;
    s.schedule(() => (ran = true), 10).cancel();
    s.advance(100);
    expect(ran).to.equal(false);
  });
});

describe('systemScheduler', () => {
  it('runs a scheduled task and allows cancelling another', async () => {
    let cancelledRan = false;
    systemScheduler.schedule(() => (cancelledRan = true), 5).cancel();
    const start = systemScheduler.now();
    await new Promise<void>((resolve) => systemScheduler.schedule(resolve, 5));
    expect(systemScheduler.now()).to.be.at.least(start);
    expect(cancelledRan).to.equal(false);
  });
});
