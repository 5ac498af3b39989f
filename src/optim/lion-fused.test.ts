// The composed chain, the fused JS reference and the fused wasm kernel give the same bits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { canUseWasm, kernelMemory, setWasmKernelsEnabled } from '../kernels/load.js';
import type { KernelRegion } from '../kernels/kernel-memory.js';
import { randomFloat32 } from '../random.js';
import { createLion, type CreateLionOptions } from './lion.js';
import {
  lionApplyDirectionJs, lionApplyDirectionWasm, lionFusedStepJs, lionFusedStepWasm, lionUpdateVectorJs, lionUpdateVectorWasm,
} from './lion-fused.js';
import { lionCoefficients, lionSign } from './lion-numerics.js';
import { layoutFromLengths, type ParamLayout } from './param-layout.js';
import { warmupCosineSchedule } from './schedules.js';
import { applyUpdates, composedLion, updatesFromGradients, type ScaleByLionState } from './transforms.js';

// These tests run the wasm path next to the JS one, whatever LION_CUB_KERNELS says.
setWasmKernelsEnabled(true);

const LENGTHS = [0, 1, 31, 32, 33, 1000, 2 ** 20 + 3];
const STEPS = 3;

/** Index of the first element whose float32 bits differ, or −1. */
function firstBitMismatch(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const i = firstBitMismatch(actual, expected);
  assert.equal(i, -1, `${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
}

/** Three segments (decayed, not decayed, decayed), some possibly empty, so runs and masks are exercised. */
function layoutFor(n: number): ParamLayout {
  const a = n >> 1;
  const b = Math.min(n - a, 7);
  return layoutFromLengths([{ name: 'w', length: a }, { name: 'bias', length: b }, { name: 'v', length: n - a - b }]);
}

/** Seeded inputs with exact +0/−0 in params, momentum and gradients. */
function inputs(n: number, seed: number) {
  return {
    params: randomFloat32(n, seed, { zeroFraction: 0.1, scale: 2 }),
    momentum: randomFloat32(n, seed + 1, { zeroFraction: 0.3, scale: 0.1 }),
    grads: Array.from({ length: STEPS }, (_, t) => randomFloat32(n, seed + 2 + t, { zeroFraction: 0.3 })),
  };
}

function optionsFor(n: number, clip: boolean, weightDecay = 0.3): CreateLionOptions {
  return {
    lr: warmupCosineSchedule({ peakLr: 0.01, warmupSteps: 1, totalSteps: 3, minLr: 0.001 }),
    weightDecay,
    weightDecayMask: { exclude: ['bias'] },
    // Uniform [−1, 1) gradients with 30% zeros have norm ≈ sqrt(0.7·n/3); half of that forces clipping.
    ...(clip ? { maxGradNorm: 0.5 * Math.sqrt((0.7 * n) / 3) + 1e-3 } : {}),
  };
}

function runComposed(layout: ParamLayout, options: CreateLionOptions, data: ReturnType<typeof inputs>) {
  const params = Float32Array.from(data.params);
  const tx = composedLion(layout, options);
  let state = tx.init(layout, params);
  const lionState = state.find((s): s is ScaleByLionState => (s as ScaleByLionState | null)?.momentum instanceof Float32Array)!;
  lionState.momentum.set(data.momentum);
  for (const g of data.grads) {
    const updates = updatesFromGradients(layout, g);
    state = tx.update(updates, state, params);
    applyUpdates(params, updates);
  }
  return { params, momentum: lionState.momentum };
}

function runFacade(layout: ParamLayout, options: CreateLionOptions, data: ReturnType<typeof inputs>, inKernel: boolean) {
  const n = layout.numParams;
  const lion = createLion(layout, { ...options, stateMemory: inKernel ? 'kernel' : 'heap' });
  // Allocate everything before taking views: a memory grow detaches views taken earlier.
  const regions: KernelRegion[] = inKernel ? [kernelMemory.allocF32(n), kernelMemory.allocF32(n)] : [];
  const [params, grads] = inKernel ? regions.map((r) => r.f32()) : [new Float32Array(n), new Float32Array(n)];
  params.set(data.params);
  lion.state.momentum.set(data.momentum);
  assert.equal(canUseWasm(params, lion.state.momentum, grads), inKernel, 'the intended kernel path runs');
  for (const g of data.grads) {
    grads.set(g);
    lion.step(params, grads);
  }
  const result = { params: Float32Array.from(params), momentum: Float32Array.from(lion.state.momentum), lion };
  lion.dispose();
  for (const r of regions) kernelMemory.release(r);
  return result;
}

// Without weight decay and clipping every segment takes the wasm kernel's path that leaves out θ·1 and g·1.
for (const { clip, weightDecay } of [{ clip: false, weightDecay: 0.3 }, { clip: true, weightDecay: 0.3 }, { clip: false, weightDecay: 0 }]) {
  const what = weightDecay > 0 ? 'weight decay with mask' : 'no weight decay';
  test(`composed = fused JS = fused wasm, bit for bit, ${STEPS} steps, ${what}${clip ? ', clipping active' : ''}`, () => {
    for (const n of LENGTHS) {
      const layout = layoutFor(n);
      const options = optionsFor(n, clip, weightDecay);
      const data = inputs(n, 1000 + n);
      const composed = runComposed(layout, options, data);
      const js = runFacade(layout, options, data, false);
      const wasm = runFacade(layout, options, data, true);
      assertSameBits(js.params, composed.params, `n=${n} params, fused JS vs composed`);
      assertSameBits(js.momentum, composed.momentum, `n=${n} momentum, fused JS vs composed`);
      assertSameBits(wasm.params, composed.params, `n=${n} params, fused wasm vs composed`);
      assertSameBits(wasm.momentum, composed.momentum, `n=${n} momentum, fused wasm vs composed`);
      if (n > 0) assert.notEqual(firstBitMismatch(js.params, data.params), -1, 'the step moved something');
    }
  });
}

/** Allocates kernel-memory copies of arrays; returns the views and a release function. */
function inKernel(...arrays: Float32Array[]): { views: Float32Array[]; release: () => void } {
  const regions = arrays.map((a) => {
    const r = kernelMemory.allocF32(a.length);
    r.f32().set(a);
    return r;
  });
  return { views: regions.map((r) => r.f32()), release: () => regions.forEach((r) => kernelMemory.release(r)) };
}

test('raw kernels at sub-ranges: JS and wasm agree, elements outside the range are untouched (decay and scale ≠ 1 and = 1)', () => {
  const scaled = lionCoefficients({ lr: 0.02, beta1: 0.95, beta2: 0.98, weightDecay: 1.5, decayed: true, gradScale: 0.75 });
  const unscaled = lionCoefficients({ lr: 0.02, beta1: 0.95, beta2: 0.98, weightDecay: 0, decayed: true });
  assert.ok(unscaled.decay === 1 && unscaled.gradScale === 1);
  for (const [k, n] of [scaled, unscaled].flatMap((c) => [1, 33, 1000, 1031].map((n) => [c, n] as const))) {
    const data = inputs(n, 7 + n);
    const [start, end] = [n >> 2, n - (n >> 3)];
    const jsP = Float32Array.from(data.params), jsM = Float32Array.from(data.momentum);
    lionFusedStepJs(jsP, jsM, data.grads[0], k, start, end);
    const { views: [p, m, g], release } = inKernel(data.params, data.momentum, data.grads[0]);
    lionFusedStepWasm(p, m, g, k, start, end);
    assertSameBits(p, jsP, `n=${n} params`);
    assertSameBits(m, jsM, `n=${n} momentum`);
    assertSameBits(jsP.subarray(0, start), data.params.subarray(0, start), 'before the range');
    assertSameBits(jsP.subarray(end), data.params.subarray(end), 'after the range');
    release();
  }
});

test('applyDirection with Δ = sign(c) is the fused step; JS and wasm agree for any Δ in [−1, 1]', () => {
  const k = lionCoefficients({ lr: 0.05, beta1: 0.9, beta2: 0.99, weightDecay: 0.2, decayed: true, gradScale: 0.5 });
  for (const n of LENGTHS) {
    const data = inputs(n, 31 + n);
    const g = data.grads[0];
    // c, then Δ = sign(c): the one-worker case of every vote.
    const c = new Float32Array(n);
    lionUpdateVectorJs(data.momentum, g, c, k);
    const direction = c.map(lionSign);
    const fusedP = Float32Array.from(data.params), fusedM = Float32Array.from(data.momentum);
    lionFusedStepJs(fusedP, fusedM, g, k);
    const dirP = Float32Array.from(data.params), dirM = Float32Array.from(data.momentum);
    lionApplyDirectionJs(dirP, dirM, g, direction, k);
    assertSameBits(dirP, fusedP, `n=${n} params, sign direction vs fused`);
    assertSameBits(dirM, fusedM, `n=${n} momentum, sign direction vs fused`);

    // An averaged vote: values in {−1, −1/2, 0, 1/2, 1}.
    const avg = randomFloat32(n, 77 + n).map((x) => Math.round(x * 2) / 2);
    const jsP = Float32Array.from(data.params), jsM = Float32Array.from(data.momentum);
    lionApplyDirectionJs(jsP, jsM, g, avg, k);
    const { views: [p, m, gk, d, out], release } = inKernel(data.params, data.momentum, g, avg, new Float32Array(n));
    lionApplyDirectionWasm(p, m, gk, d, k);
    assertSameBits(p, jsP, `n=${n} params, direction wasm vs JS`);
    assertSameBits(m, jsM, `n=${n} momentum, direction wasm vs JS`);
    lionUpdateVectorWasm(m, gk, out, k);
    const cJs = new Float32Array(n);
    lionUpdateVectorJs(jsM, g, cJs, k);
    assertSameBits(out, cJs, `n=${n} update vector wasm vs JS`);
    release();
  }
});

test('sign rule: c = +0, −0 or NaN leaves θ only decayed; NaN gradients agree between JS and wasm', () => {
  const k = lionCoefficients({ lr: 0.5, beta1: 0.9, beta2: 0.99, weightDecay: 0, decayed: true });
  // c = 0.9·m + 0.1·g: (+0,+0) → +0, (−0,−0) → −0, (0,NaN) → NaN, then a positive and a negative c.
  const params = new Float32Array([1, -0, 0, 1, 1]);
  const momentum = new Float32Array([0, -0, 0, 1, -1]);
  const grads = new Float32Array([0, -0, Number.NaN, 0, 0]);
  const jsP = params.slice(), jsM = momentum.slice();
  lionFusedStepJs(jsP, jsM, grads, k);
  assert.deepEqual([...jsP], [1, -0, 0, 0.5, 1.5]);
  assert.ok(Object.is(jsP[1], -0), '−0 stays −0: −0·1 − (+0) = −0');
  const { views: [p, m, g], release } = inKernel(params, momentum, grads);
  lionFusedStepWasm(p, m, g, k);
  assert.deepEqual([...p], [...jsP]);
  assert.ok(Number.isNaN(m[2]) && Number.isNaN(jsM[2]), 'a NaN gradient poisons only its own momentum');
  assert.deepEqual([...m].filter((_, i) => i !== 2), [...jsM].filter((_, i) => i !== 2));
  release();
});

test('kernel arguments are validated', () => {
  const k = lionCoefficients({ lr: 0.1, beta1: 0.9, beta2: 0.99, weightDecay: 0, decayed: false });
  const a = new Float32Array(4), b = new Float32Array(4), short = new Float32Array(3);
  const invalid = (fn: () => void, field: string) =>
    assert.throws(fn, (e: unknown) => e instanceof InvalidArgumentError && e.code === 'invalid_argument' && e.field === field);
  invalid(() => lionFusedStepJs(a, b, short, k), 'grads');
  invalid(() => lionFusedStepJs(a, short, b, k), 'momentum');
  invalid(() => lionApplyDirectionJs(a, b, b, short, k), 'direction');
  invalid(() => lionUpdateVectorJs(a, b, short, k), 'out');
  invalid(() => lionFusedStepJs(a, b, b, k, 3, 2), 'end');
  invalid(() => lionFusedStepJs(a, b, b, k, -1), 'start');
  invalid(() => lionFusedStepJs(a, b, b, k, 0, 5), 'end');
  invalid(() => lionFusedStepJs(a, b, b, { ...k, lrf: 0.1 }), 'coefficients.lrf');
  invalid(() => lionFusedStepJs(a, b, b, { ...k, decay: Number.NaN }), 'coefficients.decay');
  invalid(() => lionFusedStepWasm(a, b, b, k), 'params');
});

test('c is rounded like float32: products that cancel only after rounding give sign 0 in JS and wasm', () => {
  // Pairs (m, g) with fround(b1·m) = −fround(omb1·g) exactly while b1·m + omb1·g ≠ 0 in exact
  // arithmetic: float32 rounding decides the sign here, so any kernel that keeps more precision
  // (or fuses a multiply-add) moves these parameters and fails.
  const k = lionCoefficients({ lr: 0.25, beta1: 0.9, beta2: 0.99, weightDecay: 0, decayed: true });
  const ms: number[] = [];
  const gs: number[] = [];
  const random = randomFloat32(4000, 5);
  for (let i = 0; i < random.length && ms.length < 64; i++) {
    const m = random[i];
    const target = -Math.fround(k.b1 * m);
    const guess = Math.fround(-(k.b1 * m) / k.omb1);
    // Walk a few float32 neighbours of the guess for one whose product rounds onto −target exactly.
    const bits = new Float32Array([guess]);
    const word = new Int32Array(bits.buffer);
    const start = word[0];
    for (let d = -4; d <= 4; d++) {
      word[0] = start + d;
      const g = bits[0];
      if (Math.fround(k.omb1 * g) === target && k.b1 * m + k.omb1 * g !== 0) { ms.push(m); gs.push(g); break; }
    }
  }
  assert.ok(ms.length >= 16, `found ${ms.length} cancelling pairs`);
  const n = ms.length;
  const params = new Float32Array(n).fill(1);
  const momentum = Float32Array.from(ms);
  const grads = Float32Array.from(gs);
  const jsP = params.slice(), jsM = momentum.slice();
  lionFusedStepJs(jsP, jsM, grads, k);
  assert.deepEqual([...jsP], [...params], 'sign(c) = 0: no parameter moves');
  const c = new Float32Array(n);
  lionUpdateVectorJs(momentum, grads, c, k);
  assert.deepEqual([...c].map((x) => Math.abs(x)), new Array(n).fill(0));
  const { views: [p, m, g, out], release } = inKernel(params, momentum, grads, new Float32Array(n));
  lionUpdateVectorWasm(m, g, out, k);
  assertSameBits(out, c, 'update vector, wasm vs JS');
  lionFusedStepWasm(p, m, g, k);
  assertSameBits(p, jsP, 'params, wasm vs JS');
  assertSameBits(m, jsM, 'momentum, wasm vs JS');
  release();
});
