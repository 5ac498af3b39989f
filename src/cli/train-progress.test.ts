// Tests of the training progress renderer (plain, terminal, JSON) and the end-of-run summary.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { DoneEvent, ElasticResumeEvent, EvalEvent, StartEvent, StepEvent, TrainEvent } from '../train/events.js';
import { describeElasticResume } from '../train/elastic-resume-report.js';
import { ProgressRenderer, type ProgressMode } from './train-progress.js';
import { describeSummary, trainSummary } from './train-summary.js';

const start: StartEvent = {
  type: 'start', rank: 0, worldSize: 4, workload: 'mnist-mlp', strategy: 'cub-pbit:bits=4,quant=l1', numParams: 3716106, totalSteps: 40,
  stepsPerEpoch: 62, localBatchSize: 32, startStep: 0, resumedFrom: null, trajectoryHash: 'f'.repeat(64),
};
const step = (n: number): StepEvent => ({
  type: 'step', step: n, totalSteps: 40, epoch: 0, loss: 2 / n, accuracy: null, stepMs: 250, computeMs: 150, computeCpuMs: 140, stepCpuMs: 200, dataCpuMs: 1, syncCpuMs: 30,
  sync: { step: n - 1, lr: 3e-4, encodeMs: 10, commMs: 80, decodeMs: 10, bytesSent: 2_000_000, bytesReceived: 2_000_000, momentumSyncedValues: 0, momentumDivergence: null, skipped: false },
});
const evalAt = (n: number): EvalEvent => ({ type: 'eval', step: n, loss: 0.3, accuracy: 0.9125, numTargets: 2000, evalMs: 900 });
const done: DoneEvent = { type: 'done', steps: 40, stepsRun: 40, wallSeconds: 11, stepMsMedian: 250, bytesSentPerStep: 2_000_000, finalEval: evalAt(40), lastTrainLoss: 0.05, skippedSteps: 0 };

function render(mode: ProgressMode, events: TrainEvent[]): { out: string; log: string } {
  const out = new PassThrough();
  const log = new PassThrough();
  const r = new ProgressRenderer({ mode, out, log, redrawMs: 0 });
  for (const e of events) r.event(e);
  r.finish();
  return { out: out.read()?.toString() ?? '', log: log.read()?.toString() ?? '' };
}

const run: TrainEvent[] = [start, ...Array.from({ length: 40 }, (_, i) => step(i + 1)).flatMap((s) => (s.step % 20 === 0 ? [s, evalAt(s.step)] : [s])), done];

test('plain mode: a header, about twenty status lines, evaluation lines; nothing on the JSON stream', () => {
  const { out, log } = render('plain', run);
  assert.equal(out, '');
  const lines = log.trim().split('\n');
  assert.match(lines[0], /^training mnist-mlp \(3,716,106 parameters\) on 4 workers with cub-pbit:bits=4,quant=l1: 40 steps, 32 examples per worker per step$/);
  const status = lines.filter((l) => l.startsWith('step '));
  assert.equal(status.length, 20);
  assert.match(status.at(-1)!, /^step 40\/40 \| loss 0\.0500 \| test acc 0\.9125 \| 4\.00 steps\/s \| 2\.000 MB sent\/step$/);
  assert.equal(lines.filter((l) => l.startsWith('eval at step')).length, 2);
  assert.ok(!log.includes('\x1b'));
});

test('tty mode: one bar redrawn in place, permanent lines for evaluations', () => {
  const { log } = render('tty', run);
  assert.ok(log.includes('\r\x1b[2Kstep 40/40 [########################] | loss 0.0500'));
  assert.ok(log.includes('eval at step 20: test loss 0.3000, test accuracy 0.9125'));
  assert.ok(log.endsWith('\n'));
});

test('json mode: one record per step and evaluation, flat, on the JSON stream', () => {
  const { out } = render('json', run);
  const records = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(records.filter((r) => r.type === 'step').length, 40);
  assert.equal(records.filter((r) => r.type === 'eval').length, 2);
  assert.deepEqual(Object.keys(records[0]).sort(), ['accuracy', 'bytesReceived', 'bytesSent', 'commMs', 'computeCpuMs', 'computeMs', 'dataCpuMs', 'decodeMs', 'encodeMs', 'epoch', 'loss', 'lr', 'momentumDivergence', 'momentumSyncedValues', 'skipped', 'step', 'stepCpuMs', 'stepMs', 'syncCpuMs', 'totalSteps', 'type']);
});

test('the summary compares the measured bytes with lion\'s computed bytes', () => {
  const s = trainSummary(start, done);
  assert.equal(s.final, true);
  assert.equal(s.accuracy, 0.9125);
  assert.equal(s.lionAlgorithm, 'allreduce-ring');
  // 2(N−1)/N·4d = 1.5·4·3,716,106 plus one 32-byte header per chunk.
  assert.ok(s.lionBytesPerStep > 1.5 * 4 * 3716106 && s.lionBytesPerStep < 1.5 * 4 * 3716106 + 32 * 100);
  const text = describeSummary(s).join('\n');
  assert.match(text, /lion \(fp32 allreduce\) would send per step \(computed: ring, 2\(N−1\)\/N·4d payload \+ 32-byte frame headers, d = 3,716,106, N = 4\): 22\.29\d MB; this run sent 11\.1× less than lion/);
});

test('an elastic resume prints one line with both world sizes and the momentum rule, and is a flat JSON record', () => {
  const elastic: ElasticResumeEvent = {
    type: 'elastic-resume', step: 150, fromWorldSize: 4, toWorldSize: 3, paramsFrom: 0, ranksWithoutCheckpoint: [], momentumRule: 'mean-of-saved',
    momentaFrom: [0, 1, 2, 3], momentaIdentical: false, globalBatchSize: 96, localBatchSize: 32,
  };
  const { log } = render('plain', [elastic, { ...elastic, fromWorldSize: 3, toWorldSize: 4, ranksWithoutCheckpoint: [3], momentaFrom: [0, 1, 2], momentaIdentical: true, localBatchSize: 24 }]);
  assert.deepEqual(log.trim().split('\n'), [
    'world size changed 4 → 3 at step 150: parameters from rank 0\'s checkpoint; momentum of every rank = the mean of the 4 momenta saved by ranks 0, 1, 2, 3; global batch 96 kept, 32 examples per worker per step',
    'world size changed 3 → 4 at step 150: parameters from rank 0\'s checkpoint; momentum of every rank = the 3 momenta saved by ranks 0, 1, 2 (identical, copied exactly); global batch 96 kept, 24 examples per worker per step',
  ]);
  assert.match(describeElasticResume({ ...elastic, toWorldSize: 4, fromWorldSize: 4, ranksWithoutCheckpoint: [2] }), /^world size 4 kept, rank 2 without a checkpoint at step 150/);
  const record = JSON.parse(render('json', [elastic]).out) as Record<string, unknown>;
  assert.deepEqual([record.type, record.fromWorldSize, record.toWorldSize, record.momentumRule, record.momentaFrom], ['elastic-resume', 4, 3, 'mean-of-saved', '0,1,2,3']);
});
