import { createRequire } from 'node:module';
import type avro from 'avsc';
import { SpindleError, errorMessage } from '../errors.js';
import type { DataInputDeserializer } from './data-input.js';
import type { DataOutputSerializer } from './data-output.js';
import type { TypeSerializer } from './type-serializer.js';

let avscModule: typeof avro | undefined;

/** avsc, loaded on first use: only jobs with an Avro schema (or Avro records as keys) need it. */
function avsc(): typeof avro {
  return (avscModule ??= createRequire(import.meta.url)('avsc') as typeof avro);
}

/**
 * Avro binary encoding of values matching a schema, via avsc. The Avro binary form is
 * self-delimiting for a known schema, so records are written back to back without a length prefix.
 */
export class AvroSerializer<T> implements TypeSerializer<T> {
  readonly kind = 'avro';
  readonly type: avro.Type;
  /** Expected record size, to reserve room up front and rarely encode twice. */
  private sizeHint = 64;

  constructor(schema: object | string) {
    this.type = compileSchema(schema);
  }

  serialize(value: T, out: DataOutputSerializer): void {
    out.ensureCapacity(this.sizeHint);
    let end = this.encodeAt(value, out);
    if (end < 0) {
      out.ensureCapacity(-end);
      end = this.encodeAt(value, out);
    }
    this.sizeHint = Math.max(this.sizeHint, end - out.position);
    out.position = end;
  }

  /** The position after the value, or minus the number of missing bytes when the buffer is too small. */
  private encodeAt(value: T, out: DataOutputSerializer): number {
    const buf = out.rawBuffer();
    try {
      const end = this.type.encode(value, buf, out.position);
      return end < 0 ? end - (buf.length - out.position) : end;
    } catch (e) {
      throw this.mismatchError(value, e);
    }
  }

  deserialize(input: DataInputDeserializer): T {
    const decoded: { value: unknown; offset: number } = this.type.decode(input.rawBuffer(), input.position);
    if (decoded.offset < 0 || decoded.offset > input.limit()) {
      throw new SpindleError('read past the end of the input while decoding an Avro record', { code: 'EOF' });
    }
    input.position = decoded.offset;
    return decoded.value as T;
  }

  private mismatchError(value: unknown, cause: unknown): SpindleError {
    const problems: string[] = [];
    this.type.isValid(value, {
      errorHook: (path: string[], val: unknown, type: avro.Type) => {
        problems.push(`${['value', ...path].join('.')}: ${describe(val)} does not match ${describeType(type)}`);
      },
    });
    const detail = problems.length > 0 ? problems.join('; ') : errorMessage(cause);
    return new SpindleError(`record does not match its Avro schema: ${detail}`, {
      code: 'SERIALIZATION',
      recoverability: 'non-recoverable',
      userFacing: true,
      cause,
    });
  }
}

function compileSchema(schema: object | string): avro.Type {
  try {
    return avsc().Type.forSchema(parseSchemaText(schema) as avro.Schema);
  } catch (e) {
    throw new SpindleError(`invalid Avro schema: ${errorMessage(e)}`, {
      code: 'SCHEMA_INVALID',
      recoverability: 'non-recoverable',
      userFacing: true,
      cause: e,
    });
  }
}

/** A JSON schema text is parsed; any other string is taken as a type name such as 'string'. */
function parseSchemaText(schema: object | string): unknown {
  if (typeof schema !== 'string') return schema;
  const text = schema.trim();
  return /^[{["]/.test(text) ? JSON.parse(text) : text;
}

function describe(val: unknown): string {
  if (typeof val === 'bigint') return `${val}n`;
  const json = jsonOf(val);
  if (json === undefined) return String(val);
  return json.length > 60 ? json.slice(0, 57) + '...' : json;
}

/** The JSON text of a value, or undefined when it has none (undefined, a function, a symbol, a cycle). */
function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function describeType(type: avro.Type): string {
  const name = type.name ?? type.typeName;
  return name === undefined ? 'the schema' : `type '${name}'`;
}

/** A record as avsc decodes it: an instance of the class avsc generates for the record type. */
export function isAvroRecord(v: object): boolean {
  const getType = (v.constructor as { getType?: unknown } | undefined)?.getType;
  return typeof getType === 'function' && avsc().Type.isType(getType.call(v.constructor), 'record');
}
