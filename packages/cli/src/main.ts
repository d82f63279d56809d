import { Command, CommanderError, Option } from 'commander';
import {
  ConfigurationError, CoreOptions, SpindleError, configureLogging, errorMessage, getLogger, loadConfiguration, parseDynamicProperty,
  type Configuration,
} from '@spindle/core';
import { captureProgramJob } from '@spindle/runtime';
import { defaultConfDir } from './engine-paths.js';
import { bundleJob, resolveJobFile, typeCheck, type CompiledJob } from './job-compiler.js';
import { runOnMiniCluster, type Console } from './local-runner.js';
import { runOnCluster } from './remote-runner.js';
import { cancelJob, listJobs, restClientFor } from './job-commands.js';
import { VERSION } from './version.js';
import { startCluster, stopCluster } from './cluster/cluster-commands.js';
import { runJobManager } from './cluster/jobmanager-process.js';
import { runTaskManager } from './cluster/taskmanager-process.js';


interface JobOptions {
  parallelism?: string;
  D: string[];
  target?: string;
  typecheck: boolean;
  jobmanager?: string;
  detached?: boolean;
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
    .option('-t, --target <target>', 'where to run: local (an embedded cluster) or remote (a session cluster, see -m)')
    .option('-m, --jobmanager <host:port>', "REST address of a session cluster's JobManager (implies -t remote)")
    .option('-d, --detached', 'return once the job is submitted (remote only)')
    .option('--no-typecheck', 'skip type-checking a TypeScript job')
    .passThroughOptions()
    .allowExcessArguments(true);
}

function configFor(options: Pick<JobOptions, 'D' | 'parallelism'>): Configuration {
  const dynamic: Record<string, string> = {};
  for (const d of options.D) {
    const [k, v] = parseDynamicProperty(d);
    dynamic[k] = v;
  }
  if (options.parallelism !== undefined) {
    if (!/^\d+$/.test(options.parallelism) || Number(options.parallelism) < 1) {
      throw new SpindleError(`-p/--parallelism must be a positive integer, not '${options.parallelism}'`, { code: 'BAD_ARGUMENTS', userFacing: true });
    }
    dynamic[CoreOptions.DEFAULT_PARALLELISM.key] = options.parallelism;
  }
  const loaded = loadConfiguration({ confDir: process.env.SPINDLE_CONF_DIR ?? defaultConfDir(), dynamic });
  for (const w of loaded.warnings) getLogger('cli').warn(w);
  return loaded.config;
}

/** 'local' (embedded cluster) or 'remote' (session cluster over REST). */
function targetOf(options: JobOptions): 'local' | 'remote' {
  const target = options.target ?? (options.jobmanager ? 'remote' : 'local');
  if (target === 'local' || target === 'remote') return target;
  throw new SpindleError(
    `Unknown or unsupported target '${target}': use -t local (an embedded cluster) or -t remote / -m host:port (a session cluster).`,
    { code: 'BAD_ARGUMENTS', userFacing: true },
  );
}

async function compile(file: string, options: JobOptions): Promise<CompiledJob> {
  const jobFile = resolveJobFile(file);
  if (options.typecheck) await typeCheck(jobFile);
  return bundleJob(jobFile);
}

/**
 * Engine options may also follow the job file (`run job.ts -p 2 -Dk=v --input x`): they are taken
 * up to the first argument that is not one of them, or up to `--`; the rest goes to the job.
 */
export function splitTrailingOptions(args: string[], options: JobOptions): string[] {
  let i = 0;
  while (i < args.length) {
    const a = args[i]!;
    if (a === '--') return args.slice(i + 1);
    if ((a === '-p' || a === '--parallelism') && i + 1 < args.length) options.parallelism = args[++i];
    else if (a === '-D' && i + 1 < args.length) options.D.push(args[++i]!);
    else if (a.startsWith('-D') && a.length > 2) options.D.push(a.slice(2));
    else if ((a === '-t' || a === '--target') && i + 1 < args.length) options.target = args[++i];
    else if ((a === '-m' || a === '--jobmanager') && i + 1 < args.length) options.jobmanager = args[++i];
    else if (a === '-d' || a === '--detached') options.detached = true;
    else if (a === '--no-typecheck') options.typecheck = false;
    else break;
    i++;
  }
  return args.slice(i);
}

async function runAction(file: string, rawArgs: string[], options: JobOptions): Promise<void> {
  const args = splitTrailingOptions(rawArgs, options);
  const config = configFor(options);
  const target = targetOf(options);
  if (options.detached && target === 'local') {
    throw new SpindleError('-d/--detached needs a session cluster (-m host:port or -t remote)', { code: 'BAD_ARGUMENTS', userFacing: true });
  }
  const client = target === 'remote' ? restClientFor(config, options.jobmanager) : undefined;
  const job = await compile(file, options);
  try {
    if (client) await runOnCluster(job, args, config, stdio, client, options.detached === true);
    else await runOnMiniCluster(job, args, config, stdio);
  } finally {
    job.dispose();
  }
}

async function infoAction(file: string, rawArgs: string[], options: JobOptions): Promise<void> {
  const args = splitTrailingOptions(rawArgs, options);
  const config = configFor(options);
  const job = await compile(file, options);
  try {
    const request = await captureProgramJob(job.bundlePath, { args, config: config.toMap(), mode: 'plan' });
    stdio.out(JSON.stringify(request.plan, null, 2));
  } finally {
    job.dispose();
  }
}

function clusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('start or stop a standalone session cluster on this machine');
  cluster
    .command('start')
    .description('start a JobManager and the TaskManagers the configuration asks for, in the background')
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action((options: { D: string[] }) => startCluster(configFor(options), options.D.map((d) => `-D${d}`), stdio.out));
  cluster
    .command('stop')
    .description('stop the processes started by `spindle cluster start`')
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action((options: { D: string[] }) => stopCluster(configFor(options), stdio.out));
  for (const [name, run] of [['jobmanager', runJobManager], ['taskmanager', runTaskManager]] as const) {
    program
      .command(name, { hidden: true })
      .description(`run a ${name} in the foreground`)
      .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
      .action((options: { D: string[] }) => run(configFor(options), options.D.map((d) => `-D${d}`)));
  }
}

function buildProgram(): Command {
  const program = new Command('spindle')
    .description('Spindle: distributed batch and stream processing for TypeScript')
    .version(VERSION, '-v, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  jobCommand(program, 'run', 'run a job (on the embedded mini cluster by default)').action(runAction);
  jobCommand(program, 'info', "print the job's execution plan as JSON").action(infoAction);
  clusterCommands(program);
  program
    .command('list')
    .description('list the jobs of a session cluster')
    .option('-r, --running', 'show only running jobs')
    .option('-s, --scheduled', 'show only scheduled jobs')
    .option('-a, --all', 'show all jobs, terminated ones too')
    .option('-m, --jobmanager <host:port>', "REST address of the cluster's JobManager")
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action((options: { running?: boolean; scheduled?: boolean; all?: boolean; jobmanager?: string; D: string[] }) =>
      listJobs(restClientFor(configFor(options), options.jobmanager), options, stdio));
  program
    .command('cancel')
    .description('cancel a job')
    .argument('<jobId>', 'the job id (32 hexadecimal characters)')
    .option('-m, --jobmanager <host:port>', "REST address of the cluster's JobManager")
    .option('-D <key=value>', 'set a configuration option (repeatable)', collect, [])
    .action((jobId: string, options: { jobmanager?: string; D: string[] }) => cancelJob(restClientFor(configFor(options), options.jobmanager), jobId, stdio));
  program.addOption(new Option('--log-level <level>', 'debug, info, warn or error').choices(['debug', 'info', 'warn', 'error']));
  program.hook('preAction', (cmd) => {
    const level = cmd.opts<{ logLevel?: 'debug' | 'info' | 'warn' | 'error' }>().logLevel;
    configureLogging({ format: 'human', ...(level ? { level } : {}) });
  });
  return program;
}

/** The CLI: returns the process exit code (0 only when every job FINISHED). */
export async function main(argv: string[]): Promise<number> {
  process.setSourceMapsEnabled(true);
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e);
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
