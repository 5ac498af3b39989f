// A dense ReLU classifier as a tf.LayersModel with seeded weights: the model of mnist-mlp and synthetic.

import { tf } from '../tfjs/tf.js';
import { FlatParams } from '../tfjs/flat-params.js';
import { fromLayersModel, type TrainableModel } from '../tfjs/model.js';
import { SeededRandom } from './random.js';
import { constant, glorotUniform } from './init.js';
import { InvalidArgumentError } from '../errors.js';

export interface MlpShape {
  inputSize: number;
  /** Widths of the hidden ReLU layers, input side first. */
  hiddenUnits: readonly number[];
  numClasses: number;
}

/** Number of parameters of an MLP: Σ over layers of (in·out + out). */
export function mlpParamCount({ inputSize, hiddenUnits, numClasses }: MlpShape): number {
  const widths = [inputSize, ...hiddenUnits, numClasses];
  let n = 0;
  for (let i = 1; i < widths.length; i++) n += widths[i - 1] * widths[i] + widths[i];
  return n;
}

/**
 * Builds input → hidden (ReLU) … → numClasses logits as a tf.sequential of dense layers.
 * Kernels are Glorot-uniform and biases zero, drawn from SeededRandom(seed, layer index),
 * so the same seed gives bit-identical weights on every rank and backend.
 * Throws InvalidArgumentError for non-positive sizes.
 */
export function createMlp(shape: MlpShape, seed: number): TrainableModel {
  const widths = [shape.inputSize, ...shape.hiddenUnits, shape.numClasses];
  widths.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 1) throw new InvalidArgumentError(`layer width ${i}`, w, 'a positive integer');
  });
  const model = tf.sequential();
  for (let i = 1; i < widths.length; i++) {
    const last = i === widths.length - 1;
    model.add(tf.layers.dense({
      name: last ? 'logits' : `hidden${i}`,
      units: widths[i],
      activation: last ? 'linear' : 'relu',
      inputShape: i === 1 ? [widths[0]] : undefined,
      // Zeros are cheap; the seeded values are written below.
      kernelInitializer: 'zeros',
      biasInitializer: 'zeros',
    }));
  }
  const trainable = fromLayersModel(model);
  const flat = new FlatParams(trainable.variables);
  const values = new Float32Array(flat.numParams);
  for (let layer = 0; layer < widths.length - 1; layer++) {
    const kernel = flat.segments[2 * layer];
    const bias = flat.segments[2 * layer + 1];
    values.set(glorotUniform(widths[layer], widths[layer + 1], new SeededRandom(seed, layer)), kernel.offset);
    values.set(constant(bias.length, 0), bias.offset);
  }
  flat.write(values);
  return trainable;
}
