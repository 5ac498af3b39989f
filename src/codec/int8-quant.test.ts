import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { kernelMemory } from '../kernels/load.js';
import { randomFloat32, seededRandom } from '../random.js';
import { int8Levels, quantizeInt8, signOfInt8Sum } from './int8-quant.js';
import { quantize } from './quant.js';
import { packedWordCount, wholeVector, type QuantMethod } from './quant-options.js';

test('hand-worked int8 code (l1, s = ⌊127/4⌋ = 31)', () => {
  // Σ|c| = 4, μ = 1, k = 31/2 = 15.5: c·k = 15.5, −31, 7.75, −7.75 → 16 (tie to even), −31, 8, −8
  const dst = new Int8Array(4);
  quantizeInt8(Float32Array.from([1, -2, 0.5, -0.5]), wholeVector(4), { method: 'l1', levels: int8Levels(4) }, dst);
  assert.deepEqual([...dst], [16, -31, 8, -8]);
});

test('quantizeInt8 is the 8-bit p-bit code byte for byte (JS and wasm)', () => {
  const n = 1000;
  const c = kernelMemory.allocF32(n);
  c.f32().set(randomFloat32(n, 3, { zeroFraction: 0.1 }));
  const bytes = kernelMemory.alloc(n);
  for (const method of ['l1', 'linf', 'stochastic', 'sign'] as QuantMethod[]) {
    const options = { method, levels: 21, seed: 4, step: 9 };
    const segments = [{ offset: 0, length: 333 }, { offset: 333, length: n - 333 }];
    const code = new Uint32Array(packedWordCount(n, 8));
    quantize(Float32Array.from(c.f32()), segments, { ...options, bits: 8 }, code);
    const expected = new Int8Array(code.buffer, 0, n);
    const js = new Int8Array(n);
    quantizeInt8(Float32Array.from(c.f32()), segments, options, js);
    assert.deepEqual(js, expected, `js ${method}`);
    quantizeInt8(c.f32(), segments, options, bytes.i8());
    assert.deepEqual(bytes.i8(), expected, `wasm ${method}`);
  }
  kernelMemory.release(c);
  kernelMemory.release(bytes);
});

test('int8 sums over N ranks never overflow at s = ⌊127/N⌋, even summed in int8 one rank at a time', () => {
  const n = 257;
  for (const numWorkers of [1, 2, 3, 5, 8, 16, 31, 64, 100, 127]) {
    const levels = int8Levels(numWorkers);
    const ring = new Int8Array(n); // wraps on overflow, like an int8 allreduce would
    const exact = new Array<number>(n).fill(0);
    const q = new Int8Array(n);
    for (let r = 0; r < numWorkers; r++) {
      const c = randomFloat32(n, 100 * numWorkers + r, { scale: 1 + (r % 3) });
      // Large values of one sign on every rank are clamped to s, pushing the sum to its extreme N·s.
      for (let i = 0; i < 20; i++) c[i] = 50;
      quantizeInt8(c, wholeVector(n), { method: 'l1', levels }, q);
      for (let i = 0; i < n; i++) {
        ring[i] += q[i];
        exact[i] += q[i];
        assert.ok(Math.abs(ring[i]) <= 127);
      }
    }
    assert.deepEqual([...ring], exact, `N = ${numWorkers}`);
    assert.equal(exact[0], numWorkers * levels, 'the clamped extreme is reached and still fits');
  }
  assert.throws(() => int8Levels(128), InvalidArgumentError);
  assert.throws(() => int8Levels(0), InvalidArgumentError);
});

test('signOfInt8Sum: sign bits with the parity rule for zero, JS and wasm at several lengths', () => {
  const small = new Uint32Array(1);
  // −3, 0, 5, 0, −128 → 1, parity, 0, parity, 1; step 0: parity (i mod 2) → i=1: 1, i=3: 1 → 0b11011 = 27
  signOfInt8Sum(Int8Array.of(-3, 0, 5, 0, -128), small, 0);
  assert.equal(small[0], 27);
  signOfInt8Sum(Int8Array.of(-3, 0, 5, 0, -128), small, 1);
  assert.equal(small[0], 0b10001);
  for (const n of [0, 1, 31, 32, 33, 1000, 2 ** 20 + 3]) {
    const sums = kernelMemory.alloc(n);
    const rand = seededRandom(n);
    const view = sums.i8();
    for (let i = 0; i < n; i++) view[i] = rand() < 0.3 ? 0 : Math.floor(rand() * 256) - 128;
    const want = new Uint32Array(Math.ceil(n / 32));
    for (let i = 0; i < n; i++) if (view[i] < 0 || (view[i] === 0 && ((i + 5) & 1))) want[i >>> 5] |= 1 << (i & 31);
    const js = new Uint32Array(want.length);
    signOfInt8Sum(Int8Array.from(view), js, 5);
    assert.deepEqual(js, want, `js n=${n}`);
    const out = kernelMemory.allocU32(want.length);
    signOfInt8Sum(sums.i8(), out.u32(), 5);
    assert.deepEqual(out.u32(), want, `wasm n=${n}`);
    kernelMemory.release(sums);
    kernelMemory.release(out);
  }
});

test('int8 argument errors', () => {
  const c = new Float32Array(4);
  assert.throws(() => quantizeInt8(c, wholeVector(4), { method: 'l1' } as never, new Int8Array(4)), /levels/);
  assert.throws(() => quantizeInt8(c, wholeVector(4), { method: 'l1', levels: 128 }, new Int8Array(4)), /levels/);
  assert.throws(() => quantizeInt8(c, wholeVector(4), { method: 'l1', levels: 3 }, new Int8Array(5)), /dst.length/);
  assert.throws(() => signOfInt8Sum(new Int8Array(33), new Uint32Array(1), 0), /dst.length/);
  assert.throws(() => signOfInt8Sum(new Int8Array(3), new Uint32Array(1), 1.5), /step/);
});
