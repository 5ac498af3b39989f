// Tests of the training configuration, the trajectory fingerprint, learning-rate schedules and the weight-decay mask.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { DEFAULT_STEPS, resolveTrainConfig, totalStepsOf } from './config.js';
import { diffTrajectories, trajectoryHash, trajectoryOf } from './fingerprint.js';
import { learningRateSchedule, weightDecayMask } from './lion-setup.js';

test('defaults fill in, run length defaults to steps, unknown keys are refused', () => {
  const c = resolveTrainConfig({});
  assert.equal(c.steps, DEFAULT_STEPS);
  assert.equal(c.epochs, null);
  assert.equal(resolveTrainConfig({ epochs: 2 }).steps, null);
  assert.throws(() => resolveTrainConfig({ stpes: 3 } as never), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'config.stpes');
  assert.throws(() => resolveTrainConfig({ workload: 'nope' }), { field: 'workload' });
  assert.throws(() => resolveTrainConfig({ weightDecayExclude: [''] }), { field: 'weightDecayExclude' });
  assert.throws(() => resolveTrainConfig({ lr: -1 }, (k) => `--${k}!`), { field: '--lr!' });
  assert.equal(totalStepsOf({ steps: null, epochs: 3 }, 62), 186);
  assert.equal(totalStepsOf({ steps: 10, epochs: null }, 62), 10);
});

test('the trajectory leaves out run length and cadence, except the cosine schedule\'s length', () => {
  const base = resolveTrainConfig({ steps: 100 });
  const t = (over: object, totalSteps = 100) => trajectoryOf({ config: { ...base, ...over }, worldSize: 4, totalSteps, numParams: 10, strategy: 'lion' });
  assert.equal(trajectoryHash(t({})), trajectoryHash(t({ steps: 500, evalEvery: 7, checkpointEvery: 3, timeoutMs: 1 }, 500)));
  assert.deepEqual(diffTrajectories(t({}), t({ lr: 0.1, seed: 3 })).map((d) => d.field), ['lr', 'seed']);
  assert.deepEqual(diffTrajectories(t({ lrSchedule: 'cosine' }), t({ lrSchedule: 'cosine' }, 200)).map((d) => d.field), ['scheduleSteps']);
  assert.deepEqual(diffTrajectories(t({ workloadOptions: { a: 1, b: 2 } }), t({ workloadOptions: { b: 2, a: 1 } })), []);
});

test('schedules: warm-up then constant, or warm-up then cosine to minLr at the last step', () => {
  const settings = { ...resolveTrainConfig({}), lr: 0.01, warmupSteps: 4 };
  const constant = learningRateSchedule(settings, 100);
  assert.deepEqual([0, 1, 3, 4, 99].map(constant), [0.0025, 0.005, 0.01, 0.01, 0.01]);
  const cosine = learningRateSchedule({ ...settings, lrSchedule: 'cosine', minLr: 0.001 }, 104);
  assert.equal(cosine(4), 0.01);
  assert.ok(Math.abs(cosine(54) - 0.0055) < 1e-12);
  assert.equal(cosine(104), 0.001);
  assert.equal(learningRateSchedule({ ...settings, warmupSteps: 0 }, 10)(0), 0.01);
});

test('weight decay: vectors excluded by default, an explicit list replaces the rule', () => {
  const segments = [{ name: 'h/kernel', shape: [3, 4] }, { name: 'h/bias', shape: [4] }, { name: 'ln/gain', shape: [4] }];
  const mask = weightDecayMask({ weightDecayExclude: null }, segments) as (name: string) => boolean;
  assert.deepEqual(segments.map((s) => mask(s.name)), [true, false, false]);
  assert.deepEqual(weightDecayMask({ weightDecayExclude: ['*bias'] }, segments), { exclude: ['*bias'] });
});

test('a collective time limit beyond what a timer can hold is cut to 2^31 − 1 ms; a bad one names the field', () => {
  assert.equal(resolveTrainConfig({ timeoutMs: 10 ** 13 }).timeoutMs, 2 ** 31 - 1);
  assert.equal(resolveTrainConfig({ timeoutMs: 5000 }).timeoutMs, 5000);
  assert.throws(() => resolveTrainConfig({ timeoutMs: 0 }, () => '--timeout-ms'), { code: 'invalid_argument', message: /^--timeout-ms: got 0/ });
});
