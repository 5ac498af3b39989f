// The transposed-matmul override gives the same products (and gradients) as tfjs's own kernels and frees its temporaries.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.js';
import { initBackend } from './backend.js';
import {
  swappedIsCheaper,
  installTransposedMatMulOverride,
  transposedMatMulOverrideInstalled,
  uninstallTransposedMatMulOverride,
} from './matmul-override.js';
import { seededRandom } from '../random.js';
import { kernelMemory } from '../kernels/load.js';
import { gemmVariant } from '../kernels/gemm.js';
import { gemmNtReference } from '../kernels/gemm-reference.js';

before(async () => {
  const info = await initBackend({ backend: 'wasm', fallbackToCpu: false, fastTransposedMatMul: false });
  assert.equal(info.name, 'wasm');
});
after(() => uninstallTransposedMatMulOverride('wasm'));

function randomArray(length: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length }, () => r() * 2 - 1);
}

/** float64 reference of op(a)·op(b) for batched [batch, rows, cols] row-major data (b's batch may be 1: shared). */
function referenceMatMul(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], ta: boolean, tb: boolean): Float64Array {
  const batch = aShape.length === 3 ? aShape[0] : 1;
  const bBatch = bShape.length === 3 ? bShape[0] : 1;
  const [ar, ac] = aShape.slice(-2);
  const [br, bc] = bShape.slice(-2);
  const m = ta ? ac : ar;
  const k = ta ? ar : ac;
  const n = tb ? br : bc;
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) {
          const av = ta ? a[p * ar * ac + q * ac + i] : a[p * ar * ac + i * ac + q];
          const pb = bBatch === 1 ? 0 : p;
          const bv = tb ? b[pb * br * bc + j * bc + q] : b[pb * br * bc + q * bc + j];
          s += av * bv;
        }
        out[p * m * n + i * n + j] = s;
      }
    }
  }
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (d > tol * (1 + Math.abs(expected[i]))) assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

// (batch, m, k, n) with edge sizes: 1 (dims the wasm Transpose kernel drops), odd, and k beyond the
// 48-wide blocks of the shipped scalar loop.
const SHAPES: Array<[number, number, number, number]> = [
  [1, 1, 1, 1], [1, 12, 10, 10], [1, 7, 1, 5], [1, 1, 9, 3], [1, 33, 17, 65], [3, 5, 7, 2], [2, 64, 48, 40], [2, 9, 100, 6],
];
const LAYOUTS: Array<[boolean, boolean]> = [[false, false], [true, false], [false, true], [true, true]];

test('the override is installed, reported and removed', () => {
  assert.equal(installTransposedMatMulOverride('wasm'), true);
  assert.equal(transposedMatMulOverrideInstalled('wasm'), true);
  assert.equal(installTransposedMatMulOverride('wasm'), true, 'installing twice is harmless');
  uninstallTransposedMatMulOverride('wasm');
  assert.equal(transposedMatMulOverrideInstalled('wasm'), false);
  assert.equal(installTransposedMatMulOverride('no-such-backend'), false);
});

test('every transpose layout matches the float64 reference with and without the override', () => {
  for (const overridden of [false, true]) {
    if (overridden) installTransposedMatMulOverride('wasm');
    else uninstallTransposedMatMulOverride('wasm');
    for (const [batch, m, k, n] of SHAPES) {
      for (const [ta, tb] of LAYOUTS) {
        const aShape = ta ? [batch, k, m] : [batch, m, k];
        for (const bBatch of new Set([batch, 1])) {
          const bShape = tb ? [bBatch, n, k] : [bBatch, k, n];
          const a = randomArray(batch * m * k, m * 100 + k);
          const b = randomArray(bBatch * k * n, n * 100 + k + 1);
          const c = tf.tidy(() => tf.matMul(tf.tensor3d(a, aShape as [number, number, number]), tf.tensor3d(b, bShape as [number, number, number]), ta, tb));
          assert.deepEqual(c.shape, [batch, m, n]);
          assertClose(c.dataSync(), referenceMatMul(a, aShape, b, bShape, ta, tb), 1e-5 * k, `override=${overridden} ${batch}×${m}×${k}×${n} (b batch ${bBatch}) ta=${ta} tb=${tb}`);
          c.dispose();
        }
      }
    }
  }
});

test('rank-4 batched products (attention shapes) match the reference in every layout', () => {
  installTransposedMatMulOverride('wasm');
  const [b0, b1, m, k, n] = [2, 3, 5, 70, 4];
  for (const [ta, tb] of LAYOUTS) {
    const aShape = ta ? [b0, b1, k, m] : [b0, b1, m, k];
    const bShape = tb ? [b0, b1, n, k] : [b0, b1, k, n];
    const a = randomArray(b0 * b1 * m * k, 21);
    const b = randomArray(b0 * b1 * k * n, 22);
    const c = tf.tidy(() => tf.matMul(tf.tensor4d(a, aShape as [number, number, number, number]), tf.tensor4d(b, bShape as [number, number, number, number]), ta, tb));
    assert.deepEqual(c.shape, [b0, b1, m, n]);
    const expected = referenceMatMul(a, [b0 * b1, ...aShape.slice(2)], b, [b0 * b1, ...bShape.slice(2)], ta, tb);
    assertClose(c.dataSync(), expected, 1e-5 * k, `rank 4 ta=${ta} tb=${tb}`);
    c.dispose();
  }
});

test('with the override each layout is bit-identical to its kernel\'s order of summation', () => {
  installTransposedMatMulOverride('wasm');
  const [m, k, n] = [37, 50, 29];
  const a = tf.tensor2d(randomArray(m * k, 1), [m, k]);
  const b = tf.tensor2d(randomArray(k * n, 2), [k, n]);
  const aT = tf.tensor2d(tf.transpose(a).dataSync() as Float32Array, [k, m]);
  const bT = tf.tensor2d(tf.transpose(b).dataSync() as Float32Array, [n, k]);
  const plain = tf.matMul(a, b).dataSync();
  // X·W and Xᵀ·dY both sum over k in ascending order, one multiply-add per term.
  assert.deepEqual(tf.matMul(aT, b, true, false).dataSync(), plain);
  // dY·Wᵀ sums in four lanes (gemm-reference.ts).
  const nt = new Float32Array(m * n);
  gemmNtReference(a.dataSync() as Float32Array, bT.dataSync() as Float32Array, nt, m, k, n, gemmVariant() === 'relaxed');
  if (gemmVariant() === 'simd') assert.deepEqual(tf.matMul(a, bT, false, true).dataSync(), nt);
  else assertClose(tf.matMul(a, bT, false, true).dataSync(), nt, 1e-6 * k, 'a·bTᵀ');
  // Both transposed: transposed copies on XNNPACK, another order of summation.
  assertClose(tf.matMul(aT, bT, true, true).dataSync(), plain, 1e-6 * k, 'aTᵀ·bTᵀ');
  tf.disposeVariables();
  tf.dispose([a, b, aT, bT]);
});

test('fused matmul with bias and every activation matches the float64 reference, batched or not, in every layout', () => {
  // The shipped wasm _FusedMatMul is wrong off its XNNPACK path (any transpose or batch > 1):
  // bias at a flat index, added once per 48-wide k-block, ReLU clamping partial sums.
  installTransposedMatMulOverride('wasm');
  const [m, k, n] = [7, 100, 5];
  const biasValues = randomArray(n, 5);
  const alphaValues = randomArray(n, 6).map(Math.abs);
  const activations: Record<string, (v: number, col: number) => number> = {
    linear: (v) => v,
    relu: (v) => Math.max(0, v),
    relu6: (v) => Math.min(6, Math.max(0, v)),
    sigmoid: (v) => 1 / (1 + Math.exp(-v)),
    elu: (v) => (v >= 0 ? v : Math.exp(v) - 1),
    leakyrelu: (v) => (v >= 0 ? v : 0.3 * v),
    prelu: (v, col) => (v >= 0 ? v : alphaValues[col] * v),
  };
  for (const [batch, bBatch] of [[1, 1], [3, 1], [3, 3]]) {
    for (const [ta, tb] of LAYOUTS) {
      const aShape = ta ? [batch, k, m] : [batch, m, k];
      const bShape = tb ? [bBatch, n, k] : [bBatch, k, n];
      const aValues = randomArray(batch * m * k, 3);
      const bValues = randomArray(bBatch * k * n, 4);
      const product = referenceMatMul(aValues, aShape, bValues, bShape, ta, tb);
      for (const [activation, f] of Object.entries(activations)) {
        const expected = product.map((v, i) => f(v + biasValues[i % n], i % n));
        const got = tf.tidy(() => tf.fused.matMul({
          a: tf.tensor3d(aValues, aShape as [number, number, number]),
          b: tf.tensor3d(bValues, bShape as [number, number, number]),
          transposeA: ta, transposeB: tb, bias: tf.tensor1d(biasValues),
          activation: activation as 'relu', leakyreluAlpha: 0.3,
          preluActivationWeights: activation === 'prelu' ? tf.tensor1d(alphaValues) : undefined,
        }).dataSync());
        assertClose(got, expected, 1e-5 * k, `fused ${activation} batch ${batch}/${bBatch} ta=${ta} tb=${tb}`);
      }
    }
  }
});

test('the override leaves no tensors or backend buffers behind, and gradients agree', () => {
  installTransposedMatMulOverride('wasm');
  const a = tf.variable(tf.tensor2d(randomArray(12 * 8, 6), [12, 8]));
  const b = tf.variable(tf.tensor2d(randomArray(8 * 5, 7), [8, 5]));
  const backend = tf.engine().backend as unknown as { numDataIds(): number };
  const gradsOf = () => {
    const { grads, value } = tf.variableGrads(() => tf.tidy(() => {
      const batched = tf.fused.matMul({ a: tf.stack([a, a]) as tf.Tensor3D, b: tf.stack([b, b]) as tf.Tensor3D, bias: tf.ones([5]), activation: 'relu' });
      return tf.add(tf.sum(tf.square(tf.matMul(a, b))), tf.sum(batched)) as tf.Scalar;
    }), [a, b]);
    const out = [grads[a.name].dataSync().slice(), grads[b.name].dataSync().slice()];
    tf.dispose([value, grads[a.name], grads[b.name]]);
    return out;
  };
  gradsOf();
  const tensorsBefore = tf.memory().numTensors;
  const dataBefore = backend.numDataIds();
  const withOverride = gradsOf();
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(backend.numDataIds(), dataBefore);
  uninstallTransposedMatMulOverride('wasm');
  const without = gradsOf();
  assertClose(withOverride[0], without[0], 1e-5, 'dA');
  assertClose(withOverride[1], without[1], 1e-5, 'dB');
  tf.dispose([a, b]);
});

test('a small operand times a large transposed one is exact and leaves nothing behind', () => {
  // dX = dY·Wᵀ of a dense layer's backward pass: dY [batch, out], W [in, out].
  assert.equal(swappedIsCheaper([4, 60], [90, 60], false, true), true, 'dY·Wᵀ');
  assert.equal(swappedIsCheaper([60, 4], [60, 90], true, false), false, 'Xᵀ·dY keeps the direct form');
  assert.equal(swappedIsCheaper([4, 60], [60, 90], false, false), false, 'no transpose: direct');
  installTransposedMatMulOverride('wasm');
  const [m, k, n] = [4, 60, 90];
  const aValues = randomArray(m * k, 31);
  const wValues = randomArray(n * k, 32);
  const biasValues = randomArray(n, 33);
  const backend = tf.engine().backend as unknown as { numDataIds(): number };
  const run = () => tf.tidy(() => {
    const a = tf.tensor2d(aValues, [m, k]);
    const w = tf.tensor2d(wValues, [n, k]);
    const plain = tf.matMul(a, w, false, true).dataSync().slice();
    const fused = tf.fused.matMul({ a, b: w, transposeB: true, bias: tf.tensor1d(biasValues), activation: 'relu' }).dataSync().slice();
    return { plain, fused };
  });
  run();
  const tensorsBefore = tf.memory().numTensors;
  const dataBefore = backend.numDataIds();
  const { plain, fused } = run();
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(backend.numDataIds(), dataBefore);
  const expected = referenceMatMul(aValues, [m, k], wValues, [n, k], false, true);
  assertClose(plain, expected, 1e-5 * k, 'dY·Wᵀ');
  assertClose(fused, expected.map((v, i) => Math.max(0, v + biasValues[i % n])), 1e-5 * k, 'fused dY·Wᵀ + bias, relu');
  // dY·Wᵀ runs on the dense kernel, which reads W row by row: the same sums in the same order as its reference.
  const reference = new Float32Array(m * n);
  gemmNtReference(Float32Array.from(aValues), Float32Array.from(wValues), reference, m, k, n, gemmVariant() === 'relaxed');
  if (gemmVariant() === 'simd') assert.deepEqual(plain, reference);
  else assertClose(plain, Array.from(reference), 1e-6 * k, 'dY·Wᵀ against the fused reference');
});

test('a dense-kernel product leaves views of the shared kernel memory attached', () => {
  installTransposedMatMulOverride('wasm');
  // A view taken before the product, as the trainer holds its gradient buffer through a forward pass.
  const region = kernelMemory.allocF32(16);
  try {
    const view = region.f32();
    const [m, k, n] = [8, 512, 1024];
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(randomArray(m * k, 41), [m, k]), tf.tensor2d(randomArray(k * n, 42), [k, n])).dataSync());
    assert.equal(product.length, m * n);
    assert.equal(view.byteLength, 64, 'the view survived the product');
    view.fill(1);
  } finally {
    kernelMemory.release(region);
  }
});
