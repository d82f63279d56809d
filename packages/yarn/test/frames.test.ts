import { expect } from 'chai';
import { decodeResponseFrame, encodeFrame, FrameReader } from '../src/rpc/frames.js';
import { encodeMessage } from '../src/proto.js';
import { containerIdString, parseContainerId } from '../src/records.js';

const clientId = Buffer.alloc(16, 0xab);
const AM = 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB';

describe('Hadoop RPC frames', () => {
  it('encodes the SASL NEGOTIATE frame byte for byte', () => {
    const sasl = encodeMessage('hadoop.common.RpcSaslProto', { state: 'NEGOTIATE' });
    const frame = encodeFrame({ callId: -33, clientId: Buffer.alloc(0), retryCount: -1 }, [sasl]);
    expect(frame.toString('hex')).to.equal('0000000e' + '0a0802100018412200' + '2801' + '021001');
  });

  it('encodes request headers with zig-zag call ids and present zero fields', () => {
    const header = (callId: number, retryCount: number): string =>
      encodeFrame({ callId, clientId, retryCount }, []).subarray(4).toString('hex');
    const ab = 'ab'.repeat(16);
    expect(header(-3, -1)).to.equal(`1a0802100018052210${ab}2801`);
    expect(header(-4, -1)).to.equal(`1a0802100018072210${ab}2801`);
    expect(header(0, 0)).to.equal(`1a0802100018002210${ab}2800`);
  });

  it('encodes the connection context and the call header of the reference', () => {
    const ctx = Buffer.from(encodeMessage('hadoop.common.IpcConnectionContextProto', { userInfo: {}, protocol: AM }));
    expect(ctx.subarray(0, 4).toString('hex')).to.equal('12001a36');
    const hdr = Buffer.from(
      encodeMessage('hadoop.common.RequestHeaderProto', {
        methodName: 'allocate',
        declaringClassProtocolName: AM,
        clientProtocolVersion: 1,
      }),
    );
    expect(hdr.length).to.equal(0x44);
    expect(hdr.subarray(0, 10).toString('latin1')).to.equal('\x0a\x08allocate');
    expect(hdr.subarray(hdr.length - 2).toString('hex')).to.equal('1801');
  });

  it('reads a server SASL header with the uint32 call id as -33', () => {
    const f = decodeResponseFrame(Buffer.from('0e08dfffffff0f100018093a004001' + '021000', 'hex'));
    expect(f.header.callId).to.equal(-33);
    expect(f.header.status).to.equal('SUCCESS');
    expect(f.header.serverIpcVersionNum).to.equal(9);
    expect(f.messages.map((m) => m.toString('hex'))).to.deep.equal(['1000']);
  });

  it('splits a byte stream into frames at every chunk boundary, and two frames in one chunk', () => {
    const one = Buffer.from('00000003020102', 'hex');
    const two = Buffer.from('000000020100', 'hex');
    const stream = Buffer.concat([one, two]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = new FrameReader();
      const frames = [...r.push(stream.subarray(0, cut)), ...r.push(stream.subarray(cut))];
      expect(
        frames.map((f) => f.toString('hex')),
        `cut ${cut}`,
      ).to.deep.equal(['020102', '0100']);
    }
  });

  it('refuses a non-positive frame length', () => {
    expect(() => new FrameReader().push(Buffer.from('00000000', 'hex'))).to.throw(/length/);
  });
});

describe('YARN ids', () => {
  it('formats and parses container ids with and without epoch', () => {
    for (const s of ['container_1410901177871_0001_01_000005', 'container_e17_1410901177871_0001_01_000005']) {
      expect(containerIdString(parseContainerId(s))).to.equal(s);
    }
    expect(parseContainerId('container_e17_1410901177871_0001_01_000005').id).to.equal(17 * 2 ** 40 + 5);
  });
});
