import { expect } from 'chai';
import avro from 'avsc';
import { KeyMap, SpindleError, assignToKeyGroup, decodeKey, encodeKey, keyHash } from '../src/index.js';

/** Keys that are all different from each other. */
const DISTINCT: unknown[] = [
  '1',
  1,
  1n,
  true,
  ['1'],
  [1],
  [true],
  { 1: 1 },
  '',
  0,
  0n,
  false,
  null,
  undefined,
  [],
  {},
  [null],
  [undefined],
  [[]],
  1.5,
  -1,
  NaN,
  Infinity,
  -Infinity,
  2 ** 53,
  10n ** 30n,
  -5n,
  'é😀',
  'a:b;c',
  's1:a',
  new Date(0),
  new Date(0).toISOString(),
  new Date(NaN),
  new Uint8Array([1, 2]),
  { 0: 1, 1: 2 },
  new Uint8Array(),
  { a: undefined },
  { a: null },
  ['a', ['b']],
  [['a'], 'b'],
  { a: { b: 1 } },
  { 'a.b': 1 },
  [1, 2],
  [2, 1],
];

describe('key codec', () => {
  it('round-trips every supported key: decode(encode(k)) encodes the same and deep-equals k', () => {
    for (const key of DISTINCT) {
      const encoded = encodeKey(key);
      const back = decodeKey(encoded);
      expect(encodeKey(back), String(encoded)).to.equal(encoded);
      expect(back).to.deep.equal(key);
    }
    expect(decodeKey(encodeKey(Buffer.from('hi')))).to.deep.equal(new Uint8Array([104, 105]));
    expect(Object.keys(decodeKey(encodeKey({ __proto__x: 1, ['__proto__']: 2 })) as object)).to.have.members(['__proto__x', '__proto__']);
  });

  it('gives different keys different encodings', () => {
    const encodings = DISTINCT.map((k) => encodeKey(k));
    expect(new Set(encodings).size).to.equal(DISTINCT.length);
  });

  it('gives equal keys one encoding and one hash, whatever objects carry them', () => {
    const equal: Array<[unknown, unknown]> = [
      [1, 1.0],
      [0, -0],
      [NaN, 0 / 0],
      [[0], [-0]],
      [
        { a: 1, b: [2, 'x'] },
        { b: [2, 'x'], a: 1 },
      ],
      [
        [1, 'a'],
        [1, 'a'],
      ],
      [new Date(5), new Date(5)],
      [Buffer.from([1, 2]), new Uint8Array([1, 2])],
      // [, 1]: a hole reads as undefined.
      [Object.assign([], { 1: 1 }), [undefined, 1]],
      [Object.assign(Object.create(null) as object, { k: 1 }), { k: 1 }],
      [2n ** 64n, BigInt('18446744073709551616')],
    ];
    for (const [a, b] of equal) {
      expect(encodeKey(a)).to.equal(encodeKey(b));
      expect(keyHash(a)).to.equal(keyHash(b));
      expect(assignToKeyGroup(a, 128)).to.equal(assignToKeyGroup(b, 128));
    }
  });

  it('is deterministic: fixed encodings for fixed keys', () => {
    expect(encodeKey('word')).to.equal('s4:word');
    expect(encodeKey(['word', 1])).to.equal('a2:s4:wordn1;');
    expect(encodeKey({ b: true, a: [null, undefined] })).to.equal('o2:s1:aa2:zus1:bt');
    expect(encodeKey(-0.5)).to.equal('n-0.5;');
    expect(encodeKey(12n)).to.equal('b12;');
    expect(encodeKey(new Date(1000))).to.equal('d1000;');
    expect(encodeKey(new Uint8Array([0, 255]))).to.equal('y2:\u0000\u00ff');
  });

  it('treats Avro records as the plain objects of their fields', () => {
    const type = avro.Type.forSchema({
      type: 'record',
      name: 'P',
      fields: [
        { name: 'a', type: 'int' },
        { name: 's', type: 'string' },
      ],
    });
    const record = type.fromBuffer(type.toBuffer({ a: 1, s: 'x' })) as object;
    expect(encodeKey(record)).to.equal(encodeKey({ s: 'x', a: 1 }));
  });

  it('rejects functions, symbols, Maps, Sets, class instances and cycles, naming the path and the context', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const cases: Array<[unknown, string]> = [
      [() => 1, 'cannot use a function as a key;'],
      [Symbol('s'), 'cannot use a symbol as a key;'],
      [['a', { f: () => 1 }], 'cannot use a function as a key (at key[1].f);'],
      [{ 'odd key': [new Map()] }, 'cannot use a Map as a key (at key["odd key"][0]);'],
      [new Set(), 'cannot use a Set as a key;'],
      [new Point(1), 'cannot use a Point as a key;'],
      [cyclic, 'cyclic'],
    ];
    for (const [key, message] of cases) {
      for (const attempt of [
        () => encodeKey(key, "keyBy of 'Totals'"),
        () => keyHash(key, "keyBy of 'Totals'"),
        () => new KeyMap("keyBy of 'Totals'").get(key),
      ]) {
        expect(attempt).to.throw(SpindleError, message).with.property('code', 'INVALID_KEY');
        expect(attempt).to.throw(/^keyBy of 'Totals': .*; keys must be strings, numbers, bigints, booleans/);
      }
    }
    expect(() => encodeKey(() => 1))
      .to.throw(SpindleError)
      .with.property('userFacing', true);
  });

  it('rejects corrupt encodings', () => {
    for (const bad of ['', 'x', 's5:abc', 'n1', 'a2:n1;', 'uu', 'o1:n1;t']) {
      expect(() => decodeKey(bad), bad)
        .to.throw(SpindleError)
        .with.property('code', 'CORRUPT');
    }
  });
});

describe('KeyMap', () => {
  it('holds one entry per key by the codec, for every key type', () => {
    const map = new KeyMap<number>();
    for (const key of DISTINCT) map.set(key, (map.get(key) ?? 0) + 1);
    for (const key of DISTINCT) map.set(structuredClone(key), (map.get(structuredClone(key)) ?? 0) + 1);
    map.set(-0, (map.get(-0) ?? 0) + 1);
    map.set({ b: [2], a: 1 }, 1);
    expect(map.get({ a: 1, b: [2] })).to.equal(1);
    expect(map.size).to.equal(DISTINCT.length + 1);
    expect(map.get(0)).to.equal(3);
    expect(map.get(['1'])).to.equal(2);
    const keys = [...map.entries()].map(([k]) => encodeKey(k));
    expect(new Set(keys).size).to.equal(map.size);
    expect(map.delete([1])).to.equal(true);
    expect(map.get([1])).to.equal(undefined);
    expect([...map.values()]).to.have.length(DISTINCT.length);
  });
});
