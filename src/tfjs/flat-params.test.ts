// FlatParams: layout, bit-exact round trip, gradients equal to tfjs's own, no aliasing and no leaked tensors — on wasm and cpu.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.js';
import { initBackend, type BackendName } from './backend.js';
import { FlatParams, layoutOf } from './flat-params.js';
import { makeVariable, type NamedVariable } from './model.js';
import { kernelMemory } from '../kernels/load.js';
import { seededRandom } from '../random.js';
import { InvalidArgumentError, LionCubError } from '../errors.js';

function randomArray(length: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length }, () => r() * 2 - 1);
}

/** A tiny two-layer net: x[4,3] → W1[3,5] → tanh → W2[5,2] + b2, squared-error loss. */
function tinyNet(seed: number) {
  const vars: NamedVariable[] = [
    { name: 'w1', variable: makeVariable(randomArray(15, seed), [3, 5]) },
    { name: 'b1', variable: makeVariable(randomArray(5, seed + 1), [5]) },
    { name: 'w2', variable: makeVariable(randomArray(10, seed + 2), [5, 2]) },
    { name: 'b2', variable: makeVariable(randomArray(2, seed + 3), [2]) },
  ];
  const x = tf.tensor2d(randomArray(12, seed + 4), [4, 3]);
  const target = tf.tensor2d(randomArray(8, seed + 5), [4, 2]);
  const [w1, b1, w2, b2] = vars.map((v) => v.variable);
  const loss = () => tf.tidy(() => {
    const h = tf.tanh(tf.add(tf.matMul(x, w1), b1));
    const y = tf.add(tf.matMul(h, w2), b2);
    return tf.mean(tf.square(tf.sub(y, target))) as tf.Scalar;
  });
  const dispose = () => { tf.dispose([x, target]); for (const v of vars) v.variable.dispose(); };
  return { vars, x, target, loss, dispose };
}

for (const backend of ['wasm', 'cpu'] as BackendName[]) {
  test(`${backend}: segments are packed back to back in variable order`, async () => {
    await initBackend({ backend, fallbackToCpu: false });
    const net = tinyNet(1);
    const flat = new FlatParams(net.vars);
    assert.deepEqual(flat.segments, [
      { name: 'w1', offset: 0, length: 15, shape: [3, 5] },
      { name: 'b1', offset: 15, length: 5, shape: [5] },
      { name: 'w2', offset: 20, length: 10, shape: [5, 2] },
      { name: 'b2', offset: 30, length: 2, shape: [2] },
    ]);
    assert.equal(flat.numParams, 32);
    net.dispose();
  });

  test(`${backend}: write then read is bit-exact, also through a buffer in wasm kernel memory`, async () => {
    await initBackend({ backend, fallbackToCpu: false });
    const net = tinyNet(2);
    const flat = new FlatParams(net.vars);
    const values = randomArray(flat.numParams, 9);
    values[3] = -0; // signed zero and subnormals must survive
    values[4] = 1e-40;
    flat.write(values);
    assert.deepEqual(flat.read(), values);
    assert.ok(Object.is(flat.read()[3], -0));
    assert.deepEqual(net.vars[2].variable.dataSync(), values.subarray(20, 30));

    const region = kernelMemory.alloc(flat.numParams * 4);
    try {
      const dest = region.f32();
      assert.equal(flat.read(dest), dest, 'read fills and returns the caller buffer');
      assert.deepEqual(dest, values);
      dest.fill(0.25);
      flat.write(dest);
      assert.deepEqual(flat.read(), new Float32Array(flat.numParams).fill(0.25));
    } finally {
      kernelMemory.release(region);
    }
    net.dispose();
  });

  test(`${backend}: neither write nor read aliases the caller's buffer`, async () => {
    await initBackend({ backend, fallbackToCpu: false });
    const net = tinyNet(3);
    const flat = new FlatParams(net.vars);
    const values = randomArray(flat.numParams, 10);
    flat.write(values);
    const snapshot = values.slice();
    values.fill(7); // an optimizer updating its buffer in place must not change the model
    assert.deepEqual(flat.read(), snapshot);
    const out = flat.read();
    out.fill(-7); // nor may mutating what read() returned
    assert.deepEqual(flat.read(), snapshot);
    net.dispose();
  });

  test(`${backend}: flat gradients equal tf.grads of the same loss as a pure function, and the loss value`, async () => {
    await initBackend({ backend, fallbackToCpu: false });
    const net = tinyNet(4);
    const flat = new FlatParams(net.vars);
    const dest = new Float32Array(flat.numParams).fill(Number.NaN);
    const { loss, grads } = flat.gradients(net.loss, dest);
    assert.equal(grads, dest, 'gradients are written into the caller buffer');

    const pureLoss = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => {
      const h = tf.tanh(tf.add(tf.matMul(net.x, w1), b1));
      return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(h, w2), b2), net.target))) as tf.Scalar;
    };
    const inputs = net.vars.map((v) => v.variable.clone());
    const reference = tf.grads((w1, b1, w2, b2) => pureLoss(w1, b1, w2, b2))(inputs);
    for (let i = 0; i < flat.segments.length; i++) {
      const { offset, length } = flat.segments[i];
      assert.deepEqual(grads.subarray(offset, offset + length), reference[i].dataSync(), flat.segments[i].name);
    }
    const value = tf.tidy(() => pureLoss(inputs[0], inputs[1], inputs[2], inputs[3]).dataSync()[0]);
    assert.equal(loss, value);
    tf.dispose([...inputs, ...reference]);
    net.dispose();
  });

  test(`${backend}: a variable the loss ignores gets a zero gradient segment`, async () => {
    await initBackend({ backend, fallbackToCpu: false });
    const net = tinyNet(5);
    const unused = { name: 'unused', variable: makeVariable(randomArray(6, 11), [6]) };
    const flat = new FlatParams([...net.vars, unused]);
    const { grads } = flat.gradients(net.loss, new Float32Array(flat.numParams).fill(3));
    assert.deepEqual(grads.subarray(32), new Float32Array(6));
    assert.ok(grads.subarray(0, 32).some((g) => g !== 0));
    unused.variable.dispose();
    net.dispose();
  });

  test(`${backend}: many gradient + write steps leave the tensor count unchanged`, async () => {
    await initBackend({ backend, fallbackToCpu: false });
    const net = tinyNet(6);
    const flat = new FlatParams(net.vars);
    const params = flat.read();
    const grads = new Float32Array(flat.numParams);
    const step = () => {
      const { loss } = flat.gradients(net.loss, grads);
      for (let i = 0; i < params.length; i++) params[i] -= 0.1 * grads[i];
      flat.write(params);
      return loss;
    };
    const first = step();
    const tensors = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 50; i++) last = step();
    assert.equal(tf.memory().numTensors, tensors);
    assert.ok(last < first, `gradient descent lowers the loss (${first} → ${last})`);
    net.dispose();
  });
}

test('bad buffers, duplicate names and non-scalar losses are refused with typed errors', async () => {
  await initBackend({ backend: 'cpu' });
  const net = tinyNet(7);
  const flat = new FlatParams(net.vars);
  assert.throws(() => flat.write(new Float32Array(3)), InvalidArgumentError);
  assert.throws(() => flat.read(new Float32Array(flat.numParams + 1)), InvalidArgumentError);
  assert.throws(() => layoutOf([net.vars[0], { name: 'w1', variable: net.vars[1].variable }]), InvalidArgumentError);
  assert.throws(() => flat.gradients(() => tf.tidy(() => tf.mul(net.vars[1].variable, 2)) as unknown as tf.Scalar), (e: unknown) => e instanceof LionCubError && e.code === 'non_scalar_loss');
  net.dispose();
});
