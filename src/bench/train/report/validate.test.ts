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
  const withCpu = { ...report, runs: report.runs.map((r) => ({ ...r, computeCpuMsPerRank: [4.5, 5], stepCpuMsPerRank: [7, 7.5] })) };
  assert.deepEqual(parseBenchTrainReport(JSON.parse(JSON.stringify(withCpu))), withCpu);
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
    [(r) => (r.machine.cpus = 'two'), 'report.machine.cpus'],
    [(r) => (r.machine.extra = { nested: true }), 'report.machine.extra'],
    [(r) => delete r.command, 'report.command'],
    [(r) => (r.modelError = { points: 3 }), 'report.modelError.maxAbsRelError'],
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
