/**
 * One Hadoop IPC connection authenticated with a token (SASL TOKEN / DIGEST-MD5, QOP auth), for one
 * protocol. Order on the wire: preamble + NEGOTIATE, server NEGOTIATE (with its first challenge),
 * INITIATE (our digest response), SUCCESS (rspauth), then the connection context, then calls.
 * Calls are multiplexed by call id; answers may come in any order. An ERROR response fails one
 * call; a FATAL one (or EOF) fails every pending call and closes the connection.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import protobuf from 'protobufjs';
import { HadoopRemoteError, YarnError } from '../errors.js';
import { encodeMessage, messageType, toPlain } from '../proto.js';
import type { HadoopToken } from '../tokens/credentials.js';
import { saslIdentity } from '../tokens/identifiers.js';
import { parseChallenge, respondToChallenge, verifyRspauth } from './digest-md5.js';
import { CALL_ID, decodeResponseFrame, encodeFrame, FrameReader, PREAMBLE_SASL, type ResponseFrame } from './frames.js';

export interface ProtocolInfo {
  /** The `@ProtocolInfo` name, e.g. org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB. */
  name: string;
  version: number;
}

export interface RpcConnectionOptions {
  host: string;
  port: number;
  protocol: ProtocolInfo;
  token: HadoopToken;
  /** Connect + SASL + context; default 20 s. */
  connectTimeoutMs?: number;
  /** Per call; default 60 s. The connection survives a timed-out call. */
  callTimeoutMs?: number;
}

interface PendingCall {
  resolve: (bytes: Buffer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  method: string;
}

type SaslAuth = protobuf.Message & { method: string; mechanism: string; protocol?: string; serverId?: string; challenge?: Uint8Array };
type SaslMessage = protobuf.Message & { state: number; token?: Uint8Array; auths: SaslAuth[] };

export class HadoopRpcConnection {
  readonly address: string;
  private readonly socket: net.Socket;
  private readonly reader = new FrameReader();
  private readonly clientId = crypto.randomBytes(16);
  private readonly pending = new Map<number, PendingCall>();
  private handshakeQueue: ResponseFrame[] = [];
  private handshakeWaiter: ((f: ResponseFrame | Error) => void) | undefined;
  private handshaking = true;
  private nextCallId = 0;
  private closedWith: Error | undefined;

  private constructor(private readonly opts: RpcConnectionOptions) {
    this.address = `${opts.host}:${opts.port}`;
    this.socket = new net.Socket();
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (e) => this.fail(connectionError(`connection to ${this.address} failed: ${e.message}`, e)));
    this.socket.on('close', () => this.fail(connectionError(`connection to ${this.address} closed by the server`)));
  }

  /** Connects and authenticates; rejects with a YarnError (SASL, remote or connection). */
  static async open(opts: RpcConnectionOptions): Promise<HadoopRpcConnection> {
    const conn = new HadoopRpcConnection(opts);
    const timeoutMs = opts.connectTimeoutMs ?? 20_000;
    const timer = setTimeout(
      () =>
        conn.fail(
          new YarnError('HADOOP_RPC_TIMEOUT', `connecting to ${conn.address} (${opts.protocol.name}) timed out after ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    try {
      await conn.connectSocket();
      await conn.authenticate();
      conn.sendContext();
      return conn;
    } catch (e) {
      conn.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  get isClosed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Calls `method`; `request` is encoded as `requestType`, the answer decoded as `responseType`. */
  async call<T>(method: string, requestType: string, request: object, responseType: string): Promise<T> {
    const bytes = await this.callRaw(method, encodeMessage(requestType, request));
    const type = messageType(responseType);
    return toPlain<T>(type, type.decode(bytes));
  }

  callRaw(method: string, request: Uint8Array): Promise<Buffer> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    const callId = this.nextCallId;
    this.nextCallId = (this.nextCallId + 1) & 0x7fffffff;
    const header = encodeMessage('hadoop.common.RequestHeaderProto', {
      methodName: method,
      declaringClassProtocolName: this.opts.protocol.name,
      clientProtocolVersion: this.opts.protocol.version,
    });
    const timeoutMs = this.opts.callTimeoutMs ?? 60_000;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(callId);
        reject(new YarnError('HADOOP_RPC_TIMEOUT', `${method} on ${this.address} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(callId, { resolve, reject, timer, method });
      this.socket.write(encodeFrame({ callId, clientId: this.clientId, retryCount: 0 }, [header, request]));
    });
  }

  /** Idempotent. Pending calls fail with a connection error. */
  close(): void {
    this.fail(connectionError(`connection to ${this.address} closed`));
  }

  private connectSocket(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void =>
        reject(connectionError(`cannot connect to ${this.address} (${this.opts.protocol.name}): ${e.message}`, e));
      // Closed before connecting: by the open timeout (its error is kept) or by close().
      const onClose = (): void => reject(this.closedWith ?? connectionError(`connection to ${this.address} closed while connecting`));
      this.socket.once('error', onError);
      this.socket.once('close', onClose);
      this.socket.connect(this.opts.port, this.opts.host, () => {
        this.socket.off('error', onError);
        this.socket.off('close', onClose);
        resolve();
      });
    });
  }

  private async authenticate(): Promise<void> {
    this.socket.write(Buffer.concat([PREAMBLE_SASL, this.saslFrame({ state: 'NEGOTIATE' })]));
    const negotiate = await this.nextSaslMessage();
    if (negotiate.state === STATE.SUCCESS) return; // the server switched to SIMPLE: nothing to prove
    if (negotiate.state !== STATE.NEGOTIATE) throw saslProtocolError(`unexpected SASL state ${negotiate.state} after NEGOTIATE`);
    const auth = this.chooseAuth(negotiate.auths);
    const challenge = auth.challenge;
    if (challenge === undefined || challenge.length === 0) throw saslProtocolError('the server sent no DIGEST-MD5 challenge');
    const digestUri = `${auth.protocol ?? ''}/${auth.serverId ?? ''}`;
    const step = respondToChallenge(parseChallenge(challenge), saslIdentity(this.opts.token), digestUri);
    // The server compares the echoed auth (without challenge) field by field, presence included.
    delete auth.challenge;
    this.socket.write(this.saslFrame({ state: 'INITIATE', token: step.response, auths: [auth] }));
    const success = await this.nextSaslMessage();
    if (success.state !== STATE.SUCCESS)
      throw saslProtocolError(`unexpected SASL state ${success.state} after INITIATE (only one-step DIGEST-MD5 is supported)`);
    verifyRspauth(success.token, step.expectedRspauth);
    this.handshaking = false;
  }

  private chooseAuth(auths: SaslAuth[]): SaslAuth {
    const token = auths.find((a) => a.method === 'TOKEN' && a.mechanism === 'DIGEST-MD5');
    if (token !== undefined) return token;
    const offered = auths.map((a) => `${a.method}/${a.mechanism}`).join(', ');
    const kerberos = auths.some((a) => a.method === 'KERBEROS');
    throw new YarnError(
      'HADOOP_SASL',
      kerberos
        ? `${this.address} requires Kerberos (offered: ${offered}); Kerberos-secured clusters are not supported, only token authentication (TOKEN/DIGEST-MD5)`
        : `${this.address} offers no token authentication (offered: ${offered})`,
      { recoverability: 'non-recoverable' },
    );
  }

  private sendContext(): void {
    // With TOKEN auth the token names the user: Hadoop's client sends an empty userInfo.
    const context = encodeMessage('hadoop.common.IpcConnectionContextProto', { userInfo: {}, protocol: this.opts.protocol.name });
    this.socket.write(encodeFrame({ callId: CALL_ID.connectionContext, clientId: this.clientId, retryCount: -1 }, [context]));
  }

  private saslFrame(message: object): Buffer {
    const type = messageType('hadoop.common.RpcSaslProto');
    const bytes = type.encode(type.fromObject(message)).finish();
    return encodeFrame({ callId: CALL_ID.sasl, clientId: Buffer.alloc(0), retryCount: -1 }, [bytes]);
  }

  private async nextSaslMessage(): Promise<SaslMessage> {
    const frame = await this.nextHandshakeFrame();
    const { header } = frame;
    if (header.status !== 'SUCCESS') throw this.remoteError(header, 'SASL authentication');
    if (header.callId !== CALL_ID.sasl) throw saslProtocolError(`non-SASL response (call id ${header.callId}) during negotiation`);
    const bytes = frame.messages[0];
    if (bytes === undefined) throw saslProtocolError('SASL response without a message');
    return messageType('hadoop.common.RpcSaslProto').decode(bytes) as SaslMessage;
  }

  private nextHandshakeFrame(): Promise<ResponseFrame> {
    const queued = this.handshakeQueue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      this.handshakeWaiter = (f) => (f instanceof Error ? reject(f) : resolve(f));
    });
  }

  private onData(chunk: Buffer): void {
    try {
      for (const body of this.reader.push(chunk)) this.onFrame(decodeResponseFrame(body));
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private onFrame(frame: ResponseFrame): void {
    if (this.handshaking) {
      const waiter = this.handshakeWaiter;
      this.handshakeWaiter = undefined;
      if (waiter !== undefined) waiter(frame);
      else this.handshakeQueue.push(frame);
      return;
    }
    const { header } = frame;
    if (header.status === 'FATAL') {
      this.fail(this.remoteError(header, `call ${this.pending.get(header.callId)?.method ?? header.callId}`));
      return;
    }
    const call = this.pending.get(header.callId);
    if (call === undefined) return; // timed out earlier
    this.pending.delete(header.callId);
    clearTimeout(call.timer);
    if (header.status === 'ERROR') call.reject(this.remoteError(header, call.method));
    else call.resolve(frame.messages[0] ?? Buffer.alloc(0));
  }

  private remoteError(header: ResponseFrame['header'], what: string): HadoopRemoteError {
    return new HadoopRemoteError({
      className: header.exceptionClassName ?? 'unknown',
      errorMsg: header.errorMsg ?? '',
      fatal: header.status === 'FATAL',
      errorDetail: header.errorDetail,
      context: `${what} on ${this.address} (${this.opts.protocol.name})`,
    });
  }

  private fail(error: Error): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = error;
    const waiter = this.handshakeWaiter;
    this.handshakeWaiter = undefined;
    waiter?.(error);
    for (const call of this.pending.values()) {
      clearTimeout(call.timer);
      call.reject(error);
    }
    this.pending.clear();
    this.socket.destroy();
  }
}

const STATE = { SUCCESS: 0, NEGOTIATE: 1, INITIATE: 2, CHALLENGE: 3, RESPONSE: 4 } as const;

function connectionError(message: string, cause?: unknown): YarnError {
  return new YarnError('HADOOP_RPC_CONNECTION', message, { cause });
}

function saslProtocolError(message: string): YarnError {
  return new YarnError('HADOOP_SASL', `SASL: ${message}`, { recoverability: 'non-recoverable' });
}
