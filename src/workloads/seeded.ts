// Reproducible tfjs initialisers: build a model inside withSeed and its random initial weights follow the seed.
//
// tfjs's initialisers (glorotUniform, heNormal, randomNormal, …) draw from seedrandom generators whose seed,
// when a layer gives none, is taken from Math.random(). withSeed replaces Math.random by a SeededRandom
// stream for the duration of one synchronous call, so every initialiser in it gets a seed derived from `seed`
// (same seed, same weights, in any process), and restores Math.random afterwards.

import { InvalidArgumentError } from '../errors.js';
import { SeededRandom } from './random.js';

/**
 * Runs `build` (e.g. `() => tf.sequential({ layers: [...] })`) with Math.random drawn from `seed`; returns its
 * result. `build` must be synchronous (its initialisers have to run before withSeed returns). Throws
 * InvalidArgumentError for a seed that is not a safe integer or a `build` that returns a promise.
 */
export function withSeed<T>(seed: number, build: () => T): T {
  if (!Number.isSafeInteger(seed)) throw new InvalidArgumentError('seed', seed, 'an integer');
  const random = new SeededRandom(seed, 0x1417);
  const original = Math.random;
  // A draw of 0 would read as "no seed" inside tfjs (`seed ? seed : Math.random()`); never hand one out.
  Math.random = () => (random.nextU32() + 1) / 4294967297;
  let result: T;
  try {
    result = build();
  } finally {
    Math.random = original;
  }
  if (result instanceof Promise) throw new InvalidArgumentError('withSeed build', 'a promise', 'a synchronous function that builds the model');
  return result;
}
