import { AvroSerializer } from './avro-serializer.js';
import { GenericSerializer } from './generic-serializer.js';
import type { TypeSerializer } from './type-serializer.js';

const generic = new GenericSerializer();

/** Avro when the stream has a schema, the generic self-describing encoding otherwise. */
export function serializerFor(schema?: object | string): TypeSerializer<unknown> {
  return schema === undefined ? generic : new AvroSerializer<unknown>(schema);
}
