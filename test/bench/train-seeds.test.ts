// Several seeds per strategy: spread over the seeds and the difference to lion seed by seed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPairedVsLion, pairedDifference, sampleSd, spread, summariseSeeds } from '../../src/bench/train/seeds.js';
import type { StrategyRun } from '../../src/bench/train/report/types.js';
import { InvalidArgumentError } from '../../src/errors.js';

test('spread and sample standard deviation', () => {
  assert.deepEqual(spread([0.5, 0.25, 1]), { mean: 0.5833333333333334, min: 0.25, max: 1 });
  assert.throws(() => spread([]), InvalidArgumentError);
  assert.equal(sampleSd([3]), 0);
  assert.equal(sampleSd([1, 3]), Math.SQRT2);
});

test('the paired difference matches runs by seed, not by position, over the seeds both ran', () => {
  const lion = summariseSeeds([
    { seed: 1, finalLoss: 0.5, finalMetric: 0.9 },
    { seed: 2, finalLoss: 0.25, finalMetric: 0.75 },
    { seed: 3, finalLoss: 1, finalMetric: 0.5 },
  ]);
  assert.deepEqual(lion.finalMetric, { mean: 0.7166666666666667, min: 0.5, max: 0.9 });
  // Listed in another order and with a seed lion did not run: seed 9 is left out of the comparison.
  const cub = summariseSeeds([
    { seed: 3, finalLoss: 1.5, finalMetric: 0.625 },
    { seed: 9, finalLoss: 0, finalMetric: 1 },
    { seed: 1, finalLoss: 0.5, finalMetric: 0.9 },
    { seed: 2, finalLoss: 0.5, finalMetric: 0.5 },
  ]);
  const paired = pairedDifference(cub, lion)!;
  assert.equal(paired.seeds, 3);
  assert.deepEqual([paired.higher, paired.equal, paired.lower], [1, 1, 1]);
  assert.deepEqual(paired.metricDiff, { mean: (0.125 + 0 - 0.25) / 3, min: -0.25, max: 0.125, sd: sampleSd([0.125, 0, -0.25]) });
  assert.deepEqual(paired.lossDiff, { mean: 0.25, min: 0, max: 0.5 });
  assert.equal(pairedDifference(summariseSeeds([{ seed: 7, finalLoss: 1, finalMetric: 1 }]), lion), null, 'no common seed');
});

test('every row over seeds but lion\'s own gets the difference to lion at its rate; null without lion there', () => {
  const row = (sync: string, rate: string, metrics: number[]): StrategyRun => ({
    sync, rate, overSeeds: summariseSeeds(metrics.map((m, i) => ({ seed: i, finalLoss: 1, finalMetric: m }))),
  }) as StrategyRun;
  const rows = applyPairedVsLion([row('lion', 'none', [0.5, 0.5]), row('cub-pbit:bits=4,quant=l1', 'none', [0.75, 0.5]), row('cub-1bit', '1gbit', [1, 1])]);
  assert.equal(rows[0].pairedVsLion, undefined);
  assert.equal(rows[1].pairedVsLion!.metricDiff.mean, 0.125);
  assert.deepEqual([rows[1].pairedVsLion!.higher, rows[1].pairedVsLion!.equal], [1, 1]);
  assert.equal(rows[2].pairedVsLion, null);
  const single = { sync: 'cub-1bit', rate: 'none' } as StrategyRun;
  assert.equal(applyPairedVsLion([single])[0], single, 'one seed: rows unchanged');
});
