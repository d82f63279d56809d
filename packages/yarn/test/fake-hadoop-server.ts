/**
 * A fake Hadoop IPC server on loopback, speaking the same wire as the RM and NodeManagers: the
 * preamble, SASL TOKEN/DIGEST-MD5 with one challenge (checking the client's digest with the
 * token it knows), the connection context, then calls answered by a handler the test supplies.
 * Knobs let a test break the exchange on purpose (wrong rspauth, other QOP, Kerberos only...).
 */
import net from 'node:net';
import protobuf from 'protobufjs';
import { encodeMessage, messageType, toPlain } from '../src/proto.js';
import { FrameReader } from '../src/rpc/frames.js';
import { parseDirectives } from '../src/rpc/digest-md5.js';
import { ha1Hex } from '../src/rpc/digest-md5.js';
import crypto from 'node:crypto';
import type { HadoopToken } from '../src/tokens/credentials.js';
import { saslIdentity } from '../src/tokens/identifiers.js';

export interface FakeCall {
  callId: number;
  method: string;
  protocol: string;
  request: Buffer;
  /** Answers with a response message (bytes) or an error status. */
  reply(response: Uint8Array): void;
  fail(status: 'ERROR' | 'FATAL', className: string, errorMsg: string): void;
}

export interface FakeServerOptions {
  token: HadoopToken;
  qop?: string;
  auths?: Array<{ method: string; mechanism: string }>;
  wrongRspauth?: boolean;
  onCall: (call: FakeCall, socket: net.Socket) => void;
}

export class FakeHadoopRpcServer {
  private readonly server: net.Server;
  readonly sockets = new Set<net.Socket>();
  contexts: Array<{ protocol?: string; userInfo?: object }> = [];
  port = 0;
  /** The token SASL accepts; a test may swap it (a rolled AMRM key). */
  token: HadoopToken;

  constructor(private readonly opts: FakeServerOptions) {
    this.token = opts.token;
    this.server = net.createServer((s) => this.accept(s));
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let preamble: Buffer | undefined = Buffer.alloc(0);
    const reader = new FrameReader();
    const nonce = crypto.randomBytes(16).toString('base64');
    socket.on('data', (chunk: Buffer) => {
      if (preamble !== undefined) {
        preamble = Buffer.concat([preamble, chunk]);
        if (preamble.length < 7) return;
        chunk = preamble.subarray(7);
        preamble = undefined;
      }
      for (const frame of reader.push(chunk)) this.onFrame(socket, frame, nonce);
    });
  }

  private onFrame(socket: net.Socket, frame: Buffer, nonce: string): void {
    const r = protobuf.Reader.create(frame);
    const headerType = messageType('hadoop.common.RpcRequestHeaderProto');
    const header = toPlain<{ callId: number; clientId: Buffer }>(headerType, headerType.decode(r.bytes()));
    if (header.callId === -33) return this.onSasl(socket, Buffer.from(r.bytes()), nonce);
    if (header.callId === -3) {
      this.contexts.push(
        toPlain(
          messageType('hadoop.common.IpcConnectionContextProto'),
          messageType('hadoop.common.IpcConnectionContextProto').decode(r.bytes()),
        ),
      );
      return;
    }
    const reqHeader = toPlain<{ methodName: string; declaringClassProtocolName: string }>(
      messageType('hadoop.common.RequestHeaderProto'),
      messageType('hadoop.common.RequestHeaderProto').decode(r.bytes()),
    );
    const request = Buffer.from(r.bytes());
    const send = (fields: object, body?: Uint8Array): void =>
      this.send(socket, { callId: header.callId >>> 0, clientId: header.clientId, ...fields }, body);
    this.opts.onCall(
      {
        callId: header.callId,
        method: reqHeader.methodName,
        protocol: reqHeader.declaringClassProtocolName,
        request,
        reply: (response) => send({ status: 'SUCCESS' }, response),
        fail: (status, className, errorMsg) => {
          send({
            status,
            exceptionClassName: className,
            errorMsg,
            errorDetail: status === 'FATAL' ? 'FATAL_UNKNOWN' : 'ERROR_APPLICATION',
          });
          if (status === 'FATAL') socket.end();
        },
      },
      socket,
    );
  }

  private onSasl(socket: net.Socket, bytes: Buffer, nonce: string): void {
    const sasl = toPlain<{ state: string; token?: Buffer }>(
      messageType('hadoop.common.RpcSaslProto'),
      messageType('hadoop.common.RpcSaslProto').decode(bytes),
    );
    const reply = (message: object): void =>
      this.send(socket, { callId: -33 >>> 0, status: 'SUCCESS' }, encodeMessage('hadoop.common.RpcSaslProto', message));
    if (sasl.state === 'NEGOTIATE') {
      const challenge = `realm="default",nonce="${nonce}",qop="${this.opts.qop ?? 'auth'}",charset=utf-8,algorithm=md5-sess`;
      const auths = (this.opts.auths ?? [{ method: 'TOKEN', mechanism: 'DIGEST-MD5' }]).map((a) => ({
        ...a,
        protocol: '',
        serverId: 'default',
        challenge: Buffer.from(challenge),
      }));
      return reply({ state: 'NEGOTIATE', auths });
    }
    const d = parseDirectives(sasl.token!.toString());
    const creds = saslIdentity(this.token);
    const inputs = { ...creds, realm: 'default', nonce, cnonce: d.get('cnonce')![0]! };
    const expect = (a2: string): string => digest(ha1Hex(inputs), nonce, inputs.cnonce, a2);
    if (d.get('response')?.[0] !== expect('AUTHENTICATE:/default')) {
      this.send(socket, {
        callId: -33 >>> 0,
        status: 'FATAL',
        exceptionClassName: 'javax.security.sasl.SaslException',
        errorMsg: 'DIGEST-MD5: digest response format violation. Mismatched response.',
        errorDetail: 'FATAL_UNAUTHORIZED',
      });
      socket.end();
      return;
    }
    const rspauth = this.opts.wrongRspauth === true ? '0'.repeat(32) : expect(':/default');
    reply({ state: 'SUCCESS', token: Buffer.from(`rspauth=${rspauth}`) });
  }

  private send(socket: net.Socket, header: object, body?: Uint8Array): void {
    const w = protobuf.Writer.create();
    w.bytes(encodeMessage('hadoop.common.RpcResponseHeaderProto', { serverIpcVersionNum: 9, ...header }));
    if (body !== undefined) w.bytes(body);
    const payload = w.finish();
    const len = Buffer.alloc(4);
    len.writeUInt32BE(payload.length);
    socket.write(Buffer.concat([len, payload]));
  }
}

function digest(ha1: string, nonce: string, cnonce: string, a2: string): string {
  const md5 = (s: string): string => crypto.createHash('md5').update(s).digest('hex');
  return md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(a2)}`);
}
