import { expect } from 'chai';
import { fixtureProblems } from '../src/testing/index.js';

export { shapeProblems, loadFixture, type Shape } from '../src/testing/index.js';

/** Asserts the value has exactly the fields and types of a fixture. */
export function expectFixture(value: unknown, fixture: string): void {
  expect(fixtureProblems(value, fixture), `response against fixtures/${fixture}.json`).to.deep.equal([]);
}
