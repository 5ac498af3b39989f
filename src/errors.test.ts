// Time limits from users: bad values are typed errors naming the field; values a Node timer cannot hold are cut to one it can.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTimeoutMs, InvalidArgumentError, MAX_TIMER_MS } from './errors.js';

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
