// Lion's state in tfjs's optimizer-weights form (model.save with includeOptimizer), and the class a loaded model gets.
//
// tfjs optimizers report `iter` and then one slot tensor per variable (Adam: `<variable>/m`, `<variable>/v`).
// Lion has one slot, the momentum, so its weights are `iter` and `<variable>/m` in the model's variable order.
// A model loaded with tf.loadLayersModel is compiled with the optimizer its model.json names: registering
// SavedLionState under DistributedLionOptimizer's class name gives it a holder of the saved state (it cannot
// train: training needs a process group, so createFitOptimizer builds the real one and takes the state over).

import { InvalidArgumentError, LionCubError } from '../errors.js';
import { tf, type LayersModel, type Tensor } from '../tfjs/tf.js';
import type { SyncedParams } from './synced-params.js';

export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** The class name DistributedLionOptimizer reports in model.json. */
export const FIT_OPTIMIZER_CLASS_NAME = 'LionCubDistributedLion';

/** `iter` (the step) and `<variable>/m` per trainable variable, this rank's momentum, as new tensors. */
export function momentumTensors(synced: SyncedParams): NamedTensor[] {
  const momentum = synced.momentum.slice();
  return [
    { name: 'iter', tensor: tf.scalar(synced.step, 'int32') },
    ...synced.flat.segments.map((s) => ({ name: `${s.name}/m`, tensor: tf.tensor(momentum.subarray(s.offset, s.offset + s.length), [...s.shape], 'float32') })),
  ];
}

/**
 * Sets step and momentum from momentumTensors' form, parameters from the model's current weights. The
 * momentum tensors are matched to the variables by order, as tfjs optimizers do (a rebuilt model's
 * auto-generated layer names may differ). Throws InvalidArgumentError naming what is missing or misshapen.
 */
export function restoreMomentumTensors(synced: SyncedParams, weights: readonly NamedTensor[]): void {
  const iter = weights.find((w) => w.name === 'iter');
  if (iter === undefined || iter.tensor.size !== 1) throw new InvalidArgumentError('optimizer weights', 'no iter', 'an `iter` scalar, as getWeights returns it');
  const step = iter.tensor.dataSync()[0];
  if (!Number.isSafeInteger(step) || step < 0) throw new InvalidArgumentError('optimizer weights iter', step, 'a step count ≥ 0');
  const slots = weights.filter((w) => w !== iter);
  const segments = synced.flat.segments;
  if (slots.length !== segments.length) {
    throw new InvalidArgumentError('optimizer weights', `${slots.length} momentum tensors`, `one per trainable variable (${segments.length}), as getWeights returns them`);
  }
  const momentum = new Float32Array(synced.numParams);
  segments.forEach((s, i) => {
    const { name, tensor } = slots[i];
    if (tensor.size !== s.length) throw new InvalidArgumentError(`optimizer weights ${name}`, tensor.size, `${s.length} values (the size of ${s.name})`);
    momentum.set(tensor.dataSync() as Float32Array, s.offset);
  });
  synced.restore({ params: synced.flat.read(), momentum, step });
}

/**
 * What tf.loadLayersModel compiles a model with when its model.json was saved with DistributedLionOptimizer:
 * the saved config and (after loading) the saved weights. Pass them on with
 * `await optimizer.setWeights(await loaded.optimizer.getWeights())`; it cannot take a step itself.
 */
export class SavedLionState extends tf.Optimizer {
  static readonly className = FIT_OPTIMIZER_CLASS_NAME;
  private weights: NamedTensor[] = [];

  constructor(readonly savedConfig: Record<string, unknown>) {
    super();
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new SavedLionState(config) as unknown as T;
  }

  override applyGradients(): void {
    throw new LionCubError('fit_optimizer_missing', 'this model was loaded with a saved lion-cub optimizer state, which cannot train: compile it with createFitOptimizer and pass the state on with optimizer.setWeights(await loaded.optimizer.getWeights())');
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.savedConfig } as tf.serialization.ConfigDict;
  }

  /** How many saved tensors this holds (0 once disposed). */
  get heldTensors(): number {
    return this.weights.length;
  }

  /**
   * The saved tensors. Like tfjs optimizers' weights they belong to this object: valid until it is disposed,
   * which compiling the model with createFitOptimizer's optimizer does (releaseSavedStateOnRecompile).
   */
  override async getWeights(): Promise<NamedTensor[]> {
    return [...this.weights];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    tf.dispose(this.weights.map((w) => w.tensor));
    this.weights = weightValues.map(({ name, tensor }) => ({ name, tensor: tf.keep(tensor.clone()) }));
  }

  override dispose(): void {
    tf.dispose(this.weights.map((w) => w.tensor));
    this.weights = [];
    super.dispose();
  }
}

tf.serialization.registerClass(SavedLionState);

/**
 * Makes the next `model.compile` with another optimizer dispose the SavedLionState `model` was loaded with.
 * tfjs-layers disposes only optimizers it created from a name, and a loaded model's was created from its
 * model.json, so compiling it with createFitOptimizer's optimizer would otherwise keep the saved tensors
 * until the process ends. No-op for a model without a SavedLionState.
 */
export function releaseSavedStateOnRecompile(model: LayersModel): void {
  const saved = model.optimizer as unknown;
  // Not `instanceof`: tf.Optimizer's Symbol.hasInstance accepts any optimizer (and throws for undefined).
  if (saved == null || Object.getPrototypeOf(saved) !== SavedLionState.prototype || Object.prototype.hasOwnProperty.call(model, 'compile')) return;
  model.compile = (args) => {
    delete (model as { compile?: unknown }).compile; // back to the class's compile
    model.compile(args);
    if (model.optimizer !== saved) (saved as SavedLionState).dispose();
  };
}
