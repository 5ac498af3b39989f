// Every strategy against brute force: N = 1 is plain Lion bit for bit; compressed strategies apply the vote of the
// ranks' codes (with the parity rule) identically everywhere, here with parameters and gradients on the heap (the
// JS kernels); strategies-kernel.test.ts runs the kernel-memory path. Bytes per step: step-work.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessGroup } from '../comm/process-group.js';
import { createLion, type Lion } from '../optim/lion.js';
import { layoutFromLengths } from '../optim/param-layout.js';
import { randomFloat32 } from '../random.js';
import { parseMomentumPolicy } from './momentum-policy.js';
import { createStrategy, strategyNames } from './registry.js';
import type { SyncStepStats } from './strategy.js';
import { averageVote, bruteForceRun, majorityVote, pbitVote, type BruteForceSetup, type Combine } from './test-support/brute-force.js';
import { withRanks } from './test-support/ranks.js';

const LENGTHS = [{ name: 'w1', length: 700 }, { name: 'b1', length: 33 }, { name: 'w2', length: 267 }];
const D = 1000;
const HP = { lr: 0.01, beta1: 0.9, beta2: 0.99, weightDecay: 0.5 };
const mask = { exclude: ['b*'] };
const isDecayed = (i: number) => i < 700 || i >= 733;

function makeLion(): Lion {
  return createLion(layoutFromLengths(LENGTHS), { ...HP, weightDecayMask: mask, stateMemory: 'kernel' });
}

function grads(rank: number, step: number): Float32Array {
  return randomFloat32(D, 1000 * step + rank + 1, { scale: 0.1, zeroFraction: 0.05 });
}

const PARAMS0 = randomFloat32(D, 99);

interface RankRun { params: Float32Array; momentum: Float32Array; stats: SyncStepStats[] }

async function train(group: ProcessGroup, spec: string, steps: number, momentumSync = 'none'): Promise<RankRun> {
  const lion = makeLion();
  const strategy = createStrategy(spec, { group, lion, momentumPolicy: parseMomentumPolicy(momentumSync), seed: 7 });
  const params = PARAMS0.slice();
  const stats: SyncStepStats[] = [];
  for (let s = 0; s < steps; s++) stats.push(await strategy.step(params, grads(group.rank, s)));
  const momentum = lion.state.momentum.slice();
  strategy.dispose();
  lion.dispose();
  return { params, momentum, stats };
}

test('with one rank every strategy is single-process Lion, bit for bit', async () => {
  const lion = makeLion();
  const expected = PARAMS0.slice();
  for (let s = 0; s < 4; s++) lion.step(expected, grads(0, s));
  for (const name of strategyNames()) {
    const [run] = await withRanks(1, (g) => train(g, name, 4));
    assert.deepEqual(run.params, expected, name);
    assert.equal(run.stats.every((s) => s.bytesSent === 0), true, `${name} sends nothing`);
  }
});

const reference: BruteForceSetup = { params0: PARAMS0, grads, ...HP, decayed: isDecayed, lrAt: () => HP.lr, maxGradNorm: null };
const segments = layoutFromLengths(LENGTHS).segments;
const noSeed = () => 0;

const CASES: Array<[string, Combine]> = [
  ['cub-1bit', majorityVote],
  ['dlion-mavo', majorityVote],
  ['dlion-avg', averageVote],
  ['cub-pbit:bits=4,quant=l1', pbitVote(segments, 4, 'l1', noSeed)],
  ['cub-pbit:bits=2,quant=l1', pbitVote(segments, 2, 'l1', noSeed)],
  ['cub-pbit:bits=4,quant=l1,tie=owner', pbitVote(segments, 4, 'l1', noSeed, 'owner')],
  ['cub-pbit:bits=2,quant=l1,tie=owner', pbitVote(segments, 2, 'l1', noSeed, 'owner')],
];

test('the owner tie-break changes the outcome here, so the tie=owner cases above would fail if it were ignored', () => {
  for (const bits of [2, 4] as const) {
    const parity = bruteForceRun(reference, 4, 3, pbitVote(segments, bits, 'l1', noSeed));
    const owner = bruteForceRun(reference, 4, 3, pbitVote(segments, bits, 'l1', noSeed, 'owner'));
    assert.notDeepEqual(owner.params, parity.params, `bits=${bits}`);
  }
});

for (const [spec, combine] of CASES) {
  test(`${spec} equals the brute-force vote on every rank, N = 2, 3, 4, 5, 8`, async () => {
    for (const n of [2, 3, 4, 5, 8]) {
      const runs = await withRanks(n, (g) => train(g, spec, 3));
      const ref = bruteForceRun(reference, n, 3, combine);
      for (let r = 0; r < n; r++) {
        assert.deepEqual(runs[r].params, ref.params, `${spec} N=${n} rank ${r} params`);
        assert.deepEqual(runs[r].momentum, ref.momenta[r], `${spec} N=${n} rank ${r} momentum`);
      }
    }
  });
}

test('cub-int8 keeps parameters identical on every rank and moves every one by ±lr·Δ', async () => {
  const runs = await withRanks(4, (g) => train(g, 'cub-int8', 2));
  for (const r of runs) assert.deepEqual(r.params, runs[0].params);
  assert.notDeepEqual(runs[0].params, PARAMS0);
});

test('lion with N ranks equals single-process Lion on the averaged gradient, within float tolerance', async () => {
  const n = 4;
  const runs = await withRanks(n, (g) => train(g, 'lion', 3));
  const lion = makeLion();
  const expected = PARAMS0.slice();
  for (let s = 0; s < 3; s++) {
    const mean = new Float32Array(D);
    for (let r = 0; r < n; r++) grads(r, s).forEach((v, i) => { mean[i] += v / n; });
    lion.step(expected, mean);
  }
  let differ = 0;
  for (let i = 0; i < D; i++) if (Math.abs(runs[0].params[i] - expected[i]) > 1e-6) differ++;
  // A sign can flip where the averaged c is within rounding of zero; allow a handful of such coordinates.
  assert.ok(differ <= 3, `${differ} parameters differ`);
  for (const r of runs) assert.deepEqual(r.params, runs[0].params);
  for (const r of runs) assert.deepEqual(r.momentum, runs[0].momentum, 'momentum is identical under lion');
});

test('momentum sync leaves every rank with identical momentum at the steps it fires, f32 and bf16', async () => {
  for (const policy of ['every:2', 'every:2@bf16', 'adaptive:0', 'layers:w*']) {
    const runs = await withRanks(3, (g) => train(g, 'cub-1bit', 2, policy));
    const synced = runs[0].stats.map((s) => s.momentumSyncedValues);
    if (policy === 'layers:w*') assert.deepEqual(synced, [967, 967], policy);
    else if (policy === 'adaptive:0') assert.deepEqual(synced, [D, D], policy);
    else assert.deepEqual(synced, [0, D], policy);
    const layer = policy === 'layers:w*' ? (i: number) => i < 700 || i >= 733 : () => true;
    for (const r of runs) {
      for (let i = 0; i < D; i++) if (layer(i)) assert.equal(r.momentum[i], runs[0].momentum[i], `${policy} index ${i}`);
    }
  }
  const unsynced = await withRanks(3, (g) => train(g, 'cub-1bit', 2, 'none'));
  assert.notDeepEqual(unsynced[1].momentum, unsynced[0].momentum, 'without sync, momenta differ');
});

test('unknown strategies and parameters are typed errors listing what exists', async () => {
  await withRanks(1, async (group) => {
    const lion = makeLion();
    const ctx = { group, lion, momentumPolicy: parseMomentumPolicy('none'), seed: 1 };
    assert.throws(() => createStrategy('cub-3bit', ctx), /one of lion, lion-bf16, noop, cub-1bit/);
    assert.throws(() => createStrategy('cub-pbit:bits=3', ctx), /one of 2, 4, 8/);
    assert.throws(() => createStrategy('cub-pbit:quant=l7', ctx), /one of sign, l1/);
    assert.throws(() => createStrategy('cub-1bit:bits=4', ctx), /no parameters/);
    assert.throws(() => createStrategy('cub-1bit', { ...ctx, momentumPolicy: parseMomentumPolicy('layers:nothing*') }), /pattern matching/);
    lion.dispose();
  });
});
