// Seeded weight initialisers filling plain Float32Arrays, so every rank and backend starts from identical parameters.

import { SeededRandom } from './random.js';

/** Glorot/Xavier uniform for a [fanIn, fanOut] matrix: U(−l, l) with l = √(6 / (fanIn + fanOut)). */
export function glorotUniform(fanIn: number, fanOut: number, rng: SeededRandom): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * limit;
  return out;
}

/** N(0, std²) values. */
export function normal(length: number, std: number, rng: SeededRandom): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.nextNormal() * std;
  return out;
}

/** A constant-filled array (zeros for biases, ones for layer-norm gains). */
export function constant(length: number, value: number): Float32Array {
  return new Float32Array(length).fill(value);
}
