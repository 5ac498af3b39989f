// synthetic: the model size tracks the requested parameter count, data are seeded and learnable.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tfjs/tf.js';
import { initBackend } from '../tfjs/backend.js';
import { FlatParams } from '../tfjs/flat-params.js';
import { countParams } from '../tfjs/model.js';
import { synthetic, syntheticArrays, syntheticHiddenWidth, SYNTHETIC_DEFAULTS } from './synthetic.js';
import { mlpParamCount } from './mlp.js';
import { InvalidArgumentError } from '../errors.js';

before(async () => { await initBackend({ backend: 'wasm', fallbackToCpu: false }); });

test('the hidden width puts the parameter count as close to the target as a width step allows', () => {
  for (const target of [1000, 65536, 1e6, 4194304, 16777216]) {
    const h = syntheticHiddenWidth(target, 256, 10);
    const count = (w: number) => mlpParamCount({ inputSize: 256, hiddenUnits: [w, w], numClasses: 10 });
    assert.ok(Math.abs(count(h) - target) <= Math.abs(count(h - 1) - target));
    assert.ok(Math.abs(count(h) - target) <= Math.abs(count(h + 1) - target));
  }
  const model = synthetic.createModel({ numParams: 5000, inputSize: 16, numClasses: 4 });
  assert.equal(countParams(model), mlpParamCount({ inputSize: 16, hiddenUnits: [syntheticHiddenWidth(5000, 16, 4), syntheticHiddenWidth(5000, 16, 4)], numClasses: 4 }));
  model.dispose();
});

test('data are reproducible from the seed, train and test differ, and labels use every class', () => {
  const o = { ...SYNTHETIC_DEFAULTS, inputSize: 8, numClasses: 3 };
  const a = syntheticArrays(o, 300, 0);
  assert.deepEqual(a, syntheticArrays(o, 300, 0));
  assert.notDeepEqual(a.inputs, syntheticArrays(o, 300, 1).inputs);
  assert.notDeepEqual(a.inputs, syntheticArrays({ ...o, seed: 1 }, 300, 0).inputs);
  assert.deepEqual(new Set(a.labels), new Set([0, 1, 2]));
  assert.throws(() => synthetic.loadData({ numClasses: 1 }), InvalidArgumentError);
});

test('a training step on a tiny config lowers the loss', () => {
  const options = { numParams: 3000, inputSize: 16, numClasses: 4, numExamples: 256 };
  const model = synthetic.createModel(options);
  const { train, test: held } = synthetic.loadData(options);
  assert.equal(held.numExamples, 64);
  const batch = train.batch(Array.from({ length: 64 }, (_, i) => i));
  const flat = new FlatParams(model.variables);
  const params = flat.read();
  const grads = new Float32Array(flat.numParams);
  const first = flat.gradients(() => synthetic.loss(model, batch), grads).loss;
  for (let j = 0; j < params.length; j++) params[j] -= 0.2 * grads[j];
  flat.write(params);
  const second = flat.gradients(() => synthetic.loss(model, batch), grads).loss;
  assert.ok(second < first, `loss ${first} → ${second}`);
  tf.dispose([batch.x, batch.y]);
  model.dispose();
});
