// WebAssembly SIMD bfloat16 conversions (module "bf16"): float32 → bfloat16 words and back.
//
// Pointers are byte offsets into the shared kernel memory; n counts values. The rounding is the process
// group's (src/comm/reduce-ops.ts, roundBitsToBf16): round to nearest, ties to even, every NaN to the quiet
// NaN 0x7fc0, so the wasm and JS paths give the same words. No string literals or static arrays: all modules
// share one memory.

/** dst[i] = bfloat16 word of float32 src[i]; src holds n float32, dst n uint16. */
export function f32ToBf16(src: usize, dst: usize, n: i32): void {
  const absMask = i32x4.splat(0x7fffffff);
  const infBits = i32x4.splat(0x7f800000);
  const half = i32x4.splat(0x7fff);
  const one = i32x4.splat(1);
  const quietNaN = i32x4.splat(0x7fc0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const a = roundLanes(v128.load(src + (<usize>i << 2)), absMask, infBits, half, one, quietNaN);
    const b = roundLanes(v128.load(src + (<usize>i << 2), 16), absMask, infBits, half, one, quietNaN);
    v128.store(dst + (<usize>i << 1), i16x8.narrow_i32x4_u(a, b));
  }
  for (; i < n; i++) store<u16>(dst + (<usize>i << 1), roundScalar(load<u32>(src + (<usize>i << 2))));
}

/** dst[i] = float32 value of bfloat16 word src[i] (exact); src holds n uint16, dst n float32. */
export function bf16ToF32(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const words = v128.load(src + (<usize>i << 1));
    v128.store(dst + (<usize>i << 2), i32x4.shl(i32x4.extend_low_i16x8_u(words), 16));
    v128.store(dst + (<usize>i << 2), i32x4.shl(i32x4.extend_high_i16x8_u(words), 16), 16);
  }
  for (; i < n; i++) store<u32>(dst + (<usize>i << 2), (<u32>load<u16>(src + (<usize>i << 1))) << 16);
}

// (bits + 0x7fff + lowest kept bit) >>> 16: carries into bit 16 exactly when the dropped half is above one
// half ulp, or equal to it with an odd kept value. Never wraps for a non-NaN pattern; NaN lanes are replaced.
@inline
function roundLanes(bits: v128, absMask: v128, infBits: v128, half: v128, one: v128, quietNaN: v128): v128 {
  const isNaN = i32x4.gt_u(v128.and(bits, absMask), infBits);
  const lsb = v128.and(i32x4.shr_u(bits, 16), one);
  const rounded = i32x4.shr_u(i32x4.add(i32x4.add(bits, half), lsb), 16);
  return v128.bitselect(quietNaN, rounded, isNaN);
}

@inline
function roundScalar(bits: u32): u16 {
  if ((bits & 0x7fffffff) > 0x7f800000) return 0x7fc0;
  return <u16>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}
