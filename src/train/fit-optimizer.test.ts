// Tests of the drop-in fit optimizer: fit and fitDataset give the custom loop's parameters after every batch; pairing errors; initial broadcast.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../tfjs/backend.js';
import { tf } from '../tfjs/tf.js';
import type { TrainConfig } from './config.js';
import { rankData, withFitModel } from './test-support/fit-models.js';
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

test('model.fit with the deferred optimizer gives the custom loop\'s parameters after every batch (2 ranks)', async () => {
  const config = tinyConfig({ steps: 5, weightDecay: 0.1 });
  const expected = await customLoop(config);
  const viaFit = await withRanks(2, (group) => withFitModel(config, group, async (model, opt) => {
    const { x, y, localBatch } = rankData(config, group);
    const history: Float32Array[] = [];
    const losses: Array<number | null> = [];
    opt.onStep((info) => { history.push(opt.synced.params.slice()); losses.push(info.loss); });
    const copied: number[] = [];
    const collect = opt.synced.flat.collectGradients.bind(opt.synced.flat);
    opt.synced.flat.collectGradients = (grads, out) => { const n = collect(grads, out); copied.push(n); return n; };
    await model.fit(x, y, { batchSize: localBatch, epochs: 1, shuffle: false, callbacks: [opt.callback] });
    tf.dispose([x, y]);
    assert.deepEqual(copied, [0, 0, 0, 0, 0], 'fit\'s backward pass wrote every gradient into the flat buffer');
    assert.equal(opt.synced.flat.boundCount, model.trainableWeights.length, 'the model\'s weights are the flat parameters');
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
