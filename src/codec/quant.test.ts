import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidArgumentError } from '../errors.js';
import { kernelMemory } from '../kernels/load.js';
import { unpackSigned } from './pbit-pack.js';
import { lionEncodeQuant, quantize } from './quant.js';
import { packedWordCount, QUANT_METHODS, wholeVector, type QuantizeOptions, type QuantBits, type Segment } from './quant-options.js';

function code(c: number[], options: QuantizeOptions, segments: Segment[] = wholeVector(c.length)): number[] {
  const dst = new Uint32Array(packedWordCount(c.length, options.bits));
  quantize(Float32Array.from(c), segments, options, dst);
  return [...dst];
}

function values(c: number[], options: QuantizeOptions, segments?: Segment[]): number[] {
  const dst = new Int32Array(c.length);
  unpackSigned(Uint32Array.from(code(c, options, segments)), options.bits, c.length, dst);
  return [...dst];
}

test('l1, 4 bits: hand-worked code', () => {
  // Σ|c| = 6.125, μ = 0.765625, k = fround(7 / 1.53125) ≈ 4.5714
  // c·k ≈ 2.29, −4.57, 1.14, 0, 9.14, −3.43, 0.57, 6.86 → q = 2, −5, 1, 0, 7 (clamped), −3, 1, 7
  // nibbles (two's complement) 2 B 1 0 7 D 1 7, value 0 in the lowest nibble → 0x71D701B2
  assert.deepEqual(code([0.5, -1, 0.25, 0, 2, -0.75, 0.125, 1.5], { bits: 4, method: 'l1' }), [0x71d701b2]);
});

test('l1 rounds half to even (explicit levels s = 4)', () => {
  // Σ|c| = 8, μ = 1, k = 4 / 2 = 2: c·k = 0.5, 1.5, 2.5, −0.5, −1.5, 3.5, 6, 0
  // → 0, 2, 2, 0, −2, 4, 4 (6 clamped to s), 0 → nibbles 0 2 2 0 E 4 4 0 → 0x044E0220
  assert.deepEqual(code([0.25, 0.75, 1.25, -0.25, -0.75, 1.75, 3, 0], { bits: 4, method: 'l1', levels: 4 }), [0x044e0220]);
});

test('ternary, 2 bits: only |c| above the mean votes, the rest abstain', () => {
  // same c as above: μ = 0.765625, k = fround(1 / 1.53125) ≈ 0.653; c·k ≈ 0.33, −0.65, 0.16, 0, 1.31, −0.49, 0.08, 0.98
  // → 0, −1, 0, 0, 1, 0, 0, 1 → 2-bit fields 00 11 00 00 01 00 00 01 → bits 2,3 | bit 8 | bit 14 = 0x410C
  assert.deepEqual(code([0.5, -1, 0.25, 0, 2, -0.75, 0.125, 1.5], { bits: 2, method: 'ternary' }), [0x410c]);
  assert.throws(() => code([1], { bits: 2, method: 'ternary', levels: 2 } as QuantizeOptions), InvalidArgumentError);
});

test('linf, 8 bits: the largest |c| maps to s/2', () => {
  // max|c| = 2, k = 127 / 4 = 31.75: c·k = 31.75, −15.875, 7.9375, −63.5, 0.03175
  // → 32, −16, 8, −64 (tie to even), 0 → bytes 20 F0 08 C0 | 00 (+ zero padding)
  assert.deepEqual(code([1, -0.5, 0.25, -2, 0.001], { bits: 8, method: 'linf' }), [0xc008f020, 0]);
});

test('l0, 4 bits: geometric mean of |c|', () => {
  // log|c| = 0, ln 4, ln ¼, ln ¼ → mean = −ln 4 / 4 → μ = 4^(−1/4) = 2^(−1/2) ≈ 0.7071 (ε = 1e−12 is negligible)
  // k = 7 / (2μ) ≈ 4.95: c·k ≈ 4.95, 19.8, −1.24, 1.24 → 5, 7, −1, 1 → nibbles 5 7 F 1 → 0x1F75
  assert.deepEqual(code([1, 4, -0.25, 0.25], { bits: 4, method: 'l0' }), [0x1f75]);
});

test('sign: q = sign(c); zeros and NaN abstain', () => {
  // 0.5, −0, 0, −3, NaN, 1e−30 → 1, 0, 0, −1, 0, 1 → 2-bit fields 01 00 00 11 00 01 → bit 0 | bits 6,7 | bit 10 = 0x4C1
  assert.deepEqual(code([0.5, -0, 0, -3, Number.NaN, 1e-30], { bits: 2, method: 'sign' }), [0x4c1]);
  assert.deepEqual(values([0.5, -2, 0], { bits: 8, method: 'sign', levels: 100 }), [1, -1, 0], 'levels do not scale sign votes');
});

test('stochastic with integer a = |c|·s/‖c‖₂ is exact', () => {
  // ‖c‖₂ = 5, s = 5 → k = 1, a = 3, 4, 0, 0 have no fractional part → q = 3, −4, 0, 0 → nibbles 3 C 0 0 → 0xC3
  assert.deepEqual(code([3, -4, 0, 0], { bits: 4, method: 'stochastic', levels: 5, seed: 9, step: 2 }), [0xc3]);
});

test('each segment gets its own scale, and segments may share a word', () => {
  // segment [0, 3): 1, −1, 0.5 → μ = 5/6, k ≈ 4.2 → 4, −4, 2
  // segment [3, 9): 10, −20, 5, 0, 40, −5 → μ = 40/3, k = 0.2625 → 2.625 → 3, −5.25 → −5, 1.31 → 1, 0, 10.5 → 7, −1
  // nibbles 4 C 2 3 B 1 0 7 | F → 0x701B32C4, 0x0000000F
  const segments = [{ offset: 0, length: 3 }, { offset: 3, length: 6 }];
  assert.deepEqual(code([1, -1, 0.5, 10, -20, 5, 0, 40, -5], { bits: 4, method: 'l1' }, segments), [0x701b32c4, 0xf]);
});

test('an all-zero segment codes as zeros next to a non-zero one', () => {
  assert.deepEqual(values([0, -0, 0, 2, -2], { bits: 4, method: 'l1' }, [{ offset: 0, length: 3 }, { offset: 3, length: 2 }]), [0, 0, 0, 4, -4]);
  assert.deepEqual(values([0, 0], { bits: 4, method: 'stochastic', seed: 1, step: 1 }), [0, 0]);
});

test('lionEncodeQuant equals quantize of c = f32(f32(β1·m) + f32((1−β1)·g))', () => {
  const m = Float32Array.from([0.3, -0.2, 0, 1e-3, -4, 2.5, 0.7]);
  const g = Float32Array.from([-1, 0.4, 0, 0.5, 3, -2, 0.1]);
  const beta1 = 0.9;
  const b1 = Math.fround(beta1);
  const omb1 = Math.fround(1 - beta1);
  const c = m.map((mi, i) => Math.fround(Math.fround(b1 * mi) + Math.fround(omb1 * g[i])));
  for (const method of ['l1', 'l0', 'linf', 'ternary', 'sign', 'stochastic'] as const) {
    const options: QuantizeOptions = { bits: 4, method, seed: 5, step: 11 };
    const fused = new Uint32Array(1);
    lionEncodeQuant(m, g, beta1, wholeVector(7), options, fused);
    const plain = new Uint32Array(1);
    quantize(c, wholeVector(7), options, plain);
    assert.deepEqual(fused, plain, method);
  }
});

test('bad options, segments and buffers are typed errors naming the field', () => {
  const c = new Float32Array(10);
  const dst = new Uint32Array(packedWordCount(10, 4));
  const whole = wholeVector(10);
  const expectField = (fn: () => void, field: RegExp) => assert.throws(fn, (e: unknown) => e instanceof InvalidArgumentError && field.test(e.message));
  expectField(() => quantize(c, whole, { bits: 3 as QuantBits, method: 'l1' }, dst), /^bits/);
  expectField(() => quantize(c, whole, { bits: 4, method: 'l2' as 'l1' }, dst), /^method/);
  expectField(() => quantize(c, whole, { bits: 4, method: 'l1', levels: 8 }, dst), /^levels/);
  expectField(() => quantize(c, whole, { bits: 2, method: 'l1', levels: 2 }, dst), /^levels/);
  expectField(() => quantize(c, whole, { bits: 4, method: 'l1', levels: 0 }, dst), /^levels/);
  expectField(() => quantize(c, whole, { bits: 4, method: 'l1', levels: 2.5 }, dst), /^levels/);
  expectField(() => quantize(c, whole, { bits: 4, method: 'stochastic', step: 1 }, dst), /^seed/);
  expectField(() => quantize(c, whole, { bits: 4, method: 'stochastic', seed: 1 }, dst), /^step/);
  expectField(() => quantize(c, whole, { bits: 4, method: 'l0', epsilon: 0 }, dst), /^epsilon/);
  expectField(() => quantize(c, whole, { bits: 4, method: 'l1' }, new Uint32Array(1)), /^dst.length/);
  expectField(() => quantize(c, [{ offset: 0, length: 4 }, { offset: 5, length: 5 }], { bits: 4, method: 'l1' }, dst), /^segments\[1\]\.offset/);
  expectField(() => quantize(c, [{ offset: 0, length: 9 }], { bits: 4, method: 'l1' }, dst), /^segments/);
  expectField(() => quantize(c, [{ offset: 0, length: -1 }], { bits: 4, method: 'l1' }, dst), /^segments\[0\]/);
  expectField(() => lionEncodeQuant(c, new Float32Array(9), 0.9, whole, { bits: 4, method: 'l1' }, dst), /^grads.length/);
  expectField(() => lionEncodeQuant(c, c, 1.5, whole, { bits: 4, method: 'l1' }, dst), /^beta1/);
  // Empty vectors are fine.
  quantize(new Float32Array(0), [], { bits: 2, method: 'l1' }, new Uint32Array(0));
});

test('property: every q lies in [−s, s] and never opposes the sign of c (JS and wasm agree)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<QuantBits>(2, 4, 8), fc.constantFrom(...QUANT_METHODS),
      fc.array(fc.float({ noNaN: true, min: -1e6, max: 1e6 }), { maxLength: 120 }), fc.integer({ min: 1, max: 5 }),
      (bits, method, list, cut) => {
        const n = list.length;
        const levels = method === 'ternary' || method === 'sign' ? 1 : (1 << (bits - 1)) - 1;
        const split = Math.floor(n / cut);
        const segments = [{ offset: 0, length: split }, { offset: split, length: n - split }];
        const options: QuantizeOptions = { bits, method, seed: 3, step: n };
        const got = values(list, options, segments);
        got.forEach((q, i) => {
          assert.ok(Math.abs(q) <= levels, `|q| ≤ s at ${i}`);
          assert.ok(q === 0 || Math.sign(q) === Math.sign(list[i]), `q follows the sign of c at ${i}`);
        });
        const c = kernelMemory.allocF32(n);
        const out = kernelMemory.allocU32(packedWordCount(n, bits));
        try {
          c.f32().set(list);
          quantize(c.f32(), segments, options, out.u32());
          assert.deepEqual([...out.u32()], code(list, options, segments));
        } finally {
          kernelMemory.release(c);
          kernelMemory.release(out);
        }
      }),
    { numRuns: 300 },
  );
});
