// Integer reductions: sums wrap around modulo 2^width (signed and unsigned share them), max by signed or unsigned value.

/** dst[i] += src[i] over n bytes (int8 and uint8). */
export function sumI8(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) v128.store(dst + i, i8x16.add(v128.load(dst + i), v128.load(src + i)));
  for (; i < n; i++) store<u8>(dst + i, load<u8>(dst + i) + load<u8>(src + i));
}

/** dst[i] += src[i] over n 16-bit words (int16). */
export function sumI16(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = dst + (<usize>i << 1);
    v128.store(p, i16x8.add(v128.load(p), v128.load(src + (<usize>i << 1))));
  }
  for (; i < n; i++) {
    const p = dst + (<usize>i << 1);
    store<u16>(p, load<u16>(p) + load<u16>(src + (<usize>i << 1)));
  }
}

/** dst[i] += src[i] over n 32-bit words (int32 and uint32). */
export function sumI32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = dst + (<usize>i << 2);
    v128.store(p, i32x4.add(v128.load(p), v128.load(src + (<usize>i << 2))));
  }
  for (; i < n; i++) {
    const p = dst + (<usize>i << 2);
    store<u32>(p, load<u32>(p) + load<u32>(src + (<usize>i << 2)));
  }
}

export function maxI8(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) v128.store(dst + i, i8x16.max_s(v128.load(dst + i), v128.load(src + i)));
  for (; i < n; i++) store<i8>(dst + i, max<i8>(load<i8>(dst + i), load<i8>(src + i)));
}

export function maxU8(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) v128.store(dst + i, i8x16.max_u(v128.load(dst + i), v128.load(src + i)));
  for (; i < n; i++) store<u8>(dst + i, max<u8>(load<u8>(dst + i), load<u8>(src + i)));
}

export function maxI16(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = dst + (<usize>i << 1);
    v128.store(p, i16x8.max_s(v128.load(p), v128.load(src + (<usize>i << 1))));
  }
  for (; i < n; i++) {
    const p = dst + (<usize>i << 1);
    store<i16>(p, max<i16>(load<i16>(p), load<i16>(src + (<usize>i << 1))));
  }
}

export function maxI32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = dst + (<usize>i << 2);
    v128.store(p, i32x4.max_s(v128.load(p), v128.load(src + (<usize>i << 2))));
  }
  for (; i < n; i++) {
    const p = dst + (<usize>i << 2);
    store<i32>(p, max<i32>(load<i32>(p), load<i32>(src + (<usize>i << 2))));
  }
}

export function maxU32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = dst + (<usize>i << 2);
    v128.store(p, i32x4.max_u(v128.load(p), v128.load(src + (<usize>i << 2))));
  }
  for (; i < n; i++) {
    const p = dst + (<usize>i << 2);
    store<u32>(p, max<u32>(load<u32>(p), load<u32>(src + (<usize>i << 2))));
  }
}
