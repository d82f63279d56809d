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

  it('reads keys that look alike, in objects of alternating shapes', () => {
    const keys = ['abc', 'axc', 'ayc', 'abd', 'bbc', 'a\u00e9c', 'aéc', 'é', '', 'k'.repeat(24), 'k'.repeat(25), '0', '10', '__proto__x'];
    const records = Array.from({ length: 300 }, (_, i) => {
      const o: Record<string, unknown> = {};
      for (let k = 0; k < keys.length; k++) if ((i + k) % 3 !== 0) o[keys[k]!] = i * 100 + k;
      return o;
    });
    const out = new DataOutputSerializer();
    for (const r of records) serializer.serialize(r, out);
    const input = new DataInputDeserializer(out.buffer(), 0, out.position);
    for (const r of records) {
      const back = serializer.deserialize(input) as Record<string, unknown>;
      expect(back).to.deep.equal(r);
      expect(Object.keys(back)).to.deep.equal(Object.keys(r));
    }
  });

  it('writes objects of a shape met before to the same bytes, and reads them back', () => {
    // Fresh key names, so that the first write of each shape goes key by key.
    const tag = `t${process.hrtime.bigint()}`;
    const shapes: Record<string, unknown>[] = [
      { [`${tag}a`]: 1, b: 'two', c: 1436918400000, d: 'x'.repeat(80), e: [1, { f: null }] },
      Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${tag}w${i}`, i])),
      { [`${tag}0`]: 'zero', '7': 7, [`k${'y'.repeat(126)}`]: 'long key', z: undefined },
      { [`${tag}é`]: 1, plain: 2 },
      { [`${tag}k`.padEnd(128, 'q')]: 1, short: 2 },
      JSON.parse(`{"${tag}p": 1, "__proto__": {"polluted": true}}`) as Record<string, unknown>,
    ];
    for (const value of shapes) {
      const first = new DataOutputSerializer();
      serializer.serialize(value, first);
      for (let i = 0; i < 3; i++) {
        const again = new DataOutputSerializer();
        serializer.serialize(value, again);
        expect(Buffer.from(again.toUint8Array()).equals(Buffer.from(first.toUint8Array())), JSON.stringify(value)).to.equal(true);
        const back = serializer.deserialize(new DataInputDeserializer(again.toUint8Array())) as Record<string, unknown>;
        expect(back).to.deep.equal(value);
        expect(Object.keys(back)).to.deep.equal(Object.keys(value));
        expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
      }
    }
  });

  it('reads objects that share a key count and a first key but not the later keys', () => {
    const tag = `u${process.hrtime.bigint()}`;
    const kinds = ['bid', 'auction', 'person', 'bie'];
    const records: Record<string, unknown>[] = Array.from({ length: 200 }, (_, i) => ({
      [tag]: kinds[i % 4],
      [kinds[(i * 7) % 4]!]: { n: i },
    }));
    // Shapes whose keys start with another shape's keys.
    for (let i = 0; i < 50; i++) records.push(i % 2 === 0 ? { [tag]: i, bid: i } : { [tag]: i, bid: i, more: [i] });
    const out = new DataOutputSerializer();
    for (const r of records) serializer.serialize(r, out);
    const input = new DataInputDeserializer(out.buffer(), 0, out.position);
    for (const r of records) expect(serializer.deserialize(input)).to.deep.equal(r);
    expect(input.available()).to.equal(0);
  });

  it('fails the same on a truncated or altered object of a known shape', () => {
    const value = { id: 12, name: 'anna', when: 1.5 };
    const out = new DataOutputSerializer();
    for (let i = 0; i < 3; i++) serializer.serialize(value, out);
    const bytes = out.toUint8Array().slice(0, out.position / 3);
    for (let end = 0; end < bytes.length; end++) {
      expect(() => serializer.deserialize(new DataInputDeserializer(bytes, 0, end)), `cut at ${end}`)
        .to.throw(SpindleError)
        .with.property('code', 'EOF');
    }
    const altered = Buffer.from(bytes);
    altered[altered.indexOf('name')] = 'g'.charCodeAt(0);
    expect(serializer.deserialize(new DataInputDeserializer(altered))).to.deep.equal({ id: 12, game: 'anna', when: 1.5 });
  });

  it('reads objects used as dictionaries, with ever new keys', () => {
    const records = Array.from({ length: 500 }, (_, i) => ({ [`word${i}`]: i, [`other${i * 3}`]: [i] }));
    const out = new DataOutputSerializer();
    for (const r of records) serializer.serialize(r, out);
    const input = new DataInputDeserializer(out.buffer(), 0, out.position);
    for (const r of records) expect(serializer.deserialize(input)).to.deep.equal(r);
  });

  it('writes records back to back in one buffer', () => {
    const out = new DataOutputSerializer();
    const records = Array.from({ length: 1000 }, (_, i) => ['word' + (i % 50), i]);
    for (const r of records) serializer.serialize(r, out);
    const input = new DataInputDeserializer(out.buffer(), 0, out.position);
    const back = records.map(() => serializer.deserialize(input));
    expect(back).to.deep.equal(records);
  });

  it('tags long ASCII strings apart from other long strings', () => {
    const bytesOf = (v: string): number[] => {
      const out = new DataOutputSerializer();
      serializer.serialize(v, out);
      return [...out.toUint8Array()];
    };
    expect(bytesOf('x'.repeat(40)).slice(0, 2)).to.deep.equal([0xd0, 40]);
    expect(bytesOf('x'.repeat(39) + 'é').slice(0, 2)).to.deep.equal([0xc7, 41]);
    expect(bytesOf('x'.repeat(20) + '😀').slice(0, 2)).to.deep.equal([0xc7, 24]);
    for (const v of ['x'.repeat(32), 'a b c '.repeat(50), 'x'.repeat(39) + 'é', '\u007f'.repeat(33), '\u0080'.repeat(33)]) {
      expect(roundTrip(v)).to.equal(v);
    }
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
