// withSeed: tfjs initialisers inside it follow the seed; Math.random is restored; misuse is refused.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../tfjs/backend.js';
import { tf } from '../tfjs/tf.js';
import { InvalidArgumentError } from '../errors.js';
import { withSeed } from './seeded.js';

before(async () => {
  await initBackend({ backend: 'cpu' });
});

function weightsOf(seed: number): Float32Array[] {
  const model = withSeed(seed, () => tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [5], units: 8, activation: 'relu', biasInitializer: 'randomNormal' }),
      tf.layers.dense({ units: 3, kernelInitializer: 'heNormal' }),
    ],
  }));
  const values = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  return values;
}

test('two models built with the same seed have identical weights; another seed gives other weights', () => {
  const a = weightsOf(7);
  const b = weightsOf(7);
  const c = weightsOf(8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0], c[0]);
  assert.notDeepEqual(a[2], c[2]);
});

test('Math.random is restored, also when the build throws; async builds and bad seeds are refused', () => {
  const original = Math.random;
  assert.throws(() => withSeed(1, () => { throw new Error('boom'); }), /boom/);
  assert.equal(Math.random, original);
  assert.throws(() => withSeed(1, async () => 1), InvalidArgumentError);
  assert.throws(() => withSeed(1.5, () => 1), InvalidArgumentError);
  assert.equal(Math.random, original);
});
