import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lionApplySign, lionEncodeSign, lionStepSign, type LionStepHyperparams } from './lion-sign.js';
import { lionApplySignJs, lionEncodeSignJs, lionSignConstants, lionStepSignJs } from './lion-sign-js.js';
import { packSigns, signCodeWords, unpackSigns } from './sign-code.js';
import { canUseWasm, kernelMemory } from '../kernels/load.js';
import { InvalidArgumentError } from '../errors.js';
import { randomFloat32 } from '../random.js';

const f = Math.fround;
const HP: LionStepHyperparams = { lr: 3e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0.1 };

interface State { params: Float32Array; momentum: Float32Array; grads: Float32Array }

/** Random state; about 2% of (m, g) pairs are (±0, ±0), so c = 0 and the parity rule is exercised. */
function randomState(numValues: number, seed: number): State {
  const params = randomFloat32(numValues, seed);
  const momentum = randomFloat32(numValues, seed + 1, { scale: 0.01 });
  const grads = randomFloat32(numValues, seed + 2, { scale: 0.1 });
  for (let i = 3; i < numValues; i += 50) {
    momentum[i] = i % 4 === 3 ? -0 : 0;
    grads[i] = 0;
  }
  return { params, momentum, grads };
}

function copyState(s: State): State {
  return { params: s.params.slice(), momentum: s.momentum.slice(), grads: s.grads.slice() };
}

/** The unfused composition: c as floats, packSigns, unpackSigns to Δ, then the update on floats. */
function naiveStep(s: State, hp: LionStepHyperparams, step: number, range = { offset: 0, length: s.params.length }): Uint32Array {
  const n = s.params.length;
  const b1 = f(hp.beta1), omb1 = f(1 - hp.beta1), b2 = f(hp.beta2), omb2 = f(1 - hp.beta2);
  const decay = f(1 - hp.lr * hp.weightDecay), lr = f(hp.lr);
  const c = new Float32Array(n);
  for (let i = 0; i < n; i++) c[i] = f(f(b1 * s.momentum[i]) + f(omb1 * s.grads[i]));
  const code = new Uint32Array(signCodeWords(n));
  packSigns(c, code, step);
  const delta = new Float32Array(n);
  unpackSigns(code, n, delta);
  for (let i = range.offset; i < range.offset + range.length; i++) {
    s.params[i] = f(f(s.params[i] * decay) - f(lr * delta[i]));
    s.momentum[i] = f(f(b2 * s.momentum[i]) + f(omb2 * s.grads[i]));
  }
  return code;
}

/** Copies `s` into kernel memory, runs `fn` on the copies (wasm path) and returns what they hold afterwards. */
function inKernel(s: State, codeWords: number, fn: (k: State, code: Uint32Array) => void, code?: Uint32Array): { state: State; code: Uint32Array } {
  const n = s.params.length;
  const regions = [n, n, n, codeWords].map((len) => kernelMemory.alloc(len * 4));
  try {
    const [p, m, g, c] = regions;
    const k = { params: p.f32(), momentum: m.f32(), grads: g.f32() };
    k.params.set(s.params);
    k.momentum.set(s.momentum);
    k.grads.set(s.grads);
    if (code) c.u32().set(code);
    assert.ok(canUseWasm(k.params, k.momentum, k.grads, c.u32()));
    fn(k, c.u32());
    return { state: copyState(k), code: c.u32().slice() };
  } finally {
    regions.forEach((r) => kernelMemory.release(r));
  }
}

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < e.length; i++) if (a[i] !== e[i]) assert.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

function assertSameState(actual: State, expected: State, what: string): void {
  assertSameBits(actual.params, expected.params, `${what} params`);
  assertSameBits(actual.momentum, expected.momentum, `${what} momentum`);
}

test('a hand-checked step: c > 0 moves θ down by lr, c < 0 up, c = 0 by the parity rule', () => {
  const params = new Float32Array([1, 1, 1, 1]);
  const momentum = new Float32Array([0.5, -0.5, 0, 0]);
  const grads = new Float32Array([-1, 1, 0, -0]);
  const hp = { lr: 0.25, beta1: 0.5, beta2: 0.5, weightDecay: 2 };
  const code = new Uint32Array(1);
  lionStepSign(params, momentum, grads, hp, code, 0);
  // c = [−0.25, 0.25, 0, 0]; value 3 (odd index, even step) takes bit 1
  assert.equal(code[0], 0b1001);
  // decay = 1 − 0.25·2 = 0.5: θ = 0.5 ∓ 0.25
  assert.deepEqual([...params], [0.75, 0.25, 0.25, 0.75]);
  assert.deepEqual([...momentum], [-0.25, 0.25, 0, 0]);
});

test('fused step equals the naive composition, JS and wasm (property over lengths, steps, hyperparameters)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 300 }), fc.nat(), fc.nat(1000),
    fc.double({ min: 0, max: 0.01, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }),
    fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }),
    (n, step, seed, lr, beta1, beta2, weightDecay) => {
      const hp = { lr, beta1, beta2, weightDecay };
      const start = randomState(n, seed);
      const expected = copyState(start);
      const expectedCode = naiveStep(expected, hp, step);
      const js = copyState(start);
      const jsCode = new Uint32Array(signCodeWords(n));
      lionStepSign(js.params, js.momentum, js.grads, hp, jsCode, step);
      assert.deepEqual(jsCode, expectedCode);
      assertSameState(js, expected, 'js');
      const wasm = inKernel(start, signCodeWords(n), (k, code) => lionStepSign(k.params, k.momentum, k.grads, hp, code, step));
      assert.deepEqual(wasm.code, expectedCode);
      assertSameState(wasm.state, expected, 'wasm');
    }), { numRuns: 150 });
});

test('encode writes the code of c and changes nothing', () => {
  for (const n of [5, 100]) {
    const start = randomState(n, n);
    const expectedCode = naiveStep(copyState(start), HP, 3);
    const js = copyState(start);
    const code = new Uint32Array(signCodeWords(n));
    lionEncodeSign(js.momentum, js.grads, HP.beta1, code, 3);
    assert.deepEqual(code, expectedCode);
    assert.deepEqual(js, start);
    const wasm = inKernel(start, code.length, (k, c) => lionEncodeSign(k.momentum, k.grads, HP.beta1, c, 3));
    assert.deepEqual(wasm.code, expectedCode);
    assert.deepEqual(wasm.state, start);
  }
});

test('apply over segments with unaligned offsets and their own weight decay equals the naive update', () => {
  const n = 300;
  const start = randomState(n, 9);
  const code = new Uint32Array(signCodeWords(n));
  lionEncodeSign(start.momentum, start.grads, HP.beta1, code, 0);
  // segments: inside one word, across words, word-aligned, to the very end
  const segments = [{ offset: 0, length: 5 }, { offset: 5, length: 2 }, { offset: 7, length: 90 },
    { offset: 97, length: 31 }, { offset: 128, length: 64 }, { offset: 192, length: 108 }];
  const decays = [0, 0.1, 2, 0, 0.5, 1];
  const expected = copyState(start);
  segments.forEach((range, s) => naiveStep(expected, { ...HP, weightDecay: decays[s] }, 0, range));
  const js = copyState(start);
  segments.forEach((range, s) => lionApplySign(js.params, js.momentum, js.grads, code, { ...HP, weightDecay: decays[s] }, range));
  assertSameState(js, expected, 'js');
  const wasm = inKernel(start, code.length, (k, c) => {
    segments.forEach((range, s) => lionApplySign(k.params, k.momentum, k.grads, c, { ...HP, weightDecay: decays[s] }, range));
  }, code);
  assertSameState(wasm.state, expected, 'wasm');
});

test('apply touches only its range (property over offsets and lengths)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 200 }).chain((n) => fc.tuple(
    fc.constant(n), fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n }))), ([n, a, b]) => {
    const range = { offset: Math.min(a, b), length: Math.abs(a - b) };
    const start = randomState(n, n + a);
    const code = new Uint32Array(signCodeWords(n));
    lionEncodeSign(start.momentum, start.grads, HP.beta1, code, 1);
    const expected = copyState(start);
    naiveStep(expected, HP, 1, range);
    const wasm = inKernel(start, code.length, (k, c) => lionApplySign(k.params, k.momentum, k.grads, c, HP, range), code);
    assertSameState(wasm.state, expected, 'wasm');
  }), { numRuns: 100 });
});

for (const n of [0, 1, 31, 32, 33, 1000, 2 ** 20 + 3]) {
  test(`fused kernels: wasm bit-identical to JS at length ${n}`, () => {
    const start = randomState(n, 17);
    const k = lionSignConstants(HP);
    const words = signCodeWords(n);
    const js = copyState(start);
    const jsCode = new Uint32Array(words);
    lionEncodeSignJs(js.momentum, js.grads, k, jsCode, 1);
    const wasmEncoded = inKernel(start, words, (s, c) => lionEncodeSign(s.momentum, s.grads, HP.beta1, c, 1));
    assert.deepEqual(wasmEncoded.code, jsCode, 'encode');
    lionApplySignJs(js.params, js.momentum, js.grads, jsCode, k, 0, n);
    const wasmApplied = inKernel(start, words, (s, c) => lionApplySign(s.params, s.momentum, s.grads, c, HP), jsCode);
    assertSameState(wasmApplied.state, js, 'apply');
    const stepped = copyState(start);
    const stepCode = new Uint32Array(words);
    lionStepSignJs(stepped.params, stepped.momentum, stepped.grads, k, stepCode, 1);
    const wasmStepped = inKernel(start, words, (s, c) => lionStepSign(s.params, s.momentum, s.grads, HP, c, 1));
    assert.deepEqual(wasmStepped.code, stepCode, 'step code');
    assertSameState(wasmStepped.state, stepped, 'step');
    assertSameState(stepped, js, 'step vs encode + apply');
  });
}

test('hyperparameters, lengths and ranges are validated with InvalidArgumentError', () => {
  const isInvalid = (field: string) => (e: unknown) => e instanceof InvalidArgumentError && e.field === field;
  const s = randomState(40, 1);
  const code = new Uint32Array(2);
  const step = (hp: Partial<LionStepHyperparams>, dst = code, st = 0) => lionStepSign(s.params, s.momentum, s.grads, { ...HP, ...hp }, dst, st);
  assert.throws(() => step({ lr: -1 }), isInvalid('lr'));
  assert.throws(() => step({ lr: Number.NaN }), isInvalid('lr'));
  assert.throws(() => step({ weightDecay: -0.1 }), isInvalid('weightDecay'));
  assert.throws(() => step({ lr: 0.5, weightDecay: 3 }), isInvalid('weightDecay'));
  assert.throws(() => step({ beta1: 1 }), isInvalid('beta1'));
  assert.throws(() => step({ beta2: -0.5 }), isInvalid('beta2'));
  assert.throws(() => step({}, new Uint32Array(1)), isInvalid('dst.length'));
  assert.throws(() => step({}, code, -1), isInvalid('step'));
  assert.throws(() => lionStepSign(s.params, s.momentum, s.grads.subarray(1), HP, code, 0), isInvalid('grads.length'));
  assert.throws(() => lionEncodeSign(s.momentum, s.grads, 1.5, code, 0), isInvalid('beta1'));
  assert.throws(() => lionEncodeSign(s.momentum, s.grads.subarray(2), 0.9, code, 0), isInvalid('grads.length'));
  assert.throws(() => lionApplySign(s.params, s.momentum, s.grads, code, HP, { offset: 41, length: 0 }), isInvalid('range.offset'));
  assert.throws(() => lionApplySign(s.params, s.momentum, s.grads, code, HP, { offset: 30, length: 11 }), isInvalid('range.length'));
  assert.throws(() => lionApplySign(s.params, s.momentum.subarray(1), s.grads, code, HP), isInvalid('momentum.length'));
  assert.throws(() => lionApplySign(s.params, s.momentum, s.grads, new Uint32Array(3), HP), isInvalid('code.length'));
});

test('lionEncodeSign reports whether every g is finite, wasm and JS alike, wherever the NaN or ±∞ sits', () => {
  for (const n of [1, 31, 32, 33, 1000]) {
    const m = kernelMemory.allocF32(n);
    const g = kernelMemory.allocF32(n);
    const code = kernelMemory.allocU32(signCodeWords(n));
    m.f32().set(randomFloat32(n, n, { scale: 0.01 }));
    for (const at of [-1, 0, 5, 31, 32, n - 1]) {
      if (at >= n) continue;
      for (const bad of at < 0 ? [0] : [Number.NaN, Infinity, -Infinity]) {
        g.f32().set(randomFloat32(n, n + 1, { scale: 0.1 }));
        if (at >= 0) g.f32()[at] = bad;
        const what = `n=${n} g[${at}] = ${bad}`;
        assert.ok(canUseWasm(m.f32(), g.f32(), code.u32()));
        assert.equal(lionEncodeSign(m.f32(), g.f32(), HP.beta1, code.u32(), 3), at < 0, `wasm ${what}`);
        const js = new Uint32Array(signCodeWords(n));
        assert.equal(lionEncodeSignJs(m.f32().slice(), g.f32().slice(), lionSignConstants(HP), js, 3), at < 0, `JS ${what}`);
        assert.deepEqual(code.u32(), js, `same code ${what}`);
      }
    }
    kernelMemory.release(code);
    kernelMemory.release(g);
    kernelMemory.release(m);
  }
});
