import { expect } from 'chai';
import { UserCodeError, renderFailure, serializeError } from '../src/index.js';

function userFailure(): ReturnType<typeof serializeError> {
  const cause = new TypeError('x is undefined');
  cause.stack =
    'TypeError: x is undefined\n    at map (/home/me/job/src/job.ts:12:7)\n    at run (/opt/spindle/node_modules/@spindle/runtime/dist/chain.js:3:1)';
  const wrapper = new UserCodeError('Mapper (1/2) failed: TypeError: x is undefined', cause);
  wrapper.stack =
    'UserCodeError: Mapper (1/2) failed: TypeError: x is undefined\n    at wrap (/opt/spindle/node_modules/@spindle/runtime/dist/chain.js:9:9)';
  return serializeError(wrapper);
}

describe('renderFailure', () => {
  it("names the user's error and renders the cause chain Java style", () => {
    const r = renderFailure(userFailure());
    expect(r.exceptionName).to.equal('TypeError');
    expect(r.stacktrace).to.equal(
      'UserCodeError: Mapper (1/2) failed: TypeError: x is undefined\n    at wrap (/opt/spindle/node_modules/@spindle/runtime/dist/chain.js:9:9)\n' +
        'Caused by: TypeError: x is undefined\n    at map (/home/me/job/src/job.ts:12:7)\n    at run (/opt/spindle/node_modules/@spindle/runtime/dist/chain.js:3:1)',
    );
  });

  it('summarizes with the first frame of the job, relative when asked', () => {
    expect(renderFailure(userFailure()).summary).to.equal(
      'Mapper (1/2) failed: TypeError: x is undefined\n    at /home/me/job/src/job.ts:12:7',
    );
    const r = renderFailure(userFailure(), { sourceDir: '/home/me/job/src', relativeTo: '/home/me' });
    expect(r.location).to.equal('job/src/job.ts:12:7');
    expect(renderFailure(userFailure(), { sourceDir: '/elsewhere' }).location).to.equal(undefined);
  });

  it("keeps failures that are not the user's under their own name, without a location", () => {
    const r = renderFailure({
      name: 'SpindleError',
      message: 'TaskManager tm-1 is lost.',
      code: 'TASK_MANAGER_LOST',
      recoverability: 'environment',
      userFacing: false,
    });
    expect(r).to.deep.equal({
      exceptionName: 'SpindleError',
      stacktrace: 'SpindleError: TaskManager tm-1 is lost.',
      summary: 'TaskManager tm-1 is lost.',
    });
    expect(JSON.parse(JSON.stringify(r))).to.deep.equal(r);
  });
});
