// The model shape training code sees: named trainable variables in a fixed order, and a forward pass.

import { tf, type Tensor, type Variable, type LayersModel } from './tf.js';

/** A trainable variable and the stable name it is reported under (layer/weight, not tfjs's unique-ified name). */
export interface NamedVariable {
  readonly name: string;
  readonly variable: Variable;
}

/**
 * What a training loop needs from a model. `variables` fixes the order of the flat
 * parameter vector (flat-params.ts), so every rank must build the model the same way.
 */
export interface TrainableModel {
  readonly variables: readonly NamedVariable[];
  /** Forward pass to logits. `training` only matters to layers that behave differently when training (dropout). */
  apply(x: Tensor, training: boolean): Tensor;
  /** Frees every variable the model owns. */
  dispose(): void;
}

/** Wraps a tf.LayersModel: its trainable weights in `model.trainableWeights` order, forward = model.apply. */
export function fromLayersModel(model: LayersModel): TrainableModel & { readonly layersModel: LayersModel } {
  const variables = model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as Variable }));
  return {
    layersModel: model,
    variables,
    apply: (x, training) => model.apply(x, { training }) as Tensor,
    dispose: () => model.dispose(),
  };
}

/** Total number of scalar parameters. */
export function countParams(model: Pick<TrainableModel, 'variables'>): number {
  let n = 0;
  for (const v of model.variables) n += v.variable.size;
  return n;
}

/**
 * Creates a trainable float32 variable of `shape` holding a copy of `values`.
 * tfjs names it (tfjs variable names must be unique per process, and two models of
 * the same workload may coexist); the stable name lives in NamedVariable.
 */
export function makeVariable(values: Float32Array, shape: number[]): Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values.slice(), shape, 'float32'), true));
}
