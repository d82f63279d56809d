import { expect } from 'chai';
import { DataInputDeserializer, DataOutputSerializer, SpindleError } from '../src/index.js';

describe('DataOutputSerializer / DataInputDeserializer', () => {
  it('round-trips every primitive and grows from a tiny buffer', () => {
    const out = new DataOutputSerializer(1);
    const varuints = [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31 - 1, 2 ** 32, 2 ** 53 - 1];
    const strings = ['', 'a', 'hello world', 'x'.repeat(200), 'naïve café', '日本語', '😀 emoji 🎉', '\u0000\u007f'];
    out.writeByte(0xff);
    for (const n of varuints) out.writeVarUint(n);
    for (const n of [0, -1, 2 ** 31 - 1, -(2 ** 31)]) out.writeInt32(n);
    for (const n of [0, -0, 1.5, -1e300, NaN, Infinity]) out.writeFloat64(n);
    for (const s of strings) out.writeString(s);
    out.writeBytes(new Uint8Array([1, 2, 3]));

    const input = new DataInputDeserializer(out.toUint8Array());
    expect(input.readByte()).to.equal(0xff);
    for (const n of varuints) expect(input.readVarUint()).to.equal(n);
    for (const n of [0, -1, 2 ** 31 - 1, -(2 ** 31)]) expect(input.readInt32()).to.equal(n);
    for (const n of [0, -0, 1.5, -1e300, NaN, Infinity]) expect(Object.is(input.readFloat64(), n)).to.equal(true);
    for (const s of strings) expect(input.readString()).to.equal(s);
    expect([...input.readBytes(3)]).to.deep.equal([1, 2, 3]);
    expect(input.available()).to.equal(0);
  });

  it('writes a tag and an unsigned 32-bit varuint as writeByte + writeVarUint would, growing from one byte', () => {
    const values = [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1];
    const tagged = new DataOutputSerializer(1);
    const plain = new DataOutputSerializer(1);
    values.forEach((n, i) => {
      tagged.writeTaggedVarUint32(0xc0 + i, n);
      plain.writeByte(0xc0 + i);
      plain.writeVarUint(n);
    });
    expect([...tagged.toUint8Array()]).to.deep.equal([...plain.toUint8Array()]);
    const input = new DataInputDeserializer(tagged.toUint8Array());
    values.forEach((n, i) => {
      expect(input.readByte()).to.equal(0xc0 + i);
      expect(input.readVarUint()).to.equal(n);
    });
  });

  it('writes strings as varuint byte length plus UTF-8', () => {
    const out = new DataOutputSerializer();
    out.writeString('é');
    expect([...out.toUint8Array()]).to.deep.equal([2, 0xc3, 0xa9]);
  });

  it('writes the shortest length prefix whatever the UTF-8 length of a string turns out to be', () => {
    // Around the one-byte prefix limit of 127 bytes: ASCII, two- and three-byte characters, a lone surrogate.
    const strings = [
      'a'.repeat(127),
      'a'.repeat(128),
      'a'.repeat(126) + 'é',
      'é'.repeat(63),
      'é'.repeat(64),
      '日'.repeat(42),
      '日'.repeat(43),
    ];
    for (const s of [...strings, 'x'.repeat(16_384) + '日', 'y'.repeat(70_000)]) {
      const out = new DataOutputSerializer(1);
      out.writeString(s);
      out.writeByte(0xee);
      const bytes = Buffer.byteLength(s);
      const prefix = bytes < 0x80 ? 1 : bytes < 0x4000 ? 2 : 3;
      expect(out.position, `${s.length} characters`).to.equal(prefix + bytes + 1);
      const input = new DataInputDeserializer(out.toUint8Array());
      expect(input.readVarUint()).to.equal(bytes);
      input.position = 0;
      expect(input.readString()).to.equal(s);
      expect(input.readByte()).to.equal(0xee);
    }
    const lone = new DataOutputSerializer();
    lone.writeString('\ud800'.repeat(50));
    expect(new DataInputDeserializer(lone.toUint8Array()).readString()).to.equal('\ufffd'.repeat(50));
  });

  it('writes strings of every length up to 200 units, ASCII or not, as varuint byte length plus UTF-8', () => {
    for (const unit of ['a', 'é', '€', '😀', '\ud800']) {
      for (let units = 0; units <= 200; units++) {
        const s = unit.repeat(Math.ceil(units / unit.length)).slice(0, units);
        const out = new DataOutputSerializer(1);
        out.writeByte(7);
        out.writeString(s);
        const utf8 = Buffer.from(s, 'utf8');
        const expected = new DataOutputSerializer();
        expected.writeByte(7);
        expected.writeVarUint(utf8.length);
        expected.writeBytes(utf8);
        expect(Buffer.from(out.toUint8Array()).equals(Buffer.from(expected.toUint8Array())), `${units} × ${unit}`).to.equal(true);
        const input = new DataInputDeserializer(out.toUint8Array());
        input.readByte();
        expect(input.readString()).to.equal(utf8.toString('utf8'));
        expect(input.available()).to.equal(0);
      }
    }
  });

  it('throws an EOF SpindleError when reading past the end', () => {
    const out = new DataOutputSerializer();
    out.writeString('hello');
    const bytes = out.toUint8Array();
    const truncated = new DataInputDeserializer(bytes, 0, 3);
    expect(() => truncated.readString())
      .to.throw(SpindleError)
      .with.property('code', 'EOF');
    const empty = new DataInputDeserializer(new Uint8Array(0));
    for (const read of [() => empty.readByte(), () => empty.readInt32(), () => empty.readFloat64(), () => empty.readVarUint()]) {
      expect(read).to.throw(SpindleError).with.property('code', 'EOF');
    }
  });

  it('reads a sub-range of a buffer and can be reset', () => {
    const bytes = new Uint8Array([9, 9, 5, 7, 9]);
    const input = new DataInputDeserializer(bytes, 2, 4);
    expect(input.readByte()).to.equal(5);
    expect(input.readByte()).to.equal(7);
    expect(() => input.readByte()).to.throw(/past the end/);
    input.setBuffer(bytes, 4);
    expect(input.readByte()).to.equal(9);
    expect(() => input.setBuffer(bytes, 3, 9)).to.throw(RangeError);
  });

  it('clears for reuse and exposes the backing buffer', () => {
    const out = new DataOutputSerializer();
    out.writeInt32(1);
    out.clear();
    out.writeByte(42);
    expect(out.position).to.equal(1);
    expect(out.buffer()[0]).to.equal(42);
    expect(out.toUint8Array()).to.have.length(1);
  });
});
