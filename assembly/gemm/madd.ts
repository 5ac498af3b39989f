// Multiply-add of the gemm kernels: fused (f32x4.relaxed_madd) in the relaxed-SIMD build, a multiply then an add
// in the plain build, chosen at compile time by ASC_FEATURE_RELAXED_SIMD (scripts/build-wasm.mjs builds both).

/** c + a·b: fused where relaxed SIMD is compiled in and the CPU has FMA, else a multiply then an add. */
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

@inline
export function maddScalar(a: f32, b: f32, c: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.extract_lane(f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
  return c + a * b;
}
