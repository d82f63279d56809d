/**
 * The ResourceManager REST API client (`/ws/v1/cluster`, Hadoop 3): what a submitting client needs
 * without Hadoop RPC: cluster info and metrics, queues, new-application, submit, reports, kill, and
 * finding applications by tags and states. On insecure clusters the caller's user goes in
 * `user.name` (pseudo authentication), as Hadoop's own web clients do.
 */
import { hadoopUser } from '@spindle/hdfs';
import { YarnError } from './errors.js';
import { asArray } from './json-shapes.js';
import type {
  ApplicationReport,
  ApplicationSubmission,
  ClusterInfo,
  ClusterMetrics,
  FindApplicationsQuery,
  NewApplication,
  QueueInfo,
  YarnApplicationState,
} from './rm-rest-types.js';

export interface RmRestClientOptions {
  /** http://host:port of yarn.resourcemanager.webapp.address. */
  url: string;
  /** Sent as user.name; default $HADOOP_USER_NAME, else the process's user (the HDFS user, which owns the staging directory). */
  user?: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

export class RmRestClient {
  private readonly base: string;
  private readonly user: string | undefined;
  private readonly timeoutMs: number;

  constructor(opts: RmRestClientOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.user = opts.user ?? hadoopUser();
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async clusterInfo(): Promise<ClusterInfo> {
    return (await this.request<{ clusterInfo: ClusterInfo }>('GET', '/info')).clusterInfo;
  }

  async clusterMetrics(): Promise<ClusterMetrics> {
    return (await this.request<{ clusterMetrics: ClusterMetrics }>('GET', '/metrics')).clusterMetrics;
  }

  /** Every queue of the scheduler tree, parents included (leaf queues carry maximumAllocation). */
  async queues(): Promise<QueueInfo[]> {
    const body = await this.request<{ scheduler?: { schedulerInfo?: RawQueue } }>('GET', '/scheduler');
    const out: QueueInfo[] = [];
    const visit = (q: RawQueue): void => {
      if (q.queueName !== undefined) out.push(toQueueInfo(q));
      for (const child of asArray(q.queues?.queue)) visit(child);
    };
    if (body.scheduler?.schedulerInfo !== undefined) visit(body.scheduler.schedulerInfo);
    return out;
  }

  /** A queue by its short name (`default`) or path (`root.default`); throws YARN_UNKNOWN_QUEUE. */
  async queue(name: string): Promise<QueueInfo> {
    const all = await this.queues();
    const found = all.find((q) => q.queuePath === name || q.queueName === name);
    if (found === undefined) {
      const names = all.filter((q) => q.queueName !== 'root').map((q) => q.queuePath ?? q.queueName);
      throw new YarnError('YARN_UNKNOWN_QUEUE', `YARN queue "${name}" does not exist at ${this.base}; queues: ${names.join(', ')}`, {
        recoverability: 'non-recoverable',
        userFacing: true,
      });
    }
    return found;
  }

  async newApplication(): Promise<NewApplication> {
    const r = await this.request<{ 'application-id': string; 'maximum-resource-capability': { memory: number; vCores: number } }>(
      'POST',
      '/apps/new-application',
    );
    return { applicationId: r['application-id'], maximumResourceCapability: r['maximum-resource-capability'] };
  }

  /**
   * Checks the queue and the AM size against the queue's maximum allocation, then submits. A retry
   * with the same application id is harmless: the RM ignores a known id.
   */
  async submitApplication(s: ApplicationSubmission): Promise<void> {
    const queue = await this.queue(s.queue ?? 'default');
    const max = queue.maximumAllocation;
    if (max !== undefined && (s.resource.memoryMb > max.memory || s.resource.vcores > max.vCores)) {
      throw new YarnError(
        'YARN_RESOURCE_TOO_LARGE',
        `the AM container (${s.resource.memoryMb} MB, ${s.resource.vcores} vcores) exceeds the maximum allocation of queue ` +
          `"${queue.queueName}" (${max.memory} MB, ${max.vCores} vcores; yarn.scheduler.maximum-allocation-mb / -vcores)`,
        { recoverability: 'non-recoverable', userFacing: true },
      );
    }
    await this.request('POST', '/apps', submissionBody(s));
  }

  async application(id: string): Promise<ApplicationReport> {
    return toReport((await this.request<{ app: RawReport }>('GET', `/apps/${encodeURIComponent(id)}`)).app);
  }

  /** Asks the RM to kill; returns the state it reports (KILLED once done, else the current state). */
  async killApplication(id: string): Promise<YarnApplicationState> {
    const r = await this.request<{ state: YarnApplicationState }>('PUT', `/apps/${encodeURIComponent(id)}/state`, { state: 'KILLED' });
    return r.state;
  }

  /**
   * The last `bytes` of a file in the log directory of the application's AppMaster container, read
   * from its NodeManager (`/ws/v1/node/containerlogs/<container>/<file>?size=-<bytes>`); undefined
   * when the report names no AppMaster container or the NodeManager does not serve the file (it
   * serves an ended container's logs until it removes them, unless log aggregation took them).
   */
  async amContainerLogTail(report: ApplicationReport, file: string, bytes = 4096): Promise<string | undefined> {
    const container = /\/(container_[\w]+)(?:\/|$)/.exec(report.amContainerLogs ?? '')?.[1];
    const node = report.amHostHttpAddress;
    if (container === undefined || node === undefined || node === '') return undefined;
    const url = new URL(`http://${node}/ws/v1/node/containerlogs/${container}/${encodeURIComponent(file)}`);
    url.searchParams.set('size', String(-bytes));
    if (this.user !== undefined) url.searchParams.set('user.name', this.user);
    try {
      const res = await fetch(url, { headers: { Accept: 'text/plain' }, signal: AbortSignal.timeout(this.timeoutMs) });
      return res.ok ? logContents(await res.text()) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Applications with ANY of the tags (the RM's rule) and in one of the states. */
  async findApplications(q: FindApplicationsQuery = {}): Promise<ApplicationReport[]> {
    const params = new URLSearchParams();
    if (q.tags !== undefined && q.tags.length > 0) params.set('applicationTags', q.tags.join(','));
    if (q.states !== undefined && q.states.length > 0) params.set('states', q.states.join(','));
    if (q.applicationTypes !== undefined && q.applicationTypes.length > 0) params.set('applicationTypes', q.applicationTypes.join(','));
    if (q.user !== undefined) params.set('user', q.user);
    if (q.limit !== undefined) params.set('limit', String(q.limit));
    const qs = params.toString();
    const r = await this.request<{ apps: { app?: RawReport | RawReport[] } | null }>('GET', `/apps${qs === '' ? '' : `?${qs}`}`);
    return asArray(r.apps?.app).map(toReport);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(`${this.base}/ws/v1/cluster${path}`);
    if (this.user !== undefined && method !== 'GET') url.searchParams.set('user.name', this.user);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new YarnError(
        'YARN_RM_UNREACHABLE',
        `cannot reach the YARN ResourceManager at ${this.base} (${describeFetchError(e)}): is YARN running? ` +
          'check yarn.resourcemanager.webapp.address / HADOOP_CONF_DIR',
        { cause: e, userFacing: true },
      );
    }
    const text = await res.text();
    if (!res.ok) throw httpError(method, url, res.status, text);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }
}

/**
 * The file's text from a NodeManager's log answer: Hadoop 3 wraps it in `Container: ...`,
 * `LogType:`, `LogContents:` lines before and `End of LogType:<file>.` and a rule after.
 */
export function logContents(answer: string): string {
  const start = answer.indexOf('LogContents:\n');
  if (start < 0) return answer;
  const body = answer.slice(start + 'LogContents:\n'.length);
  const end = body.lastIndexOf('\nEnd of LogType:');
  return end < 0 ? body : body.slice(0, end);
}

function describeFetchError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

function httpError(method: string, url: URL, status: number, text: string): YarnError {
  let detail = text.slice(0, 500);
  try {
    const j = JSON.parse(text) as { RemoteException?: { exception?: string; message?: string } };
    if (j.RemoteException !== undefined) detail = `${j.RemoteException.exception ?? ''}: ${j.RemoteException.message ?? ''}`;
  } catch {
    // not JSON: keep the text
  }
  return new YarnError('YARN_RM_HTTP', `${method} ${url.pathname} → HTTP ${status}: ${detail}`, {
    recoverability: status >= 500 ? 'environment' : 'non-recoverable',
  });
}

function submissionBody(s: ApplicationSubmission): object {
  const entries = <V>(m: Record<string, V> | undefined): { entry: Array<{ key: string; value: V }> } => ({
    entry: Object.entries(m ?? {}).map(([key, value]) => ({ key, value })),
  });
  return {
    'application-id': s.applicationId,
    'application-name': s.name,
    queue: s.queue ?? 'default',
    ...(s.priority === undefined ? {} : { priority: s.priority }),
    'application-type': s.applicationType ?? 'SPINDLE',
    'application-tags': { tag: s.tags ?? [] },
    'max-app-attempts': s.maxAppAttempts ?? 1,
    'unmanaged-AM': s.unmanagedAm ?? false,
    'keep-containers-across-application-attempts': s.keepContainersAcrossAttempts ?? false,
    resource: { memory: s.resource.memoryMb, vCores: s.resource.vcores },
    'am-container-spec': {
      'local-resources': entries(s.amContainer.localResources),
      environment: entries(s.amContainer.environment),
      commands: { command: s.amContainer.commands.join(' ') },
    },
  };
}

interface RawQueue {
  queueName?: string;
  queuePath?: string;
  type?: string;
  capacity?: number;
  maxCapacity?: number;
  absoluteMaxCapacity?: number;
  state?: string;
  maximumAllocation?: { memory: number; vCores: number };
  queues?: { queue?: RawQueue | RawQueue[] } | null;
}

function toQueueInfo(q: RawQueue): QueueInfo {
  const { queues: _children, ...rest } = q;
  return {
    queueName: rest.queueName ?? '',
    queuePath: rest.queuePath,
    type: rest.type,
    capacity: rest.capacity,
    maxCapacity: rest.maxCapacity,
    absoluteMaxCapacity: rest.absoluteMaxCapacity,
    state: rest.state,
    maximumAllocation:
      rest.maximumAllocation === undefined ? undefined : { memory: rest.maximumAllocation.memory, vCores: rest.maximumAllocation.vCores },
  };
}

type RawReport = Omit<ApplicationReport, 'applicationTags'> & { applicationTags?: string };

function toReport(r: RawReport): ApplicationReport {
  const tags = (r.applicationTags ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return { ...r, applicationTags: tags };
}
