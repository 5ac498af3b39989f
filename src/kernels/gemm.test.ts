// The dense-layer kernels equal their JS references: bit for bit with plain SIMD on aligned and ragged shapes,
// within a last-bits tolerance with relaxed SIMD (run here when the engine has it, and in a child Node with the flag).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { KernelMemory } from './kernel-memory.js';
import { gemmKernels, RELAXED_SIMD_FLAG, relaxedSimdSupported, type GemmVariant } from './gemm.js';
import { gemmNnReference, gemmNtReference, gemmTnReference } from './gemm-reference.js';

const SHAPES: Array<[number, number, number]> = [[1, 1, 1], [3, 5, 7], [4, 9, 8], [5, 17, 19], [8, 64, 40], [13, 33, 70], [4, 0, 9], [6, 130, 17], [9, 260, 12], [8, 64, 2048], [33, 20, 24]];
/** Few output columns (the narrow groups: n ≤ 12 whole, n mod 8 beside 8-wide strips) with odd m and k. */
const NARROW_SHAPES: Array<[number, number, number]> = [
  [7, 9, 1], [5, 11, 2], [9, 13, 3], [4, 7, 4], [11, 31, 5], [13, 37, 10], [8, 15, 11], [11, 21, 13], [6, 19, 17], [5, 3, 23],
  [32, 1024, 10], [1024, 32, 10], [4, 0, 10], [3, 2, 6],
];
/** gemm_nt with rows shorter than 16 (b transposed into scratch) next to the dot-product path. */
const SHORT_K_SHAPES: Array<[number, number, number]> = [[32, 10, 1024], [7, 1, 9], [9, 15, 13], [5, 16, 13], [6, 3, 33]];
/** Every output width 1..16 (gemm_tn's tiles along m) with odd k and m of every residue mod 8. */
const COLUMN_SHAPES: Array<[number, number, number]> = [
  [13, 33, 1], [6, 7, 2], [17, 5, 3], [9, 1, 4], [15, 9, 5], [10, 3, 6], [19, 17, 7], [21, 11, 8], [7, 31, 9],
  [25, 33, 10], [3, 5, 11], [12, 29, 12], [14, 9, 13], [11, 7, 14], [20, 3, 15], [23, 13, 16], [1024, 32, 16],
];
const ALL_SHAPES = [...SHAPES, ...NARROW_SHAPES, ...SHORT_K_SHAPES, ...COLUMN_SHAPES];

function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 * 2 - 1;
  };
}

type Product = 'nn' | 'nn+bias+relu' | 'nt' | 'tn';

/** Floats after y that no kernel may write. */
const GUARD = 4;
const GUARD_VALUE = 12345;

/** Runs one product on a fresh memory and its reference; returns [kernel result, reference]. */
function compare(variant: GemmVariant, product: Product, m: number, k: number, n: number): [Float32Array, Float32Array] {
  const random = lcg(m * 1000 + k * 10 + n);
  const memory = new KernelMemory();
  const kernels = gemmKernels(memory.memory, variant);
  // Operand layouts: nn x m×k, w k×n; nt a m×k, b n×k; tn a k×m, b k×n.
  const aLen = m * k;
  const bLen = k * n;
  const a = memory.allocF32(Math.max(aLen, 1));
  const b = memory.allocF32(Math.max(bLen, 1));
  const bias = memory.allocF32(Math.max(n, 1));
  const y = memory.allocF32(m * n + GUARD);
  const pad = memory.allocF32(Math.max(1, kernels.gemm_tn_scratch(m, k, n), kernels.gemm_nt_scratch(m, k, n)));
  const aData = Float32Array.from({ length: aLen }, random);
  const bData = Float32Array.from({ length: bLen }, random);
  const biasData = Float32Array.from({ length: n }, random);
  a.f32().set(aData);
  b.f32().set(bData);
  bias.f32().set(biasData);
  y.f32().fill(Number.NaN);
  y.f32().fill(GUARD_VALUE, m * n);
  const expected = new Float32Array(m * n);
  const fused = variant === 'relaxed';
  if (product === 'nt') {
    kernels.gemm_nt(a.offset, b.offset, y.offset, m, k, n, pad.offset);
    gemmNtReference(aData, bData, expected, m, k, n, fused);
  } else if (product === 'tn') {
    kernels.gemm_tn(a.offset, b.offset, y.offset, m, k, n, pad.offset);
    gemmTnReference(aData, bData, expected, m, k, n, fused);
  } else {
    const withBias = product === 'nn+bias+relu';
    kernels.gemm_nn(a.offset, b.offset, y.offset, withBias ? bias.offset : 0, withBias, m, k, n);
    gemmNnReference(aData, bData, expected, m, k, n, withBias ? { bias: biasData, relu: true, fused } : { fused });
  }
  assert.deepEqual(Array.from(y.f32().subarray(m * n)), new Array(GUARD).fill(GUARD_VALUE), `${product} ${m}×${k}×${n} wrote past y`);
  return [y.f32().slice(0, m * n), expected];
}

const PRODUCTS: Product[] = ['nn', 'nn+bias+relu', 'nt', 'tn'];

test('plain SIMD products equal the references bit for bit', () => {
  for (const product of PRODUCTS) {
    for (const [m, k, n] of ALL_SHAPES) {
      const [got, expected] = compare('simd', product, m, k, n);
      assert.deepEqual(Array.from(got), Array.from(expected), `${product} ${m}×${k}×${n}`);
    }
  }
});

/** Relaxed results within 2 ulps-ish of the fused reference, scaled by the sum's magnitude (√k terms of ±1). */
export function checkRelaxed(): void {
  for (const product of PRODUCTS) {
    for (const [m, k, n] of ALL_SHAPES) {
      const [got, expected] = compare('relaxed', product, m, k, n);
      const tolerance = 1e-6 * Math.max(1, k);
      for (let i = 0; i < got.length; i++) {
        assert.ok(Math.abs(got[i] - expected[i]) <= tolerance, `${product} ${m}×${k}×${n} [${i}]: ${got[i]} vs ${expected[i]}`);
      }
    }
  }
}

test('relaxed SIMD products equal the fused references within rounding', { skip: !relaxedSimdSupported() && 'engine without relaxed SIMD (checked in a child process below)' }, () => {
  checkRelaxed();
});

test(`relaxed SIMD products in a Node started with ${RELAXED_SIMD_FLAG}`, { skip: relaxedSimdSupported() && 'checked in this process' }, () => {
  const script = `import { checkRelaxed } from ${JSON.stringify(new URL('./gemm.test.ts', import.meta.url).href)}; checkRelaxed(); console.log('relaxed ok');`;
  const child = spawnSync(process.execPath, [RELAXED_SIMD_FLAG, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /relaxed ok/);
});
