// Momentum synchronisation checked by value on the kernel path: after a sync every rank holds the mean of the
// ranks' momenta (bf16-rounded with @bf16), and schedule:k fires at the documented steps.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { wasmDispatchCount } from '../kernels/load.js';
import { layoutFromLengths } from '../optim/param-layout.js';
import { randomFloat32 } from '../random.js';
import { bruteForceRun, majorityVote, type BruteForceSetup } from './test-support/brute-force.js';
import { kernelRun, type KernelRunOptions } from './test-support/kernel-run.js';
import { withRanks } from './test-support/ranks.js';

const LAYOUT = layoutFromLengths([{ name: 'w', length: 240 }, { name: 'b', length: 20 }]);
const D = LAYOUT.numParams;
const N = 3;
const grads = (rank: number, step: number) => randomFloat32(D, 1000 * step + rank + 1, { scale: 0.1 });
const PARAMS0 = randomFloat32(D, 3);
const run = (momentumSync: string): KernelRunOptions => ({ layout: LAYOUT, lion: { lr: 0.01 }, params0: PARAMS0, grads, momentumSync });
const reference: BruteForceSetup = { params0: PARAMS0, grads, beta1: 0.9, beta2: 0.99, weightDecay: 0, decayed: () => false, lrAt: () => 0.01, maxGradNorm: null };

/** Each rank's momentum after one step, before any sync (m does not depend on the combined direction). */
const unsynced = bruteForceRun(reference, N, 1, majorityVote).momenta;

let dispatchesBefore = 0;
before(() => { dispatchesBefore = wasmDispatchCount(); });
after(() => { assert.ok(wasmDispatchCount() > dispatchesBefore, 'the wasm kernels ran'); });

function expectMean(actual: Float32Array, ulp: number, what: string): void {
  for (let i = 0; i < D; i++) {
    const values = unsynced.map((m) => m[i]);
    const mean = values.reduce((a, b) => a + b, 0) / N;
    // N additions and one division, each rounded to the payload's precision, relative to the largest |m|.
    const tolerance = (N + 1) * ulp * Math.max(...values.map(Math.abs));
    assert.ok(Math.abs(actual[i] - mean) <= tolerance, `${what} index ${i}: ${actual[i]} vs mean ${mean} (±${tolerance})`);
  }
}

test('every:1 leaves every rank with the float32 mean of the momenta', async () => {
  const runs = await withRanks(N, (g) => kernelRun(g, 'cub-1bit', 1, run('every:1')));
  assert.notDeepEqual(unsynced[0], unsynced[1], 'the momenta differed before the sync');
  for (const [r, result] of runs.entries()) {
    assert.equal(result.stats[0].momentumSyncedValues, D);
    assert.deepEqual(result.momentum, runs[0].momentum, `rank ${r} agrees`);
    expectMean(result.momentum, 2 ** -23, `f32 rank ${r}`);
  }
});

test('every:1@bf16 leaves every rank with the mean rounded to bfloat16', async () => {
  const runs = await withRanks(N, (g) => kernelRun(g, 'cub-1bit', 1, run('every:1@bf16')));
  for (const [r, result] of runs.entries()) {
    assert.deepEqual(result.momentum, runs[0].momentum, `rank ${r} agrees`);
    const bits = new Uint32Array(result.momentum.buffer, result.momentum.byteOffset, D);
    assert.ok(bits.every((b) => (b & 0xffff) === 0), `rank ${r}: every value is a bfloat16`);
    expectMean(result.momentum, 2 ** -8, `bf16 rank ${r}`);
  }
});

test('schedule:1 syncs at steps 0, 1, 3, 7 (t_{j+1} = t_j + ⌊2^j⌋) and nowhere else', async () => {
  const runs = await withRanks(N, (g) => kernelRun(g, 'cub-pbit', 9, run('schedule:1')));
  const fired = [0, 1, 3, 7];
  for (const [r, result] of runs.entries()) {
    assert.deepEqual(result.stats.map((s) => s.momentumSyncedValues), Array.from({ length: 9 }, (_, t) => (fired.includes(t) ? D : 0)), `rank ${r}`);
    for (const t of fired) assert.deepEqual(result.history[t].momentum, runs[0].history[t].momentum, `rank ${r} agrees after step ${t}`);
    assert.notDeepEqual(result.history[8].momentum, runs[(r + 1) % N].history[8].momentum, `rank ${r}: momenta drift again after step 7`);
  }
  expectMean(runs[0].history[0].momentum, 2 ** -23, 'schedule:1 step 0');
});

test('layers:GLOB over layers that are not neighbours averages them with one allreduce and leaves the others local', async () => {
  const layout = layoutFromLengths([{ name: 'w1', length: 100 }, { name: 'bias', length: 30 }, { name: 'w2', length: 50 }]);
  const d = layout.numParams;
  const g = (rank: number, step: number) => randomFloat32(d, 77 * step + rank + 1, { scale: 0.1 });
  const options: KernelRunOptions = { layout, lion: { lr: 0.01 }, params0: randomFloat32(d, 4), grads: g, momentumSync: 'layers:w*' };
  const runs = await withRanks(N, async (group) => ({ ...(await kernelRun(group, 'cub-1bit', 1, options)), allreduces: group.opTotals('allreduce').calls }));
  // After one step from m = 0 each rank's momentum is f32(f32(1 − β2)·g).
  const omb2 = Math.fround(1 - 0.99);
  const local = (rank: number, i: number) => Math.fround(omb2 * g(rank, 0)[i]);
  for (const [r, result] of runs.entries()) {
    assert.equal(result.allreduces, 1, `rank ${r}: one allreduce for both layers`);
    assert.equal(result.stats[0].momentumSyncedValues, 150);
    for (let i = 0; i < d; i++) {
      const inBias = i >= 100 && i < 130;
      if (inBias) {
        assert.equal(result.momentum[i], local(r, i), `rank ${r} bias ${i} stays local`);
        continue;
      }
      const values = Array.from({ length: N }, (_, q) => local(q, i));
      const mean = values.reduce((a, b) => a + b, 0) / N;
      assert.ok(Math.abs(result.momentum[i] - mean) <= (N + 1) * 2 ** -23 * Math.max(...values.map(Math.abs)), `rank ${r} index ${i}`);
      assert.equal(result.momentum[i], runs[0].momentum[i], `rank ${r} index ${i} agrees`);
    }
  }
});
