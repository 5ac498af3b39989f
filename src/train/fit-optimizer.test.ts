// Tests of the drop-in fit optimizer: fit and fitDataset give the custom loop's parameters after every batch; pairing errors; initial broadcast.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessGroup } from '../comm/process-group.js';
import { initBackend } from '../tfjs/backend.js';
import { oneHotFloat } from '../tfjs/ops.js';
import { tf, type LayersModel, type Tensor } from '../tfjs/tf.js';
import { softmaxCrossEntropy } from '../workloads/classification.js';
import { getWorkload } from '../workloads/registry.js';
import { DistributedSampler } from '../workloads/sharding.js';
import type { TrainConfig } from './config.js';
import { createFitOptimizer } from './fit-optimizer.js';
import { lionOptionsFor } from './lion-setup.js';
import { tinyConfig, withRanks } from './test-support/ranks.js';
import { Trainer } from './trainer.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Parameters after every step of the custom loop, per rank. */
function customLoop(config: TrainConfig): Promise<Float32Array[][]> {
  return withRanks(2, async (group) => {
    const trainer = await Trainer.create({ config, group });
    const history: Float32Array[] = [];
    trainer.on('step', () => history.push(trainer.params()));
    await trainer.run();
    trainer.dispose();
    return history;
  });
}

/** This rank's batches of steps 0..steps−1, concatenated in step order; targets one-hot. */
function rankData(config: TrainConfig, group: ProcessGroup): { x: Tensor; y: Tensor; localBatch: number; numExamples: number } {
  const workload = getWorkload(config.workload);
  const data = workload.loadData({ ...config.workloadOptions, seed: config.seed });
  const sampler = new DistributedSampler({ numExamples: data.train.numExamples, globalBatchSize: config.batchSize, worldSize: group.worldSize, rank: group.rank, seed: config.seed });
  const indices: number[] = [];
  for (let t = 0; t < config.steps!; t++) {
    const { epoch, step } = sampler.position(t);
    indices.push(...sampler.localBatch(epoch, step));
  }
  const batch = data.train.batch(indices);
  const y = oneHotFloat(batch.y, 4);
  batch.y.dispose();
  return { x: batch.x, y, localBatch: sampler.localBatchSize, numExamples: indices.length };
}

async function withFitModel<T>(config: TrainConfig, group: ProcessGroup, body: (model: LayersModel, opt: Awaited<ReturnType<typeof createFitOptimizer>>) => Promise<T>): Promise<T> {
  const workload = getWorkload(config.workload);
  const trainable = workload.createModel({ ...config.workloadOptions, seed: config.seed }) as ReturnType<typeof workload.createModel> & { layersModel: LayersModel };
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

test('model.fit with the deferred optimizer gives the custom loop\'s parameters after every batch (2 ranks)', async () => {
  const config = tinyConfig({ steps: 5, weightDecay: 0.1 });
  const expected = await customLoop(config);
  const viaFit = await withRanks(2, (group) => withFitModel(config, group, async (model, opt) => {
    const { x, y, localBatch } = rankData(config, group);
    const history: Float32Array[] = [];
    const losses: Array<number | null> = [];
    opt.onStep((info) => { history.push(opt.synced.params.slice()); losses.push(info.loss); });
    await model.fit(x, y, { batchSize: localBatch, epochs: 1, shuffle: false, callbacks: [opt.callback] });
    tf.dispose([x, y]);
    // What the model holds is what the flat buffer holds.
    assert.deepEqual(opt.synced.flat.read(), opt.synced.params);
    assert.ok(losses.every((l) => typeof l === 'number' && l > 0));
    return history;
  }));
  for (let r = 0; r < 2; r++) {
    assert.equal(viaFit[r].length, 5);
    viaFit[r].forEach((params, step) => assert.deepEqual(params, expected[r][step], `rank ${r} after batch ${step + 1}`));
  }
});

test('model.fitDataset with the deferred optimizer matches the custom loop too', async () => {
  const config = tinyConfig({ steps: 4, sync: 'lion-bf16' });
  const expected = await customLoop(config);
  const viaDataset = await withRanks(2, (group) => withFitModel(config, group, async (model, opt) => {
    const { x, y, localBatch, numExamples } = rankData(config, group);
    const history: Float32Array[] = [];
    opt.onStep(() => history.push(opt.synced.params.slice()));
    const dataset = tf.data.zip({ xs: tf.data.array(tf.unstack(x)), ys: tf.data.array(tf.unstack(y)) }).batch(localBatch);
    await model.fitDataset(dataset, { epochs: 1, batchesPerEpoch: numExamples / localBatch, callbacks: [opt.callback] });
    tf.dispose([x, y]);
    return history;
  }));
  for (let r = 0; r < 2; r++) viaDataset[r].forEach((params, step) => assert.deepEqual(params, expected[r][step], `rank ${r} batch ${step + 1}`));
});

test('forgetting the callback is reported instead of silently skipping the communication', async () => {
  await withRanks(1, (group) => withFitModel(tinyConfig({ steps: 2 }), group, async (model) => {
    const { x, y, localBatch } = rankData(tinyConfig({ steps: 2 }), group);
    await assert.rejects(model.fit(x, y, { batchSize: localBatch, epochs: 1, shuffle: false }), { code: 'fit_callback_missing' });
    tf.dispose([x, y]);
  }));
});

test('rank 0\'s initial weights are broadcast to every rank', async () => {
  const config = tinyConfig();
  const firsts = await withRanks(2, async (group) => {
    // Rank 1 builds its model from another seed, as a model with random initialisers would differ.
    const mine = { ...config, seed: config.seed + group.rank };
    return withFitModel(mine, group, async (_model, opt) => opt.synced.flat.read());
  });
  assert.deepEqual(firsts[0], firsts[1]);
});
