// Every compressed strategy on the production path (kernel memory, wasm kernels) against a plain-JS brute force:
// every quantiser × bit width for cub-pbit and cub-int8, the 1-bit votes, clipping and a warm-up cosine schedule.
// Each test checks that the wasm kernels ran, so it fails when they are switched off (LION_CUB_KERNELS=js).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUANT_METHODS, type QuantBits } from '../codec/quant-options.js';
import { wasmDispatchCount } from '../kernels/load.js';
import { createLion } from '../optim/lion.js';
import { layoutFromLengths } from '../optim/param-layout.js';
import { warmupCosineSchedule } from '../optim/schedules.js';
import { randomFloat32 } from '../random.js';
import { rankSeed } from './builtin-strategies.js';
import { averageVote, bruteForceRun, int8Vote, majorityVote, pbitVote, type BruteForceSetup, type Combine } from './test-support/brute-force.js';
import { kernelRun, type KernelRunOptions } from './test-support/kernel-run.js';
import { withRanks } from './test-support/ranks.js';

const LAYOUT = layoutFromLengths([{ name: 'w1', length: 180 }, { name: 'b1', length: 13 }, { name: 'w2', length: 67 }]);
const D = LAYOUT.numParams;
const HP = { beta1: 0.9, beta2: 0.99, weightDecay: 0.5 };
const WORLD_SIZES = [2, 3, 4, 5, 8];
const STEPS = 2;
const SEED = 7;

const grads = (rank: number, step: number) => randomFloat32(D, 1000 * step + rank + 1, { scale: 0.1, zeroFraction: 0.05 });
const PARAMS0 = randomFloat32(D, 99);
const decayed = (i: number) => i < 180 || i >= 193;

function options(lr: KernelRunOptions['lion']['lr'], maxGradNorm?: number): KernelRunOptions {
  return { layout: LAYOUT, lion: { ...HP, lr, maxGradNorm, weightDecayMask: { exclude: ['b*'] } }, params0: PARAMS0, grads, seed: SEED };
}

function setup(lrAt: (t: number) => number, maxGradNorm: number | null = null): BruteForceSetup {
  return { params0: PARAMS0, grads, ...HP, decayed, lrAt, maxGradNorm };
}

/** Runs `spec` at each world size on the kernel path and holds every rank to the brute force, bit for bit. */
async function holdsToBruteForce(spec: string, combine: Combine, worldSizes: number[], run = options(0.01), reference = setup(() => 0.01), steps = STEPS): Promise<void> {
  const before = wasmDispatchCount();
  for (const n of worldSizes) {
    const runs = await withRanks(n, (g) => kernelRun(g, spec, steps, run));
    const ref = bruteForceRun(reference, n, steps, combine);
    for (let r = 0; r < n; r++) {
      assert.deepEqual(runs[r].params, ref.params, `${spec} N=${n} rank ${r} params`);
      assert.deepEqual(runs[r].momentum, ref.momenta[r], `${spec} N=${n} rank ${r} momentum`);
    }
  }
  assert.ok(wasmDispatchCount() > before, `${spec}: the wasm kernels ran`);
}

const seedOf = (rank: number) => rankSeed(SEED, rank);

for (const bits of [2, 4, 8] as QuantBits[]) {
  test(`cub-pbit bits=${bits}, every quantiser, equals the brute force at N = ${WORLD_SIZES.join(', ')}`, async () => {
    for (const method of QUANT_METHODS) {
      await holdsToBruteForce(`cub-pbit:bits=${bits},quant=${method}`, pbitVote(LAYOUT.segments, bits, method, seedOf), WORLD_SIZES);
    }
  });
}

test(`cub-pbit tie=owner, every bit width, equals the brute force at N = ${WORLD_SIZES.join(', ')}`, async () => {
  for (const bits of [2, 4, 8] as QuantBits[]) {
    await holdsToBruteForce(`cub-pbit:bits=${bits},quant=l1,tie=owner`, pbitVote(LAYOUT.segments, bits, 'l1', seedOf, 'owner'), WORLD_SIZES);
  }
});

test(`cub-int8, every quantiser (ternary included), equals the brute force at N = ${WORLD_SIZES.join(', ')}`, async () => {
  for (const method of QUANT_METHODS) {
    await holdsToBruteForce(`cub-int8:quant=${method}`, int8Vote(LAYOUT.segments, method, seedOf), WORLD_SIZES);
  }
});

test('cub-1bit, dlion-mavo and dlion-avg equal the brute-force vote on the kernel path', async () => {
  await holdsToBruteForce('cub-1bit', majorityVote, WORLD_SIZES);
  await holdsToBruteForce('dlion-mavo', majorityVote, [2, 3, 5]);
  await holdsToBruteForce('dlion-avg', averageVote, [2, 3, 5]);
});

test('clipping and a warm-up cosine schedule at N = 3: each rank clips its own gradient, η_t read at every step', async () => {
  const schedule = warmupCosineSchedule({ peakLr: 0.02, warmupSteps: 3, totalSteps: 6, minLr: 0.001 });
  const lrs = [0, 1, 2, 3, 4].map((t) => schedule(t));
  assert.equal(new Set(lrs).size, 4, 'warm-up, peak, cosine decay: four distinct rates over five steps');
  // ‖g‖ of these gradients is about 0.1·√(D/3) ≈ 0.9: a limit of 0.5 clips every step of every rank.
  const run = options(schedule, 0.5);
  const reference = setup(schedule, 0.5);
  await holdsToBruteForce('cub-pbit:bits=4,quant=l1', pbitVote(LAYOUT.segments, 4, 'l1', seedOf), [3], run, reference, 5);
  await holdsToBruteForce('cub-1bit', majorityVote, [3], run, reference, 5);
  await holdsToBruteForce('cub-int8:quant=l1', int8Vote(LAYOUT.segments, 'l1', seedOf), [3], run, reference, 5);
});

test('lion at N = 2 equals single-process Lion on the mean gradient, bit for bit, on the kernel path', async () => {
  // With two ranks the sum a + b is the same whichever rank adds, and halving it is exact: no rounding-order slack.
  const before = wasmDispatchCount();
  const runs = await withRanks(2, (g) => kernelRun(g, 'lion', 3, options(0.01)));
  const lion = createLion(LAYOUT, { ...HP, lr: 0.01, weightDecayMask: { exclude: ['b*'] } });
  const expected = PARAMS0.slice();
  for (let s = 0; s < 3; s++) {
    const a = grads(0, s);
    const b = grads(1, s);
    lion.step(expected, a.map((v, i) => Math.fround(Math.fround(v + b[i]) / 2)));
  }
  for (const run of runs) {
    assert.deepEqual(run.params, expected);
    assert.deepEqual(run.momentum, lion.state.momentum);
  }
  assert.ok(wasmDispatchCount() > before, 'the wasm kernels ran');
});
