// The transposed-matmul override gives the same products (and gradients) as tfjs's own kernels and frees its temporaries.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.js';
import { initBackend } from './backend.js';
import {
  installTransposedMatMulOverride,
  transposedMatMulOverrideInstalled,
  uninstallTransposedMatMulOverride,
} from './matmul-override.js';
import { seededRandom } from '../test-support/random.js';

before(async () => {
  const info = await initBackend({ backend: 'wasm', fallbackToCpu: false, fastTransposedMatMul: false });
  assert.equal(info.name, 'wasm');
});
after(() => uninstallTransposedMatMulOverride('wasm'));

function randomArray(length: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length }, () => r() * 2 - 1);
}

/** float64 reference of op(a)·op(b) for batched [batch, rows, cols] row-major data. */
function referenceMatMul(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], ta: boolean, tb: boolean): Float64Array {
  const batch = aShape.length === 3 ? aShape[0] : 1;
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
          const bv = tb ? b[p * br * bc + j * bc + q] : b[p * br * bc + q * bc + j];
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

// (m, k, n) with edge sizes: 1 (dims the wasm Transpose kernel drops), odd, and larger than a SIMD block.
const SHAPES: Array<[number, number, number, number]> = [
  [1, 1, 1, 1], [1, 7, 1, 5], [1, 1, 9, 3], [1, 33, 17, 65], [3, 5, 7, 2], [2, 64, 48, 40],
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
        const bShape = tb ? [batch, n, k] : [batch, k, n];
        const a = randomArray(batch * m * k, m * 100 + k);
        const b = randomArray(batch * k * n, n * 100 + k + 1);
        const c = tf.tidy(() => tf.matMul(tf.tensor3d(a, aShape as [number, number, number]), tf.tensor3d(b, bShape as [number, number, number]), ta, tb));
        assert.deepEqual(c.shape, [batch, m, n]);
        assertClose(c.dataSync(), referenceMatMul(a, aShape, b, bShape, ta, tb), 1e-5 * k, `override=${overridden} ${batch}×${m}×${k}×${n} ta=${ta} tb=${tb}`);
        c.dispose();
      }
    }
  }
});

test('with the override a transposed product is bit-identical to the plain kernel on pre-transposed data', () => {
  installTransposedMatMulOverride('wasm');
  const [m, k, n] = [37, 50, 29];
  const a = tf.tensor2d(randomArray(m * k, 1), [m, k]);
  const b = tf.tensor2d(randomArray(k * n, 2), [k, n]);
  const aT = tf.tensor2d(tf.transpose(a).dataSync() as Float32Array, [k, m]);
  const bT = tf.tensor2d(tf.transpose(b).dataSync() as Float32Array, [n, k]);
  const plain = tf.matMul(a, b).dataSync();
  assert.deepEqual(tf.matMul(aT, b, true, false).dataSync(), plain);
  assert.deepEqual(tf.matMul(a, bT, false, true).dataSync(), plain);
  assert.deepEqual(tf.matMul(aT, bT, true, true).dataSync(), plain);
  tf.disposeVariables();
  tf.dispose([a, b, aT, bT]);
});

test('fused matmul (bias + relu) matches the float64 reference in every layout with the override', () => {
  // tfjs-backend-wasm 4.22's own _FusedMatMul adds the bias along the wrong axis when
  // transposeB is set; transposing first sidesteps that, so this holds only with the override.
  installTransposedMatMulOverride('wasm');
  const [m, k, n] = [19, 24, 13];
  const biasValues = randomArray(n, 5);
  for (const [ta, tb] of LAYOUTS) {
    const aShape = ta ? [1, k, m] : [1, m, k];
    const bShape = tb ? [1, n, k] : [1, k, n];
    const aValues = randomArray(m * k, 3);
    const bValues = randomArray(k * n, 4);
    const expected = referenceMatMul(aValues, aShape, bValues, bShape, ta, tb)
      .map((v, i) => Math.max(0, v + biasValues[i % n]));
    const got = tf.tidy(() => tf.fused.matMul({
      a: tf.tensor2d(aValues, aShape.slice(1) as [number, number]),
      b: tf.tensor2d(bValues, bShape.slice(1) as [number, number]),
      transposeA: ta, transposeB: tb, bias: tf.tensor1d(biasValues), activation: 'relu',
    }).dataSync());
    assertClose(got, expected, 1e-5 * k, `fused ta=${ta} tb=${tb}`);
  }
});

test('the override leaves no tensors or backend buffers behind, and gradients agree', () => {
  installTransposedMatMulOverride('wasm');
  const a = tf.variable(tf.tensor2d(randomArray(12 * 8, 6), [12, 8]));
  const b = tf.variable(tf.tensor2d(randomArray(8 * 5, 7), [8, 5]));
  const backend = tf.engine().backend as unknown as { numDataIds(): number };
  const gradsOf = () => {
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(a, b))) as tf.Scalar, [a, b]);
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
