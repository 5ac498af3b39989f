// Staged momentum kernels: an encode that also writes the next momentum m', and the θ-only apply, each wasm == JS and
// equal to what the unstaged encode + lionApplySign give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { canUseWasm, kernelMemory, setWasmKernelsEnabled } from '../kernels/load.js';
import { randomFloat32 } from '../random.js';
import { lionApplySign, lionApplySignTheta, lionEncodeSign, lionEncodeSignStaged } from './lion-sign.js';
import { lionApplySignJs, lionNextMomentumJs, lionSignConstants } from './lion-sign-js.js';
import { lionEncodeQuant, lionEncodeQuantJs } from './quant.js';
import { packedWordCount, QUANT_METHODS, type QuantBits } from './quant-options.js';
import { signCodeWords } from './sign-code-checks.js';
import { segmentsFor } from './test-support/segments.js';

// Both paths run here, whatever LION_CUB_KERNELS says.
setWasmKernelsEnabled(true);

const HP = { lr: 3e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0.1 };
const LENGTHS = [0, 1, 31, 32, 33, 1000, 2 ** 20 + 3];

function sameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  assert.equal(a.length, e.length, `${what} length`);
  for (let i = 0; i < e.length; i++) if (a[i] !== e[i]) assert.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

/** m, g with exact zeros (parity rule) and a few values of every magnitude. */
function inputs(n: number, seed: number): { m: Float32Array; g: Float32Array; params: Float32Array } {
  return {
    m: randomFloat32(n, seed, { scale: 0.01, zeroFraction: 0.03 }),
    g: randomFloat32(n, seed + 1, { scale: 0.1, zeroFraction: 0.03 }),
    params: randomFloat32(n, seed + 2),
  };
}

/** The momentum lionApplySign leaves: the definition m' must match. */
function appliedMomentum(m: Float32Array, g: Float32Array): Float32Array {
  const n = m.length;
  const after = m.slice();
  lionApplySignJs(new Float32Array(n), after, g, new Uint32Array(signCodeWords(n)), lionSignConstants(HP), 0, n);
  return after;
}

/** Kernel-memory copies of the arrays, released after `fn`. */
function withKernelCopies<T>(arrays: Float32Array[], extraWords: number[], fn: (views: Float32Array[], words: Uint32Array[]) => T): T {
  const regions = arrays.map((a) => kernelMemory.allocF32(a.length));
  const wordRegions = extraWords.map((w) => kernelMemory.allocU32(w));
  try {
    regions.forEach((r, i) => r.f32().set(arrays[i]));
    return fn(regions.map((r) => r.f32()), wordRegions.map((r) => r.u32()));
  } finally {
    [...regions, ...wordRegions].forEach((r) => kernelMemory.release(r));
  }
}

for (const n of LENGTHS) {
  test(`staged sign encode at length ${n}: the code of lionEncodeSign, m' = the momentum lionApplySign leaves, wasm == JS`, () => {
    const { m, g } = inputs(n, n + 7);
    const words = signCodeWords(n);
    const code = new Uint32Array(words);
    lionEncodeSign(m, g, HP.beta1, code, 3);
    const expectedNext = appliedMomentum(m, g);

    const jsNext = new Float32Array(n).fill(Number.NaN);
    const jsCode = new Uint32Array(words);
    assert.equal(lionEncodeSignStaged(m, g, HP.beta1, HP.beta2, jsNext, jsCode, 3), true);
    assert.deepEqual(jsCode, code, 'JS code');
    sameBits(jsNext, expectedNext, "JS m'");

    withKernelCopies([m, g, new Float32Array(n).fill(Number.NaN)], [words], ([km, kg, next], [dst]) => {
      assert.ok(n === 0 || canUseWasm(km, kg, next, dst));
      assert.equal(lionEncodeSignStaged(km, kg, HP.beta1, HP.beta2, next, dst, 3), true);
      assert.deepEqual(dst, code, 'wasm code');
      sameBits(next, expectedNext, "wasm m'");
      sameBits(km, m, 'm unchanged');
    });
  });
}

test('staged sign encode reports a NaN or ±∞ gradient anywhere (body and tail), on both paths', () => {
  for (const [n, at] of [[100, 5], [100, 97], [64, 63]]) {
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      const { m, g } = inputs(n, at);
      g[at] = bad;
      const words = signCodeWords(n);
      assert.equal(lionEncodeSignStaged(m, g, HP.beta1, HP.beta2, new Float32Array(n), new Uint32Array(words), 0), false);
      withKernelCopies([m, g, new Float32Array(n)], [words], ([km, kg, next], [dst]) => {
        assert.equal(lionEncodeSignStaged(km, kg, HP.beta1, HP.beta2, next, dst, 0), false, `wasm n=${n} at ${at} ${bad}`);
      });
    }
  }
});

test('θ-only apply over unaligned segments equals the θ of lionApplySign, wasm and JS, and touches no momentum', () => {
  const n = 1000;
  const { m, g, params } = inputs(n, 5);
  const code = new Uint32Array(signCodeWords(n));
  lionEncodeSign(m, g, HP.beta1, code, 1);
  const segments = [{ offset: 0, length: 5 }, { offset: 5, length: 2 }, { offset: 7, length: 90 },
    { offset: 97, length: 31 }, { offset: 128, length: 64 }, { offset: 192, length: 808 }];
  const decays = [0, 0.1, 2, 0, 0.5, 1];
  const expected = params.slice();
  const momentum = m.slice();
  segments.forEach((range, s) => lionApplySign(expected, momentum, g, code, { ...HP, weightDecay: decays[s] }, range));
  const js = params.slice();
  segments.forEach((range, s) => lionApplySignTheta(js, code, { lr: HP.lr, weightDecay: decays[s] }, range));
  sameBits(js, expected, 'JS θ');
  withKernelCopies([params], [code.length], ([kp], [kc]) => {
    kc.set(code);
    assert.ok(canUseWasm(kp, kc));
    segments.forEach((range, s) => lionApplySignTheta(kp, kc, { lr: HP.lr, weightDecay: decays[s] }, range));
    sameBits(kp, expected, 'wasm θ');
  });
});

test("staged p-bit encode: the code of lionEncodeQuant and m' = the momentum lionApplySign leaves, every method and width, wasm == JS", () => {
  for (const n of LENGTHS) {
    const { m, g } = inputs(n, 3 * n + 1);
    const segments = segmentsFor(n, n);
    const expectedNext = appliedMomentum(m, g);
    for (const bits of [2, 4, 8] as QuantBits[]) {
      for (const method of QUANT_METHODS) {
        if (n > 2000 && method !== 'l1' && method !== 'stochastic') continue; // the same pack kernels; keeps the test short
        const options = { bits, method, seed: 99, step: 12 };
        const what = `${method} bits=${bits} n=${n}`;
        const code = new Uint32Array(packedWordCount(n, bits));
        lionEncodeQuantJs(m, g, HP.beta1, segments, options, code);
        const jsNext = new Float32Array(n).fill(Number.NaN);
        const jsCode = new Uint32Array(code.length);
        assert.equal(lionEncodeQuantJs(m, g, HP.beta1, segments, options, jsCode, { out: jsNext, beta2: HP.beta2 }), true);
        assert.deepEqual(jsCode, code, `JS code ${what}`);
        sameBits(jsNext, expectedNext, `JS m' ${what}`);
        withKernelCopies([m, g, new Float32Array(n).fill(Number.NaN)], [code.length], ([km, kg, next], [dst]) => {
          assert.ok(n === 0 || canUseWasm(km, kg, next, dst));
          assert.equal(lionEncodeQuant(km, kg, HP.beta1, segments, options, dst, { out: next, beta2: HP.beta2 }), true);
          assert.deepEqual(dst, code, `wasm code ${what}`);
          sameBits(next, expectedNext, `wasm m' ${what}`);
        });
      }
    }
  }
});

test('staged encodes reject a staging buffer of the wrong length or a bad β2 with InvalidArgumentError', () => {
  const { m, g, params } = inputs(40, 1);
  const isInvalid = (field: string) => (e: unknown) => e instanceof InvalidArgumentError && e.field === field;
  const code = new Uint32Array(2);
  assert.throws(() => lionEncodeSignStaged(m, g, HP.beta1, HP.beta2, new Float32Array(39), code, 0), isInvalid('next.length'));
  assert.throws(() => lionEncodeSignStaged(m, g, HP.beta1, 1, new Float32Array(40), code, 0), isInvalid('beta2'));
  const segments = [{ offset: 0, length: 40 }];
  const options = { bits: 4 as QuantBits, method: 'l1' as const, step: 0 };
  const dst = new Uint32Array(packedWordCount(40, 4));
  assert.throws(() => lionEncodeQuant(m, g, HP.beta1, segments, options, dst, { out: new Float32Array(41), beta2: HP.beta2 }), isInvalid('staged.out.length'));
  assert.throws(() => lionEncodeQuant(m, g, HP.beta1, segments, options, dst, { out: new Float32Array(40), beta2: -1 }), isInvalid('staged.beta2'));
  assert.throws(() => lionApplySignTheta(params, code, { lr: -1, weightDecay: 0 }), isInvalid('lr'));
  assert.throws(() => lionApplySignTheta(params, code, { lr: 0.1, weightDecay: 0 }, { offset: 30, length: 11 }), isInvalid('range.length'));
});

test("lionNextMomentumJs is Lion's momentum update value by value", () => {
  const m = new Float32Array([1, -2, 0, 0.5]);
  const g = new Float32Array([3, 4, -0, -1]);
  const next = new Float32Array(4);
  lionNextMomentumJs(m, g, lionSignConstants({ lr: 0, beta2: 0.5 }), next);
  assert.deepEqual([...next], [2, 1, 0, -0.25]);
});
