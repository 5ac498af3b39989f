// Gradients written by the backward pass straight into a flat buffer on the wasm heap: the same values as the
// copying path, bit for bit, including shared weights, same-shaped variables and variables the loss ignores.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.js';
import { initBackend } from './backend.js';
import { FlatParams } from './flat-params.js';
import { makeVariable, type NamedVariable } from './model.js';
import { kernelMemory } from '../kernels/load.js';
import { wasmInternals } from './wasm-backend-internals.js';
import { randomFloat32 as randomArray } from '../random.js';

function variables(shapes: Record<string, number[]>, seed: number): NamedVariable[] {
  return Object.entries(shapes).map(([name, shape], i) => ({ name, variable: makeVariable(randomArray(shape.reduce((a, b) => a * b, 1), seed + i), shape) }));
}

/** Gradients into a plain array (copied) and into kernel memory on the heap (placed); returns both and the copy count. */
function bothWays(vars: NamedVariable[], loss: () => tf.Scalar) {
  const flat = new FlatParams(vars);
  const copiedWay = flat.gradients(loss);
  const region = kernelMemory.allocF32(flat.numParams);
  region.f32().fill(Number.NaN); // stale values must not survive
  const tensors = tf.memory().numTensors;
  const placed = flat.gradients(loss, () => region.f32());
  assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
  const result = { reference: copiedWay, placed: { ...placed, grads: region.f32().slice() } };
  kernelMemory.release(region);
  return result;
}

test('wasm: a dense network\'s gradients are born in the flat buffer, identical to the copied ones', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  assert.equal(kernelMemory.hosted, true);
  const vars = variables({ w1: [6, 16], b1: [16], w2: [16, 4], b2: [4] }, 1);
  const [w1, b1, w2, b2] = vars.map((v) => v.variable);
  const x = tf.tensor2d(randomArray(48, 9), [8, 6]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4).toFloat();
  const loss = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2)) as tf.Scalar);
  const { reference, placed } = bothWays(vars, loss);
  assert.equal(placed.loss, reference.loss);
  assert.deepEqual(Array.from(placed.grads), Array.from(reference.grads));
  assert.equal(reference.copied, 4);
  assert.equal(placed.copied, 0, 'every gradient was written in place');
  tf.dispose([x, labels]);
  for (const v of vars) v.variable.dispose();
});

test('wasm: shared weights, same-shaped variables and an unused variable give the copied values', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  const vars = variables({ a: [5, 5], b: [5, 5], unused: [5, 5], c: [5] }, 11);
  const [a, b, , c] = vars.map((v) => v.variable);
  const x = tf.tensor2d(randomArray(15, 3), [3, 5]);
  // a is used twice (its gradient is a sum), b and a have one shape, `unused` gets zeros.
  const loss = () => tf.tidy(() => tf.sum(tf.square(tf.add(tf.matMul(tf.matMul(tf.matMul(x, a), b), a), c))) as tf.Scalar);
  const { reference, placed } = bothWays(vars, loss);
  assert.equal(placed.loss, reference.loss);
  assert.deepEqual(Array.from(placed.grads), Array.from(reference.grads));
  assert.deepEqual(Array.from(placed.grads.subarray(50, 75)), new Array(25).fill(0));
  tf.dispose(x);
  for (const v of vars) v.variable.dispose();
});

test('wasm: gradients born in each other\'s segments (variables listed against the backward order) are swapped right', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  const vars = variables({ second: [5, 5], first: [5, 5] }, 31);
  const [second, first] = vars.map((v) => v.variable);
  const x = tf.tensor2d(randomArray(15, 4), [3, 5]);
  const loss = () => tf.tidy(() => tf.sum(tf.square(tf.matMul(tf.relu(tf.matMul(x, first)), second))) as tf.Scalar);
  const { reference, placed } = bothWays(vars, loss);
  assert.deepEqual(Array.from(placed.grads), Array.from(reference.grads));
  assert.equal(placed.copied, 2, 'each was born in the other\'s segment');
  tf.dispose(x);
  for (const v of vars) v.variable.dispose();
});

test('wasm: the backend never frees memory inside the gradient buffer, and kernels allocate normally afterwards', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  const be = wasmInternals(tf.backend())!;
  const vars = variables({ w: [4, 8], b: [8] }, 21);
  const [w, b] = vars.map((v) => v.variable);
  const x = tf.tensor2d(randomArray(12, 5), [3, 4]);
  const flat = new FlatParams(vars);
  const region = kernelMemory.allocF32(flat.numParams);
  const freed: number[] = [];
  const free = be.wasm._free;
  be.wasm._free = (pointer: number) => { freed.push(pointer >>> 0); free(pointer); };
  try {
    for (let i = 0; i < 3; i++) flat.gradients(() => tf.tidy(() => tf.sum(tf.relu(tf.add(tf.matMul(x, w), b))) as tf.Scalar), () => region.f32());
  } finally {
    be.wasm._free = free;
  }
  assert.deepEqual(freed.filter((p) => p >= region.offset - 64 && p < region.offset + region.byteLength), []);
  assert.equal(Object.prototype.hasOwnProperty.call(be, 'makeOutput'), false, 'placement is over');
  const after = tf.tidy(() => tf.matMul(x, w));
  assert.ok((wasmInternals(tf.backend())!.dataIdMap.get(after.dataId)!.memoryOffset < region.offset) || wasmInternals(tf.backend())!.dataIdMap.get(after.dataId)!.memoryOffset >= region.offset + region.byteLength);
  tf.dispose([after, x]);
  kernelMemory.release(region);
  for (const v of vars) v.variable.dispose();
});
