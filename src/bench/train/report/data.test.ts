import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesRows, centredMean, curveRows, modelRows, phaseRows, smoothingWindow, speedupRows, thinCurve } from './data.js';
import { fakeReport } from './test-support/fake-report.js';
import type { StrategyRun } from './types.js';

test('thinCurve keeps short curves as they are and averages long ones into at most maxPoints', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 300 }), (n, maxPoints) => {
      const points = Array.from({ length: n }, (_, i) => ({ step: i + 1, wallSeconds: (i + 1) * 0.5, loss: Math.sin(i) + 2 }));
      const thin = thinCurve(points, maxPoints);
      if (n <= maxPoints) {
        assert.deepEqual(thin, points);
        return;
      }
      assert.ok(thin.length <= maxPoints);
      const bucket = Math.ceil(n / maxPoints);
      // Each output point is the mean of its bucket: the first one's step is the middle of 1..bucket.
      assert.equal(thin[0].step, (1 + bucket) / 2);
      // Sum of loss weighted by bucket sizes equals the original sum.
      let weighted = 0;
      for (let k = 0; k < thin.length; k++) weighted += thin[k].loss * Math.min(bucket, n - k * bucket);
      const total = points.reduce((s, p) => s + p.loss, 0);
      assert.ok(Math.abs(weighted - total) < 1e-6 * n);
      for (let k = 1; k < thin.length; k++) assert.ok(thin[k].step > thin[k - 1].step);
    }),
    { numRuns: 60 },
  );
});

function run(overrides: Partial<StrategyRun>): StrategyRun {
  return { ...fakeReport(10, 5).runs[0], ...overrides };
}

test('phaseRows adds "other" for untimed time and never makes it negative', () => {
  const rows = phaseRows([run({ stepMsMedian: 100, computeMs: 50, encodeMs: 5, commMs: 30, decodeMs: 5 })]);
  assert.deepEqual(rows.map((r) => [r.phase, r.ms]), [['compute', 50], ['encode', 5], ['comm', 30], ['decode', 5], ['other', 10]]);
  const over = phaseRows([run({ stepMsMedian: 80, computeMs: 50, encodeMs: 5, commMs: 30, decodeMs: 5 })]);
  assert.equal(over.find((r) => r.phase === 'other')?.ms, 0);
});

test('bytesRows is the median bytes/param per strategy and skips runs without parameters', () => {
  const rows = bytesRows([
    run({ sync: 'a', bytesSentPerStep: 100, numParams: 100 }),
    run({ sync: 'a', bytesSentPerStep: 300, numParams: 100 }),
    run({ sync: 'a', bytesSentPerStep: 200, numParams: 100 }),
    run({ sync: 'b', bytesSentPerStep: 100, numParams: 0 }),
  ]);
  assert.deepEqual(rows, [{ strategy: 'a', bytesPerParam: 2, runs: 3 }]);
});

test('speedup and model rows leave out nulls', () => {
  const rows = speedupRows([run({ speedupVsLion: 2, speedupVsBf16: null, speedupToTargetVsLion: null }), run({ speedupVsLion: null, speedupVsBf16: null, speedupToTargetVsLion: 3 })]);
  assert.deepEqual(rows.map((r) => [r.measure, r.speedup]), [['per step vs lion', 2], ['time to target vs lion', 3]]);
  assert.equal(modelRows([run({ predictedStepMs: null }), run({ predictedStepMs: 12, stepMsMedian: 10 })]).length, 1);
});

test('centredMean averages a centred window cut off at the ends', () => {
  assert.deepEqual(centredMean([1, 2, 3, 4, 5], 3), [1.5, 2, 3, 4, 4.5]);
  assert.deepEqual(centredMean([0, 3, 0, 3, 0], 3), [1.5, 1, 2, 1, 1.5]);
  assert.deepEqual(centredMean([4, 8], 101), [6, 6]);
  fc.assert(
    fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { maxLength: 60 }), fc.integer({ min: 0, max: 30 }), (values, half) => {
      const smooth = centredMean(values, 2 * half + 1);
      assert.equal(smooth.length, values.length);
      for (let i = 0; i < values.length; i++) {
        const window = values.slice(Math.max(0, i - half), i + half + 1);
        assert.ok(Math.abs(smooth[i] - window.reduce((a, b) => a + b, 0) / window.length) < 1e-9);
      }
    }),
  );
  assert.equal(smoothingWindow(1), 1);
  assert.equal(smoothingWindow(600), 61);
  assert.equal(smoothingWindow(100_000), 201);
});

test('curve rows carry the smoothed loss through thinning', () => {
  const run = fakeReport(1000, 100).runs[0];
  const rows = curveRows([run], 100);
  assert.equal(rows.length, 100);
  const smooth = centredMean(run.curve.map((p) => p.loss), smoothingWindow(1000));
  assert.ok(Math.abs(rows[0].smoothLoss - smooth.slice(0, 10).reduce((a, b) => a + b, 0) / 10) < 1e-9);
  assert.deepEqual(Object.keys(rows[0]).sort(), ['link', 'loss', 'smoothLoss', 'step', 'strategy', 'wallSeconds']);
});
