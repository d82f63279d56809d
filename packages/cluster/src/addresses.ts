import net from 'node:net';
import { ClusterOptions, ConfigurationError, TaskManagerOptions, type Configuration } from '@spindle/core';

/**
 * Bind and advertised addresses of the cluster processes. A server binds its bind host (which
 * may be 0.0.0.0, every interface) and hands out its advertised address, the one other processes
 * connect to: on YARN a container binds 0.0.0.0 and advertises its NodeManager's host name.
 */
export interface ProcessAddresses {
  bind: string;
  advertised: string;
}

/** Loopback names are bound and advertised as 127.0.0.1. */
function host(name: string | undefined, fallback: string): string {
  return name === undefined || name === '' ? fallback : name === 'localhost' ? '127.0.0.1' : name;
}

/** `jobmanager.rpc.address` (advertised) and `jobmanager.bind-host` (default: the advertised address). */
export function jobManagerAddresses(config: Configuration): ProcessAddresses {
  const advertised = host(config.get(ClusterOptions.JOB_MANAGER_ADDRESS), '127.0.0.1');
  return { advertised, bind: host(config.get(ClusterOptions.JOB_MANAGER_BIND_HOST), advertised) };
}

/** `taskmanager.host` (advertised, default 127.0.0.1) and `taskmanager.bind-host` (default: the advertised address). */
export function taskManagerAddresses(config: Configuration): ProcessAddresses {
  const advertised = host(config.get(TaskManagerOptions.HOST), '127.0.0.1');
  return { advertised, bind: host(config.get(TaskManagerOptions.BIND_HOST), advertised) };
}

/** `rest.address` (advertised) and `rest.bind-address` (default: the advertised address). */
export function restAddresses(config: Configuration): ProcessAddresses {
  const advertised = host(config.get(ClusterOptions.REST_ADDRESS), '127.0.0.1');
  return { advertised, bind: host(config.get(ClusterOptions.REST_BIND_ADDRESS), advertised) };
}

/** Where TaskManagers find the JobManager's control plane: its advertised address. */
export function jobManagerRpcTarget(config: Configuration): string {
  return `${jobManagerAddresses(config).advertised}:${config.get(ClusterOptions.JOB_MANAGER_PORT)}`;
}

export function resourceManagerAddress(config: Configuration): string {
  return `resourcemanager@${jobManagerRpcTarget(config)}/resourcemanager`;
}

/**
 * Checks that this process's own server answers at the address it advertises, before it hands
 * the address out: an advertised address that does not reach the bound server (a typo, another
 * machine's name, a loopback address while binding another interface) would otherwise show up
 * only as calls that time out in other processes.
 */
export async function checkAdvertised(
  addresses: ProcessAddresses,
  port: number,
  keys: { advertised: string; bind: string },
  timeoutMs = 5000,
): Promise<void> {
  const problem = await connectProblem(addresses.advertised, port, timeoutMs);
  if (problem === undefined) return;
  throw new ConfigurationError([
    `${keys.advertised}: this process advertises ${addresses.advertised}:${port}, but its server, bound to ` +
      `${addresses.bind}:${port} (${keys.bind}), cannot be reached there (${problem}). Set ${keys.advertised} to an ` +
      `address of this machine that other cluster processes can reach, and ${keys.bind} to that address or 0.0.0.0.`,
  ]);
}

function connectProblem(hostName: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostName, port });
    const done = (problem: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}
