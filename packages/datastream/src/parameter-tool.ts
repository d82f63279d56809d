import { SpindleError } from '@spindle/core';

/** `--key value` / `-key value` / `--flag` program arguments, as Flink's ParameterTool reads them. */
export class ParameterTool {
  private constructor(private readonly values: Map<string, string>) {}

  static fromArgs(args: readonly string[]): ParameterTool {
    const values = new Map<string, string>();
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (!arg.startsWith('-') || arg === '-' || arg === '--') {
        throw new SpindleError(`unexpected argument '${arg}': program arguments are --key value pairs`, {
          code: 'BAD_ARGUMENTS',
          userFacing: true,
        });
      }
      const key = arg.replace(/^--?/, '');
      const next = args[i + 1];
      if (next !== undefined && !(next.startsWith('-') && isNaN(Number(next)))) {
        values.set(key, next);
        i++;
      } else values.set(key, '__NO_VALUE_KEY');
    }
    return new ParameterTool(values);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  get(key: string): string | undefined;
  get(key: string, defaultValue: string): string;
  get(key: string, defaultValue?: string): string | undefined {
    const v = this.values.get(key);
    return v === undefined || v === '__NO_VALUE_KEY' ? defaultValue : v;
  }

  getRequired(key: string): string {
    const v = this.get(key);
    if (v === undefined) throw new SpindleError(`missing required program argument --${key}`, { code: 'BAD_ARGUMENTS', userFacing: true });
    return v;
  }

  getInt(key: string, defaultValue: number): number {
    const v = this.get(key);
    if (v === undefined) return defaultValue;
    const n = Number(v);
    if (!Number.isInteger(n))
      throw new SpindleError(`program argument --${key} must be an integer, not '${v}'`, { code: 'BAD_ARGUMENTS', userFacing: true });
    return n;
  }
}
