// A worker's exit status and signal are explained in words: the script's own meanings first, then Node's, then 128 + n.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeFailure } from './events.js';
import { describeExitStatus, describeSignal } from './exit-status.js';

test('Node\'s statuses, 128 + n and signals are named; a status nobody defined stays bare', () => {
  assert.match(describeExitStatus(7)!, /uncaught error whose handler threw it again/);
  assert.match(describeExitStatus(1)!, /uncaught error/);
  assert.match(describeExitStatus(137)!, /^128 \+ 9, as a shell reports a process ended by SIGKILL: killed outright: out of memory/);
  assert.equal(describeExitStatus(3), undefined);
  assert.equal(describeExitStatus(200), undefined);
  assert.equal(describeSignal('SIGSEGV'), 'SIGSEGV: a crash in native code (invalid memory access)');
  assert.equal(describeSignal('SIGUSR2'), 'SIGUSR2');
});

test('a script\'s own meaning of a status wins over Node\'s', () => {
  const meanings = { 1: 'a runtime failure', 2: 'a configuration error' };
  assert.equal(describeExitStatus(2, meanings), 'a configuration error');
  assert.equal(describeExitStatus(1, meanings), 'a runtime failure');
  assert.match(describeExitStatus(7, meanings)!, /handler threw it again/);
});

test('describeFailure says what a worker\'s status or signal means', () => {
  assert.match(describeFailure({ kind: 'worker-failed', rank: 3, exitCode: 7, signal: null }), /^rank 3 exited with status 7 \(Node's status for an uncaught error whose handler threw it again/);
  assert.equal(describeFailure({ kind: 'worker-failed', rank: 1, exitCode: 2, signal: null }, { 2: 'a configuration error' }), 'rank 1 exited with status 2 (a configuration error)');
  assert.equal(describeFailure({ kind: 'worker-failed', rank: 0, exitCode: null, signal: 'SIGKILL' }), 'rank 0 was killed by SIGKILL: killed outright: out of memory (the kernel\'s OOM killer) or kill -9');
});
