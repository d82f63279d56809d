import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type * as Grpc from '@grpc/grpc-js';
import { grpc, protoLoader } from './grpc-modules.js';
import { SpindleError, errorMessage, getLogger } from '@spindle/core';
import { BLOB_SERVICE, PROTO_DIR } from '@spindle/protocol';
import type { BlobStore } from '../blob/blob-store.js';
import { grpcCallError } from './grpc-errors.js';
import type { GrpcRpcService } from './grpc-rpc-service.js';

interface BlobRequest {
  key: string;
  cluster_id: string;
}

interface BlobChunk {
  size: number | string;
  data: Buffer;
}

type BlobServiceClient = Grpc.Client & {
  getBlob(req: BlobRequest, md?: Grpc.Metadata, opts?: Grpc.CallOptions): Grpc.ClientReadableStream<BlobChunk>;
};

/** Chunks stay far below gRPC's 4 MiB message limit. */
const CHUNK_BYTES = 1024 * 1024;

function loadBlobService(): Grpc.ServiceClientConstructor {
  const def = protoLoader().loadSync(path.join(PROTO_DIR, BLOB_SERVICE.file), {
    keepCase: true,
    defaults: true,
    longs: Number,
    includeDirs: [PROTO_DIR],
  });
  const pkg = grpc().loadPackageDefinition(def) as unknown as { spindle: { rpc: Record<string, Grpc.ServiceClientConstructor> } };
  return pkg.spindle.rpc[BLOB_SERVICE.service]!;
}

function statusError(code: Grpc.status, details: string): Partial<Grpc.StatusObject> & Error {
  return Object.assign(new Error(details), { code, details });
}

/**
 * Serves a blob store's blobs on the JobManager's rpc port (blob.proto): each blob as a stream
 * of chunks read from its file, so no blob is ever held in memory or sent as one message.
 */
export class GrpcBlobServer {
  private readonly log = getLogger('blob-server');

  constructor(
    private readonly store: BlobStore,
    private readonly clusterId: string,
  ) {}

  /** Adds the service to `rpc`; call before `rpc.start()`. */
  register(rpc: GrpcRpcService): void {
    rpc.addService(loadBlobService().service, {
      getBlob: (call: Grpc.ServerWritableStream<BlobRequest, BlobChunk>) => void this.serve(call),
    });
  }

  private async serve(call: Grpc.ServerWritableStream<BlobRequest, BlobChunk>): Promise<void> {
    const { key, cluster_id: clusterId } = call.request;
    if (clusterId !== this.clusterId) {
      call.emit(
        'error',
        statusError(
          grpc().status.PERMISSION_DENIED,
          `rejected a blob request from cluster '${clusterId}': this is cluster '${this.clusterId}'`,
        ),
      );
      return;
    }
    let blob: { path: string; size: number };
    try {
      blob = await this.store.localFile(key);
    } catch (e) {
      call.emit('error', statusError(grpc().status.NOT_FOUND, errorMessage(e)));
      return;
    }
    try {
      if (blob.size === 0) call.write({ size: 0, data: Buffer.alloc(0) });
      for await (const data of fs.createReadStream(blob.path, { highWaterMark: CHUNK_BYTES })) {
        if (call.cancelled) return;
        if (!call.write({ size: blob.size, data: data as Buffer })) await once(call, 'drain');
      }
      call.end();
    } catch (e) {
      this.log.warn('cannot serve a blob', { key, error: e });
      call.emit('error', statusError(grpc().status.INTERNAL, `cannot read blob ${key}: ${errorMessage(e)}`));
    }
  }
}

/** Fetches blobs from a JobManager's blob service into files, one stream per blob. */
export class GrpcBlobClient {
  private readonly client: BlobServiceClient;

  /** `hostPort`: the JobManager's rpc address (jobmanager.rpc.address:jobmanager.rpc.port). */
  constructor(
    private readonly hostPort: string,
    private readonly clusterId: string,
  ) {
    const Service = loadBlobService();
    this.client = new Service(hostPort, grpc().credentials.createInsecure()) as unknown as BlobServiceClient;
  }

  /**
   * Writes blob `key` to `target` and resolves once all of it is there; rejects when the stream
   * breaks off or delivers another size than announced. `target` may then hold a part: the
   * caller writes to a temporary name and removes it on failure.
   */
  async fetch(key: string, target: string): Promise<void> {
    const stream = this.client.getBlob({ key, cluster_id: this.clusterId });
    const out = fs.createWriteStream(target);
    let expected: number | undefined;
    let received = 0;
    try {
      for await (const chunk of stream as AsyncIterable<BlobChunk>) {
        expected = Number(chunk.size);
        received += chunk.data.length;
        if (!out.write(chunk.data)) await once(out, 'drain');
      }
    } catch (e) {
      await discard(out);
      if (!isServiceError(e)) throw e;
      if (e.code === grpc().status.NOT_FOUND)
        throw new SpindleError(`${e.details} at ${this.hostPort}`, { code: 'BLOB_NOT_FOUND', recoverability: 'non-recoverable' });
      throw grpcCallError(`the blob service at ${this.hostPort} (blob ${key})`, e);
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    if (expected === undefined || received !== expected) {
      throw new SpindleError(
        `blob ${key} from ${this.hostPort} broke off: ${received} of ${expected ?? 'an unknown number of'} bytes arrived`,
        {
          code: 'BLOB_INCOMPLETE',
          recoverability: 'environment',
        },
      );
    }
  }

  close(): void {
    this.client.close();
  }
}

/** Destroys a file stream and waits until its file is closed (or its open failed), so nothing of it outlives the fetch. */
function discard(out: fs.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    out.once('close', () => resolve());
    out.on('error', () => undefined);
    out.destroy();
  });
}

function isServiceError(e: unknown): e is Grpc.ServiceError {
  return e instanceof Error && typeof (e as Partial<Grpc.ServiceError>).code === 'number' && 'metadata' in e;
}
