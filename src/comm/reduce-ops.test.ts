// Reductions per element type: bfloat16 rounding, wrap-around, NaN and signed zeros, the fused mean, tile boundaries.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { bf16ToF32, checkReduceOp, combineInto, dtypeOfArray, f32ToBf16 } from './reduce-ops.js';

const bits = (x: number): number => {
  const f = new Float32Array([x]);
  return new Uint32Array(f.buffer)[0];
};
const fromBits = (u: number): number => new Float32Array(new Uint32Array([u]).buffer)[0];

test('bfloat16 rounding is round-to-nearest-even on the float32 bits', () => {
  assert.equal(f32ToBf16(1), 0x3f80);
  // 1 + 2^-8 lies exactly halfway between 0x3f80 and 0x3f81: the even one wins.
  assert.equal(f32ToBf16(fromBits(0x3f808000)), 0x3f80);
  // 1 + 3·2^-8 lies halfway between 0x3f81 (odd) and 0x3f82 (even).
  assert.equal(f32ToBf16(fromBits(0x3f818000)), 0x3f82);
  // One float32 ulp above the halfway point rounds up.
  assert.equal(f32ToBf16(fromBits(0x3f808001)), 0x3f81);
  assert.equal(f32ToBf16(fromBits(0xbf808001)), 0xbf81, 'negative values round by magnitude');
  // The largest finite float32 is above the largest finite bfloat16's halfway point: it becomes +Infinity.
  assert.equal(f32ToBf16(fromBits(0x7f7fffff)), 0x7f80);
  assert.equal(f32ToBf16(Infinity), 0x7f80);
  assert.equal(f32ToBf16(-Infinity), 0xff80);
  assert.equal(f32ToBf16(-0), 0x8000);
  assert.equal(f32ToBf16(fromBits(0x00000001)), 0x0000, 'the smallest subnormal rounds to zero');
  // A NaN whose payload sits only in the low bits must stay NaN, not round into an Infinity.
  assert.equal(f32ToBf16(fromBits(0x7f800001)), 0x7fc0);
  assert.equal(f32ToBf16(fromBits(0xff800001)), 0x7fc0, 'one NaN, whatever the sign');
  assert.equal(f32ToBf16(NaN), 0x7fc0);
  assert.equal(f32ToBf16(-NaN), 0x7fc0);
});

test('bfloat16 widening is exact', () => {
  assert.equal(bf16ToF32(0x3f80), 1);
  assert.equal(bf16ToF32(0xc2ae), -87);
  assert.equal(bits(bf16ToF32(0x8000)), 0x80000000);
  for (let b = 0; b < 0x10000; b += 97) {
    if ((b & 0x7fff) > 0x7f80) continue; // NaNs are canonicalised
    assert.equal(f32ToBf16(bf16ToF32(b)), b);
  }
});

test('bfloat16 sum: float32 add, then one rounding back to bfloat16', () => {
  const dst = Uint16Array.from([0x3f80, 0x4380, 0x4381]); // 1, 256, 258
  const src = Uint16Array.from([0x3f80, 0x3f80, 0x3f80]); // 1, 1, 1
  combineInto('bfloat16', 'sum', dst, 0, src, 0, 3);
  // 2 exactly; 257 is a tie between 256 (even) and 258: 256; 259 a tie between 258 (odd) and 260: 260.
  assert.deepEqual([...dst], [0x4000, 0x4380, 0x4382]);
});

test('bfloat16 mean divides the float32 sum before its single rounding', () => {
  // 256 + 5 = 261, / 3 = 87 exactly. Rounding the sum first would give 260 (tie to even), / 3 → 86.5.
  const dst = Uint16Array.from([0x4380]);
  combineInto('bfloat16', 'sum', dst, 0, Uint16Array.from([0x40a0]), 0, 1, 3);
  assert.equal(dst[0], 0x42ae);
  assert.equal(bf16ToF32(dst[0]), 87);
});

test('float32 sum and mean are float32 operations', () => {
  const dst = Float32Array.from([1, 1e8, 0.1]);
  combineInto('float32', 'sum', dst, 0, Float32Array.from([1, 1, 0.2]), 0, 3);
  assert.deepEqual([...dst], [2, 1e8, Math.fround(Math.fround(0.1) + Math.fround(0.2))]);
  const mean = Float32Array.from([1]);
  combineInto('float32', 'sum', mean, 0, Float32Array.from([1]), 0, 1, 3);
  assert.equal(mean[0], Math.fround(2 / 3));
});

test('integer sums wrap around modulo 2^width', () => {
  const cases: [ArrayBufferView & ArrayLike<number>, ArrayBufferView & ArrayLike<number>, number[], Parameters<typeof combineInto>[0]][] = [
    [Int8Array.from([100, -128, 127]), Int8Array.from([100, -1, 1]), [-56, 127, -128], 'int8'],
    [Uint8Array.from([200, 0]), Uint8Array.from([100, 255]), [44, 255], 'uint8'],
    [Int16Array.from([30000]), Int16Array.from([30000]), [-5536], 'int16'],
    [Int32Array.from([2147483647]), Int32Array.from([1]), [-2147483648], 'int32'],
    [Uint32Array.from([0xffffffff]), Uint32Array.from([2]), [1], 'uint32'],
  ];
  for (const [dst, src, expected, dtype] of cases) {
    combineInto(dtype, 'sum', dst as never, 0, src as never, 0, dst.length);
    assert.deepEqual(Array.from(dst), expected, dtype);
  }
});

test('max: integers by value, floats propagate NaN and put +0 above -0 in either order', () => {
  const i8 = Int8Array.from([-128, 5]);
  combineInto('int8', 'max', i8, 0, Int8Array.from([5, -128]), 0, 2);
  assert.deepEqual([...i8], [5, 5]);
  const u32 = Uint32Array.from([0xffffffff, 1]);
  combineInto('uint32', 'max', u32, 0, Uint32Array.from([1, 0xffffffff]), 0, 2);
  assert.deepEqual([...u32], [0xffffffff, 0xffffffff]);

  const f = Float32Array.from([NaN, 1, -0, 0]);
  combineInto('float32', 'max', f, 0, Float32Array.from([1, NaN, 0, -0]), 0, 4);
  assert.ok(Number.isNaN(f[0]) && Number.isNaN(f[1]));
  assert.ok(Object.is(f[2], 0) && Object.is(f[3], 0));

  const b = Uint16Array.from([0x7fc1, 0x8000, 0x3f80]);
  combineInto('bfloat16', 'max', b, 0, Uint16Array.from([0x3f80, 0x0000, 0xbf80]), 0, 3);
  assert.deepEqual([...b], [0x7fc0, 0x0000, 0x3f80]);
});

test('offsets and lengths past one bfloat16 tile match element-by-element arithmetic', () => {
  const n = 2500;
  const dst = new Uint16Array(n + 3);
  const src = new Uint16Array(n + 5);
  let x = 12345;
  const word = (): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    // Exponents 120..135 so sums overlap and round, never NaN.
    return ((x >>> 31) << 15) | ((120 + ((x >>> 20) & 15)) << 7) | (x & 0x7f);
  };
  for (let i = 0; i < dst.length; i++) dst[i] = word();
  for (let i = 0; i < src.length; i++) src[i] = word();
  for (const [op, divisor] of [['sum', 1], ['sum', 5], ['max', 1]] as const) {
    const out = dst.slice();
    combineInto('bfloat16', op, out, 3, src, 5, n, divisor);
    for (let i = 0; i < n; i++) {
      const a = bf16ToF32(dst[3 + i]);
      const c = bf16ToF32(src[5 + i]);
      const expected = op === 'max' ? f32ToBf16(Math.max(a, c)) : f32ToBf16(Math.fround(a + c) / divisor);
      if (out[3 + i] !== expected) assert.fail(`${op}/${divisor} element ${i}: ${out[3 + i].toString(16)} vs ${expected.toString(16)}`);
    }
    assert.deepEqual([...out.subarray(0, 3)], [...dst.subarray(0, 3)], 'elements before the range are untouched');
  }
});

test('element types are inferred from the array; mean is refused for integers', () => {
  assert.equal(dtypeOfArray(new Uint16Array(1)), 'bfloat16');
  assert.equal(dtypeOfArray(new Int16Array(1)), 'int16');
  assert.equal(dtypeOfArray(new Float64Array(1)), undefined);
  assert.throws(() => checkReduceOp('mean', 'int32'), InvalidArgumentError);
  assert.throws(() => checkReduceOp('prod', 'float32'), /op: got "prod", expected one of sum, max, mean/);
  assert.doesNotThrow(() => checkReduceOp('mean', 'bfloat16'));
});
