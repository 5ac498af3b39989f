// Test support for the fit path: a tiny workload's model compiled with the drop-in optimizer, and one rank's data.

import type { ProcessGroup } from '../../comm/process-group.js';
import { oneHotFloat } from '../../tfjs/ops.js';
import { tf, type LayersModel, type Tensor } from '../../tfjs/tf.js';
import { softmaxCrossEntropy } from '../../workloads/classification.js';
import { getWorkload } from '../../workloads/registry.js';
import { DistributedSampler } from '../../workloads/sharding.js';
import type { TrainConfig } from '../config.js';
import { createFitOptimizer, type DistributedLionOptimizer } from '../fit-optimizer.js';
import { lionOptionsFor } from '../lion-setup.js';

/** The sampler of `config` for this rank. */
export function samplerOf(config: TrainConfig, group: ProcessGroup, numExamples: number): DistributedSampler {
  return new DistributedSampler({ numExamples, globalBatchSize: config.batchSize, worldSize: group.worldSize, rank: group.rank, seed: config.seed });
}

/** This rank's batches of steps from..config.steps−1, concatenated in step order; targets one-hot. */
export function rankData(config: TrainConfig, group: ProcessGroup, from = 0): { x: Tensor; y: Tensor; localBatch: number; numExamples: number } {
  const workload = getWorkload(config.workload);
  const data = workload.loadData({ ...config.workloadOptions, seed: config.seed });
  const sampler = samplerOf(config, group, data.train.numExamples);
  const indices: number[] = [];
  for (let t = from; t < config.steps!; t++) {
    const { epoch, step } = sampler.position(t);
    indices.push(...sampler.localBatch(epoch, step));
  }
  const batch = data.train.batch(indices);
  const y = oneHotFloat(batch.y, 4);
  batch.y.dispose();
  return { x: batch.x, y, localBatch: sampler.localBatchSize, numExamples: indices.length };
}

/** Fits this rank's batches of steps from..config.steps−1 (one epoch of fit, in order) with the drop-in optimizer's callback. */
export async function fitSteps(config: TrainConfig, model: LayersModel, opt: DistributedLionOptimizer, from: number): Promise<void> {
  const { x, y, localBatch } = rankData(config, opt.group, from);
  try {
    await model.fit(x, y, { batchSize: localBatch, epochs: 1, shuffle: false, callbacks: [opt.callback] });
  } finally {
    tf.dispose([x, y]);
  }
}

/**
 * Runs `body` with the workload's model (initialised from `initSeed`, default config.seed) compiled with the
 * drop-in optimizer, and disposes both afterwards.
 */
export async function withFitModel<T>(config: TrainConfig, group: ProcessGroup, body: (model: LayersModel, opt: DistributedLionOptimizer) => Promise<T>, initSeed = config.seed): Promise<T> {
  const workload = getWorkload(config.workload);
  const trainable = workload.createModel({ ...config.workloadOptions, seed: initSeed }) as ReturnType<typeof workload.createModel> & { layersModel: LayersModel };
  const model = trainable.layersModel;
  const segments = trainable.variables.map((v) => ({ name: v.name, shape: v.variable.shape }));
  const { stateMemory: _ignored, ...lion } = lionOptionsFor(config, segments, config.steps!);
  const opt = await createFitOptimizer({ model, group, sync: config.sync, momentumSync: config.momentumSync, seed: config.seed, lion });
  // fit checks that targets have the model's output shape, so they travel one-hot and turn back into the
  // class indices the workload's loss takes: the same ops, hence the same gradient bits, as the custom loop.
  model.compile({ optimizer: opt, loss: (yTrue: Tensor, yPred: Tensor) => softmaxCrossEntropy(yPred, tf.argMax(yTrue, -1)) });
  try {
    return await body(model, opt);
  } finally {
    opt.dispose();
    model.dispose();
  }
}
