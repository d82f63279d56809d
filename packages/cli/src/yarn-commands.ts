import readline from 'node:readline';
import path from 'node:path';
import { CoreOptions, JobId, SpindleError, type Configuration } from '@spindle/core';
import {
  RmRestClient,
  YarnClusterDescriptor,
  YarnOptions,
  readYarnPropertiesApplicationId,
  removeYarnProperties,
  writeYarnProperties,
  yarnAddresses,
  type YarnSession,
} from '@spindle/yarn';
import type { Console } from './local-runner.js';
import { RestClient } from './rest-client.js';
import type { CompiledJob } from './job-compiler.js';
import { runOnCluster, sendClientHeartbeat } from './remote-runner.js';
import { appMasterLaunch } from './yarn-launch.js';
import { onTermination } from './termination.js';

/** The flags of `yarn-session` that stand for configuration keys (Flink's yarn-session.sh flags). */
export const YARN_SESSION_FLAGS = [
  { flag: '-s', option: 'slots', key: 'taskmanager.numberOfTaskSlots' },
  { flag: '-jm', option: 'jobManagerMemory', key: 'jobmanager.memory.process.size' },
  { flag: '-tm', option: 'taskManagerMemory', key: 'taskmanager.memory.process.size' },
  { flag: '-nm', option: 'name', key: 'yarn.application.name' },
  { flag: '-qu', option: 'queue', key: 'yarn.application.queue' },
] as const;

function descriptorFor(config: Configuration): YarnClusterDescriptor {
  return new YarnClusterDescriptor(config, new RmRestClient({ url: yarnAddresses().webappUrl }));
}

/**
 * `spindle yarn-session`: deploys a session cluster on YARN, prints its application id and
 * REST address, and writes the properties file that later `run -t yarn-session` reads. Detached,
 * it returns; attached, it keeps the prompt of `attachSession`.
 */
export async function startYarnSession(
  config: Configuration,
  dynamicProperties: string[],
  detached: boolean,
  console: Console,
): Promise<void> {
  const descriptor = descriptorFor(config);
  // The -D settings travel as the staged spindle-conf.yaml, which every container reads.
  const session = await descriptor.deploy(await appMasterLaunch(config, 'session', dynamicProperties));
  printSession(session, console);
  const file = writeYarnProperties(config, session.applicationId);
  console.err(`Wrote the YARN properties file ${file}`);
  if (!detached) return attachSession(config, session.applicationId, console);
  console.out(
    'The Spindle YARN session cluster has been started in detached mode. In order to stop it gracefully, use the following command:',
  );
  console.out(`$ echo "stop" | spindle yarn-session -id ${session.applicationId}`);
  console.out(`If this should not be possible, then you can also kill it via YARN's web interface or via:`);
  console.out(`$ yarn application -kill ${session.applicationId}`);
}

function printSession(session: YarnSession, console: Console): void {
  console.out(`Submitted application ${session.applicationId}`);
  console.out(`Found Web Interface ${session.restUrl.replace(/^http:\/\//, '')} of application '${session.applicationId}'.`);
  console.out(`JobManager Web Interface: ${session.restUrl}`);
}

/**
 * `spindle yarn-session -id <appId>` (and an attached session): a prompt on stdin, piped or not.
 * `stop` ends the application (SUCCEEDED) and waits until YARN reports it ended; `help` lists
 * the commands; the end of the input detaches, leaving the session running.
 */
export async function attachSession(config: Configuration, applicationId: string, console: Console): Promise<void> {
  const descriptor = descriptorFor(config);
  const session = await descriptor.session(applicationId);
  console.out(`Attached to application ${applicationId}; JobManager Web Interface: ${session.restUrl}`);
  console.out("Type 'help' for the commands.");
  const lines = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === 'stop' || line === 'quit') {
      lines.close();
      return stopSession(config, descriptor, session, console);
    }
    if (line === 'help' || line === '') console.out('Available commands:\n  help - show these commands\n  stop - stop the YARN session');
    else console.out(`Unknown command '${line}'. Type 'help' for the commands.`);
  }
  console.out(`Detached from application ${applicationId}; it keeps running.`);
}

async function stopSession(
  config: Configuration,
  descriptor: YarnClusterDescriptor,
  session: YarnSession,
  console: Console,
): Promise<void> {
  console.out(`Stopping the YARN session ${session.applicationId}.`);
  await new RestClient(session.restUrl).request('DELETE', '/cluster');
  const report = await descriptor.waitUntilEnded(session.applicationId, 60_000);
  removeYarnProperties(config, session.applicationId);
  console.out(`Application ${session.applicationId} ${report.state} with final status ${report.finalStatus}.`);
  if (report.finalStatus !== 'SUCCEEDED') {
    throw new SpindleError(`The YARN session ended ${report.finalStatus}: ${report.diagnostics ?? ''}`, {
      code: 'YARN_SESSION_FAILED',
      userFacing: true,
    });
  }
}

/**
 * The REST address of the JobManager of a YARN application, found through the RM's application
 * report (the AppMaster registers its host and REST port): `yarn.application.id`, else, for
 * yarn-session, the application of the properties file.
 */
export async function yarnRestAddress(
  config: Configuration,
  target: 'yarn-session' | 'yarn-application' = 'yarn-session',
): Promise<string> {
  const fromFile = target === 'yarn-session' ? readYarnPropertiesApplicationId(config) : undefined;
  const applicationId = config.get(YarnOptions.APPLICATION_ID) ?? fromFile;
  if (applicationId === undefined) {
    const start = target === 'yarn-session' ? "start one with 'spindle yarn-session -d', or " : '';
    throw new SpindleError(`No YARN application to talk to: ${start}name it with -D${YarnOptions.APPLICATION_ID.key}=<applicationId>.`, {
      code: 'BAD_ARGUMENTS',
      userFacing: true,
    });
  }
  const session = await descriptorFor(config).session(applicationId);
  return session.restUrl;
}

/** A YARN application named after its job file unless `yarn.application.name` is set. */
function namedConfig(config: Configuration, what: string, job: CompiledJob): Configuration {
  if (config.has(YarnOptions.APPLICATION_NAME)) return config;
  return config.clone().setString(YarnOptions.APPLICATION_NAME.key, `Spindle ${what}: ${path.basename(job.sourcePath)}`);
}

/**
 * `run-application -t yarn-application` (and `run -t yarn-application`): the bundle is staged
 * with the engine, the program's main runs in the AppMaster under a job id chosen here, and the
 * application lives as long as its job. Returns once deployed unless attached (`--wait`,
 * `-Dexecution.attached=true`), when it follows the application to its end: only a job that
 * FINISHED (final status SUCCEEDED) returns normally.
 */
export async function runYarnApplication(
  config: Configuration,
  job: CompiledJob,
  args: readonly string[],
  stagedProperties: readonly string[],
  attached: boolean,
  console: Console,
): Promise<void> {
  const named = namedConfig(config, 'application', job);
  const descriptor = descriptorFor(named);
  const jobId = JobId.generate();
  // -sae counts only for a client that follows the application (Flink ignores it when detached):
  // then the AppMaster's Dispatcher expects this client's heartbeats, otherwise it expects none.
  const sae = attached && config.get(CoreOptions.SHUTDOWN_ON_ATTACHED_EXIT);
  let staged = setStaged(stagedProperties, CoreOptions.SHUTDOWN_ON_ATTACHED_EXIT.key, String(sae));
  if (sae) staged = setStaged(staged, CoreOptions.CLIENT_HEARTBEAT_TIMEOUT.key, `${config.get(CoreOptions.CLIENT_HEARTBEAT_TIMEOUT)}ms`);
  const launch = await appMasterLaunch(named, 'application', staged, { bundlePath: job.bundlePath, args, jobId });
  const session = await descriptor.deploy(launch);
  printSession(session, console);
  console.out(`Job has been submitted with JobID ${jobId}`);
  if (!attached) {
    console.out(`The application ${session.applicationId} runs detached; follow it with:`);
    console.out(`$ spindle list -t yarn-application -Dyarn.application.id=${session.applicationId}`);
    return;
  }
  const heartbeats = sae
    ? { jobId, intervalMs: config.get(CoreOptions.CLIENT_HEARTBEAT_INTERVAL), timeoutMs: config.get(CoreOptions.CLIENT_HEARTBEAT_TIMEOUT) }
    : undefined;
  await followApplication(descriptor, session.applicationId, console, sae, heartbeats);
}

/** The staged `key=value` properties with `key` set to `value` (any earlier setting of it removed). */
function setStaged(staged: readonly string[], key: string, value: string): string[] {
  const isKey = (p: string): boolean => p.slice(0, Math.max(0, p.indexOf('='))).trim() === key;
  return [...staged.filter((p) => !isKey(p)), `${key}=${value}`];
}

/**
 * `run -t yarn-per-job` (deprecated, removed in Flink 2): a job cluster deployed for this job,
 * the JobGraph built here and submitted to it; the cluster ends the application when the job
 * ends. Attached, the client follows the application to its end.
 */
export async function runYarnPerJob(
  config: Configuration,
  job: CompiledJob,
  args: string[],
  stagedProperties: readonly string[],
  attached: boolean,
  console: Console,
): Promise<void> {
  console.err(
    "Warning: the deployment target yarn-per-job is deprecated (Apache Flink 2 removed it); use 'spindle run-application -t yarn-application' instead.",
  );
  const descriptor = descriptorFor(namedConfig(config, 'per-job cluster', job));
  const session = await descriptor.deploy(await appMasterLaunch(config, 'job', stagedProperties));
  printSession(session, console);
  try {
    await runOnCluster(job, args, config, console, new RestClient(session.restUrl), true);
  } catch (e) {
    // No job reached the cluster: nothing would end it.
    await new RmRestClient({ url: yarnAddresses().webappUrl }).killApplication(session.applicationId).catch(() => undefined);
    throw e;
  }
  if (attached) await followApplication(descriptor, session.applicationId, console, config.get(CoreOptions.SHUTDOWN_ON_ATTACHED_EXIT));
}

/**
 * Waits until the application ends; a final status other than SUCCEEDED is an error carrying
 * YARN's diagnostics. With `shutdownOnExit` (-sae), SIGTERM/SIGINT kill the application (its one
 * job with it) before the client exits (143/130); with `heartbeats` (application mode), the client
 * also sends the job's client heartbeats to the AppMaster's JobManager, at the REST address of
 * its current attempt, so a client killed outright gets the job cancelled after the timeout.
 */
async function followApplication(
  descriptor: YarnClusterDescriptor,
  applicationId: string,
  console: Console,
  shutdownOnExit: boolean,
  heartbeats?: { jobId: string; intervalMs: number; timeoutMs: number },
): Promise<void> {
  const beat = async (): Promise<void> => {
    const { restUrl } = await descriptor.session(applicationId);
    await sendClientHeartbeat(new RestClient(restUrl), heartbeats!.jobId, heartbeats!.timeoutMs);
  };
  const timer = heartbeats === undefined ? undefined : setInterval(() => void beat().catch(() => undefined), heartbeats.intervalMs);
  const undo = shutdownOnExit
    ? onTermination(async (signal) => {
        console.err(`The client received ${signal}: killing the application ${applicationId} (execution.shutdown-on-attached-exit).`);
        await new RmRestClient({ url: yarnAddresses().webappUrl })
          .killApplication(applicationId)
          .catch((e: unknown) => console.err(`Could not kill ${applicationId}: ${String(e)}`));
      })
    : () => undefined;
  const report = await descriptor.waitUntilEnded(applicationId, Number.POSITIVE_INFINITY).finally(() => {
    clearInterval(timer);
    undo();
  });
  console.out(`Application ${applicationId} ${report.state} with final status ${report.finalStatus}.`);
  if (report.finalStatus === 'SUCCEEDED') return;
  throw new SpindleError(
    `The YARN application ${applicationId} ended ${report.state} with final status ${report.finalStatus}: ${report.diagnostics ?? 'no diagnostics'}`,
    { code: 'JOB_NOT_FINISHED', userFacing: true },
  );
}

/** Whether a YARN application deployment waits for its end: `execution.attached` when set, else `defaultAttached`. */
export function attachedOf(config: Configuration, defaultAttached: boolean): boolean {
  return config.has(CoreOptions.EXECUTION_ATTACHED) ? config.get(CoreOptions.EXECUTION_ATTACHED) : defaultAttached;
}
