import { expect } from 'chai';
import { runInNewContext } from 'node:vm';
import { DataInputDeserializer, DataOutputSerializer, GenericSerializer, SpindleError, serializerFor } from '../src/index.js';

const serializer = new GenericSerializer();

function roundTrip(value: unknown): unknown {
  const out = new DataOutputSerializer(4);
  serializer.serialize(value, out);
  const input = new DataInputDeserializer(out.toUint8Array());
  const back = serializer.deserialize(input);
  expect(input.available(), 'bytes left over').to.equal(0);
  return back;
}

function serializeError(value: unknown): SpindleError {
  const out = new DataOutputSerializer();
  try {
    serializer.serialize(value, out);
  } catch (e) {
    expect(e).to.be.instanceOf(SpindleError);
    expect(out.position, 'output rolled back').to.equal(0);
    return e as SpindleError;
  }
  return expect.fail('expected serialization to fail');
}

describe('GenericSerializer', () => {
  it('round-trips primitives', () => {
    const values = [
      null,
      undefined,
      true,
      false,
      0,
      1,
      127,
      128,
      -1,
      -128,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 31,
      2 ** 53 - 1,
      -(2 ** 53),
      1.5,
      -0.25,
      1e300,
      Number.MIN_VALUE,
      Infinity,
      -Infinity,
      0n,
      12345678901234567890123n,
      -42n,
      '',
      'word',
      'x'.repeat(31),
      'y'.repeat(32),
      'z'.repeat(100_000),
      'Grüße',
      '日本語テキスト',
      '👍🏽 emoji',
      'a\u0000b',
    ];
    for (const v of values) expect(roundTrip(v), String(v)).to.equal(v);
  });

  it('keeps NaN and negative zero', () => {
    expect(Number.isNaN(roundTrip(NaN))).to.equal(true);
    expect(Object.is(roundTrip(-0), -0)).to.equal(true);
  });

  it('round-trips dates, bytes, maps, sets and nested structures', () => {
    const value = {
      when: new Date(1_700_000_000_123),
      invalid: new Date(NaN),
      bytes: new Uint8Array([0, 1, 255]),
      buffer: Buffer.from('raw'),
      map: new Map<unknown, unknown>([
        ['k', [1, 2]],
        [3, { deep: new Set(['a', 'ü']) }],
      ]),
      list: [1, 'two', [3, [4, null]], { five: undefined }],
      'key with spaces': { ключ: 'значение', '🔑': '🚪' },
      many: Array.from({ length: 40 }, (_, i) => i * 1000),
      wide: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
    };
    const back = roundTrip(value) as typeof value;
    expect(back).to.deep.equal(value);
    expect(back.bytes).to.be.instanceOf(Uint8Array);
    expect(Buffer.isBuffer(back.bytes)).to.equal(false);
    expect(Buffer.isBuffer(back.buffer)).to.equal(true);
    expect(Number.isNaN(back.invalid.getTime())).to.equal(true);
    expect(Object.keys(back)).to.deep.equal(Object.keys(value));
  });

  it('treats object literals from another realm as plain objects', () => {
    const foreign = runInNewContext('({ a: 1, nested: { b: [1, "x"] } })') as unknown;
    expect(roundTrip(foreign)).to.deep.equal({ a: 1, nested: { b: [1, 'x'] } });
  });

  it('copies bytes out of the input buffer', () => {
    const out = new DataOutputSerializer();
    serializer.serialize(new Uint8Array([1, 2]), out);
    const bytes = out.toUint8Array();
    const back = serializer.deserialize(new DataInputDeserializer(bytes)) as Uint8Array;
    bytes.fill(0);
    expect([...back]).to.deep.equal([1, 2]);
  });

  it('keeps __proto__ as an ordinary key', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
    expect(Object.keys(back)).to.deep.equal(['__proto__', 'a']);
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
  });

  it('writes records back to back in one buffer', () => {
    const out = new DataOutputSerializer();
    const records = Array.from({ length: 1000 }, (_, i) => ['word' + (i % 50), i]);
    for (const r of records) serializer.serialize(r, out);
    const input = new DataInputDeserializer(out.buffer(), 0, out.position);
    const back = records.map(() => serializer.deserialize(input));
    expect(back).to.deep.equal(records);
  });

  it('reads property names right whatever names came before (same lengths, same first and last bytes, non-ASCII)', () => {
    const names = [
      'ab',
      'ba',
      'aab',
      'abb',
      'axb',
      'ayb',
      'é',
      'ée',
      'x'.repeat(31),
      'x'.repeat(32),
      'x'.repeat(30) + 'y',
      'x'.repeat(200),
      '',
    ];
    const records = Array.from({ length: 200 }, (_, i) => ({
      [names[i % names.length]!]: i,
      [names[(i * 7 + 3) % names.length]! + '_']: 'v'.repeat(i % 40),
    }));
    const out = new DataOutputSerializer();
    for (const r of records) serializer.serialize(r, out);
    const input = new DataInputDeserializer(out.buffer(), 0, out.position);
    const back = records.map(() => serializer.deserialize(input) as Record<string, unknown>);
    expect(back).to.deep.equal(records);
    expect(back.map((r) => Object.keys(r))).to.deep.equal(records.map((r) => Object.keys(r)));
  });

  it('round-trips objects of 0 to 40 keys, integer-like keys and null prototypes included, keys in order', () => {
    for (let n = 0; n <= 40; n++) {
      const o: Record<string, unknown> = {};
      for (let i = n - 1; i >= 0; i--) o[i % 3 === 0 ? String(i) : `k${i}`] = i % 2 === 0 ? i : `v${i}`;
      const bare = Object.assign(Object.create(null) as Record<string, unknown>, o);
      for (const value of [o, bare]) {
        const back = roundTrip(value) as Record<string, unknown>;
        expect(Object.keys(back)).to.deep.equal(Object.keys(o));
        expect(back).to.deep.equal(o);
      }
    }
  });

  it('encodes a small tuple compactly', () => {
    const out = new DataOutputSerializer();
    serializer.serialize(['word', 1], out);
    expect(out.position).to.equal(7);
  });

  it('names the path of a function inside a record', () => {
    const e = serializeError([1, { handler: () => 1 }]);
    expect(e.code).to.equal('SERIALIZATION');
    expect(e.userFacing).to.equal(true);
    expect(e.message).to.equal(
      'cannot serialize a function at value[1].handler; records must be plain data (or give the stream an Avro schema)',
    );
  });

  it('names symbols, class instances and odd keys', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    expect(serializeError({ s: Symbol('x') }).message).to.contain('a symbol at value.s;');
    expect(serializeError({ 'odd key': [new Point(1)] }).message).to.contain('an instance of class Point at value["odd key"][0];');
    expect(serializeError(new Map([['k', () => 0]])).message).to.contain('a function at value.get("k");');
    expect(serializeError(() => 0).message).to.contain('a function at value;');
  });

  it('rejects cyclic values', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(serializeError(cyclic).message).to.contain('cyclic');
  });

  it('fails on truncated and corrupt input', () => {
    const out = new DataOutputSerializer();
    serializer.serialize(['hello', 'world'], out);
    const bytes = out.toUint8Array();
    expect(() => serializer.deserialize(new DataInputDeserializer(bytes, 0, bytes.length - 1)))
      .to.throw(SpindleError)
      .with.property('code', 'EOF');
    expect(() => serializer.deserialize(new DataInputDeserializer(new Uint8Array([0xff]))))
      .to.throw(SpindleError)
      .with.property('code', 'CORRUPT');
  });

  it('is what serializerFor returns without a schema', () => {
    expect(serializerFor().kind).to.equal('generic');
  });
});
