// float32 reductions: IEEE float32 add, add-then-divide (mean) and maximum (NaN propagates, -0 below +0).

import { OP_MAX, OP_SUM, OP_SUM_DIV, applyLanes, applyScalar } from './float-op';

/** dst[i] += src[i] for i < n. */
export function sumF32(dst: usize, src: usize, n: i32): void {
  combine(dst, src, n, OP_SUM, 1);
}

/** dst[i] = (dst[i] + src[i]) / divisor for i < n: the sum rounded to float32, then one float32 division. */
export function sumDivF32(dst: usize, src: usize, n: i32, divisor: f32): void {
  combine(dst, src, n, OP_SUM_DIV, divisor);
}

/** dst[i] = max(dst[i], src[i]) for i < n; wasm's max is JS Math.max: NaN wins, +0 is above -0. */
export function maxF32(dst: usize, src: usize, n: i32): void {
  combine(dst, src, n, OP_MAX, 1);
}

// Two vectors per iteration; `op` is a constant at every call site, so each export compiles to one plain loop.
@inline
function combine(dst: usize, src: usize, n: i32, op: i32, divisor: f32): void {
  const d = f32x4.splat(divisor);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = dst + (<usize>i << 2);
    const q = src + (<usize>i << 2);
    v128.store(p, applyLanes(v128.load(p), v128.load(q), op, d));
    v128.store(p, applyLanes(v128.load(p, 16), v128.load(q, 16), op, d), 16);
  }
  for (; i < n; i++) {
    const p = dst + (<usize>i << 2);
    const a = load<f32>(p);
    const b = load<f32>(src + (<usize>i << 2));
    store<f32>(p, applyScalar(a, b, op, divisor));
  }
}

