// The codec's fused Lion kernels and the optimizer's plain Lion follow one float32 contract (docs/optimizer.md):
// wherever c ≠ 0 they must produce the same parameters and momentum, bit for bit, on both kernel paths.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lionStepSign, lionEncodeSign, lionApplySign } from '../../src/codec/lion-sign.js';
import { signCodeWords } from '../../src/codec/sign-code-checks.js';
import { lionFusedStep } from '../../src/optim/lion-fused.js';
import { lionCoefficients } from '../../src/optim/lion-numerics.js';
import { kernelMemory } from '../../src/kernels/load.js';
import { randomFloat32 } from '../../src/random.js';

const HP = { lr: 3e-3, beta1: 0.9, beta2: 0.99, weightDecay: 0.2 };
const N = 100_003;

/** Two identical sets of (params, momentum, grads); all regions are allocated before any view is taken (a grow detaches views). */
function twoInputs(inKernelMemory: boolean) {
  const regions = inKernelMemory ? [0, 1, 2, 3, 4, 5].map(() => kernelMemory.allocF32(N)) : [];
  const make = (i: number) => (inKernelMemory ? regions[i].f32() : new Float32Array(N));
  const sets = [0, 1].map((k) => {
    const [p, m, g] = [make(3 * k), make(3 * k + 1), make(3 * k + 2)];
    p.set(randomFloat32(N, 1));
    m.set(randomFloat32(N, 2, { scale: 0.01, zeroFraction: 0.05 }));
    g.set(randomFloat32(N, 3, { scale: 0.01, zeroFraction: 0.05 }));
    return { p, m, g };
  });
  return { a: sets[0], b: sets[1], release: () => regions.forEach((r) => kernelMemory.release(r)) };
}

for (const inKernelMemory of [false, true]) {
  const path = inKernelMemory ? 'wasm' : 'js';
  test(`codec lionStepSign equals optim lionFusedStep wherever c ≠ 0 (${path})`, () => {
    const { a, b, release } = twoInputs(inKernelMemory);
    const c = new Float32Array(N);
    const b1 = Math.fround(HP.beta1);
    const omb1 = Math.fround(1 - HP.beta1);
    for (let i = 0; i < N; i++) c[i] = Math.fround(Math.fround(b1 * a.m[i]) + Math.fround(omb1 * a.g[i]));
    const code = new Uint32Array(signCodeWords(N));
    lionStepSign(a.p, a.m, a.g, HP, code, 7);
    lionFusedStep(b.p, b.m, b.g, lionCoefficients({ ...HP, decayed: true }));
    let compared = 0;
    let zeros = 0;
    for (let i = 0; i < N; i++) {
      assert.equal(Object.is(a.m[i], b.m[i]), true, `momentum ${i}`);
      if (c[i] === 0) { zeros++; continue; }
      compared++;
      if (!Object.is(a.p[i], b.p[i])) assert.fail(`param ${i}: codec ${a.p[i]} vs optim ${b.p[i]} (c = ${c[i]})`);
    }
    assert.ok(compared > N * 0.9 && zeros > 0, `compared ${compared}, zeros ${zeros}`);
    release();
  });

  test(`encode then apply equals the one-pass step (${path})`, () => {
    const { a, b, release } = twoInputs(inKernelMemory);
    const codeA = new Uint32Array(signCodeWords(N));
    const codeB = new Uint32Array(signCodeWords(N));
    lionStepSign(a.p, a.m, a.g, HP, codeA, 3);
    lionEncodeSign(b.m, b.g, HP.beta1, codeB, 3);
    lionApplySign(b.p, b.m, b.g, codeB, HP);
    assert.deepEqual(codeB, codeA);
    assert.deepEqual(b.p, a.p);
    assert.deepEqual(b.m, a.m);
    release();
  });
}
