import { RestartStrategyOptions, type Clock, type Configuration, type RestartStrategyType } from '@spindle/core';

/**
 * Whether and when a failed job restarts (Flink's RestartBackoffTimeStrategy). The JobMaster calls
 * `notifyFailure` for each failure that would restart the job, then asks `canRestart` and, if so,
 * waits `backoffTimeMs` before it redeploys. Time comes from the injected clock.
 */
export interface RestartStrategy {
  /** Flink's name of the strategy, as `/jobs/:jobid/config` shows it. */
  readonly description: string;
  notifyFailure(): void;
  canRestart(): boolean;
  backoffTimeMs(): number;
}

export class NoRestartStrategy implements RestartStrategy {
  readonly description = 'Restart deactivated.';
  notifyFailure(): void {}
  canRestart(): boolean {
    return false;
  }
  backoffTimeMs(): number {
    return 0;
  }
}

/** Restarts `attempts` times, each after `delayMs`. */
export class FixedDelayRestartStrategy implements RestartStrategy {
  private failures = 0;

  constructor(
    private readonly attempts: number,
    private readonly delayMs: number,
  ) {}

  get description(): string {
    return `Restart with fixed delay (${this.delayMs} ms). #${this.attempts} restart attempts.`;
  }

  notifyFailure(): void {
    this.failures++;
  }

  canRestart(): boolean {
    return this.failures <= this.attempts;
  }

  backoffTimeMs(): number {
    return this.delayMs;
  }
}

/** Restarts after `delayMs` unless more than `maxFailures` failures fell within the last `intervalMs`. */
export class FailureRateRestartStrategy implements RestartStrategy {
  private readonly failures: number[] = [];

  constructor(
    private readonly maxFailures: number,
    private readonly intervalMs: number,
    private readonly delayMs: number,
    private readonly clock: Clock,
  ) {}

  get description(): string {
    return `Failure rate restart with maximum of ${this.maxFailures} failures within interval ${this.intervalMs} ms and fixed delay ${this.delayMs} ms.`;
  }

  notifyFailure(): void {
    this.failures.push(this.clock.now());
  }

  canRestart(): boolean {
    const since = this.clock.now() - this.intervalMs;
    while (this.failures.length > 0 && this.failures[0]! <= since) this.failures.shift();
    return this.failures.length <= this.maxFailures;
  }

  backoffTimeMs(): number {
    return this.delayMs;
  }
}

export interface ExponentialDelayOptions {
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
  resetThresholdMs: number;
  jitterFactor: number;
  attemptsBeforeReset: number;
}

/**
 * The delay starts at `initialBackoffMs` and grows by `multiplier` with each failure up to
 * `maxBackoffMs`, varied by ±`jitterFactor`; a job that ran `resetThresholdMs` without failing
 * starts over. Failures while a restart is already due count as one. It gives up after
 * `attemptsBeforeReset` restarts without a reset.
 */
export class ExponentialDelayRestartStrategy implements RestartStrategy {
  private currentBackoff: number;
  private attempts = 0;
  private lastFailure = Number.NEGATIVE_INFINITY;
  private nextRestart = Number.NEGATIVE_INFINITY;
  private backoff = 0;

  constructor(
    private readonly options: ExponentialDelayOptions,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {
    this.currentBackoff = options.initialBackoffMs;
  }

  get description(): string {
    const o = this.options;
    return `Restart with exponential delay: starting at ${o.initialBackoffMs} ms, increasing by ${o.multiplier}, with maximum ${o.maxBackoffMs} ms. Delay resets after ${o.resetThresholdMs} ms with jitter ${o.jitterFactor}.`;
  }

  notifyFailure(): void {
    const now = this.clock.now();
    if (now <= this.nextRestart) return;
    const o = this.options;
    if (now - this.lastFailure >= o.resetThresholdMs + this.currentBackoff) {
      this.currentBackoff = o.initialBackoffMs;
      this.attempts = 0;
    } else {
      this.currentBackoff = Math.min(this.currentBackoff * o.multiplier, o.maxBackoffMs);
    }
    this.lastFailure = now;
    this.attempts++;
    const jitter = this.currentBackoff * o.jitterFactor * (2 * this.random() - 1);
    this.backoff = Math.max(0, Math.round(this.currentBackoff + jitter));
    this.nextRestart = now + this.backoff;
  }

  canRestart(): boolean {
    return this.attempts <= this.options.attemptsBeforeReset;
  }

  backoffTimeMs(): number {
    return Math.max(0, this.nextRestart - this.clock.now());
  }
}

const ALIASES: Record<string, RestartStrategyType> = {
  off: 'none',
  disable: 'none',
  fixeddelay: 'fixed-delay',
  failurerate: 'failure-rate',
  exponentialdelay: 'exponential-delay',
};

/** The configured strategy; unset, none without checkpointing and exponential-delay with it (as Flink 1.19+). */
export function restartStrategyFrom(config: Configuration, checkpointing: boolean, clock: Clock): RestartStrategy {
  const raw = config.getOptional(RestartStrategyOptions.TYPE);
  const type: RestartStrategyType =
    raw === undefined ? (checkpointing ? 'exponential-delay' : 'none') : (ALIASES[raw] ?? (raw as RestartStrategyType));
  const O = RestartStrategyOptions;
  switch (type) {
    case 'none':
      return new NoRestartStrategy();
    case 'fixed-delay':
      return new FixedDelayRestartStrategy(config.get(O.FIXED_DELAY_ATTEMPTS), config.get(O.FIXED_DELAY_DELAY));
    case 'failure-rate':
      return new FailureRateRestartStrategy(
        config.get(O.FAILURE_RATE_MAX_FAILURES),
        config.get(O.FAILURE_RATE_INTERVAL),
        config.get(O.FAILURE_RATE_DELAY),
        clock,
      );
    case 'exponential-delay':
      return new ExponentialDelayRestartStrategy(
        {
          initialBackoffMs: config.get(O.EXPONENTIAL_INITIAL_BACKOFF),
          maxBackoffMs: config.get(O.EXPONENTIAL_MAX_BACKOFF),
          multiplier: config.get(O.EXPONENTIAL_MULTIPLIER),
          resetThresholdMs: config.get(O.EXPONENTIAL_RESET_THRESHOLD),
          jitterFactor: config.get(O.EXPONENTIAL_JITTER),
          attemptsBeforeReset: config.get(O.EXPONENTIAL_ATTEMPTS),
        },
        clock,
      );
  }
}
