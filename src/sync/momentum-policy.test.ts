import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MomentumSchedule, parseMomentumPolicy, scheduleSyncSteps } from './momentum-policy.js';
import { InvalidArgumentError } from '../errors.js';

test('policies parse, with f32 payload by default and @bf16 on request', () => {
  assert.deepEqual(parseMomentumPolicy('none'), { kind: 'none' });
  assert.deepEqual(parseMomentumPolicy('every:50'), { kind: 'every', everySteps: 50, payload: 'f32' });
  assert.deepEqual(parseMomentumPolicy('schedule:4@bf16'), { kind: 'schedule', k: 4, payload: 'bf16' });
  assert.deepEqual(parseMomentumPolicy('layers:dense_1/*'), { kind: 'layers', pattern: 'dense_1/*', everySteps: 1, payload: 'f32' });
  assert.deepEqual(parseMomentumPolicy('adaptive:0.25@f32'), { kind: 'adaptive', threshold: 0.25, payload: 'f32' });
});

test('bad policies are typed errors naming the flag', () => {
  for (const bad of ['', 'every', 'every:0', 'every:1.5', 'schedule:-1', 'layers:', 'adaptive:x', 'sometimes', 'every:5@f16', 'none:3']) {
    assert.throws(() => parseMomentumPolicy(bad), (e: unknown) => e instanceof InvalidArgumentError && e.field === '--momentum-sync', bad);
  }
});

test('dense-then-sparse steps follow t(j+1) = t(j) + floor(2^(j/k))', () => {
  // k = 1: increments 1, 2, 4, 8, 16 → 0, 1, 3, 7, 15, 31
  assert.deepEqual(scheduleSyncSteps(1, 40), [0, 1, 3, 7, 15, 31]);
  // k = 2: increments floor(2^(j/2)) = 1, 1, 2, 2, 4, 5, 8 → 0, 1, 2, 4, 6, 10, 15, 23
  assert.deepEqual(scheduleSyncSteps(2, 24), [0, 1, 2, 4, 6, 10, 15, 23]);
});

test('MomentumSchedule fires exactly at the scheduled steps over the whole run', () => {
  const sched = new MomentumSchedule(parseMomentumPolicy('schedule:2'));
  const fired: number[] = [];
  for (let step = 0; step < 24; step++) if (sched.syncAt(step)) fired.push(step);
  assert.deepEqual(fired, scheduleSyncSteps(2, 24));
  const every = new MomentumSchedule(parseMomentumPolicy('every:3'));
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((s) => every.syncAt(s)), [false, false, true, false, false, true]);
});
