import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';
import type ts from 'typescript';
import { SpindleError } from '@spindle/core';
import { engineNodeModules, linkEngineModules } from '@spindle/cluster';
import { processTempDir } from './temp-dir.js';
import { typeCheckCache } from './type-check-cache.js';

export interface CompiledJob {
  /** The bundled program (ESM), beside a node_modules link to the engine's packages. */
  bundlePath: string;
  /** The job file as the user named it, absolute. */
  sourcePath: string;
  dispose(): void;
}

function userError(message: string, code: string): SpindleError {
  return new SpindleError(message, { code, userFacing: true, recoverability: 'non-recoverable' });
}

/** Checks that the job file exists and is a script Spindle can run. */
export function resolveJobFile(file: string): string {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) {
    throw userError(`Job file not found: ${file}. Give the path of a .ts or .js file that builds and executes a job.`, 'JOB_NOT_FOUND');
  }
  if (!fs.statSync(abs).isFile()) throw userError(`Job file ${file} is a directory; give a .ts or .js file.`, 'JOB_NOT_FOUND');
  if (!/\.(m|c)?(t|j)sx?$/.test(abs))
    throw userError(`Job file ${file} is not a TypeScript or JavaScript file (.ts, .mts, .js, .mjs).`, 'JOB_NOT_SUPPORTED');
  return abs;
}

/** Type-checks a TypeScript job; every error is reported with its file:line:column. */
export async function typeCheck(jobFile: string): Promise<void> {
  if (!/\.(m|c)?tsx?$/.test(jobFile)) return;
  if (typeCheckCache.isClean(jobFile)) return;
  const { default: ts } = await import('typescript');
  const nodeModules = engineNodeModules();
  const options: ts.CompilerOptions = {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts'],
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    paths: { '@spindle/*': [path.join(nodeModules, '@spindle', '*')] },
    typeRoots: [path.join(nodeModules, '@types')],
    types: fs.existsSync(path.join(nodeModules, '@types', 'node')) ? ['node'] : [],
  };
  const program = ts.createProgram([jobFile], options);
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => !d.file || !d.file.fileName.includes('/node_modules/'));
  if (diagnostics.length === 0) {
    typeCheckCache.recordClean(
      jobFile,
      program
        .getSourceFiles()
        .map((f) => f.fileName)
        .filter((f) => !f.includes('/node_modules/')),
    );
    return;
  }
  const lines = diagnostics.slice(0, 20).map((d) => formatDiagnostic(ts, d));
  const more = diagnostics.length > 20 ? `\n  ... and ${diagnostics.length - 20} more` : '';
  throw userError(`The job does not compile:\n  ${lines.join('\n  ')}${more}`, 'JOB_COMPILE');
}

function formatDiagnostic(ts: typeof import('typescript'), d: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
  if (!d.file || d.start === undefined) return `error TS${d.code}: ${message}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${path.relative(process.cwd(), d.file.fileName)}:${line + 1}:${character + 1} - error TS${d.code}: ${message}`;
}

/**
 * Bundles the job and everything it imports, except the engine's own packages, which the
 * bundle finds through a node_modules link so that the program and the engine share them.
 */
export async function bundleJob(jobFile: string): Promise<CompiledJob> {
  const temp = processTempDir('spindle-job-');
  const dir = temp.path;
  const bundlePath = path.join(dir, 'job.mjs');
  const dispose = temp.dispose;
  // Loaded on use: the engine shipped to YARN containers runs without the bundler.
  const esbuild = await import('esbuild');
  try {
    linkEngineModules(dir);
    await esbuild.build({
      entryPoints: [jobFile],
      outfile: bundlePath,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      // Stack traces name the job's own files wherever the bundle runs (TaskManagers keep copies elsewhere).
      sourceRoot: pathToFileURL(dir).href + '/',
      external: ['@spindle/*'],
      logLevel: 'silent',
      banner: { js: "import { createRequire as __spindleRequire } from 'node:module'; const require = __spindleRequire(import.meta.url);" },
    });
  } catch (e) {
    dispose();
    await esbuild.stop();
    const errors = (e as { errors?: Esbuild.Message[] }).errors;
    if (!errors) throw e;
    const lines = errors.map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1} - ${m.text}` : m.text));
    throw userError(`The job cannot be bundled:\n  ${lines.join('\n  ')}`, 'JOB_COMPILE');
  }
  await esbuild.stop();
  return { bundlePath, sourcePath: jobFile, dispose };
}
