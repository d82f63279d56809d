import { expect } from 'chai';
import {
  ConfigurationError,
  SpindleError,
  UserCodeError,
  deserializeError,
  errorMessage,
  recoverabilityOf,
  serializeError,
} from '../src/index.js';

describe('errors', () => {
  it('has defaults for code, recoverability and userFacing', () => {
    const e = new SpindleError('boom');
    expect(e.name).to.equal('SpindleError');
    expect(e.code).to.equal('INTERNAL');
    expect(e.recoverability).to.equal('recoverable');
    expect(e.userFacing).to.equal(false);
    expect(e).to.be.instanceOf(Error);
  });

  it('lists every configuration problem, one per line', () => {
    const e = new ConfigurationError(['first problem', 'second problem']);
    expect(e.name).to.equal('ConfigurationError');
    expect(e.message).to.equal('Invalid configuration:\n  - first problem\n  - second problem');
    expect(e.problems).to.deep.equal(['first problem', 'second problem']);
    expect(e.code).to.equal('CONFIG_INVALID');
    expect(e.recoverability).to.equal('non-recoverable');
    expect(e.userFacing).to.equal(true);
  });

  it('wraps user code failures with their cause', () => {
    const cause = new TypeError('x is undefined');
    const e = new UserCodeError('map function failed', cause);
    expect(e.name).to.equal('UserCodeError');
    expect(e.code).to.equal('USER_CODE');
    expect(e.cause).to.equal(cause);
    expect(e.userFacing).to.equal(true);
  });

  it('round-trips through the serialized form, causes included', () => {
    const root = new TypeError('root cause');
    const mid = new SpindleError('partition gone', { code: 'PARTITION_LOST', recoverability: 'partition-data-missing', cause: root });
    const top = new UserCodeError('user function failed', mid);
    const wire = JSON.parse(JSON.stringify(serializeError(top))) as ReturnType<typeof serializeError>;
    const back = deserializeError(wire);
    expect(back).to.be.instanceOf(SpindleError);
    for (const field of ['name', 'message', 'code', 'recoverability', 'userFacing', 'stack'] as const) {
      expect(back[field], field).to.equal(top[field]);
    }
    const backMid = back.cause as SpindleError;
    expect(backMid.code).to.equal('PARTITION_LOST');
    expect(backMid.recoverability).to.equal('partition-data-missing');
    expect((backMid.cause as Error).name).to.equal('TypeError');
    expect((backMid.cause as Error).message).to.equal('root cause');
    expect(serializeError(back)).to.deep.equal(wire);
  });

  it('serializes non-Error throwables', () => {
    expect(serializeError('plain string')).to.include({ name: 'Error', message: 'plain string', code: 'INTERNAL' });
    expect(serializeError({ reason: 42 }).message).to.equal('{"reason":42}');
    expect(serializeError(undefined).message).to.equal('undefined');
  });

  it('keeps Node error codes and stops following causes after five levels', () => {
    const sys = Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' });
    expect(serializeError(sys).code).to.equal('ECONNREFUSED');
    let e: Error = new Error('level 0');
    for (let i = 1; i <= 10; i++) e = new Error(`level ${i}`, { cause: e });
    let depth = 0;
    for (let s = serializeError(e).cause; s !== undefined; s = s.cause) depth++;
    expect(depth).to.equal(5);
  });

  it('survives cyclic causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(serializeError(a).message).to.equal('a');
  });

  it('extracts messages and recoverability from anything', () => {
    expect(errorMessage(new Error('m'))).to.equal('m');
    expect(errorMessage('s')).to.equal('s');
    expect(errorMessage({ message: 'obj' })).to.equal('obj');
    expect(errorMessage(7)).to.equal('7');
    expect(recoverabilityOf(new ConfigurationError(['x']))).to.equal('non-recoverable');
    expect(recoverabilityOf(new Error('x'))).to.equal('recoverable');
  });
});
