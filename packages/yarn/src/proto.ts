/**
 * The Hadoop messages we speak, loaded once from this package's .proto files (Hadoop's names and
 * field numbers, declared by us). protobufjs encodes a proto2 optional field whenever the object
 * carries it, zero or empty included: Hadoop's servers check presence of several such fields.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export const HADOOP_PROTO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto');

const FILES = [
  'RpcHeader.proto',
  'IpcConnectionContext.proto',
  'ProtobufRpcEngine2.proto',
  'Security.proto',
  'yarn_protos.proto',
  'yarn_service_protos.proto',
  'yarn_security_token.proto',
];

let root: protobuf.Root | undefined;

/** The loaded root; immutable once built, so sharing it between runs is safe. */
function hadoopRoot(): protobuf.Root {
  root ??= new protobuf.Root().loadSync(
    FILES.map((f) => path.join(HADOOP_PROTO_DIR, f)),
    { keepCase: true },
  );
  return root;
}

/** A message type by its full name, e.g. `hadoop.common.RpcSaslProto`. */
export function messageType(fullName: string): protobuf.Type {
  return hadoopRoot().lookupType(fullName);
}

/** Plain object → bytes (enum names or numbers accepted, 64-bit values as numbers). */
export function encodeMessage(fullName: string, value: object): Uint8Array {
  const type = messageType(fullName);
  return type.encode(type.fromObject(value)).finish();
}

/** Bytes → plain object: only the fields present on the wire, enums as names, 64-bit as numbers. */
export function decodeMessage<T>(fullName: string, bytes: Uint8Array): T {
  return toPlain<T>(messageType(fullName), messageType(fullName).decode(bytes));
}

export function toPlain<T>(type: protobuf.Type, message: protobuf.Message): T {
  // Bytes stay Buffers (protobufjs's default in Node).
  return type.toObject(message, { longs: Number, enums: String }) as T;
}
