// A Dataset over in-memory feature rows and integer labels (mnist and synthetic data).

import { tf } from '../tfjs/tf.js';
import type { Batch, Dataset } from './workload.js';
import { InvalidArgumentError } from '../errors.js';

/** numExamples rows of `inputSize` features (row-major) and one class label per row. */
export interface LabeledArrays {
  inputs: Float32Array;
  labels: Uint8Array | Int32Array;
  numExamples: number;
  inputSize: number;
}

/** Batches are x float32 [b, inputSize] and y int32 [b], built by copying the selected rows. */
export function arrayDataset(name: string, arrays: LabeledArrays): Dataset {
  const { inputs, labels, numExamples, inputSize } = arrays;
  if (inputs.length !== numExamples * inputSize || labels.length !== numExamples) {
    throw new InvalidArgumentError(`${name} arrays`, { inputs: inputs.length, labels: labels.length }, `${numExamples}×${inputSize} inputs and ${numExamples} labels`);
  }
  return {
    name,
    numExamples,
    batch(indices: ArrayLike<number>): Batch {
      const b = indices.length;
      const x = new Float32Array(b * inputSize);
      const y = new Int32Array(b);
      for (let i = 0; i < b; i++) {
        const idx = indices[i];
        if (!Number.isInteger(idx) || idx < 0 || idx >= numExamples) {
          throw new InvalidArgumentError(`${name} index`, idx, `an integer in [0, ${numExamples})`);
        }
        x.set(inputs.subarray(idx * inputSize, (idx + 1) * inputSize), i * inputSize);
        y[i] = labels[idx];
      }
      return { x: tf.tensor2d(x, [b, inputSize]), y: tf.tensor1d(y, 'int32') };
    },
  };
}
