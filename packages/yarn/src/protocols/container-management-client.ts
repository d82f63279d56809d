/**
 * ContainerManagementProtocol (each NodeManager's RPC address, the container's NodeId), typed:
 * start, stop, status. Each NodeManager is reached with the NM token the RM issued for it (cached
 * here per node, replaced when a newer one arrives); each start carries the container's own token.
 */
import type { ProtocolInfo } from '../rpc/connection.js';
import type { HadoopRpcConnectionPool } from '../rpc/connection-pool.js';
import type { HadoopToken } from '../tokens/credentials.js';
import { YarnError } from '../errors.js';
import { containerIdString, nodeIdString, type ContainerIdProto, type NodeIdProto } from '../records.js';
import type { ContainerExceptionMapProto, ContainerProto, ContainerStatusProto } from './yarn-records.js';
import type { NmToken } from './application-master-client.js';

export const CONTAINER_MANAGEMENT_PROTOCOL: ProtocolInfo = { name: 'org.apache.hadoop.yarn.api.ContainerManagementProtocolPB', version: 1 };

export interface LocalResource {
  /** e.g. hdfs://nn:8020/user/u/.spindle/app/engine.tgz or file:///path */
  url: string;
  type: 'ARCHIVE' | 'FILE' | 'PATTERN';
  visibility: 'PUBLIC' | 'PRIVATE' | 'APPLICATION';
  size: number;
  /** Modification time of the source, ms; must match or localization fails. */
  timestamp: number;
}

export interface ContainerLaunchContext {
  /** link name in the working directory → resource */
  localResources?: Record<string, LocalResource>;
  environment?: Record<string, string>;
  /** Joined with spaces into one `bash -c` line by the NodeManager. */
  commands: string[];
  /** Token storage (HDTS) handed to the container; never include the AMRM token. */
  tokens?: Buffer;
}

export interface ContainerFailure {
  containerId: string;
  className: string;
  message: string;
}

export interface ContainerOpResult {
  succeeded: string[];
  failed: ContainerFailure[];
}

const SVC = 'hadoop.yarn.';

export class ContainerManagerClient {
  private readonly nmTokens = new Map<string, HadoopToken>();

  constructor(private readonly pool: HadoopRpcConnectionPool) {}

  /** Stores NM tokens from register/allocate; a newer token for a node replaces the older. */
  addNmTokens(tokens: Iterable<NmToken>): void {
    for (const t of tokens) this.nmTokens.set(nodeIdString(t.nodeId), t.token);
  }

  async startContainer(container: ContainerProto, context: ContainerLaunchContext): Promise<ContainerOpResult> {
    const r = await this.call<RawOpResponse>(container.nodeId, 'startContainers', 'StartContainersRequestProto', {
      start_container_request: [{ container_launch_context: toLaunchContext(context), container_token: container.container_token }],
    });
    return toResult(r);
  }

  async stopContainers(nodeId: NodeIdProto, ids: ContainerIdProto[]): Promise<ContainerOpResult> {
    return toResult(await this.call<RawOpResponse>(nodeId, 'stopContainers', 'StopContainersRequestProto', { container_id: ids }));
  }

  async getContainerStatuses(
    nodeId: NodeIdProto,
    ids: ContainerIdProto[],
  ): Promise<{ statuses: ContainerStatusProto[]; failed: ContainerFailure[] }> {
    const r = await this.call<RawOpResponse & { status?: ContainerStatusProto[] }>(
      nodeId,
      'getContainerStatuses',
      'GetContainerStatusesRequestProto',
      {
        container_id: ids,
      },
    );
    return { statuses: r.status ?? [], failed: toResult(r).failed };
  }

  private async call<T>(nodeId: NodeIdProto | undefined, method: string, request: string, body: object): Promise<T> {
    const node = nodeIdString(nodeId);
    const token = this.nmTokens.get(node);
    if (token === undefined || nodeId?.host === undefined || nodeId.port === undefined) {
      throw new YarnError(
        'HADOOP_RPC_PROTOCOL',
        `no NM token for NodeManager ${node}: the RM sends one with the first container on each node`,
        {
          recoverability: 'recoverable',
        },
      );
    }
    const conn = await this.pool.get(nodeId.host, nodeId.port, CONTAINER_MANAGEMENT_PROTOCOL, token);
    return conn.call<T>(method, SVC + request, body, SVC + method.replace(/^./, (c) => c.toUpperCase()) + 'ResponseProto');
  }
}

function toLaunchContext(c: ContainerLaunchContext): object {
  return {
    localResources: Object.entries(c.localResources ?? {}).map(([key, r]) => ({ key, value: toLocalResource(r) })),
    environment: Object.entries(c.environment ?? {}).map(([key, value]) => ({ key, value })),
    command: c.commands,
    ...(c.tokens === undefined ? {} : { tokens: c.tokens }),
  };
}

function toLocalResource(r: LocalResource): object {
  const u = new URL(r.url);
  return {
    resource: {
      scheme: u.protocol.replace(/:$/, ''),
      host: u.hostname,
      port: u.port === '' ? -1 : Number(u.port),
      file: decodeURIComponent(u.pathname),
    },
    size: r.size,
    timestamp: r.timestamp,
    type: r.type,
    visibility: r.visibility,
  };
}

interface RawOpResponse {
  succeeded_requests?: ContainerIdProto[];
  failed_requests?: ContainerExceptionMapProto[];
}

function toResult(r: RawOpResponse): ContainerOpResult {
  return {
    succeeded: (r.succeeded_requests ?? []).map(containerIdString),
    failed: (r.failed_requests ?? []).map((f) => ({
      containerId: f.container_id === undefined ? '' : containerIdString(f.container_id),
      className: f.exception?.class_name ?? '',
      message: f.exception?.message ?? '',
    })),
  };
}
