import { Command, CommanderError, Option } from 'commander';
import {
  ConfigurationError,
  CheckpointingOptions,
  CoreOptions,
  SpindleError,
  errorMessage,
  getLogger,
  installSourceMappedStacks,
  loadConfiguration,
  type Configuration,
} from '@spindle/core';
import { captureProgramJob } from '@spindle/runtime';
import { ClusterEntrypoint, runClusterEntrypoint, runTaskManager, standaloneDriverFactory } from '@spindle/cluster';
import { CLI_BIN, defaultConfDir } from './engine-paths.js';
import { bundleJob, resolveJobFile, typeCheck, type CompiledJob } from './job-compiler.js';
import { runOnMiniCluster, type Console } from './local-runner.js';
import { runOnCluster } from './remote-runner.js';
import type { RestClient } from './rest-client.js';
import { cancelJob, listJobs, restClientFor, stopJob, triggerSavepoint } from './job-commands.js';
import { engineLookalikeWarnings, splitTrailingOptions } from './job-arguments.js';
import { openClientLog, startClientLogging, type LogRequest } from './client-logging.js';
import { VERSION } from './version.js';
import { progressDisplay, type ProgressDisplay } from './job-progress.js';
import { ProgressOptions } from './progress-options.js';
import { CapturedOutput } from './capture-output.js';
import { startCluster, stopCluster } from './cluster-commands.js';
// The YARN configuration keys (yarn.*, jobmanager.memory.process.size) are known to every command's
// -D validation; this module holds only their declarations.
import '@spindle/yarn/options';

/**
 * The YARN commands and the AppMaster, loaded by the commands that use them: their YARN and HDFS
 * clients (with an XML parser) would otherwise add to the start of every local run.
 */
const yarn = (): Promise<typeof import('./yarn-commands.js')> => import('./yarn-commands.js');
const yarnAppMaster = (): Promise<typeof import('./yarn-appmaster.js')> => import('./yarn-appmaster.js');

interface JobOptions {
  parallelism?: string;
  D: string[];
  target?: string;
  typecheck: boolean;
  jobmanager?: string;
  detached?: boolean;
  fromSavepoint?: string;
  allowNonRestoredState?: boolean;
  wait?: boolean;
  shutdownOnAttachedExit?: boolean;
  progress?: string;
  quiet?: boolean;
  captureOutput?: boolean;
}

const stdio: Console = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

function collect(value: string, previous: string[]): string[] {
  return previous.concat([value]);
}

function jobCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .argument('<job>', 'the job file (.ts or .js)')
    .argument('[args...]', 'arguments passed to the job')
    .option('-p, --parallelism <n>', 'default parallelism of the job (parallelism.default)')
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .option(
      '-t, --target <target>',
      'where to run: local (an embedded cluster), remote (a session cluster, see -m), yarn-session, yarn-application or yarn-per-job (deprecated)',
    )
    .option('-m, --jobmanager <host:port>', "REST address of a session cluster's JobManager (implies -t remote)")
    .option('-d, --detached', 'return once the job is submitted (remote only)')
    .option('--no-typecheck', 'skip type-checking a TypeScript job')
    .option('-s, --fromSavepoint <path>', 'start from this savepoint (execution.state-recovery.path)')
    .option('-n, --allowNonRestoredState', 'skip savepoint state that belongs to no operator of the job')
    .option(
      '--sae, --shutdownOnAttachedExit',
      'attached: cancel the job when this client is terminated (SIGTERM/SIGINT) or stops its heartbeats (execution.shutdown-on-attached-exit); also -sae',
    )
    .option(
      '--capture-output',
      "for Oozie's <capture-output/>: stdout is only a properties document (jobId=..., applicationId=...), every other line goes to stderr",
    )
    .option(
      '--progress <mode>',
      'progress of an attached run: auto (a table redrawn on a terminal, plain lines otherwise), tty, plain or off (client.progress.mode)',
    )
    .option('-q, --quiet', 'no progress display (the same as --progress off)')
    .addOption(logLevelOption())
    .option('-v, --verbose', 'show the log on the terminal too')
    .passThroughOptions()
    .allowExcessArguments(true);
}

type FlagOptions = Pick<
  JobOptions,
  'parallelism' | 'fromSavepoint' | 'allowNonRestoredState' | 'shutdownOnAttachedExit' | 'progress' | 'quiet'
>;

/** The flags of a job command that stand for configuration keys. */
function configFlags(options: FlagOptions) {
  return [
    ...(options.quiet ? [{ key: ProgressOptions.MODE.key, value: 'off', flag: '-q' }] : []),
    ...(options.progress === undefined || options.quiet
      ? []
      : [{ key: ProgressOptions.MODE.key, value: options.progress, flag: '--progress' }]),
    ...(options.shutdownOnAttachedExit ? [{ key: CoreOptions.SHUTDOWN_ON_ATTACHED_EXIT.key, value: 'true', flag: '-sae' }] : []),
    ...(options.parallelism === undefined ? [] : [{ key: CoreOptions.DEFAULT_PARALLELISM.key, value: options.parallelism, flag: '-p' }]),
    ...(options.fromSavepoint === undefined
      ? []
      : [{ key: CheckpointingOptions.STATE_RECOVERY_PATH.key, value: options.fromSavepoint, flag: '-s' }]),
    ...(options.allowNonRestoredState ? [{ key: CheckpointingOptions.IGNORE_UNCLAIMED_STATE.key, value: 'true', flag: '-n' }] : []),
  ];
}

/** The settings a cluster deployed for the job gets in its staged configuration: the -D options and the flags above. */
function stagedProperties(options: JobOptions): string[] {
  return [...options.D, ...configFlags(options).map((f) => `${f.key}=${f.value}`)];
}

/** The configuration of a command: every problem of every source (-D, -p, environment, conf file) at once. */
function loadConfig(options: FlagOptions & Pick<JobOptions, 'D'>): Configuration {
  const flags = configFlags(options);
  const loaded = loadConfiguration({ confDir: process.env.SPINDLE_CONF_DIR ?? defaultConfDir(), dynamicProperties: options.D, flags });
  for (const w of loaded.warnings) {
    stdio.err(`Warning: ${w}`);
    getLogger('cli').warn('configuration warning', { warning: w });
  }
  return loaded.config;
}

/**
 * The configuration of a client command, whose log then goes to the client log file; with
 * `embeddedCluster` the worker threads of the cluster that `run` starts log there too.
 */
function configFor(options: Pick<JobOptions, 'D' | 'parallelism'>, embeddedCluster = false): Configuration {
  const config = loadConfig(options);
  const problem = openClientLog(config, embeddedCluster);
  if (problem !== undefined) stdio.err(`Warning: ${problem}`);
  return config;
}

const TARGETS = ['local', 'remote', 'yarn-session', 'yarn-application', 'yarn-per-job'] as const;
type Target = (typeof TARGETS)[number];

/** Where a job runs: -t, else remote with -m, else local (execution.target). */
function targetOf(options: JobOptions, config: Configuration): Target {
  const target = options.target ?? (options.jobmanager ? 'remote' : config.get(CoreOptions.EXECUTION_TARGET));
  if ((TARGETS as readonly string[]).includes(target)) return target as Target;
  throw new SpindleError(
    `Unknown or unsupported target '${target}': use -t local (an embedded cluster), -t remote / -m host:port (a session cluster), -t yarn-session (a session on YARN), -t yarn-application (the job's own cluster on YARN) or -t yarn-per-job (deprecated).`,
    { code: 'BAD_ARGUMENTS', userFacing: true },
  );
}

async function compile(file: string, options: JobOptions): Promise<CompiledJob> {
  const jobFile = resolveJobFile(file);
  if (options.typecheck) await typeCheck(jobFile);
  return bundleJob(jobFile);
}

/** The job's arguments: the engine options allowed right after the job file are taken out; look-alikes are warned about. */
function jobArguments(rawArgs: string[], options: JobOptions, command: Command): string[] {
  const args = splitTrailingOptions(rawArgs, options);
  const flags = command.options.map((o) => ({ ...(o.short ? { short: o.short } : {}), ...(o.long ? { long: o.long } : {}) }));
  for (const warning of engineLookalikeWarnings(args, flags)) stdio.err(`Warning: ${warning}`);
  return args;
}

async function runAction(file: string, rawArgs: string[], options: JobOptions, command: Command): Promise<void> {
  const args = jobArguments(rawArgs, options, command);
  const config = configFor(options, true);
  const target = targetOf(options, config);
  if (target === 'yarn-application' || target === 'yarn-per-job') return runOnYarn(target, file, args, options, config);
  if (options.detached && target === 'local') {
    throw new SpindleError('-d/--detached needs a session cluster (-m host:port or -t remote)', {
      code: 'BAD_ARGUMENTS',
      userFacing: true,
    });
  }
  const client =
    target === 'remote'
      ? restClientFor(config, options.jobmanager)
      : target === 'yarn-session'
        ? restClientFor(config, await (await yarn()).yarnRestAddress(config))
        : undefined;
  const job = await compile(file, options);
  try {
    const follow = progressOf(config, options);
    if (client) await runOnCluster(job, args, config, stdio, client, options.detached === true, follow);
    else await runOnMiniCluster(job, args, config, stdio, follow);
  } finally {
    job.dispose();
  }
}

/** The attached run's progress display (`client.progress.*`), on stdout like the CLI's other lines. */
function progressOf(config: Configuration, options: JobOptions): ProgressDisplay {
  return progressDisplay(config, stdio.out, process.stdout, [process.stderr], options.captureOutput === true);
}

/** A job on a cluster of its own on YARN: application mode (detached unless asked to wait), or per-job (attached unless -d). */
async function runOnYarn(
  target: 'yarn-application' | 'yarn-per-job',
  file: string,
  args: string[],
  options: JobOptions,
  config: Configuration,
): Promise<void> {
  const { attachedOf, runYarnApplication, runYarnPerJob } = await yarn();
  const job = await compile(file, options);
  try {
    if (target === 'yarn-application') {
      const attached = options.wait === true || attachedOf(config, false);
      await runYarnApplication(config, job, args, stagedProperties(options), attached && options.detached !== true, stdio);
    } else {
      const attached = options.detached !== true && attachedOf(config, true);
      await runYarnPerJob(config, job, args, stagedProperties(options), attached, stdio);
    }
  } finally {
    job.dispose();
  }
}

async function runApplicationAction(file: string, rawArgs: string[], options: JobOptions, command: Command): Promise<void> {
  const args = jobArguments(rawArgs, options, command);
  const config = configFor(options, true);
  const target = options.target ?? 'yarn-application';
  if (target !== 'yarn-application') {
    throw new SpindleError(
      `run-application deploys on YARN only: use -t yarn-application (not '${target}'), or 'spindle run' for other targets.`,
      {
        code: 'BAD_ARGUMENTS',
        userFacing: true,
      },
    );
  }
  return runOnYarn('yarn-application', file, args, options, config);
}

async function infoAction(file: string, rawArgs: string[], options: JobOptions, command: Command): Promise<void> {
  const args = jobArguments(rawArgs, options, command);
  const config = configFor(options, true);
  const job = await compile(file, options);
  try {
    const request = await captureProgramJob(job.bundlePath, { args, config: config.toMap(), mode: 'plan' });
    stdio.out(JSON.stringify(request.plan, null, 2));
  } finally {
    job.dispose();
  }
}

interface ClusterOptions {
  jobmanager?: string;
  target?: string;
  D: string[];
}

/**
 * The REST client of the cluster a job command (list, cancel, savepoint, stop) talks to: -m, or
 * with -t yarn-session / yarn-application the JobManager of `yarn.application.id` (a session
 * also from the properties file), else `rest.address`.
 */
async function clusterClient(options: ClusterOptions): Promise<RestClient> {
  const config = configFor(options);
  const target = options.target ?? 'remote';
  if (target === 'yarn-session' || target === 'yarn-application')
    return restClientFor(config, await (await yarn()).yarnRestAddress(config, target));
  if (target !== 'remote') {
    throw new SpindleError(
      `Unknown target '${target}' for this command: use -m host:port (or -t remote), -t yarn-session or -t yarn-application.`,
      {
        code: 'BAD_ARGUMENTS',
        userFacing: true,
      },
    );
  }
  return restClientFor(config, options.jobmanager);
}

function targetOption(): Option {
  return new Option(
    '-t, --target <target>',
    'the cluster: remote (see -m), yarn-session or yarn-application (with -Dyarn.application.id=...)',
  );
}

function clusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('start or stop a standalone session cluster on this machine');
  cluster
    .command('start')
    .description('start a JobManager and the TaskManagers the configuration asks for, in the background')
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action((options: { D: string[] }) =>
      startCluster(
        configFor(options),
        options.D.map((d) => `-D${d}`),
        stdio.out,
      ),
    );
  cluster
    .command('stop')
    .description('stop the processes started by `spindle cluster start`')
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action((options: { D: string[] }) => stopCluster(configFor(options), stdio.out));
  program
    .command('jobmanager', { hidden: true })
    .description('run a JobManager in the foreground')
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action((options: { D: string[] }) => {
      // TaskManagers that the JobManager starts itself get the same configuration through the same launcher.
      const taskManagerCommand = [process.execPath, CLI_BIN, 'taskmanager', ...options.D.map((d) => `-D${d}`)];
      const config = loadConfig(options);
      return runClusterEntrypoint(new ClusterEntrypoint(config, standaloneDriverFactory(taskManagerCommand)));
    });
  program
    .command('taskmanager', { hidden: true })
    .description('run a TaskManager in the foreground')
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action((options: { D: string[] }) => runTaskManager(loadConfig(options)));
}

interface YarnSessionOptions {
  D: string[];
  detached?: boolean;
  applicationId?: string;
  slots?: string;
  jobManagerMemory?: string;
  taskManagerMemory?: string;
  name?: string;
  queue?: string;
}

/** Flink's yarn-session flags of several letters after one dash (`-id`, `-jm`, ...), as the long options commander knows. */
const YARN_SESSION_SHORT_FLAGS = new Set(['-id', '-jm', '-tm', '-nm', '-qu']);

function withYarnSessionFlags(argv: string[]): string[] {
  if (argv[0] === 'run' || argv[0] === 'run-application') {
    // Flink's -sae, before the job file (what follows it belongs to the job).
    const job = argv.findIndex((a, i) => i > 0 && !a.startsWith('-') && /\.(m|c)?(t|j)sx?$/.test(a));
    return argv.map((a, i) => (a === '-sae' && (job < 0 || i < job) ? '--sae' : a));
  }
  if (argv[0] !== 'yarn-session') return argv;
  return argv.map((a, i) => (i > 0 && YARN_SESSION_SHORT_FLAGS.has(a) ? `-${a}` : a));
}

function yarnCommands(program: Command): void {
  program
    .command('yarn-session')
    .description('start a session cluster on YARN, or attach to one (-id)')
    .option('-d, --detached', 'return once the session is running')
    .option('--id, --applicationId <appId>', 'attach to a running session (type stop to stop it)')
    .option('-s, --slots <n>', 'slots per TaskManager (taskmanager.numberOfTaskSlots)')
    .option('--jm, --jobManagerMemory <size>', 'memory of the JobManager container (jobmanager.memory.process.size), e.g. 1024m')
    .option('--tm, --taskManagerMemory <size>', 'memory of each TaskManager container (taskmanager.memory.process.size), e.g. 1024m')
    .option('--nm, --name <name>', 'name of the YARN application (yarn.application.name)')
    .option('--qu, --queue <queue>', 'YARN queue (yarn.application.queue)')
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action(async (options: YarnSessionOptions) => {
      const { YARN_SESSION_FLAGS, attachSession, startYarnSession } = await yarn();
      const flags = YARN_SESSION_FLAGS.filter((f) => options[f.option] !== undefined).map((f) => ({
        key: f.key,
        value: options[f.option]!,
        flag: f.flag,
      }));
      const loaded = loadConfiguration({ confDir: process.env.SPINDLE_CONF_DIR ?? defaultConfDir(), dynamicProperties: options.D, flags });
      for (const w of loaded.warnings) stdio.err(`Warning: ${w}`);
      const config = loaded.config;
      if (options.applicationId !== undefined) return attachSession(config, options.applicationId, stdio);
      const dynamic = [...options.D, ...flags.map((f) => `${f.key}=${f.value}`)];
      return startYarnSession(config, dynamic, options.detached === true, stdio);
    });
  program
    .command('yarn-appmaster', { hidden: true })
    .description("run a YARN application's AppMaster (JobManager) in its container")
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action(async (options: { D: string[] }) => {
      const { appMasterProperties, runYarnAppMaster } = await yarnAppMaster();
      const config = loadConfig({ D: [...options.D, ...(await appMasterProperties())] });
      return runYarnAppMaster(config, options.D);
    });
}

function logLevelOption(): Option {
  return new Option('--log-level <level>', 'level of the log (and show it on the terminal): debug, info, warn or error').choices([
    'debug',
    'info',
    'warn',
    'error',
  ]);
}

/** The commands a user runs (not the cluster's own processes, which log JSON lines to stderr). */
function clientCommands(program: Command): Command[] {
  const all = program.commands.flatMap((c) => (c.commands.length > 0 ? c.commands : [c]));
  return all.filter((c) => c.name() !== 'jobmanager' && c.name() !== 'taskmanager' && c.name() !== 'yarn-appmaster');
}

function buildProgram(): Command {
  const program = new Command('spindle')
    .description('Spindle: distributed batch and stream processing for TypeScript')
    .version(VERSION, '--version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  jobCommand(program, 'run', 'run a job (on the embedded mini cluster by default)').action(runAction);
  jobCommand(program, 'run-application', 'run a job in a cluster of its own on YARN; its main runs in the AppMaster (-t yarn-application)')
    .option('--wait', 'follow the application to its end; exit 0 only if the job FINISHED (execution.attached=true)')
    .action(runApplicationAction);
  program.commands
    .find((c) => c.name() === 'run')!
    .option('--wait', 'with -t yarn-application: follow the application to its end (execution.attached=true)');
  jobCommand(program, 'info', "print the job's execution plan as JSON").action(infoAction);
  clusterCommands(program);
  yarnCommands(program);
  program
    .command('list')
    .description('list the jobs of a session cluster')
    .option('-r, --running', 'show only running jobs')
    .option('-s, --scheduled', 'show only scheduled jobs')
    .option('-a, --all', 'show all jobs, terminated ones too')
    .option('-m, --jobmanager <host:port>', "REST address of the cluster's JobManager")
    .addOption(targetOption())
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action(async (options: { running?: boolean; scheduled?: boolean; all?: boolean } & ClusterOptions) =>
      listJobs(await clusterClient(options), options, stdio),
    );
  program
    .command('cancel')
    .description('cancel a job')
    .argument('<jobId>', 'the job id (32 hexadecimal characters)')
    .option('-m, --jobmanager <host:port>', "REST address of the cluster's JobManager")
    .addOption(targetOption())
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action(async (jobId: string, options: ClusterOptions) => cancelJob(await clusterClient(options), jobId, stdio));
  program
    .command('savepoint')
    .description('trigger a savepoint of a running job')
    .argument('<jobId>', 'the job id (32 hexadecimal characters)')
    .argument('[targetDirectory]', 'where the savepoint goes (default execution.checkpointing.savepoint-dir)')
    .option('-m, --jobmanager <host:port>', "REST address of the cluster's JobManager")
    .addOption(targetOption())
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action(async (jobId: string, dir: string | undefined, options: ClusterOptions) =>
      triggerSavepoint(await clusterClient(options), jobId, dir, stdio),
    );
  program
    .command('stop')
    .description('stop a job with a savepoint')
    .argument('<jobId>', 'the job id (32 hexadecimal characters)')
    .option('-p, --savepointPath <dir>', 'where the savepoint goes (default execution.checkpointing.savepoint-dir)')
    .option('-d, --drain', 'emit MAX_WATERMARK before the savepoint, firing every event-time timer (for a permanent stop)')
    .option('-m, --jobmanager <host:port>', "REST address of the cluster's JobManager")
    .addOption(targetOption())
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action(async (jobId: string, options: { savepointPath?: string; drain?: boolean } & ClusterOptions) =>
      stopJob(await clusterClient(options), jobId, options, stdio),
    );
  program.addOption(logLevelOption());
  program.option('-v, --verbose', 'show the log on the terminal too (`-v` alone prints the version)');
  for (const command of clientCommands(program)) {
    if (!command.options.some((o) => o.long === '--log-level'))
      command.addOption(logLevelOption()).option('-v, --verbose', 'show the log on the terminal too');
  }
  program.hook('preAction', (_program, action) => {
    if (clientCommands(program).includes(action)) startClientLogging(action.optsWithGlobals<LogRequest>());
  });
  return program;
}

/** The CLI: returns the process exit code (0 only when every job FINISHED). */
export async function main(argv: string[]): Promise<number> {
  installSourceMappedStacks();
  const captured = new CapturedOutput();
  const program = buildProgram();
  program.hook('preAction', (_program, action) => {
    if (action.opts<{ captureOutput?: boolean }>().captureOutput === true) captured.start();
  });
  try {
    // `-v` on its own is Flink's version flag; before a subcommand it asks for the log on the terminal.
    await program.parseAsync(argv.length === 1 && argv[0] === '-v' ? ['--version'] : withYarnSessionFlags(argv), { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e);
  } finally {
    await captured.finish();
  }
}

function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
    stdio.err('Use the help option (-h or --help) to get help on the command.');
    return 1;
  }
  if (e instanceof ConfigurationError || (e instanceof SpindleError && e.userFacing)) {
    stdio.err(`\nThe program finished with the following exception:\n\n${e.message}\n`);
    return 1;
  }
  stdio.err(`\nThe program finished with the following exception:\n\n${errorMessage(e)}`);
  if (process.env.SPINDLE_DEBUG && e instanceof Error && e.stack) stdio.err(e.stack);
  return 1;
}
