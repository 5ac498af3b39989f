// Integer reductions: sums wrap around modulo 2^width (signed and unsigned share them), max by signed or unsigned value.
//
// One generic loop per op; T's width and signedness pick the SIMD instruction at compile time.

export function sumI8(dst: usize, src: usize, n: i32): void { combine<u8>(dst, src, n, false); }
export function sumI16(dst: usize, src: usize, n: i32): void { combine<u16>(dst, src, n, false); }
export function sumI32(dst: usize, src: usize, n: i32): void { combine<u32>(dst, src, n, false); }
export function maxI8(dst: usize, src: usize, n: i32): void { combine<i8>(dst, src, n, true); }
export function maxU8(dst: usize, src: usize, n: i32): void { combine<u8>(dst, src, n, true); }
export function maxI16(dst: usize, src: usize, n: i32): void { combine<i16>(dst, src, n, true); }
export function maxI32(dst: usize, src: usize, n: i32): void { combine<i32>(dst, src, n, true); }
export function maxU32(dst: usize, src: usize, n: i32): void { combine<u32>(dst, src, n, true); }

/** dst[i] = dst[i] + src[i] (wrapping) or max(dst[i], src[i]) for i < n elements of T. */
@inline
function combine<T>(dst: usize, src: usize, n: i32, isMax: bool): void {
  const lanes = 16 / <i32>sizeof<T>();
  let i = 0;
  for (; i + lanes <= n; i += lanes) {
    const offset = <usize>i * sizeof<T>();
    const a = v128.load(dst + offset);
    const b = v128.load(src + offset);
    v128.store(dst + offset, isMax ? maxLanes<T>(a, b) : sumLanes<T>(a, b));
  }
  for (; i < n; i++) {
    const offset = <usize>i * sizeof<T>();
    const a = load<T>(dst + offset);
    const b = load<T>(src + offset);
    store<T>(dst + offset, isMax ? max<T>(a, b) : <T>(a + b));
  }
}

@inline
function sumLanes<T>(a: v128, b: v128): v128 {
  if (sizeof<T>() == 1) return i8x16.add(a, b);
  if (sizeof<T>() == 2) return i16x8.add(a, b);
  return i32x4.add(a, b);
}

@inline
function maxLanes<T>(a: v128, b: v128): v128 {
  if (sizeof<T>() == 1) return isSigned<T>() ? i8x16.max_s(a, b) : i8x16.max_u(a, b);
  if (sizeof<T>() == 2) return isSigned<T>() ? i16x8.max_s(a, b) : i16x8.max_u(a, b);
  return isSigned<T>() ? i32x4.max_s(a, b) : i32x4.max_u(a, b);
}
