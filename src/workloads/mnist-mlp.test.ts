// mnist-mlp: the real digits and their fixed split, the parameter count, seeded init, and a training step on wasm.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tfjs/tf.js';
import { initBackend } from '../tfjs/backend.js';
import { FlatParams } from '../tfjs/flat-params.js';
import { countParams } from '../tfjs/model.js';
import { mnistMlp, mnistMlpParamCount } from './mnist-mlp.js';
import { loadMnist } from './mnist-data.js';
import { DistributedSampler } from './sharding.js';
import { InvalidArgumentError } from '../errors.js';

before(async () => { await initBackend({ backend: 'wasm', fallbackToCpu: false }); });

test('10,000 digits split 8,000 / 2,000 with every class in both halves and pixels in [0, 1]', () => {
  const { train, test: held } = loadMnist();
  assert.equal(train.numExamples, 8000);
  assert.equal(held.numExamples, 2000);
  for (const part of [train, held]) {
    const counts = new Array(10).fill(0);
    for (const l of part.labels) counts[l]++;
    // Natural MNIST shares are 9–11% per class; a fixed shuffle keeps both halves near them.
    for (const c of counts) assert.ok(c > part.numExamples * 0.07 && c < part.numExamples * 0.13, `class count ${c}`);
    let min = Infinity;
    let max = -Infinity;
    for (const p of part.inputs) { if (p < min) min = p; if (p > max) max = p; }
    assert.ok(min >= 0 && max <= 1 && max > 0.9);
  }
  assert.equal(loadMnist(), loadMnist(), 'cached per process');
});

test('the default model has 3,716,106 parameters (784→2048→1024→10) and the count formula matches the model', () => {
  assert.equal(mnistMlpParamCount(), 3716106);
  const model = mnistMlp.createModel({ hiddenUnits: [16, 8] });
  assert.equal(countParams(model), mnistMlpParamCount([16, 8]));
  assert.deepEqual(model.variables.map((v) => v.name), ['hidden1/kernel', 'hidden1/bias', 'hidden2/kernel', 'hidden2/bias', 'logits/kernel', 'logits/bias']);
  model.dispose();
});

test('the same seed gives bit-identical initial parameters, another seed different ones', () => {
  const read = (seed: number) => {
    const m = mnistMlp.createModel({ hiddenUnits: [8], seed });
    const p = new FlatParams(m.variables).read();
    m.dispose();
    return p;
  };
  assert.deepEqual(read(3), read(3));
  assert.notDeepEqual(read(3), read(4));
  assert.throws(() => mnistMlp.createModel({ hiddenUnits: [0] }), InvalidArgumentError);
});

test('a few SGD steps on one rank-shard lower the loss; evaluation leaves no tensors behind', () => {
  const model = mnistMlp.createModel({ hiddenUnits: [32] });
  const { train, test: held } = mnistMlp.loadData();
  const sampler = new DistributedSampler({ numExamples: train.numExamples, globalBatchSize: 64, worldSize: 2, rank: 1, seed: 1 });
  const batch = train.batch(sampler.localBatch(0, 0));
  assert.deepEqual(batch.x.shape, [32, 784]);
  assert.deepEqual(batch.y.shape, [32]);
  const flat = new FlatParams(model.variables);
  const params = flat.read();
  const grads = new Float32Array(flat.numParams);
  const first = flat.gradients(() => mnistMlp.loss(model, batch), grads).loss;
  assert.ok(Math.abs(first - Math.log(10)) < 0.5, `initial loss ${first} near ln 10`);
  let last = first;
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < params.length; j++) params[j] -= 0.1 * grads[j];
    flat.write(params);
    last = flat.gradients(() => mnistMlp.loss(model, batch), grads).loss;
  }
  assert.ok(last < first * 0.8, `loss ${first} → ${last}`);
  const { correct, count } = mnistMlp.metric(model, batch);
  assert.equal(count, 32);
  assert.ok(correct >= 0 && correct <= 32);
  tf.dispose([batch.x, batch.y]);

  const tensors = tf.memory().numTensors;
  const result = mnistMlp.evaluate(model, held, { batchSize: 100, maxExamples: 250 });
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(result.numTargets, 250);
  assert.ok(result.accuracy >= 0 && result.accuracy <= 1 && Number.isFinite(result.loss));
  model.dispose();
});
