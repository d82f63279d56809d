import { expect } from 'chai';
import { ha1Hex, parseChallenge, parseDirectives, respondToChallenge, verifyRspauth } from '../src/rpc/digest-md5.js';
import { saslIdentity } from '../src/tokens/identifiers.js';

// The test vector of the reference notes (§2.6): an AMRM token identifier and a 20-byte password.
const identifier = Buffer.from('0a0d0a0908011080d095ffbc3110011005', 'hex');
const password = Buffer.from(Array.from({ length: 20 }, (_, i) => i + 1));
const token = { identifier, password, kind: 'YARN_AM_RM_TOKEN', service: '' };
const nonce = 'MTIzNDU2Nzg5MGFiY2RlZg==';
const cnonce = 'Y25vbmNlLWZvci10ZXN0';

describe('SASL DIGEST-MD5', () => {
  it('builds the SASL identity as base64 of identifier and password', () => {
    expect(saslIdentity(token)).to.deep.equal({ username: 'Cg0KCQgBEIDQlf+8MRABEAU=', password: 'AQIDBAUGBwgJCgsMDQ4PEBESExQ=' });
  });

  it('computes HA1, response and rspauth of the test vector', () => {
    const creds = saslIdentity(token);
    expect(ha1Hex({ ...creds, realm: 'default', nonce, cnonce })).to.equal('eda9346ccdf85c6c94f6e0d3d821c13f');
    const challenge = parseChallenge(Buffer.from(`realm="default",nonce="${nonce}",qop="auth",charset=utf-8,algorithm=md5-sess`));
    const step = respondToChallenge(challenge, creds, '/default', cnonce);
    const sent = parseDirectives(step.response.toString());
    expect(sent.get('response')).to.deep.equal(['29c745cbdb32700cfb57bfaa020f395d']);
    expect(sent.get('digest-uri')).to.deep.equal(['/default']);
    expect(sent.get('nc')).to.deep.equal(['00000001']);
    expect(sent.get('qop')).to.deep.equal(['auth']);
    expect(sent.get('username')).to.deep.equal([creds.username]);
    expect(step.expectedRspauth).to.equal('772e1b5d56f3f3878cf2d6f43aadcdea');
    expect(() => verifyRspauth(Buffer.from('rspauth=772e1b5d56f3f3878cf2d6f43aadcdea'), step.expectedRspauth)).not.to.throw();
  });

  it('rejects a wrong rspauth', () => {
    expect(() => verifyRspauth(Buffer.from('rspauth=00000000000000000000000000000000'), 'abc')).to.throw(/rspauth/);
    expect(() => verifyRspauth(undefined, 'abc')).to.throw(/rspauth/);
  });

  it('parses challenge variants: several realms, qop lists, escaped quotes, maxbuf', () => {
    const c = parseChallenge(
      Buffer.from('realm="a",realm="b\\"c",nonce="n",qop="auth,auth-int",maxbuf=1024,charset=utf-8,algorithm=md5-sess'),
    );
    expect(c.realms).to.deep.equal(['a', 'b"c']);
    expect(c.qop).to.deep.equal(['auth', 'auth-int']);
    expect(c.maxbuf).to.equal(1024);
    expect(c.nonce).to.equal('n');
  });

  it('refuses a server that requires integrity or privacy, with the setting named', () => {
    const c = parseChallenge(Buffer.from('realm="default",nonce="n",qop="auth-conf",charset=utf-8,algorithm=md5-sess'));
    expect(() => respondToChallenge(c, { username: 'u', password: 'p' }, '/default')).to.throw(/hadoop\.rpc\.protection/);
  });

  it('refuses a challenge without a nonce', () => {
    expect(() => parseChallenge(Buffer.from('realm="default",qop="auth"'))).to.throw(/nonce/);
  });
});
