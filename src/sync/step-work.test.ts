// Every registered strategy's StepWork against what it really sends: the bytes of one step on each rank equal
// stepTraffic of its registration, at several world sizes and group settings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLion } from '../optim/lion.js';
import { layoutFromLengths } from '../optim/param-layout.js';
import { randomFloat32 } from '../random.js';
import { parseMomentumPolicy } from './momentum-policy.js';
import { createStrategy, resolveStrategySpec, strategyNames } from './registry.js';
import { stepTraffic } from './step-traffic.js';
import type { StepWork } from './step-work.js';
import { withRanks } from './test-support/ranks.js';

const LENGTHS = [{ name: 'w', length: 3000 }, { name: 'b', length: 77 }];
const D = 3077;

async function bytesOfOneStep(spec: string, n: number, chunkBytes: number): Promise<number[]> {
  return withRanks(n, async (group) => {
    const lion = createLion(layoutFromLengths(LENGTHS), { lr: 0.01, stateMemory: 'kernel' });
    const strategy = createStrategy(spec, { group, lion, momentumPolicy: parseMomentumPolicy('none'), seed: 3 });
    try {
      const stats = await strategy.step(randomFloat32(D, 5), randomFloat32(D, 10 + group.rank, { scale: 0.1 }));
      return stats.bytesSent;
    } finally {
      strategy.dispose();
      lion.dispose();
    }
  }, { chunkBytes });
}

test('bytes per step equal stepTraffic of the registration, for every registered strategy and rank', async () => {
  const specs = strategyNames().flatMap((name) => (name === 'cub-pbit' ? ['cub-pbit:bits=2', 'cub-pbit:bits=8', 'cub-pbit:tie=owner'] : [name]));
  for (const spec of specs) {
    const { info, spec: parsed } = resolveStrategySpec(spec);
    const describe = info.stepWork;
    assert.ok(describe, `${spec} declares its step`);
    for (const [n, chunkBytes] of [[2, 256], [3, 1 << 18], [5, 512]]) {
      const measured = await bytesOfOneStep(spec, n, chunkBytes);
      const work: StepWork = describe(parsed, D, n);
      const predicted: number[] = measured.map((_, rank: number) => stepTraffic(work, n, rank, { chunkBytes }).bytesSent);
      assert.deepEqual(measured, predicted, `${spec} N=${n} chunkBytes=${chunkBytes}`);
    }
  }
});

test('with one rank stepTraffic is zero whatever the step declares', () => {
  const { info, spec } = resolveStrategySpec('lion');
  assert.equal(stepTraffic(info.stepWork!(spec, D, 2), 1, 0).bytesSent, 0);
  assert.ok(stepTraffic(info.stepWork!(spec, D, 2), 2, 0).bytesSent > 0);
});

test('cub-pbit:tie=owner declares the same collective as parity, plus the sign pass over the owner\'s ~d/N values', () => {
  const work = (spec: string): StepWork => {
    const { info, spec: parsed } = resolveStrategySpec(spec);
    return info.stepWork!(parsed, 4000, 4);
  };
  const parity = work('cub-pbit');
  const owner = work('cub-pbit:tie=owner');
  assert.deepEqual(owner.comm, parity.comm, 'nothing more on the wire');
  assert.deepEqual(owner.encode.slice(0, parity.encode.length), parity.encode);
  assert.equal(owner.encode.length, parity.encode.length + 1);
  const last = owner.encode.at(-1);
  assert.ok(last?.kind === 'kernel' && last.kernel === 'lion-encode-sign' && last.units === 1000, JSON.stringify(last));
});
