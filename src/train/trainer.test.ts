// Tests of the custom training loop on a tiny synthetic workload: events, 1 and 2 ranks, determinism, epochs, leaks, divergence, abort, decay mask.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../tfjs/backend.js';
import { tf } from '../tfjs/tf.js';
import type { TrainEvent } from './events.js';
import { tinyConfig, withRanks } from './test-support/ranks.js';
import { Trainer } from './trainer.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

test('one rank: events come in order with the documented shapes, and the test loss falls', async () => {
  const [result] = await withRanks(1, async (group) => {
    const trainer = await Trainer.create({ config: tinyConfig({ steps: 30, evalEvery: 10, batchAccuracy: true }), group });
    const events: TrainEvent[] = [];
    trainer.onAny((e) => events.push(e));
    const before = await trainer.evaluate();
    const done = await trainer.run();
    trainer.dispose();
    return { events, before, done };
  });
  const { events, before, done } = result;
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'eval'); // the evaluate() before run
  assert.equal(types[1], 'start');
  assert.equal(types.filter((t) => t === 'step').length, 30);
  assert.deepEqual(events.filter((e) => e.type === 'eval').map((e) => e.step), [0, 10, 20, 30]);
  assert.equal(types.at(-1), 'done');

  const start = events[1] as Extract<TrainEvent, { type: 'start' }>;
  assert.equal(start.rank, 0);
  assert.equal(start.worldSize, 1);
  assert.equal(start.totalSteps, 30);
  assert.equal(start.localBatchSize, 16);
  assert.equal(start.stepsPerEpoch, 16);
  assert.equal(start.startStep, 0);
  assert.equal(start.resumedFrom, null);
  assert.match(start.trajectoryHash, /^[0-9a-f]{64}$/);

  const steps = events.filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step');
  steps.forEach((s, i) => {
    assert.equal(s.step, i + 1);
    assert.equal(s.totalSteps, 30);
    assert.equal(s.epoch, i < 16 ? 0 : 1);
    assert.ok(Number.isFinite(s.loss) && s.loss > 0);
    assert.ok(s.accuracy !== null && s.accuracy >= 0 && s.accuracy <= 1);
    assert.ok(s.stepMs >= s.computeMs && s.computeMs > 0);
    assert.ok(s.computeCpuMs >= 0 && s.stepCpuMs >= s.computeCpuMs, `CPU ms: compute ${s.computeCpuMs}, step ${s.stepCpuMs}`);
    assert.ok(s.dataCpuMs >= 0 && s.syncCpuMs >= 0, `CPU ms: data ${s.dataCpuMs}, strategy ${s.syncCpuMs}`);
    // The parts are measured inside the step, in order, so they cannot add up to more than the step.
    assert.ok(s.computeCpuMs + s.dataCpuMs + s.syncCpuMs <= s.stepCpuMs + 1e-6, `CPU ms: parts ${s.computeCpuMs} + ${s.dataCpuMs} + ${s.syncCpuMs} ≤ step ${s.stepCpuMs}`);
    assert.equal(s.sync.step, i);
    assert.equal(s.sync.lr, 1e-2);
    assert.equal(s.sync.bytesSent, 0); // one rank sends nothing
  });

  assert.equal(done.steps, 30);
  assert.equal(done.stepsRun, 30);
  assert.equal(done.finalEval.step, 30);
  assert.equal(done.finalEval.numTargets, 64);
  assert.ok(done.stepMsMedian > 0 && done.wallSeconds > 0);
  assert.ok(done.finalEval.loss < before.loss, `test loss ${before.loss} → ${done.finalEval.loss}`);
});

test('two ranks with lion: parameters and evaluation agree on both ranks, bytes are counted', async () => {
  const results = await withRanks(2, async (group) => {
    const trainer = await Trainer.create({ config: tinyConfig({ steps: 5 }), group });
    const steps: Extract<TrainEvent, { type: 'step' }>[] = [];
    trainer.on('step', (e) => steps.push(e));
    const done = await trainer.run();
    const params = trainer.params();
    trainer.dispose();
    return { done, params, steps };
  });
  assert.deepEqual(results[0].params, results[1].params);
  assert.deepEqual(results[0].done.finalEval, { ...results[1].done.finalEval, evalMs: results[0].done.finalEval.evalMs });
  assert.equal(results[0].done.finalEval.numTargets, 64); // the whole test set, split across the ranks
  for (const r of results) {
    for (const s of r.steps) assert.ok(s.sync.bytesSent > 0 && s.sync.bytesReceived > 0);
    assert.ok(r.done.bytesSentPerStep > 0);
  }
  // Each rank saw its own half of the batch.
  assert.notEqual(results[0].steps[0].loss, results[1].steps[0].loss);
});

test('the same seed gives the same run; another seed another one', async () => {
  const run = (seed: number) => withRanks(2, async (group) => {
    const trainer = await Trainer.create({ config: tinyConfig({ seed, steps: 4 }), group });
    await trainer.run();
    const params = trainer.params();
    trainer.dispose();
    return params;
  });
  const [a] = await run(3);
  const [b] = await run(3);
  const [c] = await run(4);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('epochs set the run length from the data', async () => {
  const [done] = await withRanks(1, async (group) => {
    const trainer = await Trainer.create({ config: tinyConfig({ steps: null, epochs: 2, batchSize: 64 }), group });
    const d = await trainer.run();
    trainer.dispose();
    return d;
  });
  assert.equal(done.steps, 2 * Math.floor(256 / 64));
});

test('no tensors leak: tf.memory().numTensors is constant across steps and evaluations', async () => {
  await withRanks(1, async (group) => {
    const trainer = await Trainer.create({ config: tinyConfig({ steps: 8, batchAccuracy: true }), group });
    await trainer.trainStep();
    await trainer.evaluate();
    const after = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await trainer.trainStep();
    await trainer.evaluate();
    assert.equal(tf.memory().numTensors, after);
    trainer.dispose();
  });
});

test('on wasm the model\'s variables are the flat parameters and gradients are born in the flat gradient buffer', async () => {
  await withRanks(1, async (group) => {
    const trainer = await Trainer.create({ config: tinyConfig({ steps: 4 }), group });
    const variables = trainer.model.variables.map((v) => v.variable);
    assert.equal(trainer.synced.flat.boundCount, variables.length);
    const dataIds = variables.map((v) => v.dataId);
    const before = trainer.params();
    const flat = trainer.synced.flat;
    const collect = flat.collectGradients.bind(flat);
    let copied = -1;
    flat.collectGradients = (grads, out) => (copied = collect(grads, out));
    await trainer.trainStep();
    assert.equal(copied, 0, 'the backward pass wrote every gradient into the flat gradient buffer');
    assert.deepEqual(variables.map((v) => v.dataId), dataIds, 'the same tensors hold the new values');
    assert.notDeepEqual(trainer.params(), before);
    assert.deepEqual(trainer.synced.flat.read(), trainer.params());
    trainer.dispose();
  });
});

test('a diverging loss stops the run with non_finite_gradient after maxConsecutiveSkips skipped steps', async () => {
  await withRanks(1, async (group) => {
    const trainer = await Trainer.create({ config: tinyConfig({ steps: 10, maxConsecutiveSkips: 3 }), group });
    trainer.synced.params.fill(Number.NaN);
    trainer.synced.flat.write(trainer.synced.params);
    await assert.rejects(trainer.run(), { code: 'non_finite_gradient', consecutive: 3, step: 2 });
    trainer.dispose();
  });
});

for (const sync of ['lion', 'cub-pbit']) test(`${sync}: a non-finite loss on one rank makes every rank skip the step, counted in the events`, async () => {
  const results = await withRanks(2, async (group) => {
    const trainer = await Trainer.create({ config: tinyConfig({ sync, steps: 4, evalEvery: 0, maxConsecutiveSkips: 2 }), group });
    const skipped: boolean[] = [];
    trainer.on('step', (e) => skipped.push(e.sync.skipped));
    const params0 = trainer.params();
    if (group.rank === 1) {
      trainer.synced.params.fill(Number.NaN);
      trainer.synced.flat.write(trainer.synced.params);
    }
    await trainer.trainStep();
    const afterSkip = trainer.params();
    const rejected = await trainer.run().then(() => null, (error: { code?: string }) => error.code);
    trainer.dispose();
    return { skipped, params0, afterSkip, rejected, step: trainer.step };
  });
  for (const [rank, r] of results.entries()) {
    // Step 0 is skipped everywhere; the second skip in a row (step 1) ends the run on both ranks.
    assert.deepEqual(r.skipped, [true], `rank ${rank}`);
    assert.equal(r.rejected, 'non_finite_gradient', `rank ${rank}`);
  }
  assert.deepEqual(results[0].afterSkip, results[0].params0, 'rank 0 did not apply a step that rank 1 could not take');
});

test('an aborted signal stops the run between steps', async () => {
  await withRanks(1, async (group) => {
    const controller = new AbortController();
    const trainer = await Trainer.create({ config: tinyConfig({ steps: 10 }), group, signal: controller.signal });
    trainer.on('step', (e) => { if (e.step === 2) controller.abort(); });
    await assert.rejects(trainer.run(), { code: 'aborted' });
    assert.equal(trainer.step, 2);
    trainer.dispose();
  });
});

test('weight decay skips vectors by default and follows an explicit exclusion list', async () => {
  await withRanks(1, async (group) => {
    const trainer = await Trainer.create({ config: tinyConfig({ weightDecay: 0.1 }), group });
    const names = trainer.synced.lion.layout.segments.map((s) => s.name);
    const decayed = trainer.synced.lion.options.decayed;
    names.forEach((name, i) => assert.equal(decayed[i], name.endsWith('kernel'), name));
    trainer.dispose();
    const custom = await Trainer.create({ config: tinyConfig({ weightDecay: 0.1, weightDecayExclude: ['logits/*'] }), group });
    custom.synced.lion.layout.segments.forEach((s, i) => assert.equal(custom.synced.lion.options.decayed[i], !s.name.startsWith('logits/'), s.name));
    custom.dispose();
  });
});
