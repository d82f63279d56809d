/**
 * Hadoop token storage ("HDTS"), as written to a container's HADOOP_TOKEN_FILE_LOCATION and carried
 * in ContainerLaunchContext.tokens: format 0 (WRITABLE, Hadoop 3's default) and format 1 (PROTOBUF).
 */
import fs from 'node:fs/promises';
import protobuf from 'protobufjs';
import { encodeMessage, messageType, toPlain } from '../proto.js';
import { encodeBytes, encodeText, encodeVLong, tokenFileError, WritableReader } from './writable.js';

export interface HadoopToken {
  identifier: Buffer;
  password: Buffer;
  kind: string;
  service: string;
}

export interface Credentials {
  /** alias → token; YARN's AMRM token has the empty alias. */
  tokens: Array<{ alias: string; token: HadoopToken }>;
  secrets: Array<{ alias: string; secret: Buffer }>;
}

export const TOKEN_KIND = {
  amrm: 'YARN_AM_RM_TOKEN',
  nm: 'NMToken',
  container: 'ContainerToken',
} as const;

const MAGIC = Buffer.from('HDTS', 'ascii');
export type TokenStorageFormat = 'writable' | 'protobuf';

export function parseTokenStorage(bytes: Buffer): Credentials {
  if (bytes.length < 5 || !bytes.subarray(0, 4).equals(MAGIC)) throw tokenFileError('bad magic: not a Hadoop token storage (HDTS)');
  const version = bytes[4];
  const body = bytes.subarray(5);
  if (version === 0) return parseWritable(body);
  if (version === 1) return parseProtobuf(body);
  throw tokenFileError(`unknown credential format ${version}`);
}

/** Reads the file at `path` (default $HADOOP_TOKEN_FILE_LOCATION). */
export async function readTokenFile(path: string | undefined = process.env['HADOOP_TOKEN_FILE_LOCATION']): Promise<Credentials> {
  if (path === undefined || path === '') throw tokenFileError('HADOOP_TOKEN_FILE_LOCATION is not set (not in a YARN container?)');
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (e) {
    throw tokenFileError(`cannot read ${path}`, e);
  }
  return parseTokenStorage(bytes);
}

export function findToken(creds: Credentials, kind: string): HadoopToken | undefined {
  return creds.tokens.find((t) => t.token.kind === kind)?.token;
}

export function serializeTokenStorage(creds: Credentials, format: TokenStorageFormat = 'writable'): Buffer {
  if (format === 'protobuf') {
    const msg = encodeMessage('hadoop.common.CredentialsProto', {
      tokens: creds.tokens.map((t) => ({ alias: t.alias, token: t.token })),
      secrets: creds.secrets.map((s) => ({ alias: s.alias, secret: s.secret })),
    });
    return Buffer.concat([MAGIC, Buffer.from([1]), Buffer.from(protobuf.Writer.create().bytes(msg).finish())]);
  }
  const parts: Buffer[] = [MAGIC, Buffer.from([0]), encodeVLong(creds.tokens.length)];
  for (const { alias, token } of creds.tokens) {
    parts.push(
      encodeText(alias),
      encodeBytes(token.identifier),
      encodeBytes(token.password),
      encodeText(token.kind),
      encodeText(token.service),
    );
  }
  parts.push(encodeVLong(creds.secrets.length));
  for (const { alias, secret } of creds.secrets) parts.push(encodeText(alias), encodeBytes(secret));
  return Buffer.concat(parts);
}

function parseWritable(body: Buffer): Credentials {
  const r = new WritableReader(body);
  const tokens: Credentials['tokens'] = [];
  const tokenCount = r.readLength('token count');
  for (let i = 0; i < tokenCount; i++) {
    const alias = r.readText('alias');
    const identifier = r.readBytes(r.readLength('identifier'));
    const password = r.readBytes(r.readLength('password'));
    tokens.push({ alias, token: { identifier, password, kind: r.readText('kind'), service: r.readText('service') } });
  }
  const secrets: Credentials['secrets'] = [];
  const secretCount = r.readLength('secret count');
  for (let i = 0; i < secretCount; i++) secrets.push({ alias: r.readText('alias'), secret: r.readBytes(r.readLength('secret')) });
  return { tokens, secrets };
}

interface KV {
  alias: string;
  token?: { identifier?: Buffer; password?: Buffer; kind?: string; service?: string };
  secret?: Buffer;
}

function parseProtobuf(body: Buffer): Credentials {
  const type = messageType('hadoop.common.CredentialsProto');
  let decoded: { tokens?: KV[]; secrets?: KV[] };
  try {
    decoded = toPlain(type, type.decodeDelimited(body));
  } catch (e) {
    throw tokenFileError('bad PROTOBUF credentials', e);
  }
  return {
    tokens: (decoded.tokens ?? []).map((kv) => ({ alias: kv.alias, token: toToken(kv.token) })),
    secrets: (decoded.secrets ?? []).map((kv) => ({ alias: kv.alias, secret: Buffer.from(kv.secret ?? []) })),
  };
}

/** A TokenProto as decoded from any message (allocate's am_rm_token, NM tokens, container tokens). */
export function toToken(p: { identifier?: Uint8Array; password?: Uint8Array; kind?: string; service?: string } | undefined): HadoopToken {
  return {
    identifier: Buffer.from(p?.identifier ?? []),
    password: Buffer.from(p?.password ?? []),
    kind: p?.kind ?? '',
    service: p?.service ?? '',
  };
}
