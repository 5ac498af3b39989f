// Loss, accuracy and evaluation shared by the workloads: all of them predict integer classes from logits.

import { tf, type Scalar, type Tensor } from '../tfjs/tf.js';
import type { TrainableModel } from '../tfjs/model.js';
import { oneHotFloat } from '../tfjs/ops.js';
import type { Batch, Dataset, EvalResult, EvaluateOptions, MetricCounts, Workload } from './workload.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * Mean softmax cross-entropy over every target: logits [..., C], labels int32 [...] (same leading shape).
 * loss = −(1/M)·Σ_m log softmax(logits_m)[label_m], M = number of targets.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[logits.rank - 1];
    const flatLogits = logits.reshape([-1, numClasses]);
    const oneHot = oneHotFloat(labels.reshape([-1]), numClasses);
    const logProbs = tf.logSoftmax(flatLogits);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbs), -1))) as Scalar;
  });
}

/** Count of targets whose arg-max class equals the label (logits [..., C], labels [...]). */
export function correctCount(logits: Tensor, labels: Tensor): MetricCounts {
  const correct = tf.tidy(() => {
    const numClasses = logits.shape[logits.rank - 1];
    const predicted = tf.argMax(logits.reshape([-1, numClasses]), -1);
    return tf.sum(tf.cast(tf.equal(predicted, tf.cast(labels.reshape([-1]), 'int32')), 'int32'));
  });
  const count = labels.size;
  const value = correct.dataSync()[0];
  correct.dispose();
  return { correct: value, count };
}

/** The loss of `model` on `batch` (forward pass in training mode). */
export function classifierLoss(model: TrainableModel, batch: Batch): Scalar {
  return tf.tidy(() => softmaxCrossEntropy(model.apply(batch.x, true), batch.y));
}

/** Accuracy counts of `model` on `batch` (forward pass in inference mode). */
export function classifierMetric(model: TrainableModel, batch: Batch): MetricCounts {
  const logits = tf.tidy(() => model.apply(batch.x, false));
  try {
    return correctCount(logits, batch.y);
  } finally {
    logits.dispose();
  }
}

/** Loss and accuracy of `model` over the first `maxExamples` examples of `dataset`, in batches. */
export function evaluateClassifier(model: TrainableModel, dataset: Dataset, options: EvaluateOptions = {}): EvalResult {
  const { batchSize = 256, maxExamples = dataset.numExamples } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError('batchSize', batchSize, 'a positive integer');
  if (!Number.isInteger(maxExamples) || maxExamples < 1) throw new InvalidArgumentError('maxExamples', maxExamples, 'a positive integer');
  const total = Math.min(maxExamples, dataset.numExamples);
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  for (let start = 0; start < total; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, total - start) }, (_, i) => start + i);
    const batch = dataset.batch(indices);
    try {
      const logits = tf.tidy(() => model.apply(batch.x, false));
      const loss = tf.tidy(() => softmaxCrossEntropy(logits, batch.y));
      const counts = correctCount(logits, batch.y);
      // The loss is a per-target mean: weight it by the batch's targets to average over the dataset.
      lossSum += loss.dataSync()[0] * counts.count;
      correct += counts.correct;
      count += counts.count;
      tf.dispose([logits, loss]);
    } finally {
      tf.dispose([batch.x, batch.y]);
    }
  }
  return { loss: count > 0 ? lossSum / count : Number.NaN, accuracy: count > 0 ? correct / count : Number.NaN, numTargets: count };
}

/**
 * A classification workload from a name, a model factory and data: the loss, metric and evaluation of the
 * built-in workloads (softmax cross-entropy on logits, arg-max accuracy). The model returns logits [..., C];
 * the datasets give integer class targets.
 */
export function classifierWorkload<Options extends object>(parts: Pick<Workload<Options>, 'name' | 'createModel' | 'loadData'>): Workload<Options> {
  return { name: parts.name, createModel: parts.createModel, loadData: parts.loadData, loss: classifierLoss, metric: classifierMetric, evaluate: evaluateClassifier };
}
