/**
 * ApplicationMasterProtocol (the RM's scheduler address, port 8030 by default), typed: register,
 * allocate, finish. Authenticates with the attempt's AMRM token. An `allocate` answer may carry a
 * new AMRM token: the RM rolled its master key and sends the token of the next key with every
 * allocate made over a connection authenticated with an older key, until it activates the next
 * key and stops accepting the old one for new connections. The client adopts the token and makes
 * its next call over a new connection authenticated with it (the RM accepts the next key at once),
 * so the switch happens while both keys are valid and one token is sent per roll. Tracks the
 * allocate response id as Hadoop's client does.
 *
 * Contract: one caller at a time (the driver's heartbeat loop); calls are not queued or retried.
 */
import type { HadoopRpcConnection, ProtocolInfo } from '../rpc/connection.js';
import type { HadoopRpcConnectionPool } from '../rpc/connection-pool.js';
import { toToken, type HadoopToken } from '../tokens/credentials.js';
import type { ContainerIdProto, NodeIdProto, ResourceProto } from '../records.js';
import type { ContainerProto, ContainerStatusProto, NmTokenProto, TokenProto } from './yarn-records.js';

export const APPLICATION_MASTER_PROTOCOL: ProtocolInfo = { name: 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB', version: 1 };

export interface RegisterRequest {
  host: string;
  rpcPort: number;
  trackingUrl?: string;
}

export interface RegisterResponse {
  maximumCapability?: ResourceProto;
  queue?: string;
  containersFromPreviousAttempts: ContainerProto[];
  nmTokensFromPreviousAttempts: NmToken[];
}

export interface ContainerAsk {
  priority: number;
  /** Host, rack, or `*` (any). */
  resourceName: string;
  capability: { memoryMb: number; vcores: number };
  /** The total still outstanding for this (priority, name, capability): replaces what was sent before. */
  numContainers: number;
  relaxLocality?: boolean;
}

export interface AllocateRequest {
  asks?: ContainerAsk[];
  releases?: ContainerIdProto[];
  /** In [0, 1]. */
  progress?: number;
}

export interface NmToken {
  nodeId: NodeIdProto;
  token: HadoopToken;
}

export interface AllocateResponse {
  responseId: number;
  amCommand?: 'AM_RESYNC' | 'AM_SHUTDOWN';
  allocatedContainers: ContainerProto[];
  completedContainers: ContainerStatusProto[];
  limit?: ResourceProto;
  numClusterNodes?: number;
  nmTokens: NmToken[];
  /** A replacement AMRM token, already adopted by this client: its next call authenticates with it. */
  amRmToken?: HadoopToken;
}

export type FinalApplicationStatus = 'UNDEFINED' | 'SUCCEEDED' | 'FAILED' | 'KILLED' | 'ENDED';

export interface FinishRequest {
  finalStatus: FinalApplicationStatus;
  diagnostics?: string;
  trackingUrl?: string;
}

export interface SchedulerAddress {
  host: string;
  port: number;
}

const SVC = 'hadoop.yarn.';

export class ApplicationMasterClient {
  private token: HadoopToken;
  private connection: HadoopRpcConnection | undefined;
  /** The token `connection` authenticated with. */
  private connectionToken: HadoopToken | undefined;
  private lastResponseId = 0;

  constructor(
    private readonly scheduler: SchedulerAddress,
    amRmToken: HadoopToken,
    private readonly pool: HadoopRpcConnectionPool,
  ) {
    this.token = amRmToken;
  }

  /** The token new connections authenticate with. */
  get amRmToken(): HadoopToken {
    return this.token;
  }

  /** Adopts a new AMRM token: the next call closes the open connection and opens one with it. */
  replaceAmRmToken(token: HadoopToken): void {
    this.token = token;
  }

  async register(req: RegisterRequest): Promise<RegisterResponse> {
    const r = await this.call<RawRegisterResponse>('registerApplicationMaster', 'RegisterApplicationMasterRequestProto', {
      host: req.host,
      rpc_port: req.rpcPort,
      tracking_url: req.trackingUrl ?? '',
    });
    this.lastResponseId = 0;
    return {
      maximumCapability: r.maximumCapability,
      queue: r.queue,
      containersFromPreviousAttempts: r.containers_from_previous_attempts ?? [],
      nmTokensFromPreviousAttempts: (r.nm_tokens_from_previous_attempts ?? []).map(toNmToken),
    };
  }

  async allocate(req: AllocateRequest = {}): Promise<AllocateResponse> {
    const r = await this.call<RawAllocateResponse>('allocate', 'AllocateRequestProto', {
      ask: (req.asks ?? []).map(toResourceRequest),
      release: req.releases ?? [],
      response_id: this.lastResponseId,
      progress: Math.min(1, Math.max(0, req.progress ?? 0)),
    });
    this.lastResponseId = r.response_id ?? this.lastResponseId;
    const amRmToken = r.am_rm_token === undefined ? undefined : toToken(r.am_rm_token);
    if (amRmToken !== undefined) this.replaceAmRmToken(amRmToken);
    return {
      responseId: this.lastResponseId,
      amCommand: r.a_m_command,
      allocatedContainers: r.allocated_containers ?? [],
      completedContainers: r.completed_container_statuses ?? [],
      limit: r.limit,
      numClusterNodes: r.num_cluster_nodes,
      nmTokens: (r.nm_tokens ?? []).map(toNmToken),
      amRmToken,
    };
  }

  /** One finish call; true once the RM has stored the final state (Hadoop's client repeats until then). */
  async finish(req: FinishRequest): Promise<boolean> {
    const r = await this.call<{ isUnregistered?: boolean }>('finishApplicationMaster', 'FinishApplicationMasterRequestProto', {
      final_application_status: `APP_${req.finalStatus}`,
      diagnostics: req.diagnostics ?? '',
      tracking_url: req.trackingUrl ?? '',
    });
    return r.isUnregistered === true;
  }

  /** Idempotent; the pool's connections are closed by the pool's owner. */
  close(): void {
    this.connection?.close();
    this.connection = undefined;
    this.connectionToken = undefined;
  }

  private async call<T>(method: string, request: string, body: object): Promise<T> {
    if (this.connection !== undefined && this.connectionToken !== this.token) this.close(); // a new AMRM token
    if (this.connection === undefined || this.connection.isClosed) {
      const token = this.token;
      this.connection = await this.pool.get(this.scheduler.host, this.scheduler.port, APPLICATION_MASTER_PROTOCOL, token);
      this.connectionToken = token;
    }
    return this.connection.call<T>(method, SVC + request, body, SVC + method.replace(/^./, (c) => c.toUpperCase()) + 'ResponseProto');
  }
}

function toResourceRequest(a: ContainerAsk): object {
  return {
    priority: { priority: a.priority },
    resource_name: a.resourceName,
    capability: { memory: a.capability.memoryMb, virtual_cores: a.capability.vcores },
    num_containers: a.numContainers,
    relax_locality: a.relaxLocality ?? true,
  };
}

function toNmToken(t: { nodeId?: NodeIdProto; token?: TokenProto }): NmToken {
  return { nodeId: t.nodeId ?? {}, token: toToken(t.token) };
}

interface RawRegisterResponse {
  maximumCapability?: ResourceProto;
  queue?: string;
  containers_from_previous_attempts?: ContainerProto[];
  nm_tokens_from_previous_attempts?: NmTokenProto[];
}

interface RawAllocateResponse {
  a_m_command?: 'AM_RESYNC' | 'AM_SHUTDOWN';
  response_id?: number;
  allocated_containers?: ContainerProto[];
  completed_container_statuses?: ContainerStatusProto[];
  limit?: ResourceProto;
  num_cluster_nodes?: number;
  nm_tokens?: NmTokenProto[];
  am_rm_token?: TokenProto;
}
