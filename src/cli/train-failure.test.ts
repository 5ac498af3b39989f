// The failure message of `lion-cub train`: the originating error once, with type, code and rank; a bug's stack once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkerErrorReport } from '../train/train-wire.js';
import { describeTrainFailure } from './train-failure.js';

const failed = { kind: 'worker-failed', rank: 1, exitCode: 1, signal: null } as const;

test('the cause is the lowest rank whose error is not the consequence of a lost peer, printed once', () => {
  const errors = new Map<number, WorkerErrorReport>([
    [0, { rank: 0, name: 'PeerClosedError', code: 'peer_closed', message: 'rank 2 closed its connection' }],
    [2, { rank: 2, name: 'CheckpointError', code: 'checkpoint_corrupt', message: 'x.ckpt: sha256 mismatch' }],
    [3, { rank: 3, name: 'CheckpointError', code: 'checkpoint_corrupt', message: 'y.ckpt: sha256 mismatch' }],
  ]);
  const { lines, cause } = describeTrainFailure(failed, errors);
  assert.deepEqual(lines, ['lion-cub: training failed on rank 2: CheckpointError: x.ckpt: sha256 mismatch [checkpoint_corrupt]; '
    + 'rank 1 exited with status 1 (a runtime failure: a peer or the network, a timeout, I/O, or an unexpected error); the other workers were stopped']);
  assert.equal(cause?.code, 'checkpoint_corrupt');
});

test('an unexpected error (a bug) keeps its stack frames, and only them', () => {
  const stack = 'TypeError: x is not a function\n    at step (/a/trainer.js:10:5)\n    at run (/a/job.js:3:1)';
  const { lines } = describeTrainFailure(failed, new Map([[1, { rank: 1, name: 'TypeError', code: 'internal', message: 'x is not a function', stack }]]));
  assert.match(lines[0], /^lion-cub: training failed on rank 1: TypeError: x is not a function \[internal\]; rank 1 exited with status 1/);
  assert.deepEqual(lines.slice(1), ['    at step (/a/trainer.js:10:5)', '    at run (/a/job.js:3:1)']);
});

test('without a report, the exit status is the explanation', () => {
  const { lines, cause } = describeTrainFailure({ kind: 'worker-failed', rank: 0, exitCode: null, signal: 'SIGKILL' }, new Map());
  assert.deepEqual(lines, ['lion-cub: training failed: rank 0 was killed by SIGKILL: killed outright: out of memory (the kernel\'s OOM killer) or kill -9; the other workers were stopped']);
  assert.equal(cause, undefined);
});

test('control characters in a worker\'s report never reach the terminal', () => {
  const { lines } = describeTrainFailure(failed, new Map([[1, { rank: 1, name: 'Error\u001b[2J', code: 'x\u0007', message: 'bad\u001b]0;title\u0007 input' }]]));
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0], /[\u0000-\u001f\u007f-\u009f]/);
  assert.match(lines[0], /bad\ufffd\]0;title\ufffd input \[x\ufffd\]/);
});
