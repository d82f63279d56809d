import { expect } from 'chai';
import { findToken, parseTokenStorage, serializeTokenStorage, TOKEN_KIND } from '../src/tokens/credentials.js';
import { decodeAmRmTokenIdentifier } from '../src/tokens/identifiers.js';
import { encodeVLong, WritableReader } from '../src/tokens/writable.js';
import { attemptIdString } from '../src/records.js';

const identifier = Buffer.from('0a0d0a0908011080d095ffbc3110011005', 'hex');
const password = Buffer.from(Array.from({ length: 20 }, (_, i) => i + 1));
const kind = Buffer.from('YARN_AM_RM_TOKEN');

// The example files of the reference notes (§4.5), byte for byte.
const writable = Buffer.concat([
  Buffer.from('HDTS\x00\x01\x00\x11', 'latin1'),
  identifier,
  Buffer.from([0x14]),
  password,
  Buffer.from([0x10]),
  kind,
  Buffer.from([0x00, 0x00]),
]);
const protobufFile = Buffer.concat([
  Buffer.from('HDTS\x01', 'latin1'),
  Buffer.from([0x43, 0x0a, 0x41, 0x0a, 0x00, 0x12, 0x3d, 0x0a, 0x11]),
  identifier,
  Buffer.from([0x12, 0x14]),
  password,
  Buffer.from([0x1a, 0x10]),
  kind,
  Buffer.from([0x22, 0x00]),
]);

describe('Hadoop token storage', () => {
  const vlongs: Array<[number, string]> = [
    [0, '00'],
    [127, '7f'],
    [128, '8f80'],
    [255, '8fff'],
    [256, '8e0100'],
    [300, '8e012c'],
    [65536, '8d010000'],
    [-1, 'ff'],
    [-112, '90'],
    [-113, '8770'],
    [-256, '87ff'],
    [-257, '860100'],
  ];

  it('encodes and decodes WritableUtils VLongs of the table', () => {
    for (const [v, hex] of vlongs) {
      expect(encodeVLong(v).toString('hex'), `encode ${v}`).to.equal(hex);
      expect(new WritableReader(Buffer.from(hex, 'hex')).readVLong(), `decode ${hex}`).to.equal(BigInt(v));
    }
    for (const v of [2n ** 63n - 1n, -(2n ** 63n), 2n ** 32n, -(2n ** 40n)]) {
      expect(new WritableReader(encodeVLong(v)).readVLong()).to.equal(v);
    }
  });

  for (const [name, bytes] of [
    ['WRITABLE (0)', writable],
    ['PROTOBUF (1)', protobufFile],
  ] as const) {
    it(`reads the ${name} example: one AMRM token with empty alias and service`, () => {
      const creds = parseTokenStorage(bytes);
      expect(creds.tokens).to.have.length(1);
      expect(creds.tokens[0]!.alias).to.equal('');
      const t = findToken(creds, TOKEN_KIND.amrm)!;
      expect(t.identifier.equals(identifier)).to.equal(true);
      expect(t.password.equals(password)).to.equal(true);
      expect(t.service).to.equal('');
      expect(creds.secrets).to.deep.equal([]);
      expect(attemptIdString(decodeAmRmTokenIdentifier(t).appAttemptId)).to.equal('appattempt_1700000000000_0001_000001');
      expect(decodeAmRmTokenIdentifier(t).keyId).to.equal(5);
    });
  }

  it('writes both formats as Hadoop does', () => {
    const creds = parseTokenStorage(writable);
    expect(serializeTokenStorage(creds, 'writable').equals(writable)).to.equal(true);
    expect(serializeTokenStorage(creds, 'protobuf').equals(protobufFile)).to.equal(true);
  });

  it('round-trips secrets and several tokens', () => {
    const creds = {
      tokens: [
        { alias: 'a', token: { identifier: Buffer.from([1]), password: Buffer.from([2]), kind: 'K', service: '127.0.0.1:1' } },
        { alias: '', token: { identifier, password, kind: 'YARN_AM_RM_TOKEN', service: '' } },
      ],
      secrets: [{ alias: 's', secret: Buffer.alloc(300, 7) }],
    };
    for (const f of ['writable', 'protobuf'] as const) expect(parseTokenStorage(serializeTokenStorage(creds, f))).to.deep.equal(creds);
  });

  it('rejects a bad magic, an unknown version and a truncated file', () => {
    expect(() => parseTokenStorage(Buffer.from('HDTX\x00\x00\x00'))).to.throw(/magic/);
    expect(() => parseTokenStorage(Buffer.from('HDTS\x07\x00\x00', 'latin1'))).to.throw(/unknown credential format 7/);
    expect(() => parseTokenStorage(writable.subarray(0, 20))).to.throw(/Hadoop token storage/);
  });
});
