/**
 * Questions the harness asks the running servers over their own HTTP interfaces: the
 * ResourceManager's REST API and WebHDFS. Each answers `undefined`
 * rather than throwing when a server does not answer (yet).
 */
import net from 'node:net';

const REQUEST_TIMEOUT_MS = 5_000;

async function getJson(url: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/** The ResourceManager's `clusterInfo.state` (`STARTED` when up). */
export async function resourceManagerState(web: string): Promise<string | undefined> {
  const body = (await getJson(`http://${web}/ws/v1/cluster/info`).catch(() => undefined)) as
    { clusterInfo?: { state?: string } } | undefined;
  return body?.clusterInfo?.state;
}

/** NodeManagers in state RUNNING, from `/ws/v1/cluster/nodes` (a list, one object or null). */
export async function runningNodeManagers(web: string): Promise<number | undefined> {
  const body = (await getJson(`http://${web}/ws/v1/cluster/nodes`).catch(() => undefined)) as
    { nodes?: { node?: { state?: string } | { state?: string }[] } | null } | undefined;
  if (body === undefined) return undefined;
  const nodes = body.nodes?.node;
  const list = nodes === undefined ? [] : Array.isArray(nodes) ? nodes : [nodes];
  return list.filter((node) => node.state === 'RUNNING').length;
}

/**
 * A NameNode's HA state as WebHDFS shows it: `active` when it answers GETFILESTATUS, `standby` when
 * it refuses with a StandbyException, undefined when it does not answer. (Its JMX servlet cannot
 * tell two NameNodes of one JVM apart: they share one MBean server.)
 */
export async function nameNodeState(http: string): Promise<'active' | 'standby' | undefined> {
  const response = await fetch(`http://${http}/webhdfs/v1/?op=GETFILESTATUS`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).catch(
    () => undefined,
  );
  if (response === undefined) return undefined;
  if (response.ok) return 'active';
  const body = (await response.json().catch(() => undefined)) as { RemoteException?: { exception?: string } } | undefined;
  return body?.RemoteException?.exception === 'StandbyException' ? 'standby' : undefined;
}

/** True once WebHDFS on this NameNode answers a MKDIRS (so it is active and out of safe mode). */
export async function webHdfsWritable(http: string, user: string, dir: string): Promise<boolean> {
  const url = `http://${http}/webhdfs/v1${dir}?op=MKDIRS&user.name=${encodeURIComponent(user)}`;
  const body = (await getJson(url, { method: 'PUT' }).catch(() => undefined)) as { boolean?: boolean } | undefined;
  return body?.boolean === true;
}

/** True when nothing accepts connections on `address` (host:port) any more. */
export function refusesConnections(address: string): Promise<boolean> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}
