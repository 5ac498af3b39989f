// What an exact zero in c does to the combined direction (docs/strategies.md, "Zeros on the 1-bit path"): on the
// 1-bit path a zero votes by the parity rule, so at N = 2 it decides every coordinate it ties; a p-bit code abstains.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parityBit } from '../codec/parity.js';
import { layoutFromLengths } from '../optim/param-layout.js';
import { kernelRun, type KernelRunOptions } from './test-support/kernel-run.js';
import { withRanks } from './test-support/ranks.js';

const D = 64;
const LR = 0.01;
// Rank 0's gradient (and its momentum, 0 at the first step) is exactly zero; rank 1's is positive everywhere.
const run: KernelRunOptions = {
  layout: layoutFromLengths([{ name: 'w', length: D }]),
  lion: { lr: LR },
  params0: new Float32Array(D),
  grads: (rank) => new Float32Array(D).fill(rank === 0 ? 0 : 0.5),
};

/** Δ_i of the first step, read back from θ' = −η·Δ (θ = 0, no decay). */
async function firstDirection(spec: string): Promise<number[]> {
  const runs = await withRanks(2, (g) => kernelRun(g, spec, 1, run));
  assert.deepEqual(runs[1].params, runs[0].params);
  return [...runs[0].params].map((p) => Math.round(-p / Math.fround(LR)));
}

test('N = 2, 1-bit vote: a rank whose c is exactly 0 decides the coordinates where its parity vote disagrees', async () => {
  for (const spec of ['cub-1bit', 'dlion-mavo']) {
    const delta = await firstDirection(spec);
    // Even i: the zero votes +1 with the other rank (2 of 2). Odd i: it votes −1, a tie, which the parity rule
    // also resolves to −1: the real +1 vote is overruled.
    assert.deepEqual(delta, Array.from({ length: D }, (_, i) => (parityBit(i, 0) ? -1 : 1)), spec);
  }
});

test('N = 2, p-bit code: the zero abstains and the other rank\'s vote decides every coordinate', async () => {
  for (const spec of ['cub-pbit:bits=2,quant=sign', 'cub-pbit:bits=4,quant=l1']) {
    assert.deepEqual(await firstDirection(spec), new Array(D).fill(1), spec);
  }
});
