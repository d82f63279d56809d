import { SpindleError } from '@spindle/core';

/**
 * The names of part files (Flink's OutputFileConfig): `<prefix>-<uid>-<subtask>-<counter><suffix>`
 * once finished, prefix `part` and no suffix by default.
 */
export class OutputFileConfig {
  constructor(
    readonly partPrefix = 'part',
    readonly partSuffix = '',
  ) {
    checkName('part prefix', partPrefix);
    checkName('part suffix', partSuffix);
  }

  static builder(): OutputFileConfigBuilder {
    return new OutputFileConfigBuilder();
  }

  getPartPrefix(): string {
    return this.partPrefix;
  }

  getPartSuffix(): string {
    return this.partSuffix;
  }
}

export class OutputFileConfigBuilder {
  private prefix = 'part';
  private suffix = '';

  withPartPrefix(prefix: string): this {
    checkName('part prefix', prefix);
    this.prefix = prefix;
    return this;
  }

  withPartSuffix(suffix: string): this {
    checkName('part suffix', suffix);
    this.suffix = suffix;
    return this;
  }

  build(): OutputFileConfig {
    return new OutputFileConfig(this.prefix, this.suffix);
  }
}

/** A prefix or suffix is part of a file name: no path separators. */
function checkName(what: string, value: string): void {
  if (typeof value !== 'string' || value.includes('/') || value.includes('\\')) {
    throw new SpindleError(`OutputFileConfig: the ${what} must be a string without path separators, got ${JSON.stringify(value)}`, {
      code: 'INVALID_ARGUMENT',
      userFacing: true,
      recoverability: 'non-recoverable',
    });
  }
}
