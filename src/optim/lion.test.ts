// Tests of the Lion facade: schedule per step, mask, clipping, the split step for distributed use, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { kernelMemory, setWasmKernelsEnabled } from '../kernels/load.js';
import { randomFloat32 } from '../random.js';
import { createLion } from './lion.js';
import { lionSign } from './lion-numerics.js';
import { layoutFromLengths } from './param-layout.js';

// These tests run the wasm path next to the JS one, whatever LION_CUB_KERNELS says.
setWasmKernelsEnabled(true);

const layout = layoutFromLengths([{ name: 'w', length: 5 }, { name: 'b', length: 3 }, { name: 'v', length: 4 }]);
const n = layout.numParams;

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

function invalid(fn: () => unknown, field: string): void {
  assert.throws(fn, (e: unknown) => e instanceof InvalidArgumentError && e.code === 'invalid_argument' && e.field === field);
}

test('the schedule is read at every step, and a zero rate freezes θ but not m', () => {
  const seen: number[] = [];
  const lion = createLion(layout, { lr: (t) => { seen.push(t); return t === 1 ? 0 : 0.1; } });
  const params = randomFloat32(n, 1);
  const grads = randomFloat32(n, 2);
  const r0 = lion.step(params, grads);
  assert.equal(r0.lr, 0.1);
  const before = params.slice();
  const m0 = lion.state.momentum.slice();
  const r1 = lion.step(params, grads);
  assert.deepEqual({ step: r1.step, lr: r1.lr }, { step: 1, lr: 0 });
  assert.ok(sameBits(params, before), 'η = 0: θ unchanged');
  assert.ok(!sameBits(lion.state.momentum, m0), 'm still moves');
  lion.step(params, grads);
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(lion.state.step, 3);
  lion.state.step = 10; // resume from a checkpoint
  assert.equal(lion.step(params, grads).step, 10);
  assert.deepEqual(seen, [0, 1, 2, 10]);
});

test('weight decay only on masked-in segments: θ·fround(1 − ηλ) where sign(c) = 0', () => {
  const lion = createLion(layout, { lr: 0.1, weightDecay: 2, weightDecayMask: { exclude: ['b'] } });
  const params = randomFloat32(n, 3);
  const start = params.slice();
  lion.step(params, new Float32Array(n)); // m = 0 and g = 0: c = 0, only decay acts
  const decay = Math.fround(1 - 0.1 * 2);
  for (let i = 0; i < n; i++) {
    const inB = i >= 5 && i < 8;
    assert.equal(params[i], inB ? start[i] : Math.fround(start[i] * decay), `element ${i}`);
  }
});

test('clipping: below the cap nothing changes; above it the step equals one on g·(cap/‖g‖)', () => {
  const grads = randomFloat32(n, 4);
  let sq = 0;
  for (const g of grads) sq += g * g;
  const norm = Math.sqrt(sq);
  const run = (maxGradNorm: number | undefined, g: Float32Array) => {
    const lion = createLion(layout, { lr: 0.01, ...(maxGradNorm === undefined ? {} : { maxGradNorm }) });
    const params = randomFloat32(n, 5);
    lion.state.momentum.set(randomFloat32(n, 6, { scale: 0.3 }));
    const reports = [lion.step(params, g), lion.step(params, g)];
    return { params, momentum: lion.state.momentum, reports };
  };
  const plain = run(undefined, grads);
  assert.equal(plain.reports[0].gradNorm, null);
  const below = run(norm * 1.01, grads);
  assert.ok(Math.abs((below.reports[0].gradNorm as number) - norm) < 1e-12);
  assert.equal(below.reports[0].gradScale, 1);
  assert.ok(sameBits(below.params, plain.params) && sameBits(below.momentum, plain.momentum));

  const cap = norm / 4;
  const above = run(cap, grads);
  const scale = Math.fround(cap / norm);
  assert.equal(above.reports[0].gradScale, scale);
  const prescaled = run(undefined, grads.map((g) => Math.fround(g * scale)));
  assert.ok(sameBits(above.params, prescaled.params) && sameBits(above.momentum, prescaled.momentum));
  assert.ok(!sameBits(above.momentum, plain.momentum), 'clipping changed the momentum');
});

for (const stateMemory of ['heap', 'kernel'] as const) {
  test(`updateVector + applyDirection(sign(c)) is exactly step() (${stateMemory} state)`, () => {
    const options = { lr: (t: number) => 0.01 / (t + 1), weightDecay: 0.5, weightDecayMask: { include: ['w', 'v'] }, maxGradNorm: 1, stateMemory };
    const a = createLion(layout, options);
    const b = createLion(layout, options);
    const pa = randomFloat32(n, 7), pb = pa.slice();
    const c = new Float32Array(n);
    for (let t = 0; t < 4; t++) {
      const g = randomFloat32(n, 100 + t, { zeroFraction: 0.2 });
      const ra = a.step(pa, g);
      const plan = b.updateVector(g, c);
      const rb = b.applyDirection(pb, g, c.map(lionSign), plan);
      assert.deepEqual(rb, ra);
      assert.ok(sameBits(pa, pb) && sameBits(a.state.momentum, b.state.momentum), `step ${t}`);
    }
    const stale = { ...b.planStep(new Float32Array(n)), step: b.state.step - 1 };
    invalid(() => b.applyDirection(pb, new Float32Array(n), c, stale), 'plan.step');
    a.dispose();
    b.dispose();
  });
}

test('kernel state memory is returned on dispose', () => {
  const before = kernelMemory.bytesInUse;
  const lion = createLion(layout, { lr: 0.1, stateMemory: 'kernel' });
  assert.ok(kernelMemory.contains(lion.state.momentum));
  assert.deepEqual([...lion.state.momentum], new Array(n).fill(0), 'm starts at zero');
  assert.ok(kernelMemory.bytesInUse > before);
  lion.dispose();
  assert.equal(kernelMemory.bytesInUse, before);
});

test('bad buffers, options and schedule values are typed errors; a failed step changes nothing', () => {
  invalid(() => createLion(layout, { lr: -1 }), 'lr');
  invalid(() => createLion(layout, { lr: 0.1, stateMemory: 'gpu' as never }), 'stateMemory');
  const lion = createLion(layout, { lr: (t) => (t < 1 ? 0.1 : Number.NaN) });
  invalid(() => lion.step(new Float32Array(n - 1), new Float32Array(n)), 'params');
  invalid(() => lion.step(new Float32Array(n), new Float32Array(n + 1)), 'grads');
  invalid(() => lion.step(new Float64Array(n) as never, new Float32Array(n)), 'params');
  invalid(() => lion.updateVector(new Float32Array(n), new Float32Array(1)), 'out');
  invalid(() => lion.applyDirection(new Float32Array(n), new Float32Array(n), new Float32Array(2)), 'direction');
  const params = randomFloat32(n, 8);
  lion.step(params, randomFloat32(n, 9));
  const p1 = params.slice(), m1 = lion.state.momentum.slice();
  invalid(() => lion.step(params, randomFloat32(n, 10)), 'lr');
  assert.ok(sameBits(params, p1) && sameBits(lion.state.momentum, m1));
  assert.equal(lion.state.step, 1);
  const huge = createLion(layout, { lr: 0.5, weightDecay: 3 });
  invalid(() => huge.step(new Float32Array(n), new Float32Array(n)), 'weightDecay');
});

test('with clipping, the split half-steps on the clipped gradient (clipInPlace, encodeSign, applySignCode) equal the fused step', () => {
  const options = { lr: 0.05, weightDecay: 0.3, weightDecayMask: { exclude: ['b'] }, maxGradNorm: 0.2 };
  const fused = createLion(layout, options);
  const split = createLion(layout, options);
  const pFused = randomFloat32(n, 3);
  const pSplit = pFused.slice();
  const code = new Uint32Array(1);
  for (let s = 0; s < 4; s++) {
    // No exact zeros: a 1-bit code takes the parity rule where sign(c) = 0.
    const g = randomFloat32(n, 40 + s, { scale: 1 });
    const report = fused.step(pFused, g);
    assert.ok(report.gradScale < 1, 'the step clips');
    const gSplit = g.slice();
    const plan = split.clipInPlace(gSplit, split.planStep(gSplit));
    assert.equal(plan.gradScale, report.gradScale, 'the clipped plan still reports the factor');
    assert.throws(() => split.encodeSign(g, code, split.planStep(g)), InvalidArgumentError, 'a plan that still clips is refused');
    split.encodeSign(gSplit, code, plan);
    split.applySignCode(pSplit, gSplit, code, plan);
    assert.ok(sameBits(pSplit, pFused), `params at step ${s}`);
    assert.ok(sameBits(split.state.momentum, fused.state.momentum), `momentum at step ${s}`);
  }
  assert.equal(split.state.step, 4);
});

test('skip advances the step counter and leaves the momentum alone; planStep reports non-finite gradients', () => {
  const lion = createLion(layout, { lr: 0.1 });
  const params = randomFloat32(n, 1);
  lion.step(params, randomFloat32(n, 2));
  const momentum = lion.state.momentum.slice();
  const g = randomFloat32(n, 3);
  g[4] = Number.NaN;
  const plan = lion.planStep(g);
  assert.equal(plan.gradsFinite, false);
  assert.equal(lion.skip(plan).step, 1);
  assert.equal(lion.state.step, 2);
  assert.deepEqual(lion.state.momentum, momentum);
  assert.equal(lion.planStep(randomFloat32(n, 4)).gradsFinite, true);
});

test('a deferred finiteness check: planStep skips its pass, the encode decides, and a non-finite step cannot be applied', () => {
  const layout = layoutFromLengths([{ name: 'w', length: 100 }]);
  const lion = createLion(layout, { lr: 0.01, stateMemory: 'kernel' });
  const params = kernelMemory.allocF32(100);
  const grads = kernelMemory.allocF32(100);
  const code = kernelMemory.allocU32(4);
  grads.f32().set(randomFloat32(100, 9));
  grads.f32()[42] = Number.NaN;
  const plan = lion.planStep(grads.f32(), { deferFiniteCheck: true });
  assert.equal(plan.finiteCheckDeferred, true);
  assert.equal(plan.gradsFinite, true, 'not tested yet');
  assert.throws(() => lion.applySignCode(params.f32(), grads.f32(), code.u32(), plan), /encoded first/);
  assert.equal(lion.encodeSign(grads.f32(), code.u32(), plan), false);
  assert.throws(() => lion.applySignCode(params.f32(), grads.f32(), code.u32(), plan), InvalidArgumentError);
  lion.skip(plan);
  grads.f32()[42] = 0.5;
  const next = lion.planStep(grads.f32(), { deferFiniteCheck: true });
  assert.equal(lion.encodeSign(grads.f32(), code.u32(), next), true);
  lion.applySignCode(params.f32(), grads.f32(), code.u32(), next);
  assert.equal(lion.state.step, 2);
  assert.equal(lion.planStep(grads.f32(), { deferFiniteCheck: false }).finiteCheckDeferred, false);
  const clipping = createLion(layout, { lr: 0.01, maxGradNorm: 1, stateMemory: 'kernel' });
  grads.f32()[42] = Number.NaN;
  const clipped = clipping.planStep(grads.f32(), { deferFiniteCheck: true });
  assert.deepEqual([clipped.finiteCheckDeferred, clipped.gradsFinite], [false, false], 'with clipping the norm tests finiteness anyway');
  for (const r of [params, grads, code]) kernelMemory.release(r);
  lion.dispose();
  clipping.dispose();
});

test('encodeSignSlice is the whole encodeSign\'s words of the slice (parity rule included), JS and wasm; bad slices are refused', () => {
  const layout = layoutFromLengths([{ name: 'w', length: 200 }]);
  const lion = createLion(layout, { lr: 0.01, stateMemory: 'kernel' });
  const grads = kernelMemory.allocF32(200);
  grads.f32().set(randomFloat32(200, 5, { zeroFraction: 0.2 }));
  lion.step(kernelMemory.allocF32(200).f32(), randomFloat32(200, 6, { zeroFraction: 0.2 }));
  const plan = lion.planStep(grads.f32());
  const whole = kernelMemory.allocU32(7);
  lion.encodeSign(grads.f32(), whole.u32(), plan);
  for (const [offset, length] of [[64, 100], [160, 40], [0, 200], [200, 0]]) {
    const words = Math.ceil(length / 32);
    const wasm = kernelMemory.allocU32(words);
    lion.encodeSignSlice(grads.f32(), wasm.u32(), plan, { offset, length });
    const js = new Uint32Array(words);
    lion.encodeSignSlice(grads.f32().slice(), js, plan, { offset, length });
    const want = whole.u32().slice(offset / 32, offset / 32 + words);
    if (length % 32 !== 0) want[words - 1] &= (1 << (length % 32)) - 1;
    assert.deepEqual(wasm.u32(), want, `wasm ${offset}+${length}`);
    assert.deepEqual(js, want, `js ${offset}+${length}`);
    kernelMemory.release(wasm);
  }
  invalid(() => lion.encodeSignSlice(grads.f32(), new Uint32Array(1), plan, { offset: 16, length: 32 }), 'slice');
  invalid(() => lion.encodeSignSlice(grads.f32(), new Uint32Array(2), plan, { offset: 192, length: 32 }), 'slice');
});
