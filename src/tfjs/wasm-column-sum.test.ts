// tf.sum(x, 0) of a float32 matrix on wasm: the in-place column sum gives the backend's own Sum bit for bit; other sums are untouched.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.js';
import { initBackend } from './backend.js';
import { randomFloat32 } from '../random.js';
import { installColumnSum, uninstallColumnSum } from './wasm-column-sum.js';

/** Values with exact zeros of both signs and a wide range of magnitudes, so the order of the adds shows. */
function matrixValues(rows: number, cols: number, seed: number): Float32Array {
  const values = randomFloat32(rows * cols, seed, { zeroFraction: 0.1, scale: 3 });
  for (let i = 0; i < values.length; i += 7) values[i] *= 1e6;
  for (let i = 3; i < values.length; i += 11) values[i] = -0;
  return values;
}

function bits(t: tf.Tensor): number[] {
  const v = t.dataSync() as Float32Array;
  return Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
}

/** The result of `op` with the backend's own Sum and with the column sum, as float32 bits and shape. */
function bothWays(op: () => tf.Tensor): Array<{ bits: number[]; shape: number[] }> {
  return [false, true].map((install) => {
    if (install) installColumnSum('wasm'); else uninstallColumnSum('wasm');
    const y = op();
    const result = { bits: bits(y), shape: y.shape };
    y.dispose();
    return result;
  });
}

test('sums over the rows equal the backend\'s own Sum bit for bit (any width, keepDims, axis 0 / −2 / [0])', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  try {
    for (const [rows, cols] of [[32, 2048], [32, 10], [1, 5], [7, 3], [3, 1031], [64, 4]]) {
      const x = tf.tensor2d(matrixValues(rows, cols, rows * 1000 + cols), [rows, cols]);
      for (const [axis, keepDims] of [[0, false], [-2, false], [[0], true]] as const) {
        const [stock, ours] = bothWays(() => tf.sum(x, axis as number | number[], keepDims));
        assert.deepEqual(ours.shape, stock.shape, `${rows}×${cols} axis ${axis}: shape`);
        assert.deepEqual(ours.bits, stock.bits, `${rows}×${cols} axis ${axis} keepDims ${keepDims}: same bits`);
      }
      x.dispose();
    }
  } finally {
    installColumnSum('wasm');
  }
});

test('the column sum runs in place (no transposed copy) and other sums still go to the backend\'s kernel', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  installColumnSum('wasm');
  const x = tf.tensor2d(matrixValues(16, 64, 5), [16, 64]);
  const backend = tf.engine().backend as unknown as { numDataIds(): number };
  const before = backend.numDataIds();
  let peak = before;
  const makeOutput = (backend as unknown as { makeOutput: (...a: unknown[]) => unknown }).makeOutput;
  (backend as unknown as { makeOutput: unknown }).makeOutput = function (this: unknown, ...a: unknown[]) {
    const out = makeOutput.apply(this, a);
    peak = Math.max(peak, backend.numDataIds());
    return out;
  };
  try {
    const y = tf.sum(x, 0);
    assert.equal(peak, before + 1, 'one new buffer: the output, no transposed input');
    y.dispose();
  } finally {
    delete (backend as unknown as { makeOutput?: unknown }).makeOutput;
  }
  // Sums the column kernel does not take: over columns, over everything, int32, rank 3.
  const i = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
  const r3 = tf.tensor3d(matrixValues(2, 12, 9), [2, 3, 4]);
  for (const op of [() => tf.sum(x, 1), () => tf.sum(x), () => tf.sum(i, 0), () => tf.sum(r3, 0)]) {
    const [stock, ours] = bothWays(op);
    assert.deepEqual(ours, stock);
  }
  installColumnSum('wasm');
  tf.dispose([x, i, r3]);
});
