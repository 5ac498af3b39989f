// Tests of the sharded full-test-set evaluation against a single-process evaluation.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../tfjs/backend.js';
import { getWorkload } from '../workloads/registry.js';
import { datasetSlice, evaluateInPasses, evaluateSharded } from './evaluate.js';
import { withRanks } from './test-support/ranks.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

const options = { numParams: 1000, inputSize: 12, numClasses: 4, numExamples: 268, seed: 5 };

test('the sharded evaluation of N ranks equals evaluating the whole test set in one process', async () => {
  const workload = getWorkload('synthetic');
  const data = workload.loadData(options);
  const model = workload.createModel(options);
  const whole = workload.evaluate(model, data.test, { batchSize: 10 });
  model.dispose();
  assert.equal(whole.numTargets, 67);
  for (const worldSize of [1, 2, 3, 5]) {
    const results = await withRanks(worldSize, async (group) => {
      const m = workload.createModel(options);
      try {
        return await evaluateSharded({ group, workload, model: m, dataset: data.test, batchSize: 10 });
      } finally {
        m.dispose();
      }
    });
    for (const r of results) {
      assert.deepEqual(r, results[0], 'every rank reports the same numbers');
      assert.equal(r.numTargets, 67);
      assert.equal(r.accuracy, whole.accuracy);
      assert.ok(Math.abs(r.loss - whole.loss) < 1e-5 * whole.loss, `N = ${worldSize}: ${r.loss} vs ${whole.loss}`);
    }
  }
});

test('a dataset slice addresses the parent\'s examples shifted by its start', () => {
  const calls: number[][] = [];
  const parent = { name: 'p', numExamples: 10, batch: (i: ArrayLike<number>) => { calls.push(Array.from(i)); return {} as never; } };
  const slice = datasetSlice(parent, 4, 7);
  assert.equal(slice.numExamples, 3);
  assert.equal(slice.name, 'p[4:7]');
  slice.batch([0, 2]);
  assert.deepEqual(calls, [[4, 6]]);
});

test('evaluation in passes: the same numbers as one call over the dataset, and the event loop turns between passes', async () => {
  const workload = getWorkload('synthetic');
  const data = workload.loadData(options);
  const model = workload.createModel(options);
  try {
    const whole = workload.evaluate(model, data.test, { batchSize: 10 });
    const sums = await evaluateInPasses(workload, model, data.test, 10);
    assert.equal(sums.count, whole.numTargets);
    assert.equal(sums.correct, Math.round(whole.accuracy * whole.numTargets));
    assert.ok(Math.abs(sums.lossSum / sums.count - whole.loss) < 1e-6 * whole.loss);

    // Each pass blocks the thread for 30 ms (as a long forward pass would): a 10 ms timer still fires during the
    // evaluation, which it could not if the passes ran back to back without returning to the event loop.
    const blocker = new Int32Array(new SharedArrayBuffer(4));
    const slow = { ...workload, evaluate: (...args: Parameters<typeof workload.evaluate>) => { Atomics.wait(blocker, 0, 0, 30); return workload.evaluate(...args); } };
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 10);
    try {
      const slowSums = await evaluateInPasses(slow, model, data.test, 10);
      assert.deepEqual(slowSums, sums);
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 2, `the timer fired ${ticks} times during 7 passes of 30 ms`);
  } finally {
    model.dispose();
  }
});
