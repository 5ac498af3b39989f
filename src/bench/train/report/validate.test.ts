import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../../errors.js';
import { fakeReport } from './test-support/fake-report.js';
import { parseBenchTrainReport, readBenchTrainReport } from './validate.js';

test('a report survives JSON and the check unchanged', () => {
  const report = fakeReport(20, 10);
  assert.deepEqual(parseBenchTrainReport(JSON.parse(JSON.stringify(report))), report);
  const withCpu = { ...report, runs: report.runs.map((r) => ({ ...r, computeCpuMsPerRank: [4.5, 5], stepCpuMsPerRank: [7, 7.5], dataCpuMsPerRank: [0.1, 0.2], syncCpuMsPerRank: [2, 2.5], otherCpuMsPerRank: [0.4, 0.3] })) };
  assert.deepEqual(parseBenchTrainReport(JSON.parse(JSON.stringify(withCpu))), withCpu);
  const seeds = { mean: 0.9, min: 0.875, max: 0.925 };
  const withSeeds = {
    ...report,
    seeds: [1, 2],
    runs: report.runs.map((r, i) => ({
      ...r,
      overSeeds: { seeds: [{ seed: 1, finalLoss: 0.5, finalMetric: 0.875 }, { seed: 2, finalLoss: 0.25, finalMetric: 0.925 }], finalLoss: { mean: 0.375, min: 0.25, max: 0.5 }, finalMetric: seeds },
      pairedVsLion: i === 0 ? null : { seeds: 2, metricDiff: { mean: 0, min: -0.5, max: 0.5, sd: 0.7 }, lossDiff: seeds, higher: 1, equal: 0, lower: 1 },
    })),
  };
  assert.deepEqual(parseBenchTrainReport(JSON.parse(JSON.stringify(withSeeds))), withSeeds);
  const { modelError: _dropped, ...withoutModel } = report;
  assert.deepEqual(parseBenchTrainReport(JSON.parse(JSON.stringify(withoutModel))), withoutModel);
});

test('the first bad field is named', () => {
  const cases: Array<[(r: any) => void, string]> = [
    [(r) => (r.runs[2].commMs = '3'), 'report.runs[2].commMs'],
    [(r) => (r.runs[0].linkGbit = undefined), 'report.runs[0].linkGbit'],
    [(r) => (r.runs[1].curve[3] = { step: 1, loss: 2 }), 'report.runs[1].curve[3].wallSeconds'],
    [(r) => (r.runs[1].evals = null), 'report.runs[1].evals'],
    [(r) => (r.runs[0].stepCpuMsPerRank = [1, 'x']), 'report.runs[0].stepCpuMsPerRank.1'],
    [(r) => (r.runs[0].syncCpuMsPerRank = 'fast'), 'report.runs[0].syncCpuMsPerRank'],
    [(r) => (r.machine.cpus = 'two'), 'report.machine.cpus'],
    [(r) => (r.machine.extra = { nested: true }), 'report.machine.extra'],
    [(r) => delete r.command, 'report.command'],
    [(r) => (r.modelError = { points: 3 }), 'report.modelError.maxAbsRelError'],
    [(r) => (r.seeds = [1, 'two']), 'report.seeds.1'],
    [(r) => (r.runs[1].overSeeds = { seeds: [{ seed: 1, finalLoss: 0 }] }), 'report.runs[1].overSeeds.seeds[0].finalMetric'],
    [(r) => (r.runs[1].pairedVsLion = { seeds: 2, metricDiff: { mean: 0, min: 0, max: 0 } }), 'report.runs[1].pairedVsLion.metricDiff.sd'],
  ];
  for (const [damage, field] of cases) {
    const raw = JSON.parse(JSON.stringify(fakeReport(20, 10)));
    damage(raw);
    assert.throws(() => parseBenchTrainReport(raw), (err: unknown) => err instanceof InvalidArgumentError && err.field === field, field);
  }
});

test('readBenchTrainReport reads a file and rejects one that is not JSON', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'report-validate-'));
  try {
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify(fakeReport(20, 10)));
    assert.equal((await readBenchTrainReport(good)).runs.length, 18);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"workload": ');
    await assert.rejects(readBenchTrainReport(bad), InvalidArgumentError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
