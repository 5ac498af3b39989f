// Parsing of --heartbeat-timeout, --stall-warning and --max-restarts, and the stall line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { describeStall } from '../comm/activity.js';
import { parseResilienceFlags } from './resilience-flags.js';

test('defaults: 15 s heartbeat timeout, 30 s stall warning, no restarts; values are read in seconds', () => {
  assert.deepEqual(parseResilienceFlags({}), { heartbeatTimeoutMs: 15_000, stallWarningMs: 30_000, maxRestarts: 0 });
  assert.deepEqual(parseResilienceFlags({ heartbeatTimeout: '0', stallWarning: '2.5', maxRestarts: '3' }), { heartbeatTimeoutMs: 0, stallWarningMs: 2500, maxRestarts: 3 });
});

test('bad values name the flag', () => {
  for (const [flags, field] of [
    [{ heartbeatTimeout: '0.5' }, '--heartbeat-timeout'], [{ heartbeatTimeout: 'soon' }, '--heartbeat-timeout'],
    [{ heartbeatTimeout: String(2 ** 31 / 1000) }, '--heartbeat-timeout'],
    [{ stallWarning: '0' }, '--stall-warning'], [{ stallWarning: '-1' }, '--stall-warning'],
    [{ maxRestarts: '1.5' }, '--max-restarts'], [{ maxRestarts: '-1' }, '--max-restarts'],
  ] as const) {
    assert.throws(() => parseResilienceFlags(flags), (e: unknown) => e instanceof InvalidArgumentError && e.field === field, JSON.stringify(flags));
  }
  assert.throws(() => parseResilienceFlags({ heartbeatTimeout: '3000000' }), /1 to 2147483 seconds/);
});

test('a stall line names the call, the wait, the peers and the time limit', () => {
  assert.equal(describeStall({ rank: 1, op: 'allreduce', seq: 57, elapsedMs: 30_004, waitingFor: [2, 3], timeoutMs: 120_000 }),
    'rank 1: allreduce #57 has waited 30.0 s for ranks 2, 3 (it fails at its 120 s time limit)');
});
