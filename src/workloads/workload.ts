// The contract every workload (model + data + loss + metric) fulfils, so training code can run any of them by name.

import type { Scalar, Tensor } from '../tfjs/tf.js';
import type { TrainableModel } from '../tfjs/model.js';

/** Input and target tensors of one batch. The caller owns them and disposes them (tf.dispose([batch.x, batch.y])). */
export interface Batch {
  x: Tensor;
  /** Integer class targets (int32): [batch] for classifiers, [batch, time] for language models. */
  y: Tensor;
}

/** An indexable set of examples. Examples are addressed by index so a sampler can shard them (sharding.ts). */
export interface Dataset {
  /** E.g. "mnist/train". */
  readonly name: string;
  readonly numExamples: number;
  /** Tensors of the examples at `indices`, in that order. Throws InvalidArgumentError for an index out of range. */
  batch(indices: ArrayLike<number>): Batch;
}

export interface WorkloadData {
  train: Dataset;
  test: Dataset;
  /** Where the data came from and how it was split, for logs and reports. */
  description: string;
}

export interface EvalResult {
  /** Mean cross-entropy per target (nats). */
  loss: number;
  /** Fraction of targets whose arg-max prediction is right. */
  accuracy: number;
  /** Targets counted (examples for classifiers, characters for language models). */
  numTargets: number;
}

export interface EvaluateOptions {
  /** Examples per forward pass; default 256. */
  batchSize?: number;
  /** Evaluate only the first `maxExamples` examples of the dataset (in order); default all. */
  maxExamples?: number;
}

/** Accuracy as counts, so per-rank results can be summed before dividing. */
export interface MetricCounts {
  correct: number;
  count: number;
}

/**
 * A named workload. `options` is one object for model and data, since they must agree
 * (input size, vocabulary, context length); every field has a default.
 */
export interface Workload<Options extends object = object> {
  readonly name: string;
  /** A new model with parameters initialised deterministically from `options.seed` (same on every rank). */
  createModel(options?: Partial<Options>): TrainableModel;
  loadData(options?: Partial<Options>): WorkloadData;
  /** Mean cross-entropy of the model on the batch (a scalar tensor; call inside a gradient or tidy scope). */
  loss(model: TrainableModel, batch: Batch): Scalar;
  /** Next-class accuracy counts on the batch (runs the forward pass in inference mode). */
  metric(model: TrainableModel, batch: Batch): MetricCounts;
  /** Loss and accuracy over a dataset, in order, batch by batch; leaves no tensors behind. */
  evaluate(model: TrainableModel, dataset: Dataset, options?: EvaluateOptions): EvalResult;
}
