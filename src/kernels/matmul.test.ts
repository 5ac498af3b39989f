// The SIMD product equals the reference bit for bit on every block shape and remainder, checks its sizes, and
// never touches the shared kernel memory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MatmulWorkspace, matmulReference } from './matmul.js';
import { kernelMemory, setWasmKernelsEnabled } from './load.js';
import { InvalidArgumentError } from '../errors.js';

test('wasm and JS products are bit-identical for block-aligned and ragged shapes, and equal a float64 sum closely', () => {
  const shapes: Array<[number, number, number]> = [[0, 3, 4], [1, 1, 1], [3, 5, 7], [4, 9, 8], [5, 17, 19], [8, 64, 40], [13, 33, 70], [4, 0, 9], [6, 130, 17]];
  // A small LCG: kernels/ depends on nothing above it, test helpers included.
  let state = 7;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const workspace = new MatmulWorkspace();
  const sharedBuffer = kernelMemory.memory.buffer;
  for (const [m, k, n] of shapes) {
    const x = Float32Array.from({ length: m * k }, () => random() * 2 - 1);
    const w = Float32Array.from({ length: k * n }, () => random() * 2 - 1);
    const y = new Float32Array(m * n).fill(Number.NaN);
    workspace.multiply(x, w, y, m, k, n);
    const reference = new Float32Array(m * n);
    matmulReference(x, w, reference, m, k, n);
    assert.deepEqual(Array.from(y), Array.from(reference), `${m}×${k}×${n}`);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let exact = 0;
        for (let p = 0; p < k; p++) exact += x[i * k + p] * w[p * n + j];
        assert.ok(Math.abs(reference[i * n + j] - exact) <= 1e-5 * k, `${m}×${k}×${n} [${i},${j}]`);
      }
    }
  }
  assert.equal(kernelMemory.memory.buffer, sharedBuffer, 'the shared kernel memory did not grow (its views stay attached)');
});

test('with wasm kernels off the reference runs, and bad sizes are refused', () => {
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const w = Float32Array.from([1, 0, -1, 2, 0.5, 3]);
  const y = new Float32Array(4);
  const workspace = new MatmulWorkspace();
  setWasmKernelsEnabled(false);
  try {
    workspace.multiply(x, w, y, 2, 3, 2);
  } finally {
    setWasmKernelsEnabled(true);
  }
  assert.deepEqual(Array.from(y), [1 * 1 + 2 * -1 + 3 * 0.5, 1 * 0 + 2 * 2 + 3 * 3, 4 * 1 + 5 * -1 + 6 * 0.5, 4 * 0 + 5 * 2 + 6 * 3]);
  assert.throws(() => workspace.multiply(x, w, new Float32Array(3), 2, 3, 2), InvalidArgumentError);
  assert.throws(() => workspace.multiply(x, w, y, 2, 4, 2), InvalidArgumentError);
  assert.throws(() => workspace.multiply(x, w, y, -1, 3, 2), InvalidArgumentError);
});
