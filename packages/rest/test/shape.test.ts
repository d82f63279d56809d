import { expect } from 'chai';
import { shapeProblems, type Shape } from './shape.js';

describe('fixture shape checks', () => {
  const shape: Shape = {
    object: { a: 'integer', b: 'string|null', c: { array: { enum: ['X', 'Y'] } }, d: { map: 'boolean', keys: ['p', 'q'] } },
    optional: { e: 'number' },
  };

  it('accepts a value with exactly the fields and types', () => {
    expect(shapeProblems({ a: 1, b: null, c: ['X'], d: { p: true, q: false } }, shape)).to.deep.equal([]);
    expect(shapeProblems({ a: 1, b: 's', c: [], d: { p: true, q: false }, e: 1.5 }, shape)).to.deep.equal([]);
  });

  it('reports missing, extra and wrongly typed fields', () => {
    const problems = shapeProblems({ a: 1.5, c: ['Z'], d: { p: 1 }, f: 0 }, shape);
    expect(problems).to.have.members([
      "$: missing field 'b'",
      "$: unexpected field 'f'",
      '$.a: expected integer, got number 1.5',
      '$.c[0]: "Z" is not one of ["X","Y"]',
      '$.d.p: expected boolean, got integer 1',
      "$.d: missing field 'q'",
    ]);
  });

  it('resolves references to other fixtures', () => {
    expect(shapeProblems('CANCELLING', { ref: 'job-status-enum' })).to.deep.equal([]);
    expect(shapeProblems('CANCELING', { ref: 'job-status-enum' })).to.have.length(1);
    expect(shapeProblems('CANCELLING', { ref: 'execution-state-enum' })).to.have.length(1);
  });
});
