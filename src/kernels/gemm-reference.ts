// Plain-JS references of the dense-layer products in assembly/gemm.ts, in the kernels' operation order.
//
// With `fused` false every term is one float32 multiply then one float32 add (Math.fround at each step), the
// order the plain SIMD kernel uses, so the two agree bit for bit. With `fused` true each term is a·b + c rounded
// once to float32 (computed in float64, where a·b is exact), which is what relaxed_madd gives on a CPU with FMA
// up to a rare double-rounding difference in the last bit; the relaxed kernel is checked against it within a
// tolerance (src/kernels/gemm.test.ts).

/** c + a·b as the kernel computes it. */
function madd(a: number, b: number, c: number, fused: boolean): number {
  return fused ? Math.fround(a * b + c) : Math.fround(c + Math.fround(a * b));
}

/** y[m×n] = x[m×k]·w[k×n] (+ bias[n], then ReLU): ascending sum over k, bias added after, then max(·, 0). */
export function gemmNnReference(
  x: Float32Array, w: Float32Array, y: Float32Array, m: number, k: number, n: number,
  options: { bias?: Float32Array; relu?: boolean; fused?: boolean } = {},
): void {
  const { bias, relu = false, fused = false } = options;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc = madd(x[i * k + p], w[p * n + j], acc, fused);
      if (bias) acc = Math.fround(acc + bias[j]);
      if (relu) acc = Math.max(acc, 0);
      y[i * n + j] = acc;
    }
  }
}

/** Below this k gemm_nt runs as gemm_nn on bᵀ (NT_TRANSPOSE_BELOW_K in assembly/gemm/nt.ts): ascending sums. */
export const NT_TRANSPOSE_BELOW_K = 16;

/**
 * y[m×n] = a[m×k]·b[n×k]ᵀ in the kernel's order: four lane sums (lane l takes the terms p ≡ l mod 4 below
 * k − k mod 4, ascending), combined as (l0 + l2) + (l1 + l3), then the remaining terms in order; for
 * k < NT_TRANSPOSE_BELOW_K one ascending sum.
 */
export function gemmNtReference(a: Float32Array, b: Float32Array, y: Float32Array, m: number, k: number, n: number, fused = false): void {
  const k4 = k < NT_TRANSPOSE_BELOW_K ? 0 : k & ~3;
  const lanes = [0, 0, 0, 0];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      lanes.fill(0);
      for (let p = 0; p < k4; p++) lanes[p & 3] = madd(a[i * k + p], b[j * k + p], lanes[p & 3], fused);
      let acc = Math.fround(Math.fround(lanes[0] + lanes[2]) + Math.fround(lanes[1] + lanes[3]));
      for (let p = k4; p < k; p++) acc = madd(a[i * k + p], b[j * k + p], acc, fused);
      y[i * n + j] = acc;
    }
  }
}

/** y[m×n] = a[k×m]ᵀ·b[k×n]: ascending sum over k. */
export function gemmTnReference(a: Float32Array, b: Float32Array, y: Float32Array, m: number, k: number, n: number, fused = false): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc = madd(a[p * m + i], b[p * n + j], acc, fused);
      y[i * n + j] = acc;
    }
  }
}
