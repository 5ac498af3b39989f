// Tests of the learning-rate schedules at their edges, and of their validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { constantSchedule, learningRateAt, linearWarmupSchedule, warmupCosineSchedule } from './schedules.js';

function assertInvalid(fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => err instanceof InvalidArgumentError && err.code === 'invalid_argument' && err.field === field);
}

test('constant schedule', () => {
  const s = constantSchedule(3e-4);
  assert.equal(s(0), 3e-4);
  assert.equal(s(1_000_000), 3e-4);
  assert.equal(constantSchedule(0)(5), 0);
});

test('linear warm-up: (t+1)/W of the peak, exactly the peak from step W−1 on', () => {
  const s = linearWarmupSchedule({ peakLr: 0.1, warmupSteps: 4 });
  // 0.1·1/4, 0.1·2/4, 0.1·3/4, then exactly 0.1 (the ratio (t+1)/W is 1 at t = 3).
  assert.equal(s(0), 0.1 * 0.25);
  assert.equal(s(1), 0.1 * 0.5);
  assert.equal(s(2), 0.1 * 0.75);
  assert.equal(s(3), 0.1);
  assert.equal(s(4), 0.1);
  assert.equal(s(10_000), 0.1);
  const none = linearWarmupSchedule({ peakLr: 0.3, warmupSteps: 0 });
  assert.equal(none(0), 0.3);
  // Exactly peak at the end of warm-up whatever the rounding of peak·W would be.
  for (const w of [3, 7, 10, 999]) assert.equal(linearWarmupSchedule({ peakLr: 0.1, warmupSteps: w })(w - 1), 0.1);
});

test('cosine with warm-up: peak at W, half-way value at the midpoint, minLr at and after T', () => {
  const s = warmupCosineSchedule({ peakLr: 1, warmupSteps: 2, totalSteps: 12, minLr: 0.1 });
  assert.equal(s(0), 0.5);
  assert.equal(s(1), 1);
  assert.equal(s(2), 1, 'η(W) is exactly the peak');
  // Midpoint of the decay (t − W = 5 of 10): cos(π/2) = 0, so η = (peak + min)/2 = 0.55.
  assert.ok(Math.abs(s(7) - 0.55) < 1e-15);
  // One step before the end: π·9/10, η = 1 − 0.9·(1 − cos(0.9π))/2.
  assert.ok(Math.abs(s(11) - (1 - 0.9 * (1 - Math.cos(0.9 * Math.PI)) / 2)) < 1e-15);
  assert.equal(s(12), 0.1);
  assert.equal(s(1000), 0.1);
  for (let t = 3; t < 12; t++) assert.ok(s(t) < s(t - 1), `decreasing at ${t}`);
  const noDecay = warmupCosineSchedule({ peakLr: 1, warmupSteps: 3, totalSteps: 3 });
  assert.equal(noDecay(2), 1);
  assert.equal(noDecay(3), 0, 'minLr defaults to 0');
  const noWarmup = warmupCosineSchedule({ peakLr: 2, warmupSteps: 0, totalSteps: 4 });
  assert.equal(noWarmup(0), 2);
  assert.ok(Math.abs(noWarmup(2) - 1) < 1e-15);
});

test('schedule parameters are validated', () => {
  assertInvalid(() => constantSchedule(-1), 'lr');
  assertInvalid(() => constantSchedule(Number.NaN), 'lr');
  assertInvalid(() => constantSchedule(Infinity), 'lr');
  assertInvalid(() => linearWarmupSchedule({ peakLr: 0.1, warmupSteps: -1 }), 'warmupSteps');
  assertInvalid(() => linearWarmupSchedule({ peakLr: 0.1, warmupSteps: 1.5 }), 'warmupSteps');
  assertInvalid(() => warmupCosineSchedule({ peakLr: 0.1, warmupSteps: 5, totalSteps: 4 }), 'totalSteps');
  assertInvalid(() => warmupCosineSchedule({ peakLr: 0.1, warmupSteps: 0, totalSteps: 4, minLr: 0.2 }), 'minLr');
  assertInvalid(() => warmupCosineSchedule({ peakLr: -0.1, warmupSteps: 0, totalSteps: 4 }), 'peakLr');
  assertInvalid(() => constantSchedule(1)(-1), 'step');
  assertInvalid(() => constantSchedule(1)(0.5), 'step');
});

test('learningRateAt rejects what a user schedule returns when it is not a usable rate', () => {
  assert.equal(learningRateAt((t) => t * 0.5, 3), 1.5);
  assertInvalid(() => learningRateAt(() => -0.1, 0), 'lr');
  assertInvalid(() => learningRateAt(() => Number.NaN, 0), 'lr');
  assertInvalid(() => learningRateAt(() => '0.1' as unknown as number, 0), 'lr');
  const err = (() => { try { learningRateAt(() => Infinity, 7); } catch (e) { return e as Error; } return null; })();
  assert.match(String(err?.message), /step 7/);
});
