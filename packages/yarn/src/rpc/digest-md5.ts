/**
 * The client side of SASL DIGEST-MD5 (RFC 2831) as Hadoop's token authentication uses it: one
 * challenge from the server, one response, then the server's `rspauth` to verify. Only QOP `auth`
 * (authentication without integrity or privacy layers) is supported; a server that offers only
 * `auth-int` or `auth-conf` (hadoop.rpc.protection = integrity / privacy) is refused clearly.
 */
import crypto from 'node:crypto';
import { YarnError } from '../errors.js';

export interface DigestChallenge {
  realms: string[];
  nonce: string;
  qop: string[];
  charset?: string;
  algorithm?: string;
  maxbuf?: number;
}

export interface DigestCredentials {
  /** base64(token identifier) */
  username: string;
  /** base64(token password) */
  password: string;
}

export interface DigestStep {
  /** The bytes to send as the SASL token. */
  response: Buffer;
  /** The `rspauth` value the server must send back. */
  expectedRspauth: string;
}

/** Parses `key=value` / `key="quoted \" value"` directives, comma-separated. */
export function parseDirectives(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /[\s,]/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    if (eq < 0) throw saslError(`malformed DIGEST-MD5 challenge near "${text.slice(i)}"`);
    const key = text.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let value = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') i++;
        value += text[i] ?? '';
        i++;
      }
      if (text[i] !== '"') throw saslError('unterminated quoted value in DIGEST-MD5 challenge');
      i++;
    } else {
      const end = text.indexOf(',', i);
      value = text.slice(i, end < 0 ? text.length : end).trim();
      i = end < 0 ? text.length : end;
    }
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}

export function parseChallenge(bytes: Uint8Array): DigestChallenge {
  const d = parseDirectives(Buffer.from(bytes).toString('utf8'));
  const nonce = d.get('nonce')?.[0];
  if (nonce === undefined) throw saslError('DIGEST-MD5 challenge without a nonce');
  const qop = (d.get('qop') ?? ['auth'])
    .flatMap((q) => q.split(','))
    .map((q) => q.trim())
    .filter((q) => q !== '');
  const maxbuf = d.get('maxbuf')?.[0];
  return {
    realms: d.get('realm') ?? [],
    nonce,
    qop,
    charset: d.get('charset')?.[0],
    algorithm: d.get('algorithm')?.[0],
    maxbuf: maxbuf === undefined ? undefined : Number(maxbuf),
  };
}

/** Computes the response to a challenge; `cnonce` is random unless given (tests). */
export function respondToChallenge(
  challenge: DigestChallenge,
  creds: DigestCredentials,
  digestUri: string,
  cnonce: string = crypto.randomBytes(24).toString('base64'),
): DigestStep {
  if (!challenge.qop.includes('auth')) {
    throw saslError(
      `the server requires SASL QOP ${challenge.qop.join(', ')} (hadoop.rpc.protection = integrity or privacy); ` +
        'only "authentication" (QOP auth) is supported',
    );
  }
  if (challenge.algorithm !== undefined && challenge.algorithm.toLowerCase() !== 'md5-sess') {
    throw saslError(`unsupported DIGEST-MD5 algorithm ${challenge.algorithm}`);
  }
  const realm = challenge.realms[0] ?? '';
  const values = { username: creds.username, password: creds.password, realm, nonce: challenge.nonce, cnonce, digestUri };
  const response = responseValue(values, `AUTHENTICATE:${digestUri}`);
  const expectedRspauth = responseValue(values, `:${digestUri}`);
  const text =
    `charset=utf-8,username="${quote(creds.username)}",realm="${quote(realm)}",nonce="${quote(challenge.nonce)}",` +
    `nc=${NC},cnonce="${quote(cnonce)}",digest-uri="${quote(digestUri)}",maxbuf=65536,response=${response},qop=auth`;
  return { response: Buffer.from(text, 'utf8'), expectedRspauth };
}

/** Checks the server's final `rspauth=<hex>`; a mismatch means the server does not know the token. */
export function verifyRspauth(token: Uint8Array | undefined, expected: string): void {
  const got = token === undefined ? undefined : parseDirectives(Buffer.from(token).toString('utf8')).get('rspauth')?.[0];
  if (got !== expected) throw saslError('the server failed DIGEST-MD5 mutual authentication (wrong rspauth)');
}

const NC = '00000001';

interface ResponseInputs {
  username: string;
  password: string;
  realm: string;
  nonce: string;
  cnonce: string;
}

/** HA1 as a hex string, exposed for the test vectors. */
export function ha1Hex(v: ResponseInputs): string {
  const inner = md5(Buffer.from(`${v.username}:${v.realm}:${v.password}`, 'utf8'));
  return hex(md5(Buffer.concat([inner, Buffer.from(`:${v.nonce}:${v.cnonce}`, 'utf8')])));
}

function responseValue(v: ResponseInputs, a2: string): string {
  const ha2 = hex(md5(Buffer.from(a2, 'utf8')));
  return hex(md5(Buffer.from(`${ha1Hex(v)}:${v.nonce}:${NC}:${v.cnonce}:auth:${ha2}`, 'utf8')));
}

function md5(b: Buffer): Buffer {
  return crypto.createHash('md5').update(b).digest();
}

function hex(b: Buffer): string {
  return b.toString('hex');
}

function quote(s: string): string {
  return s.replace(/(["\\])/g, '\\$1');
}

function saslError(message: string): YarnError {
  return new YarnError('HADOOP_SASL', `SASL DIGEST-MD5: ${message}`, { recoverability: 'non-recoverable' });
}
