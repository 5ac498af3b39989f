// Workload `synthetic`: an MLP of a requested parameter count on seeded generated data, for benchmarks.
//
// Data: x ~ N(0, 1)^inputSize; the label is the arg-max of x·T for a fixed random
// "teacher" matrix T (inputSize × numClasses), so the task is learnable and the
// loss falls, yet needs no files. Model: inputSize → h → h → numClasses with h
// chosen so the total parameter count is as close as possible to `numParams`.

import { createMlp, mlpParamCount } from './mlp.js';
import { arrayDataset, type LabeledArrays } from './array-dataset.js';
import { SeededRandom } from './random.js';
import { classifierLoss, classifierMetric, evaluateClassifier } from './classification.js';
import type { Workload } from './workload.js';
import { InvalidArgumentError } from '../errors.js';

export interface SyntheticOptions {
  /** Target parameter count; default 4,194,304 (2^22). */
  numParams: number;
  /** Features per example; default 256. */
  inputSize: number;
  /** Default 10. */
  numClasses: number;
  /** Training examples; default 8192 (test set: a quarter of that). */
  numExamples: number;
  /** Seeds both the weights and the data; default 0. */
  seed: number;
}

export const SYNTHETIC_DEFAULTS: SyntheticOptions = { numParams: 4194304, inputSize: 256, numClasses: 10, numExamples: 8192, seed: 0 };

/**
 * Width h of the two equal hidden layers whose MLP has the parameter count closest to numParams:
 * count(h) = h² + h·(inputSize + numClasses + 2) + numClasses, solved for h and rounded.
 */
export function syntheticHiddenWidth(numParams: number, inputSize: number, numClasses: number): number {
  const b = inputSize + numClasses + 2;
  const c = numClasses - numParams;
  const root = (-b + Math.sqrt(b * b - 4 * c)) / 2;
  let best = Math.max(1, Math.floor(root));
  const size = (h: number) => mlpParamCount({ inputSize, hiddenUnits: [h, h], numClasses });
  if (Math.abs(size(best + 1) - numParams) < Math.abs(size(best) - numParams)) best += 1;
  return best;
}

function resolve(options: Partial<SyntheticOptions> = {}): SyntheticOptions {
  const o = { ...SYNTHETIC_DEFAULTS, ...options };
  for (const field of ['numParams', 'inputSize', 'numClasses', 'numExamples'] as const) {
    if (!Number.isInteger(o[field]) || o[field] < 1) throw new InvalidArgumentError(field, o[field], 'a positive integer');
  }
  if (o.numClasses < 2) throw new InvalidArgumentError('numClasses', o.numClasses, 'at least 2');
  if (!Number.isInteger(o.seed)) throw new InvalidArgumentError('seed', o.seed, 'an integer');
  return o;
}

/** Seeded examples labelled by the teacher; `stream` separates train (0) from test (1). */
export function syntheticArrays(o: SyntheticOptions, numExamples: number, stream: number): LabeledArrays {
  const teacherRng = new SeededRandom(o.seed, 0x7eac);
  const teacher = new Float32Array(o.inputSize * o.numClasses);
  for (let i = 0; i < teacher.length; i++) teacher[i] = teacherRng.nextNormal();
  const rng = new SeededRandom(o.seed, 0xda7a, stream);
  const inputs = new Float32Array(numExamples * o.inputSize);
  const labels = new Int32Array(numExamples);
  const scores = new Float64Array(o.numClasses);
  for (let n = 0; n < numExamples; n++) {
    const row = inputs.subarray(n * o.inputSize, (n + 1) * o.inputSize);
    for (let i = 0; i < o.inputSize; i++) row[i] = rng.nextNormal();
    scores.fill(0);
    for (let i = 0; i < o.inputSize; i++) {
      for (let c = 0; c < o.numClasses; c++) scores[c] += row[i] * teacher[i * o.numClasses + c];
    }
    let best = 0;
    for (let c = 1; c < o.numClasses; c++) if (scores[c] > scores[best]) best = c;
    labels[n] = best;
  }
  return { inputs, labels, numExamples, inputSize: o.inputSize };
}

export const synthetic: Workload<SyntheticOptions> = {
  name: 'synthetic',
  createModel(options) {
    const o = resolve(options);
    const h = syntheticHiddenWidth(o.numParams, o.inputSize, o.numClasses);
    return createMlp({ inputSize: o.inputSize, hiddenUnits: [h, h], numClasses: o.numClasses }, o.seed);
  },
  loadData(options) {
    const o = resolve(options);
    const numTest = Math.max(1, Math.floor(o.numExamples / 4));
    return {
      train: arrayDataset('synthetic/train', syntheticArrays(o, o.numExamples, 0)),
      test: arrayDataset('synthetic/test', syntheticArrays(o, numTest, 1)),
      description: `synthetic teacher-labelled data (seed ${o.seed}): ${o.numExamples} train / ${numTest} test, ${o.inputSize} features, ${o.numClasses} classes`,
    };
  },
  loss: classifierLoss,
  metric: classifierMetric,
  evaluate: evaluateClassifier,
};
