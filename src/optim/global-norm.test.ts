// Tests of the global-norm sum of squares (JS and wasm agree bit for bit) the clipping factor and the finiteness check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { kernelMemory, setWasmKernelsEnabled, wasmDispatchCount } from '../kernels/load.js';
import { randomFloat32 } from '../random.js';
import { allFinite, allFiniteJs, clipScale, globalNorm, sumOfSquares, sumOfSquaresJs, sumOfSquaresWasm } from './global-norm.js';

// These tests run the wasm path next to the JS one, whatever LION_CUB_KERNELS says.
setWasmKernelsEnabled(true);

test('sum of squares of small exact values', () => {
  assert.equal(sumOfSquaresJs(new Float32Array([1, 2, 3])), 14);
  assert.equal(sumOfSquaresJs(new Float32Array(0)), 0);
  assert.equal(globalNorm(new Float32Array([3, 4])), 5);
  assert.equal(sumOfSquaresJs(new Float32Array([-0, 0, -2])), 4);
});

test('JS and wasm return the same float64 bits at every tail length and at scale', () => {
  for (const n of [0, 1, 7, 8, 9, 15, 31, 32, 33, 1000, 2 ** 20 + 3]) {
    // A wide dynamic range makes the result depend on the summation order.
    const x = randomFloat32(n, 40 + n, { zeroFraction: 0.1 });
    for (let i = 0; i < n; i += 97) x[i] *= 1e6;
    const region = kernelMemory.allocF32(n);
    const view = region.f32();
    view.set(x);
    const js = sumOfSquaresJs(x);
    const wasm = sumOfSquaresWasm(view);
    assert.ok(Object.is(js, wasm), `n=${n}: JS ${js} vs wasm ${wasm}`);
    assert.ok(Object.is(sumOfSquares(view), js), 'dispatch picks wasm with the same result');
    let naive = 0;
    for (let i = 0; i < n; i++) naive += x[i] * x[i];
    assert.ok(Math.abs(naive - js) <= 1e-9 * naive, `n=${n}: close to the naive sum`);
    kernelMemory.release(region);
  }
});

test('the wasm entry point refuses arrays outside kernel memory', () => {
  assert.throws(() => sumOfSquaresWasm(new Float32Array(4)), InvalidArgumentError);
});

test('clip scale: 1 at or below the cap, maxNorm/norm (float32) above, 1 for a non-finite norm', () => {
  assert.equal(clipScale(0, 1), 1);
  assert.equal(clipScale(0.5, 1), 1);
  assert.equal(clipScale(1, 1), 1);
  assert.equal(clipScale(4, 1), 0.25);
  assert.equal(clipScale(3, 1), Math.fround(1 / 3));
  assert.equal(clipScale(Number.NaN, 1), 1);
  assert.equal(clipScale(Infinity, 1), 1);
});

test('allFinite: JS and wasm agree at every tail length, for NaN, ±∞ and extreme finite values at any position', () => {
  const before = wasmDispatchCount();
  for (const n of [0, 1, 15, 16, 17, 33, 1000]) {
    const region = kernelMemory.allocF32(n);
    try {
      const x = randomFloat32(n, 50 + n);
      if (n > 0) x[0] = 3.4e38; // the largest float32s and subnormals are finite
      if (n > 1) x[1] = -1e-45;
      region.f32().set(x);
      assert.equal(allFinite(region.f32()), true, `n=${n} finite (wasm)`);
      assert.equal(allFiniteJs(x), true, `n=${n} finite (JS)`);
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        for (const at of new Set([0, n >> 1, n - 1].filter((i) => i >= 0 && i < n))) {
          const view = region.f32();
          view.set(x);
          view[at] = bad;
          assert.equal(allFinite(view), false, `n=${n} ${bad} at ${at} (wasm)`);
          assert.equal(allFiniteJs(view.slice()), false, `n=${n} ${bad} at ${at} (JS)`);
        }
      }
    } finally {
      kernelMemory.release(region);
    }
  }
  assert.ok(wasmDispatchCount() > before, 'the wasm kernel ran');
});
