import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSkipped, type ChartDef } from './chart-common.js';
import { buildCharts } from './charts.js';
import { fakeReport } from './test-support/fake-report.js';

const ALL_IDS = ['loss-vs-step', 'loss-vs-time', 'accuracy-vs-step', 'accuracy-vs-time', 'step-breakdown', 'bytes-per-param', 'speedup-vs-link', 'cost-model'];

/** Every `channel` (color, strokeDash) whose field is `strategy`, anywhere in a spec. */
function strategyScales(spec: unknown, channel: 'color' | 'strokeDash'): Array<{ domain: unknown; range: unknown }> {
  const found: Array<{ domain: unknown; range: unknown }> = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, any>;
    if (o[channel]?.field === 'strategy') found.push(o[channel].scale);
    Object.values(o).forEach(visit);
  };
  visit(spec);
  return found;
}

test('a full report draws every chart, and every chart colors a strategy the same way', () => {
  const results = buildCharts(fakeReport(50, 10));
  assert.deepEqual(results.map((r) => r.id), ALL_IDS);
  assert.ok(results.every((r) => !isSkipped(r)));
  const scales = results.flatMap((r) => strategyScales((r as ChartDef).spec, 'color'));
  assert.ok(scales.length >= 7, `found ${scales.length} strategy color channels`);
  for (const scale of scales) assert.deepEqual(scale, scales[0]);
  const dashes = results.flatMap((r) => strategyScales((r as ChartDef).spec, 'strokeDash'));
  assert.ok(dashes.length >= 5, `found ${dashes.length} strategy dash channels`);
  for (const scale of dashes) assert.deepEqual(scale, dashes[0]);
  assert.deepEqual(dashes[0].domain, scales[0].domain);
});

test('charts without data are skipped with a reason, the others still drawn', () => {
  const report = fakeReport(50, 10);
  for (const run of report.runs) {
    run.evals = [];
    run.predictedStepMs = null;
    run.speedupVsLion = run.speedupVsBf16 = run.speedupToTargetVsLion = null;
  }
  const results = buildCharts(report);
  const skipped = results.filter(isSkipped).map((r) => r.id);
  assert.deepEqual(skipped, ['accuracy-vs-step', 'accuracy-vs-time', 'speedup-vs-link', 'cost-model']);
  for (const r of results.filter(isSkipped)) assert.ok(r.reason.length > 10);

  const empty = buildCharts({ ...report, runs: [] });
  assert.deepEqual(empty.filter(isSkipped).map((r) => r.id), ALL_IDS);
});

test('chart data is inline JSON: nothing for vega to fetch', () => {
  for (const r of buildCharts(fakeReport(50, 10))) {
    const text = JSON.stringify((r as ChartDef).spec);
    assert.doesNotMatch(text, /"url"\s*:/, r.id);
  }
});
