// A small real problem trained with every strategy: Lion Cub's quantised vote must reach the loss of Lion
// with averaged gradients, as the paper reports; the figures are printed as test diagnostics.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLion } from '../optim/lion.js';
import { layoutFromLengths } from '../optim/param-layout.js';
import { constantSchedule } from '../optim/schedules.js';
import { parseMomentumPolicy } from './momentum-policy.js';
import { createStrategy } from './registry.js';
import { CLASSES, FEATURES, lossAndGrad, makeProblem, NUM_PARAMS } from './test-support/softmax-problem.js';
import { withRanks } from './test-support/ranks.js';

const PROBLEM = makeProblem(4096, 11);
const STEPS = 300;
const LOCAL_BATCH = 16;

async function finalLoss(worldSize: number, spec: string, momentumSync = 'none'): Promise<number> {
  const results = await withRanks(worldSize, async (group) => {
    const layout = layoutFromLengths([{ name: 'w', length: FEATURES * CLASSES }, { name: 'b', length: CLASSES }]);
    const lion = createLion(layout, { lr: constantSchedule(1e-2), beta1: 0.9, beta2: 0.99, weightDecay: 0.01, weightDecayMask: { exclude: ['b'] } });
    const strategy = createStrategy(spec, { group, lion, momentumPolicy: parseMomentumPolicy(momentumSync), seed: 3 });
    const params = new Float32Array(NUM_PARAMS);
    const grads = new Float32Array(NUM_PARAMS);
    const globalBatch = LOCAL_BATCH * worldSize;
    for (let s = 0; s < STEPS; s++) {
      const start = ((s * globalBatch) % (PROBLEM.count - globalBatch)) + group.rank * LOCAL_BATCH;
      lossAndGrad(PROBLEM, params, start, start + LOCAL_BATCH, grads);
      await strategy.step(params, grads);
    }
    strategy.dispose();
    return lossAndGrad(PROBLEM, params, 0, PROBLEM.count);
  });
  for (const r of results) assert.equal(r, results[0], 'all ranks hold the same parameters');
  return results[0];
}

test('4 ranks: cub-pbit (4-bit, L1) reaches the loss of lion within 5%', async (t) => {
  const lion = await finalLoss(4, 'lion');
  const pbit = await finalLoss(4, 'cub-pbit:bits=4,quant=l1');
  const onebit = await finalLoss(4, 'cub-1bit');
  t.diagnostic(`full-data loss after ${STEPS} steps, 4 ranks × batch ${LOCAL_BATCH}: lion ${lion.toFixed(4)}, cub-pbit ${pbit.toFixed(4)}, cub-1bit ${onebit.toFixed(4)}`);
  const initial = Math.log(CLASSES);
  assert.ok(lion < 0.6 * initial, `lion learns (loss ${lion} from ${initial})`);
  assert.ok(pbit <= lion * 1.05, `cub-pbit ${pbit} vs lion ${lion}`);
});

test('8 ranks: majority vote of signs (dlion-mavo) ends above lion and above cub-pbit', async (t) => {
  const lion = await finalLoss(8, 'lion');
  const pbit = await finalLoss(8, 'cub-pbit:bits=4,quant=l1');
  const mavo = await finalLoss(8, 'dlion-mavo');
  t.diagnostic(`full-data loss after ${STEPS} steps, 8 ranks × batch ${LOCAL_BATCH}: lion ${lion.toFixed(4)}, cub-pbit ${pbit.toFixed(4)}, dlion-mavo ${mavo.toFixed(4)}`);
  assert.ok(mavo > lion, `dlion-mavo ${mavo} vs lion ${lion}`);
  assert.ok(mavo > pbit, `dlion-mavo ${mavo} vs cub-pbit ${pbit}`);
});
