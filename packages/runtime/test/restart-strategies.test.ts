import { expect } from 'chai';
import { Configuration, ManualScheduler } from '@spindle/core';
import {
  ExponentialDelayRestartStrategy,
  FailureRateRestartStrategy,
  FixedDelayRestartStrategy,
  restartStrategyFrom,
  type RestartStrategy,
} from '../src/index.js';

/** Fails once, then says whether a restart follows and after how long. */
function fail(s: RestartStrategy): { restart: boolean; delay: number } {
  s.notifyFailure();
  return { restart: s.canRestart(), delay: s.backoffTimeMs() };
}

describe('restart strategies', () => {
  it('fixed-delay restarts `attempts` times after the same delay', () => {
    const s = new FixedDelayRestartStrategy(2, 500);
    expect([fail(s), fail(s), fail(s)]).to.deep.equal([
      { restart: true, delay: 500 },
      { restart: true, delay: 500 },
      { restart: false, delay: 500 },
    ]);
  });

  it('failure-rate fails once more than the allowed failures fall within the interval', () => {
    const clock = new ManualScheduler(0);
    const s = new FailureRateRestartStrategy(2, 10_000, 300, clock);
    expect(fail(s)).to.deep.equal({ restart: true, delay: 300 });
    clock.advance(4000);
    expect(fail(s).restart).to.equal(true);
    clock.advance(7000);
    // The first failure left the interval: two within it.
    expect(fail(s).restart).to.equal(true);
    clock.advance(100);
    expect(fail(s).restart).to.equal(false);
  });

  it('exponential-delay grows by the multiplier up to the maximum, and starts over after a quiet period', () => {
    const clock = new ManualScheduler(1_000_000);
    const options = {
      initialBackoffMs: 100,
      maxBackoffMs: 1000,
      multiplier: 2,
      resetThresholdMs: 60_000,
      jitterFactor: 0,
      attemptsBeforeReset: 100,
    };
    const s = new ExponentialDelayRestartStrategy(options, clock);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { restart, delay } = fail(s);
      expect(restart).to.equal(true);
      delays.push(delay);
      clock.advance(delay + 10);
    }
    expect(delays).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
    clock.advance(61_001);
    expect(fail(s).delay).to.equal(100);
  });

  it('exponential-delay counts failures during a pending restart as one, and gives up after its attempts', () => {
    const clock = new ManualScheduler(0);
    const options = {
      initialBackoffMs: 100,
      maxBackoffMs: 1000,
      multiplier: 2,
      resetThresholdMs: 60_000,
      jitterFactor: 0,
      attemptsBeforeReset: 2,
    };
    const s = new ExponentialDelayRestartStrategy(options, clock);
    expect(fail(s)).to.deep.equal({ restart: true, delay: 100 });
    clock.advance(50);
    expect(fail(s)).to.deep.equal({ restart: true, delay: 50 });
    clock.advance(60);
    expect(fail(s)).to.deep.equal({ restart: true, delay: 200 });
    clock.advance(210);
    expect(fail(s).restart).to.equal(false);
  });

  it('exponential-delay keeps its jitter within the factor', () => {
    const clock = new ManualScheduler(0);
    const options = {
      initialBackoffMs: 1000,
      maxBackoffMs: 1000,
      multiplier: 2,
      resetThresholdMs: 60_000,
      jitterFactor: 0.1,
      attemptsBeforeReset: 100,
    };
    expect(fail(new ExponentialDelayRestartStrategy(options, clock, () => 0)).delay).to.equal(900);
    expect(fail(new ExponentialDelayRestartStrategy(options, clock, () => 1)).delay).to.equal(1100);
  });

  it('defaults to none without checkpointing and exponential-delay with it; accepts the deprecated key and aliases', () => {
    const clock = new ManualScheduler(0);
    expect(restartStrategyFrom(new Configuration(), false, clock).canRestart()).to.equal(false);
    expect(restartStrategyFrom(new Configuration(), true, clock)).to.be.instanceOf(ExponentialDelayRestartStrategy);
    const old = new Configuration({ 'restart-strategy': 'fixeddelay', 'restart-strategy.fixed-delay.attempts': '4' });
    expect(restartStrategyFrom(old, false, clock).description).to.match(/fixed delay .* #4 restart attempts/);
    expect(old.deprecatedKeyWarnings()).to.deep.equal([
      "configuration key 'restart-strategy' is deprecated; use 'restart-strategy.type' instead",
    ]);
    expect(restartStrategyFrom(new Configuration({ 'restart-strategy.type': 'off' }), true, clock).canRestart()).to.equal(false);
  });
});
