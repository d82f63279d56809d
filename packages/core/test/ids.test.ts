import { expect } from 'chai';
import { JobId, ResourceId, AllocationId, ExecutionAttemptId, SpindleError, randomHexId } from '../src/index.js';

describe('ids', () => {
  it('generates 32 lowercase hex characters', () => {
    expect(randomHexId()).to.match(/^[0-9a-f]{32}$/);
    expect(JobId.generate()).to.match(/^[0-9a-f]{32}$/);
    expect(JobId.generate()).not.to.equal(JobId.generate());
  });

  it('parses valid ids and rejects others with a user-facing error', () => {
    const id = 'a'.repeat(16) + '0123456789abcdef';
    expect(JobId.parse(id)).to.equal(id);
    for (const bad of ['xyz', 'A'.repeat(32), 'a'.repeat(31), 'a'.repeat(33), '']) {
      expect(JobId.isValid(bad), bad).to.equal(false);
    }
    try {
      JobId.parse('xyz');
      expect.fail('parse should throw');
    } catch (e) {
      expect(e).to.be.instanceOf(SpindleError);
      const err = e as SpindleError;
      expect(err.code).to.equal('INVALID_ID');
      expect(err.userFacing).to.equal(true);
      expect(err.message).to.equal("'xyz' is not a valid job id: expected 32 hexadecimal characters");
    }
  });

  it('names the id type in messages', () => {
    expect(() => ExecutionAttemptId.parse('nope')).to.throw("'nope' is not a valid execution attempt id");
    expect(() => AllocationId.parse('nope')).to.throw('allocation id');
  });

  it('accepts any non-empty string as a resource id', () => {
    expect(ResourceId.parse('container_1700000000000_0001_01_000002')).to.equal('container_1700000000000_0001_01_000002');
    expect(ResourceId.isValid('')).to.equal(false);
    expect(() => ResourceId.parse('')).to.throw(SpindleError);
  });

  it('casts without checking with of()', () => {
    expect(JobId.of('anything')).to.equal('anything');
  });
});
