import { expect } from 'chai';
import { SpindleError, UserCodeError, decodeMessage, encodeFailure, encodeMessage } from '../src/index.js';

function roundTrip(value: unknown): unknown {
  return decodeMessage(encodeMessage(value, 'value', 'a test'));
}

describe('message codec', () => {
  it('round-trips what JSON cannot carry', () => {
    const values: unknown[] = [
      undefined,
      null,
      true,
      0,
      -0,
      NaN,
      Infinity,
      -Infinity,
      2 ** 53,
      1.5,
      -12,
      10n ** 30n,
      -5n,
      '',
      'é😀',
      // [1, undefined, , 3]: a hole at index 2, which comes back as undefined.
      Object.assign([1, undefined], { 3: 3 }),
      { a: undefined },
      {},
      new Date(0),
      new Date(NaN),
      new Map([[{ k: 1 }, new Set([1n])]]),
      new Uint8Array([1, 2]),
      Buffer.from('x'),
      { nested: [{ deep: [new Map([['m', [undefined]]])] }] },
    ];
    for (const v of values) expect(roundTrip(v)).to.deep.equal(v);
    expect(Object.is(roundTrip(-0), -0)).to.equal(true);
    expect(Object.keys(roundTrip({ a: undefined }) as object)).to.deep.equal(['a']);
    expect(Buffer.isBuffer(roundTrip(Buffer.from('x')))).to.equal(true);
    expect(Buffer.isBuffer(roundTrip(new Uint8Array(1)))).to.equal(false);
  });

  it('carries errors with code, recoverability, userFacing, stack and cause', () => {
    const cause = new SpindleError('disk full', { code: 'ENOSPC_X', recoverability: 'environment' });
    const error = new UserCodeError('map failed', cause);
    const back = roundTrip({ error }) as { error: SpindleError };
    expect(back.error).to.be.instanceOf(SpindleError);
    expect(back.error.name).to.equal('UserCodeError');
    expect(back.error.message).to.equal('map failed');
    expect(back.error.code).to.equal('USER_CODE');
    expect(back.error.userFacing).to.equal(true);
    expect(back.error.stack).to.equal(error.stack);
    const backCause = back.error.cause as SpindleError;
    expect(backCause.code).to.equal('ENOSPC_X');
    expect(backCause.recoverability).to.equal('environment');
  });

  it('encodes any thrown value as a failure that decodes to a SpindleError', () => {
    const fromString = decodeMessage(encodeFailure('plain text')) as SpindleError;
    expect(fromString).to.be.instanceOf(SpindleError);
    expect(fromString.message).to.equal('plain text');
    const fromError = decodeMessage(
      encodeFailure(new SpindleError('gone', { code: 'GONE', recoverability: 'partition-data-missing' })),
    ) as SpindleError;
    expect(fromError.code).to.equal('GONE');
    expect(fromError.recoverability).to.equal('partition-data-missing');
  });

  it('rejects functions, symbols, class instances and cycles, naming the path and the context', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const cases: Array<[unknown, RegExp]> = [
      [[1, { handler: () => 1 }], /^cannot send a function at args\[1\]\.handler in the arguments of requestSlot/],
      [[Symbol('s')], /a symbol at args\[0\]/],
      [[{ p: new Point(1) }], /an instance of class Point at args\[0\]\.p/],
      [cyclic, /cyclic/],
    ];
    for (const [value, message] of cases) {
      expect(() => encodeMessage(value, 'args', 'the arguments of requestSlot'))
        .to.throw(SpindleError, message)
        .with.property('code', 'MESSAGE_ENCODING');
    }
  });

  it('rejects messages of another format version, corrupt and trailing bytes', () => {
    const bytes = encodeMessage('x', 'value', 'a test');
    expect(() => decodeMessage(Uint8Array.of(99, ...bytes.subarray(1)))).to.throw(SpindleError, /format version 99/);
    expect(() => decodeMessage(Uint8Array.of(...bytes, 0)))
      .to.throw(SpindleError)
      .with.property('code', 'CORRUPT');
    expect(() => decodeMessage(bytes.subarray(0, bytes.length - 1)))
      .to.throw(SpindleError)
      .with.property('code', 'EOF');
  });
});
