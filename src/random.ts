// Seeded random data (mulberry32) for benchmark inputs and tests: reproducible, never used for training itself.

/** mulberry32: a small, fast, seedable 32-bit generator; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomArrayOptions {
  /** Fraction of entries set to exactly +0 or −0 (half each), to exercise zero rules. */
  zeroFraction?: number;
  /** Values are uniform in [−scale, scale). */
  scale?: number;
}

/** Fills `out` (or a new Float32Array of `length`) with seeded uniform values and optional exact zeros. */
export function randomFloat32(length: number, seed: number, options: RandomArrayOptions = {}, out = new Float32Array(length)): Float32Array {
  const rand = seededRandom(seed);
  const { zeroFraction = 0, scale = 1 } = options;
  for (let i = 0; i < length; i++) {
    const r = rand();
    if (r < zeroFraction) out[i] = r < zeroFraction / 2 ? 0 : -0;
    else out[i] = (rand() * 2 - 1) * scale;
  }
  return out;
}
