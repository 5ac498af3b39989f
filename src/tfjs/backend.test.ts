// initBackend: wasm from the installed package files, cpu on request, switching back and forth, bad names refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from './tf.js';
import { activeBackend, initBackend, wasmBinaryDirectory } from './backend.js';
import { transposedMatMulOverrideInstalled } from './matmul-override.js';
import { InvalidArgumentError, LionCubError } from '../errors.js';

test('the wasm binaries are found inside the installed package', () => {
  assert.ok(existsSync(`${wasmBinaryDirectory()}tfjs-backend-wasm-simd.wasm`));
});

test('without wasm binaries it falls back to cpu and says why, or fails with a typed error when told not to', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'no-wasm-'));
  try {
    const info = await initBackend({ wasmDirectory: empty });
    assert.equal(info.name, 'cpu');
    assert.match(info.fallbackReason ?? '', /no \.wasm binaries/);
    assert.equal(activeBackend(), 'cpu');
    await assert.rejects(initBackend({ wasmDirectory: empty, fallbackToCpu: false }), (e: unknown) => e instanceof LionCubError && e.code === 'backend_unavailable');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('wasm starts with SIMD and the matmul override by default; cpu on request; switching works', async () => {
  const wasm = await initBackend();
  assert.deepEqual(wasm, { name: 'wasm', fastTransposedMatMul: true, simd: true, sharedHeap: true });
  assert.equal(activeBackend(), 'wasm');
  assert.equal(transposedMatMulOverrideInstalled('wasm'), true);
  assert.deepEqual(tf.tidy(() => Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())), [2, 3]);

  const cpu = await initBackend({ backend: 'cpu' });
  assert.equal(cpu.name, 'cpu');
  assert.equal(cpu.sharedHeap, false);
  assert.equal(activeBackend(), 'cpu');

  const plain = await initBackend({ backend: 'wasm', fastTransposedMatMul: false });
  assert.equal(plain.fastTransposedMatMul, false);
  assert.equal(transposedMatMulOverrideInstalled('wasm'), false);
  assert.equal(activeBackend(), 'wasm');
});

test('an unknown backend name is a typed error', async () => {
  await assert.rejects(initBackend({ backend: 'webgl' as never }), InvalidArgumentError);
});
