// FlatParams.bind on wasm: the variables are views of a flat buffer on the backend's heap (kernel memory hosted
// there), every kernel sees in-place changes, re-assigned variables are bound again, and tfjs never frees the buffer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.js';
import { initBackend } from './backend.js';
import { FlatParams } from './flat-params.js';
import { makeVariable, type NamedVariable } from './model.js';
import { kernelMemory, setWasmKernelsEnabled } from '../kernels/load.js';
import { wasmInternals } from './wasm-backend-internals.js';
import { randomFloat32 as randomArray } from '../random.js';

/** x[4,3] → W[3,5] + b → relu → V[5,2]: the products run on lion-cub's kernels or (kernels off) XNNPACK. */
function net(seed: number) {
  const vars: NamedVariable[] = [
    { name: 'w', variable: makeVariable(randomArray(15, seed), [3, 5]) },
    { name: 'b', variable: makeVariable(randomArray(5, seed + 1), [5]) },
    { name: 'v', variable: makeVariable(randomArray(10, seed + 2), [5, 2]) },
  ];
  const x = tf.tensor2d(randomArray(12, seed + 3), [4, 3]);
  const [w, b, v] = vars.map((n) => n.variable);
  const forward = () => tf.tidy(() => Array.from(tf.matMul(tf.relu(tf.add(tf.matMul(x, w), b)), v).dataSync()));
  const loss = () => tf.tidy(() => tf.sum(tf.square(tf.matMul(tf.relu(tf.add(tf.matMul(x, w), b)), v))) as tf.Scalar);
  return { vars, forward, loss, dispose: () => { x.dispose(); for (const n of vars) n.variable.dispose(); } };
}

test('wasm: kernel memory is hosted on the backend heap and bound variables are views of the flat buffer', async () => {
  const info = await initBackend({ backend: 'wasm', fallbackToCpu: false });
  assert.equal(info.sharedHeap, true);
  assert.equal(kernelMemory.hosted, true);
  const a = net(1);
  const b = net(1);
  const flatA = new FlatParams(a.vars);
  const flatB = new FlatParams(b.vars);
  const region = kernelMemory.allocF32(flatA.numParams);
  const tensorsBefore = tf.memory().numTensors;
  assert.equal(flatA.bind(region.f32()), 3);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'binding replaces each variable\'s data, no tensor is added');
  assert.deepEqual(Array.from(region.f32()), Array.from(flatB.read()), 'bind copied the current values in');
  const dataIds = a.vars.map((n) => n.variable.dataId);

  // Change the buffer in place (as Lion does) and tell FlatParams: no copy, same tensors, new values everywhere.
  const next = randomArray(flatA.numParams, 7);
  region.f32().set(next);
  flatA.write(region.f32());
  flatB.write(next); // the copying path as reference
  assert.deepEqual(a.vars.map((n) => n.variable.dataId), dataIds, 'no new weight tensors');
  assert.deepEqual(a.forward(), b.forward());
  const gA = flatA.gradients(a.loss);
  const gB = flatB.gradients(b.loss);
  assert.equal(gA.loss, gB.loss);
  assert.deepEqual(Array.from(gA.grads), Array.from(gB.grads));
  assert.deepEqual(Array.from(flatA.read()), Array.from(next));

  flatA.unbind();
  region.f32().fill(0);
  assert.deepEqual(Array.from(flatA.read()), Array.from(next), 'after unbind the variables own their values');
  assert.equal(tf.memory().numTensors, tensorsBefore);
  kernelMemory.release(region);
  a.dispose();
  b.dispose();
});

test('wasm: XNNPACK never reads weights it packed before an in-place change', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  setWasmKernelsEnabled(false); // X·W then runs on XNNPACK, which caches W packed by tensor id
  const a = net(2);
  const flat = new FlatParams(a.vars);
  const region = kernelMemory.allocF32(flat.numParams);
  try {
    flat.bind(region.f32());
    const before = a.forward();
    region.f32().set(randomArray(flat.numParams, 3));
    flat.write(region.f32());
    const ref = net(2);
    new FlatParams(ref.vars).write(region.f32().slice());
    const after = a.forward();
    assert.notDeepEqual(after, before);
    assert.deepEqual(after, ref.forward());
    ref.dispose();
  } finally {
    setWasmKernelsEnabled(true);
    flat.unbind();
    kernelMemory.release(region);
    a.dispose();
  }
});

test('wasm: a variable re-assigned by someone else is bound again by write, with the buffer\'s values', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  const a = net(4);
  const flat = new FlatParams(a.vars);
  const region = kernelMemory.allocF32(flat.numParams);
  flat.bind(region.f32());
  const w = a.vars[0].variable;
  const replacement = tf.fill([3, 5], 5);
  w.assign(replacement); // e.g. model.setWeights
  replacement.dispose();
  assert.equal(flat.boundCount, 2);
  assert.deepEqual(Array.from(flat.read().subarray(0, 15)), new Array(15).fill(5), 'read sees the variable');
  region.f32().fill(0.5);
  flat.write(region.f32());
  assert.equal(flat.boundCount, 3);
  assert.deepEqual(Array.from(w.dataSync()), new Array(15).fill(0.5));
  region.f32()[0] = 2;
  assert.equal(w.dataSync()[0], 2, 'bound again: the variable is the buffer');
  flat.unbind();
  kernelMemory.release(region);
  a.dispose();
});

test('wasm: disposing bound variables never frees the buffer, and unbind after that is harmless', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  const be = wasmInternals(tf.backend())!;
  const a = net(5);
  const flat = new FlatParams(a.vars);
  const region = kernelMemory.allocF32(flat.numParams);
  flat.bind(region.f32());
  const freed: number[] = [];
  const free = be.wasm._free;
  be.wasm._free = (pointer: number) => { freed.push(pointer >>> 0); free(pointer); };
  const tensorsBefore = tf.memory().numTensors;
  try {
    const clone = a.vars[0].variable.clone(); // shares the data (Identity aliases)
    a.dispose();
    clone.dispose();
    flat.unbind();
  } finally {
    be.wasm._free = free;
  }
  const end = region.offset + region.byteLength;
  assert.deepEqual(freed.filter((p) => p >= region.offset - 64 && p < end), [], 'no pointer into the buffer was freed');
  assert.equal(tf.memory().numTensors, tensorsBefore - 4, 'the input and the three variables are gone');
  region.f32().fill(1); // still ours
  kernelMemory.release(region);
});
