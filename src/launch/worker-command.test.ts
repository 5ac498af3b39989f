import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PARENT_WATCHDOG_IMPORT, RELAXED_SIMD_FLAG, isTypeScriptScript, nodeNeedsRelaxedSimdFlag, workerCommand } from './worker-command.js';
import { HEARTBEAT_PRELOAD_IMPORT } from './heartbeat.js';
import { describeFailure } from './events.js';

/** Node options every worker gets before its loaders: relaxed SIMD on Node versions that ship it off. */
const V8_OPTIONS = nodeNeedsRelaxedSimdFlag() ? [RELAXED_SIMD_FLAG] : [];

test('a .js worker runs under this node with the parent watchdog and the heartbeat preloaded', () => {
  assert.deepEqual(workerCommand('/w/train.mjs', ['--lr', '0.1']), {
    command: process.execPath,
    args: [...V8_OPTIONS, '--import', PARENT_WATCHDOG_IMPORT, '--import', HEARTBEAT_PRELOAD_IMPORT, '/w/train.mjs', '--lr', '0.1'],
  });
});

test('a .ts worker gets the tsx loader resolved from this package; a namespace puts ip netns exec in front', () => {
  const { command, args } = workerCommand('/w/train.ts', [], 'lc1x0-r3');
  assert.equal(command, 'ip');
  const o = V8_OPTIONS.length;
  assert.deepEqual(args.slice(0, 5 + o), ['netns', 'exec', 'lc1x0-r3', process.execPath, ...V8_OPTIONS, '--import']);
  assert.match(args[5 + o], /^file:\/\/.*\/tsx\//);
  assert.deepEqual(args.slice(6 + o), ['--import', PARENT_WATCHDOG_IMPORT, '--import', HEARTBEAT_PRELOAD_IMPORT, '/w/train.ts']);
  assert.deepEqual(['a.ts', 'a.mts', 'a.cts', 'a.js', 'a.tsx.js'].map(isTypeScriptScript), [true, true, true, false, false]);
});

test('relaxed SIMD needs its option before Node 22 only', () => {
  assert.deepEqual(['20.20.2', '21.7.0', '22.0.0', '24.1.0'].map((v) => nodeNeedsRelaxedSimdFlag(v)), [true, true, false, false]);
});

test('failures read as what happened to which rank', () => {
  assert.equal(describeFailure({ kind: 'worker-failed', rank: 2, exitCode: 3, signal: null }), 'rank 2 exited with status 3');
  assert.equal(describeFailure({ kind: 'worker-failed', rank: 0, exitCode: null, signal: 'SIGSEGV' }), 'rank 0 was killed by SIGSEGV: a crash in native code (invalid memory access)');
  assert.equal(describeFailure({ kind: 'worker-failed', rank: 1, exitCode: null, signal: null, spawnError: 'spawn ip ENOENT' }), 'rank 1 could not start: spawn ip ENOENT');
  assert.equal(describeFailure({ kind: 'interrupted', reason: 'SIGINT' }), 'interrupted (SIGINT)');
});
