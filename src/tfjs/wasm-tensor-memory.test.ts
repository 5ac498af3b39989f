// Writing a variable in place on wasm: the new values reach every kernel, including XNNPACK's packed-weight cache,
// and a buffer shared with another tensor is never overwritten.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.js';
import { initBackend } from './backend.js';
import { setWasmKernelsEnabled } from '../kernels/load.js';
import { readTensorInto, writeTensorInPlace } from './wasm-tensor-memory.js';

/** A variable that is the only tensor on its buffer (the initial value is disposed, as model layers do). */
function ownVariable(values: number[], shape: number[]): tf.Variable {
  const initial = tf.tensor(values, shape);
  const v = tf.variable(initial);
  initial.dispose();
  return v;
}

test('a product on XNNPACK after an in-place write uses the new weights, not the ones it packed', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  setWasmKernelsEnabled(false); // the override then sends X·W to XNNPACK, which packs W and caches it by tensor
  try {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const w = ownVariable([1, 0, 0, 1, 1, 1], [3, 2]);
    const before = tf.tidy(() => Array.from(tf.matMul(x, w).dataSync()));
    assert.deepEqual(before, [4, 5, 10, 11]);
    const dataId = w.dataId;
    assert.equal(writeTensorInPlace(w, Float32Array.from([2, 0, 0, 2, 0, 0])), true);
    assert.equal(w.dataId, dataId, 'same buffer, no new tensor');
    assert.deepEqual(Array.from(w.dataSync()), [2, 0, 0, 2, 0, 0]);
    assert.deepEqual(tf.tidy(() => Array.from(tf.matMul(x, w).dataSync())), [2, 4, 8, 10]);
    const read = new Float32Array(8).fill(-1);
    assert.equal(readTensorInto(w, read, 1), true);
    assert.deepEqual(Array.from(read), [-1, 2, 0, 0, 2, 0, 0, -1]);
    tf.dispose([x, w]);
  } finally {
    setWasmKernelsEnabled(true);
  }
});

test('a buffer another tensor shares, a wrong size or another dtype is left alone', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  const w = ownVariable([1, 2, 3, 4], [4]);
  const reshaped = w.reshape([2, 2]); // shares w's buffer
  assert.equal(writeTensorInPlace(w, Float32Array.from([9, 9, 9, 9])), false);
  assert.deepEqual(Array.from(reshaped.dataSync()), [1, 2, 3, 4]);
  reshaped.dispose();
  assert.equal(writeTensorInPlace(w, Float32Array.from([9, 9, 9])), false);
  const ints = tf.tensor1d([1, 2], 'int32');
  assert.equal(writeTensorInPlace(ints, Float32Array.from([3, 4])), false);
  assert.equal(readTensorInto(ints, new Float32Array(2), 0), false);
  assert.equal(writeTensorInPlace(w, Float32Array.from([5, 6, 7, 8])), true);
  assert.deepEqual(Array.from(w.dataSync()), [5, 6, 7, 8]);
  tf.dispose([w, ints]);
});
