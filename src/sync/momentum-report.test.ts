// The adaptive momentum policy's measured divergence reaches the step stats (and so metrics.jsonl); other
// policies and steps without a check report null.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLion } from '../optim/lion.js';
import { layoutFromLengths } from '../optim/param-layout.js';
import { randomFloat32 } from '../random.js';
import { parseMomentumPolicy } from './momentum-policy.js';
import { createStrategy } from './registry.js';
import type { SyncStepStats } from './strategy.js';
import { withRanks } from './test-support/ranks.js';

const LENGTHS = [{ name: 'w', length: 600 }, { name: 'b', length: 40 }];
const D = 640;

async function stats(policy: string, steps: number): Promise<SyncStepStats[][]> {
  return withRanks(3, async (group) => {
    const lion = createLion(layoutFromLengths(LENGTHS), { lr: 0.01, stateMemory: 'kernel' });
    const strategy = createStrategy('cub-1bit', { group, lion, momentumPolicy: parseMomentumPolicy(policy), seed: 4 });
    const params = randomFloat32(D, 1);
    const out: SyncStepStats[] = [];
    for (let s = 0; s < steps; s++) out.push(await strategy.step(params, randomFloat32(D, 100 * s + group.rank + 2, { scale: 0.1 })));
    strategy.dispose();
    lion.dispose();
    return out;
  });
}

test('adaptive:T reports the largest per-layer divergence at every check, the same on every rank', async () => {
  // Threshold 2 is above any divergence, so nothing is synced and the momenta keep drifting apart.
  const runs = await stats('adaptive:2', 2);
  for (const [s, stat] of runs[0].entries()) {
    assert.equal(typeof stat.momentumDivergence, 'number', `step ${s}`);
    assert.ok((stat.momentumDivergence as number) > 0 && (stat.momentumDivergence as number) < 2, `step ${s}: ${stat.momentumDivergence}`);
    assert.equal(stat.momentumSyncedValues, 0);
    for (const r of runs) assert.equal(r[s].momentumDivergence, stat.momentumDivergence, 'every rank measured the same');
  }
});

test('adaptive:0 syncs every layer it checks; policies that measure nothing report null', async () => {
  const synced = await stats('adaptive:0', 2);
  assert.equal(synced[0][0].momentumSyncedValues, D);
  const every = await stats('every:2', 2);
  assert.deepEqual(every[0].map((s) => s.momentumDivergence), [null, null]);
  const none = await stats('none', 1);
  assert.equal(none[0][0].momentumDivergence, null);
});
