// The non-finite gradient rule at strategy level, for every strategy: when one rank's gradient holds a NaN or ±∞,
// every rank skips the step (parameters and momentum untouched, step counter advanced), and the run goes on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLion } from '../optim/lion.js';
import { layoutFromLengths } from '../optim/param-layout.js';
import { parseMomentumPolicy } from './momentum-policy.js';
import { CompressedStrategy } from './strategies/compressed.js';
import { randomFloat32 } from '../random.js';
import { strategyNames } from './registry.js';
import { kernelRun, type KernelRunOptions } from './test-support/kernel-run.js';
import { withRanks } from './test-support/ranks.js';

const LAYOUT = layoutFromLengths([{ name: 'w', length: 200 }, { name: 'b', length: 56 }]);
const D = LAYOUT.numParams;
const PARAMS0 = randomFloat32(D, 5);
const BAD_RANK = 1;
const BAD_STEP = 1;

function options(bad: number, maxGradNorm?: number): KernelRunOptions {
  const grads = (rank: number, step: number) => {
    const g = randomFloat32(D, 100 * step + rank + 1, { scale: 0.1 });
    if (rank === BAD_RANK && step === BAD_STEP) g[201] = bad;
    return g;
  };
  return { layout: LAYOUT, lion: { lr: 0.01, weightDecay: 0.1, maxGradNorm }, params0: PARAMS0, grads, momentumSync: 'every:1' };
}

const allFinite = (a: Float32Array) => a.every(Number.isFinite);

for (const name of strategyNames()) {
  test(`${name}: a NaN or ±∞ gradient on one rank skips the step on every rank, with and without clipping`, async () => {
    for (const [bad, clip] of [[Number.NaN, undefined], [Number.POSITIVE_INFINITY, 0.5], [Number.NEGATIVE_INFINITY, undefined]] as const) {
      const what = `${name} gradient ${bad} clip ${clip}`;
      const runs = await withRanks(3, (g) => kernelRun(g, name, 3, options(bad, clip)));
      for (const [r, run] of runs.entries()) {
        // noop exchanges nothing: only the rank that saw the bad gradient skips.
        const skips = name === 'noop' && r !== BAD_RANK ? [false, false, false] : [false, true, false];
        assert.deepEqual(run.stats.map((s) => s.skipped), skips, `${what} rank ${r}`);
        if (skips[BAD_STEP]) {
          assert.deepEqual(run.history[BAD_STEP].params, run.history[BAD_STEP - 1].params, `${what} rank ${r}: parameters untouched`);
          assert.deepEqual(run.history[BAD_STEP].momentum, run.history[BAD_STEP - 1].momentum, `${what} rank ${r}: momentum untouched`);
        }
        assert.notDeepEqual(run.history[2].params, run.history[1].params, `${what} rank ${r}: the next step trains`);
        assert.equal(run.step, 3, `${what}: a skipped step advances the counter`);
        assert.ok(allFinite(run.params) && allFinite(run.momentum), `${what} rank ${r}: nothing non-finite is left behind`);
        if (name !== 'noop') assert.deepEqual(run.params, runs[0].params, `${what}: parameters identical on every rank`);
      }
    }
  });
}

test('with one rank a non-finite gradient skips the step under every strategy', async () => {
  for (const name of strategyNames()) {
    const [run] = await withRanks(1, (g) => kernelRun(g, name, 3, { ...options(Number.NaN), grads: (_r, s) => options(Number.NaN).grads(BAD_RANK, s) }));
    assert.deepEqual(run.stats.map((s) => s.skipped), [false, true, false], name);
    assert.deepEqual(run.history[1].momentum, run.history[0].momentum, name);
    assert.ok(allFinite(run.momentum), name);
  }
});

test('a combiner that says it agrees on finiteness but returns no allFinite is refused with invalid_state', async () => {
  const errors = await withRanks(2, async (group) => {
    const lion = createLion(LAYOUT, { lr: 0.01 });
    const combiner = {
      agreesOnFiniteness: true,
      combine: async () => ({ kind: 'direction' as const, direction: new Float32Array(D) }),
      dispose: () => {},
    };
    const strategy = new CompressedStrategy('forgetful', { group, lion, momentumPolicy: parseMomentumPolicy('none'), seed: 1 }, combiner);
    const error = await strategy.step(PARAMS0.slice(), randomFloat32(D, 3)).then(() => undefined, (e: unknown) => e);
    assert.equal(lion.state.step, 0, 'no step was applied');
    return error;
  });
  for (const e of errors) assert.equal((e as { code?: string } | undefined)?.code, 'invalid_state');
});
