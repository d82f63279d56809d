/**
 * A small deterministic random generator (sfc32, seeded through splitmix32): the same seed
 * always gives the same sequence, on every machine. Each Nexmark event draws from a generator
 * seeded by its event id, so any subtask can make any event without the ones before it.
 */
export class SeededRandom {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 1;

  /** Re-seeds from two 32-bit words (e.g. the benchmark seed and an event id). */
  reset(seedHigh: number, seedLow: number): this {
    let s = (Math.imul(seedHigh | 0, 0x9e3779b9) ^ (seedLow | 0)) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 4; i++) this.nextUint32();
    return this;
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, bound): bound at most 2^32. */
  nextInt(bound: number): number {
    return Math.floor((this.nextUint32() / 4294967296) * bound);
  }

  /** A double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    return ((this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6)) / 9007199254740992;
  }

  /** An integer in [0, bound) for bounds up to 2^53. */
  nextLong(bound: number): number {
    return Math.floor(this.nextDouble() * bound);
  }
}
