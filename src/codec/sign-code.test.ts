import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { packSigns, unpackSigns, signCodeWords } from './sign-code.js';
import { packSignsJs, unpackSignsJs } from './sign-code-js.js';
import { parityBit } from './parity.js';
import { canUseWasm, kernelMemory } from '../kernels/load.js';
import type { KernelRegion } from '../kernels/kernel-memory.js';
import { InvalidArgumentError } from '../errors.js';
import { randomFloat32, seededRandom } from '../random.js';

/** Runs `fn` with fresh kernel-memory regions of the given byte lengths, always releasing them. */
function withRegions<T>(byteLengths: number[], fn: (regions: KernelRegion[]) => T): T {
  const regions = byteLengths.map((b) => kernelMemory.alloc(b));
  try {
    return fn(regions);
  } finally {
    regions.forEach((r) => kernelMemory.release(r));
  }
}

/** The rule of docs/wire-format.md, one value at a time, on the float's own bits. */
function expectedBit(x: number, index: number, step: number): number {
  if (x === 0 || Number.isNaN(x)) return parityBit(index, step);
  return x < 0 ? 1 : 0;
}

function floatFromBits(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0];
}

function hex(words: Uint32Array): string[] {
  return [...words].map((w) => w.toString(16).padStart(8, '0'));
}

test('golden words: signs, +0, −0, NaN, infinities, subnormals, at both parities', () => {
  const values = new Float32Array([1, -1, 0, -0, Number.NaN, Infinity, -Infinity, -1e-30, 1e-45, -1e-45]);
  // step 0: negatives at 1, 6, 7, 9; −0 at index 3 takes parity 1, +0 at 2 and NaN at 4 take 0
  const even = new Uint32Array(1);
  packSigns(values, even, 0);
  assert.deepEqual(hex(even), ['000002ca']);
  // step 1: the zeros and NaN flip: +0 at 2 → 1, −0 at 3 → 0, NaN at 4 → 1
  const odd = new Uint32Array(1);
  packSigns(values, odd, 1);
  assert.deepEqual(hex(odd), ['000002d6']);
});

test('a NaN with its sign bit set is coded by the parity rule, not by its sign', () => {
  const values = new Float32Array([floatFromBits(0xffc00000), floatFromBits(0x7fc00001)]);
  const code = new Uint32Array(1);
  packSigns(values, code, 0);
  assert.equal(code[0], 0b10);
  packSigns(values, code, 1);
  assert.equal(code[0], 0b01);
});

test('all zeros give the parity words, and padding bits of the last word are 0', () => {
  const zeros = new Float32Array(33).fill(-0);
  const code = new Uint32Array(2);
  packSigns(zeros, code, 0);
  assert.deepEqual(hex(code), ['aaaaaaaa', '00000000']);
  packSigns(zeros, code, 7);
  assert.deepEqual(hex(code), ['55555555', '00000001']);
  const negatives = new Float32Array(40).fill(-3);
  packSigns(negatives, code, 0);
  assert.deepEqual(hex(code), ['ffffffff', '000000ff']);
});

test('unpack gives −1 for set bits, +1 otherwise, and ignores padding bits', () => {
  const code = new Uint32Array([0x80000001, 0xfffffffe]);
  const out = new Float32Array(34);
  unpackSigns(code, 34, out);
  const expected = new Array(34).fill(1);
  expected[0] = -1;
  expected[31] = -1;
  expected[33] = -1;
  assert.deepEqual([...out], expected);
});

test('round trip: unpack(pack(x)) is sign(x), with the parity rule where x is ±0 or NaN', () => {
  fc.assert(fc.property(fc.float32Array({ maxLength: 200 }), fc.nat(1000), (values, step) => {
    const code = new Uint32Array(signCodeWords(values.length));
    packSigns(values, code, step);
    const out = new Float32Array(values.length);
    unpackSigns(code, values.length, out);
    values.forEach((x, i) => assert.equal(out[i], expectedBit(x, i, step) ? -1 : 1, `value ${i} = ${x}`));
    const rest = values.length & 31;
    if (rest !== 0) assert.equal(code[code.length - 1] >>> rest, 0, 'padding bits are 0');
  }));
});

test('wasm and JS give the same words at every length, step and alignment (property)', () => {
  fc.assert(fc.property(fc.float32Array({ maxLength: 300 }), fc.nat(), fc.integer({ min: 0, max: 3 }), (values, step, shift) => {
    withRegions([(values.length + shift) * 4, (signCodeWords(values.length) + 1) * 4], ([src, dst]) => {
      const inKernel = src.f32().subarray(shift, shift + values.length);
      inKernel.set(values);
      const code = dst.u32().subarray(1);
      assert.ok(canUseWasm(inKernel, code));
      packSigns(inKernel, code, step);
      const reference = new Uint32Array(code.length);
      packSignsJs(values, reference, step);
      assert.deepEqual(code, reference);
    });
  }), { numRuns: 200 });
});

for (const length of [0, 1, 31, 32, 33, 1000, 2 ** 20 + 3]) {
  test(`pack and unpack: wasm bit-identical to JS at length ${length}`, () => {
    const words = signCodeWords(length);
    withRegions([length * 4, words * 4, length * 4], ([src, codeRegion, outRegion]) => {
      const values = src.f32();
      values.set(randomFloat32(length, length + 1, { zeroFraction: 0.05 }));
      if (length > 7) values[7] = Number.NaN;
      const code = codeRegion.u32();
      assert.ok(canUseWasm(values, code));
      for (const step of [0, 1]) {
        packSigns(values, code, step);
        const reference = new Uint32Array(words);
        packSignsJs(values, reference, step);
        assert.deepEqual(code, reference, `pack step ${step}`);
      }
      // random padding bits must not leak into the unpacked values
      const rand = seededRandom(length);
      for (let w = 0; w < words; w++) code[w] = (rand() * 2 ** 32) >>> 0;
      const out = outRegion.f32();
      unpackSigns(code, length, out);
      const reference = new Float32Array(length);
      unpackSignsJs(code, length, reference);
      assert.deepEqual(out, reference, 'unpack');
    });
  });
}

test('lengths and steps are validated with InvalidArgumentError', () => {
  const isInvalid = (field: string) => (e: unknown) => e instanceof InvalidArgumentError && e.field === field;
  assert.throws(() => packSigns(new Float32Array(33), new Uint32Array(1), 0), isInvalid('dst.length'));
  assert.throws(() => packSigns(new Float32Array(32), new Uint32Array(2), 0), isInvalid('dst.length'));
  assert.throws(() => packSigns(new Float32Array(3), new Uint32Array(1), -1), isInvalid('step'));
  assert.throws(() => packSigns(new Float32Array(3), new Uint32Array(1), 1.5), isInvalid('step'));
  assert.throws(() => unpackSigns(new Uint32Array(1), 33, new Float32Array(33)), isInvalid('code.length'));
  assert.throws(() => unpackSigns(new Uint32Array(2), 33, new Float32Array(32)), isInvalid('dst.length'));
  assert.throws(() => unpackSigns(new Uint32Array(0), -1, new Float32Array(0)), isInvalid('numValues'));
  packSigns(new Float32Array(0), new Uint32Array(0), 0);
  unpackSigns(new Uint32Array(0), 0, new Float32Array(0));
});
