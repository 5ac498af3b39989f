// The SIMD product equals the reference bit for bit on every block shape and remainder, and checks its sizes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmul, matmulReference } from './matmul.js';
import { kernelMemory } from './load.js';
import { InvalidArgumentError } from '../errors.js';
import { seededRandom } from '../test-support/random.js';

test('wasm and JS products are bit-identical for block-aligned and ragged shapes, and equal a float64 sum closely', () => {
  const shapes: Array<[number, number, number]> = [[0, 3, 4], [1, 1, 1], [3, 5, 7], [4, 9, 8], [5, 17, 19], [8, 64, 40], [13, 33, 70], [4, 0, 9]];
  const random = seededRandom(7);
  for (const [m, k, n] of shapes) {
    const xr = kernelMemory.allocF32(m * k);
    const wr = kernelMemory.allocF32(k * n);
    const yr = kernelMemory.allocF32(m * n);
    try {
      const x = xr.f32();
      const w = wr.f32();
      for (let i = 0; i < x.length; i++) x[i] = random() * 2 - 1;
      for (let i = 0; i < w.length; i++) w[i] = random() * 2 - 1;
      yr.f32().fill(Number.NaN);
      matmul(xr.f32(), wr.f32(), yr.f32(), m, k, n);
      const reference = new Float32Array(m * n);
      matmulReference(Float32Array.from(xr.f32()), Float32Array.from(wr.f32()), reference, m, k, n);
      assert.deepEqual(Array.from(yr.f32()), Array.from(reference), `${m}×${k}×${n}`);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let exact = 0;
          for (let p = 0; p < k; p++) exact += x[i * k + p] * w[p * n + j];
          assert.ok(Math.abs(reference[i * n + j] - exact) <= 1e-5 * k, `${m}×${k}×${n} [${i},${j}]`);
        }
      }
    } finally {
      kernelMemory.release(xr);
      kernelMemory.release(wr);
      kernelMemory.release(yr);
    }
  }
});

test('arrays outside kernel memory take the JS path with the same result, and bad sizes are refused', () => {
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const w = Float32Array.from([1, 0, -1, 2, 0.5, 3]);
  const y = new Float32Array(4);
  matmul(x, w, y, 2, 3, 2);
  assert.deepEqual(Array.from(y), [1 * 1 + 2 * -1 + 3 * 0.5, 1 * 0 + 2 * 2 + 3 * 3, 4 * 1 + 5 * -1 + 6 * 0.5, 4 * 0 + 5 * 2 + 6 * 3]);
  assert.throws(() => matmul(x, w, new Float32Array(3), 2, 3, 2), InvalidArgumentError);
  assert.throws(() => matmul(x, w, y, 2, 4, 2), InvalidArgumentError);
  assert.throws(() => matmul(x, w, y, -1, 3, 2), InvalidArgumentError);
});
