import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCalibratedConstants, predictRow, reportModelError } from '../../src/bench/train/predict.js';
import type { BenchTrainReport, StrategyRun } from '../../src/bench/train/report/types.js';
import { serializeConstants } from '../../src/costmodel/constants-file.js';
import { predictStep } from '../../src/costmodel/predict.js';
import { testConstants } from '../../src/costmodel/test-support/constants.js';

function row(sync: string, rate: string, stepMsMedian: number): StrategyRun {
  return {
    sync, rate, linkGbit: null, stepMsMedian, computeMs: 100, computeMsSlowest: 130, encodeMs: 0, commMs: 0, decodeMs: 0, codecMs: 0, bytesSentPerStep: 0, numParams: 1 << 20,
    finalLoss: 0, finalMetric: 0, speedupVsLion: null, speedupVsBf16: null, timeToTargetSeconds: null, speedupToTargetVsLion: null, predictedStepMs: null,
    curve: [], evals: [],
  };
}

test('predictRow prices the row at its nominal rate with its slowest rank\'s compute, all ranks on this host', () => {
  const constants = testConstants();
  const predicted = predictRow(row('lion', '1gbit', 500), 4, constants);
  const direct = predictStep({ strategy: 'lion', numParams: 1 << 20, N: 4, linkGbit: 1, computeMs: 130, constants, host: { ranksPerHost: 4, cores: constants.cores } }).stepMs;
  assert.equal(predicted, direct);
  // noop never waits for another rank: its own median compute.
  const noop = predictStep({ strategy: 'noop', numParams: 1 << 20, N: 4, linkGbit: 1, computeMs: 100, constants, host: { ranksPerHost: 4, cores: constants.cores } }).stepMs;
  assert.equal(predictRow(row('noop', '1gbit', 500), 4, constants), noop);
  assert.ok(predicted! > 100);
  assert.ok(predictRow(row('cub-1bit', '1gbit', 500), 4, constants)! < predicted!, 'one bit per value sends less than fp32');
  assert.equal(typeof predictRow(row('lion', 'none', 500), 4, constants), 'number');
});

test('model error over the rows with a prediction; constants come from the calibrate file or are absent', () => {
  const constants = testConstants();
  const runs = [row('lion', '1gbit', 500), row('cub-1bit', '1gbit', 200)].map((r) => ({ ...r, predictedStepMs: predictRow(r, 4, constants) }));
  const report = { nproc: 4, runs } as unknown as BenchTrainReport;
  const error = reportModelError(report, constants)!;
  assert.equal(error.points, 2);
  const expected = Math.max(...runs.map((r) => Math.abs(r.predictedStepMs! - r.stepMsMedian) / r.stepMsMedian));
  assert.ok(Math.abs(error.maxAbsRelError - expected) < 1e-12);

  const dir = mkdtempSync(join(tmpdir(), 'lion-cub-constants-'));
  try {
    assert.equal(loadCalibratedConstants({ LION_CUB_CONSTANTS: join(dir, 'missing.json') }), null);
    writeFileSync(join(dir, 'c.json'), serializeConstants(constants));
    assert.deepEqual(loadCalibratedConstants({ LION_CUB_CONSTANTS: join(dir, 'c.json') }), constants);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
