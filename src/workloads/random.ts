// Seeded, counter-based random numbers for model initialisation, synthetic data and data shuffling.
//
// Every rank must derive the same initial weights and the same epoch order from
// the same seed, on any backend, so nothing here uses Math.random or tfjs RNGs.

/** lowbias32 (C. Wellons's hash-prospector constants), a bijective 32-bit mixer: the core of every generator here.
 * Not the stochastic-rounding hash of codec/counter-hash.ts (mix32), whose constants the wasm kernels share. */
export function lowbias32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Combines a seed with stream identifiers (epoch, purpose, layer …) into one well-mixed 32-bit key. */
export function deriveSeed(seed: number, ...streams: number[]): number {
  let key = lowbias32((seed >>> 0) ^ 0x5bd1e995);
  for (const s of streams) key = lowbias32((key + Math.imul(s >>> 0, 0x9e3779b9) + 0x632be5ab) >>> 0);
  return key;
}

/** A seeded stream of uniform numbers: the i-th draw is lowbias32(key + i·golden), so streams are cheap to fork. */
export class SeededRandom {
  private counter = 0;
  private spareNormal: number | null = null;
  private readonly key: number;

  constructor(seed: number, ...streams: number[]) {
    this.key = deriveSeed(seed, ...streams);
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    this.counter = (this.counter + 1) >>> 0;
    return lowbias32((this.key + Math.imul(this.counter, 0x9e3779b9)) >>> 0);
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n) for 0 < n ≤ 2^32 (rejection sampling: no modulo bias). */
  nextInt(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    let r = this.nextU32();
    while (r >= limit) r = this.nextU32();
    return r % n;
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    const u = 1 - this.next(); // (0, 1]: log(u) is finite
    const angle = 2 * Math.PI * this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}

/** Fisher–Yates shuffle of 0..n−1 driven by `rng`. */
export function permutation(n: number, rng: SeededRandom): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
