// A workload module as a user writes one (a tf.layers model, data made in memory), loaded by path in tests.

import { fromLayersModel } from '../../tfjs/model.js';
import { tf } from '../../tfjs/tf.js';
import { arrayDataset } from '../../workloads/array-dataset.js';
import { classifierWorkload } from '../../workloads/classification.js';
import { SeededRandom } from '../../workloads/random.js';
import { withSeed } from '../../workloads/seeded.js';

const INPUTS = 6;
const CLASSES = 3;

/** `n` points around one centre per class; the class is the label. */
function blobs(n: number, stream: number): { inputs: Float32Array; labels: Int32Array; numExamples: number; inputSize: number } {
  const random = new SeededRandom(11, stream);
  const inputs = new Float32Array(n * INPUTS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % CLASSES;
    for (let j = 0; j < INPUTS; j++) inputs[i * INPUTS + j] = (j % CLASSES === labels[i] ? 2 : 0) + random.nextNormal();
  }
  return { inputs, labels, numExamples: n, inputSize: INPUTS };
}

export default classifierWorkload<{ seed: number; hidden: number }>({
  name: 'blobs',
  createModel: (options = {}) => fromLayersModel(withSeed(options.seed ?? 0, () => tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [INPUTS], units: options.hidden ?? 16, activation: 'relu' }),
      tf.layers.dense({ units: CLASSES }),
    ],
  }))),
  loadData: () => ({ train: arrayDataset('blobs/train', blobs(192, 1)), test: arrayDataset('blobs/test', blobs(60, 2)), description: 'three Gaussian blobs, 192 train / 60 test' }),
});
