import type { DataInputDeserializer } from './data-input.js';
import type { DataOutputSerializer } from './data-output.js';

/**
 * Writes and reads values of one type. Serializers are stateless and reused across records and
 * threads; `deserialize` must read exactly the bytes `serialize` wrote, so records can be
 * concatenated in one buffer.
 */
export interface TypeSerializer<T> {
  /** 'generic', 'avro', ...; for diagnostics and compatibility checks. */
  readonly kind: string;
  serialize(value: T, out: DataOutputSerializer): void;
  deserialize(input: DataInputDeserializer): T;
}
