import { expect } from 'chai';
import { checkExecutionTransition, checkJobTransition } from '../src/executiongraph/state-machines.js';
import { SlotManager } from '../src/resourcemanager/slot-manager.js';

describe('state machines', () => {
  it('allow the job lifecycle and reject illegal edges', () => {
    expect(() => checkJobTransition('CREATED', 'RUNNING')).not.to.throw();
    expect(() => checkJobTransition('RUNNING', 'CANCELLING')).not.to.throw();
    expect(() => checkJobTransition('FINISHED', 'RUNNING')).to.throw(/illegal job status transition FINISHED -> RUNNING/);
    expect(() => checkExecutionTransition('RUNNING', 'CANCELING')).not.to.throw();
    expect(() => checkExecutionTransition('CANCELED', 'RUNNING')).to.throw(/illegal execution state/);
  });
});

describe('slot manager', () => {
  it('matches requests to free slots in order and serves waiting requests when slots free up', async () => {
    const assigned: string[] = [];
    const sm = new SlotManager(async (slot, req) => {
      assigned.push(`${req.allocationId}@${slot.resourceId}/${slot.slotIndex}`);
    });
    sm.registerTaskManager('tm1', 1);
    const done: string[] = [];
    for (const id of ['a', 'b']) {
      sm.request({ jobId: 'j', jobMasterAddress: 'jm', allocationId: id, resolve: () => done.push(id), reject: () => undefined });
    }
    await new Promise((r) => setImmediate(r));
    expect(assigned).to.deep.equal(['a@tm1/0']);
    expect(sm.counts()).to.deep.equal({ total: 1, free: 0 });
    sm.freeSlot('tm1', 0, 'a');
    await new Promise((r) => setImmediate(r));
    expect(assigned).to.deep.equal(['a@tm1/0', 'b@tm1/0']);
    expect(done).to.deep.equal(['a', 'b']);
  });
});
