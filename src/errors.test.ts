// The error-code catalogue (docs/errors.md equals LION_CUB_ERROR_CODES), user-input errors naming their field, and time
// limits: bad values are typed errors naming the field; values a Node timer cannot hold are cut to one it can.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkTimeoutMs, InvalidArgumentError, LION_CUB_ERROR_CODES, LionCubError, MAX_TIMER_MS } from './errors.js';

test('a time limit beyond what a timer can hold is cut to MAX_TIMER_MS, others pass unchanged', () => {
  assert.equal(MAX_TIMER_MS, 2 ** 31 - 1);
  assert.equal(checkTimeoutMs('t', 2 ** 40), MAX_TIMER_MS);
  assert.equal(checkTimeoutMs('t', Infinity), MAX_TIMER_MS);
  assert.equal(checkTimeoutMs('t', MAX_TIMER_MS), MAX_TIMER_MS);
  assert.equal(checkTimeoutMs('t', 1500), 1500);
  assert.equal(checkTimeoutMs('t', 0, { allowZero: true }), 0);
});

test('a time limit that is not a number > 0 (>= 0 where zero is allowed) is an InvalidArgumentError naming the field', () => {
  for (const bad of [0, -1, Number.NaN, -Infinity, '100', null, undefined]) {
    assert.throws(() => checkTimeoutMs('rendezvousTimeoutMs', bad), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'rendezvousTimeoutMs', String(bad));
  }
  assert.throws(() => checkTimeoutMs('--grace-ms', -1, { allowZero: true }), { field: '--grace-ms', message: /--grace-ms: got -1, expected a number of milliseconds >= 0/ });
});

test('docs/errors.md has one row per code, no more, no less', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| `([a-z_0-9]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual([...documented].sort(), [...LION_CUB_ERROR_CODES].sort());
  assert.equal(new Set(LION_CUB_ERROR_CODES).size, LION_CUB_ERROR_CODES.length, 'no code listed twice');
});

test('InvalidArgumentError names the field, the value and the expectation', () => {
  const e = new InvalidArgumentError('--steps', 'ten', 'a positive integer');
  assert.ok(e instanceof LionCubError);
  assert.equal(e.code, 'invalid_argument');
  assert.equal(e.field, '--steps');
  assert.equal(e.value, 'ten');
  assert.equal(e.message, '--steps: got "ten", expected a positive integer');
  assert.equal(e.name, 'InvalidArgumentError');
});
