// The counter-based random bits of stochastic rounding: a pure function of (seed, step, index), identical in JS and wasm.
//
// mix32 is a two-round xorshift-multiply mixer of a 32-bit word (constants found by
// searching for low avalanche bias); it is a bijection, cheap in 4-lane SIMD, and needs
// no state, so any value can be rounded independently and every run is reproducible.
// assembly/quant/hash.ts implements the same functions.

/** mix32(x): x ^= x>>>16; x *= 0x21f0aaad; x ^= x>>>15; x *= 0x735a2d97; x ^= x>>>15 (mod 2^32). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** The stream key of one worker at one step: mix32(mix32(seed ^ 0x9e3779b9) ^ (step mod 2^32)). */
export function streamKey(seed: number, step: number): number {
  // step may exceed 2^32 in principle; the stream only needs to change between nearby steps.
  const stepLow = step % 4294967296;
  return mix32(mix32((seed ^ 0x9e3779b9) >>> 0) ^ stepLow);
}

/** 32 random bits for value `index` (< 2^32) in the stream `key`: mix32(mix32(index ^ key) + key). */
export function counterBits(key: number, index: number): number {
  return mix32((mix32((index ^ key) >>> 0) + key) >>> 0);
}

/** A uniform draw in [0, 1) with 24 bits, exactly representable as float32: (counterBits >>> 8) · 2^−24. */
export function counterUniform(key: number, index: number): number {
  return (counterBits(key, index) >>> 8) * 5.9604644775390625e-8;
}
