import { expect } from 'chai';
import { AvroSerializer, DataInputDeserializer, DataOutputSerializer, SpindleError, serializerFor } from '../src/index.js';

const schema = {
  type: 'record',
  name: 'Click',
  fields: [
    { name: 'user', type: 'string' },
    { name: 'count', type: 'long' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    {
      name: 'location',
      type: {
        type: 'record',
        name: 'Location',
        fields: [
          { name: 'city', type: 'string' },
          { name: 'lat', type: 'double' },
        ],
      },
    },
    { name: 'referrer', type: ['null', 'string'], default: null },
  ],
};

interface Click {
  user: string;
  count: number;
  tags: string[];
  location: { city: string; lat: number };
  referrer: string | null;
}

function click(i: number): Click {
  return {
    user: `user-${i}-ü`,
    count: i * 1000,
    tags: ['a', `t${i}`],
    location: { city: 'Zürich', lat: 47.37 + i },
    referrer: i % 2 ? 'https://x' : null,
  };
}

describe('AvroSerializer', () => {
  it('round-trips records back to back, growing the buffer', () => {
    const serializer = new AvroSerializer<Click>(schema);
    const out = new DataOutputSerializer(8);
    const records = Array.from({ length: 200 }, (_, i) => click(i));
    for (const r of records) serializer.serialize(r, out);
    const input = new DataInputDeserializer(out.buffer(), 0, out.position);
    const back = records.map(() => serializer.deserialize(input));
    expect(JSON.parse(JSON.stringify(back))).to.deep.equal(records);
    expect(input.available()).to.equal(0);
  });

  it('accepts the schema as JSON text or a primitive type name', () => {
    const fromText = serializerFor(JSON.stringify(schema));
    expect(fromText.kind).to.equal('avro');
    const strings = new AvroSerializer<string>('string');
    const out = new DataOutputSerializer();
    strings.serialize('héllo', out);
    expect(strings.deserialize(new DataInputDeserializer(out.toUint8Array()))).to.equal('héllo');
  });

  it('rejects an invalid schema with SCHEMA_INVALID', () => {
    const bad = { type: 'record', name: 'Broken', fields: [{ name: 'x', type: 'no-such-type' }] };
    expect(() => new AvroSerializer(bad))
      .to.throw(SpindleError)
      .that.satisfies((e: SpindleError) => {
        return e.code === 'SCHEMA_INVALID' && e.userFacing && e.message.includes('no-such-type');
      });
    expect(() => new AvroSerializer('{ not json'))
      .to.throw(SpindleError)
      .with.property('code', 'SCHEMA_INVALID');
  });

  it('names the field path of a value that does not match the schema', () => {
    const serializer = new AvroSerializer<unknown>(schema);
    const out = new DataOutputSerializer();
    const bad = { ...click(1), location: { city: 'Bern', lat: 'north' } };
    try {
      serializer.serialize(bad, out);
      expect.fail('expected a serialization error');
    } catch (e) {
      expect(e).to.be.instanceOf(SpindleError);
      const err = e as SpindleError;
      expect(err.code).to.equal('SERIALIZATION');
      expect(err.userFacing).to.equal(true);
      expect(err.message).to.contain('value.location.lat');
      expect(err.message).to.contain('"north"');
    }
  });

  it('throws EOF on truncated input', () => {
    const serializer = new AvroSerializer<Click>(schema);
    const out = new DataOutputSerializer();
    serializer.serialize(click(3), out);
    const input = new DataInputDeserializer(out.buffer(), 0, out.position - 2);
    expect(() => serializer.deserialize(input))
      .to.throw(SpindleError)
      .with.property('code', 'EOF');
  });
});
