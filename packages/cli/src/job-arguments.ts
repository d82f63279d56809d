import { closestMatch } from '@spindle/core';

/** The engine options that may also follow the job file (README: `-p`, `-D`, `-t`, `--no-typecheck`). */
export interface TrailingOptions {
  parallelism?: string;
  D: string[];
  target?: string;
  typecheck: boolean;
}

/** An engine option of the run/info commands, by its flags (`-p`, `--parallelism`). */
export interface EngineFlag {
  short?: string;
  long?: string;
}

const ALLOWED_AFTER_JOB = new Set(['-p', '--parallelism', '-D', '-t', '--target', '--no-typecheck']);

/**
 * Everything after the job file belongs to the job, as in Flink, except the engine options the
 * README allows right after it (`run job.ts -p 2 -Dk=v --input x`): they are taken up to the first
 * argument that is not one of them, or up to `--`. Other engine options (`-d`, `-m`, ...) placed
 * there go to the job.
 */
export function splitTrailingOptions(args: readonly string[], options: TrailingOptions): string[] {
  let i = 0;
  while (i < args.length) {
    const a = args[i]!;
    if (a === '--') return args.slice(i + 1);
    if ((a === '-p' || a === '--parallelism') && i + 1 < args.length) options.parallelism = args[++i];
    else if (a === '-D' && i + 1 < args.length) options.D.push(args[++i]!);
    else if (a.startsWith('-D') && a.length > 2) options.D.push(a.slice(2));
    else if ((a === '-t' || a === '--target') && i + 1 < args.length) options.target = args[++i];
    else if (a === '--no-typecheck') options.typecheck = false;
    else break;
    i++;
  }
  return args.slice(i);
}

/**
 * Warnings for job arguments that look like engine options: one the engine does not take after
 * the job file, or a near-miss of one (`--paralelism`). Arguments after `--` are the job's alone.
 */
export function engineLookalikeWarnings(jobArgs: readonly string[], flags: readonly EngineFlag[]): string[] {
  const end = jobArgs.indexOf('--');
  const checked = end < 0 ? jobArgs : jobArgs.slice(0, end);
  const longs = flags.flatMap((f) => (f.long ? [f.long] : []));
  const warnings: string[] = [];
  for (const arg of checked) {
    if (!arg.startsWith('-')) continue;
    const name = arg.startsWith('--') ? arg.split('=', 1)[0]! : arg;
    const exact = flags.find((f) => f.short === name || f.long === name);
    if (exact) {
      if (!ALLOWED_AFTER_JOB.has(name)) {
        warnings.push(
          `'${arg}' follows the job file, so it is passed to the job, not taken as the engine option ${describe(exact)}; put engine options before the job file.`,
        );
      }
      continue;
    }
    const near = name.startsWith('--') ? closestMatch(name, longs) : undefined;
    if (near !== undefined) {
      warnings.push(
        `'${arg}' is passed to the job; did you mean the engine option ${near}? Engine options go before the job file (-p, -D, -t and --no-typecheck also right after it); put '--' before the job's arguments to silence this.`,
      );
    }
  }
  return warnings;
}

function describe(flag: EngineFlag): string {
  return [flag.short, flag.long].filter((f) => f !== undefined).join('/');
}
