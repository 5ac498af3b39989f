// modelError and collectiveModelError: signed relative error per point, the worst and mean absolute error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { measuredFromBenchRows } from './bench-rows.js';
import { predictCollective } from './collective-model.js';
import { collectiveModelError, modelError } from './model-error.js';
import { predictStep } from './predict.js';
import { testConstants } from './test-support/constants.js';

const constants = testConstants();

test('a point measured exactly as predicted has zero error; 10% slow and 20% fast points give −1/11 and +1/4', () => {
  const point = { strategy: 'cub-1bit', numParams: 1 << 20, N: 4, linkGbit: 1, computeMs: 3 };
  const host = { ranksPerHost: 4, cores: 2 };
  const exact = predictStep({ ...point, constants, host }).stepMs;
  const r = modelError([
    { ...point, stepMs: exact },
    { ...point, stepMs: exact * 1.1 },
    { ...point, stepMs: exact * 0.8 },
  ], constants);
  assert.deepEqual(r.points.map((p) => Math.round(p.relativeError * 1e9) / 1e9), [0, Math.round((1 / 1.1 - 1) * 1e9) / 1e9, 0.25]);
  assert.ok(Math.abs(r.maxAbsError - 0.25) < 1e-12);
  assert.ok(Math.abs(r.meanAbsError - (0 + (1 - 1 / 1.1) + 0.25) / 3) < 1e-12);
});

test('points default to all N ranks on the calibration host (κ = N / cores); an explicit host overrides it', () => {
  const point = { strategy: 'lion', numParams: 1 << 20, N: 8, linkGbit: null, computeMs: 0 };
  const shared = predictStep({ ...point, constants, host: { ranksPerHost: 8, cores: 2 } }).stepMs;
  assert.equal(modelError([{ ...point, stepMs: shared }], constants).maxAbsError, 0);
  const alone = predictStep({ ...point, constants }).stepMs;
  assert.equal(modelError([{ ...point, stepMs: alone, host: { ranksPerHost: 1, cores: 1 } }], constants).maxAbsError, 0);
});

test('collective points: bench comm rows in, the model\'s time of the call alone out', () => {
  const rows = [
    { op: 'allreduce', dtype: 'float32', bytes: 4 << 20, params: 1 << 20, worldSize: 2, timeMs: 50, linkGbit: 0.95 },
    { op: 'pbit-allreduce', dtype: '4-bit', bytes: 1 << 19, params: 1 << 20, worldSize: 4, timeMs: 9, linkGbit: 0.95 },
    { op: 'allreduce', dtype: 'int32', bytes: 1024, params: 256, worldSize: 2, timeMs: 1, linkGbit: 0.95 },
  ];
  const text = ['machine: 2 cpus', ...rows.map((r) => JSON.stringify(r))].join('\n');
  const { points, skipped } = measuredFromBenchRows(text, { linkGbit: 1, emulatorBurst: false });
  assert.equal(points.length, 2);
  assert.deepEqual(skipped.map((s) => s.op), ['allreduce']);
  const report = collectiveModelError(points, constants);
  const expected = predictCollective({ op: 'pbit-allreduce', bits: 4, numValues: 1 << 20 }, 4, 1, constants, { ranksPerHost: 4, cores: 2 });
  assert.ok(Math.abs(report.points[1].predictedMs - expected.ms) < 1e-12);
  assert.ok(Math.abs(report.points[1].relativeError - (expected.ms - 9) / 9) < 1e-12);
  assert.throws(() => measuredFromBenchRows(text), (e: unknown) => e instanceof InvalidArgumentError && e.field === '--link');
  assert.throws(() => collectiveModelError([{ ...points[0], timeMs: 0 }], constants), InvalidArgumentError);
});
