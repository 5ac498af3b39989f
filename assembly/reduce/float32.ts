// float32 reductions: IEEE float32 add, add-then-divide (mean) and maximum (NaN propagates, -0 below +0).

/** dst[i] += src[i] for i < n. */
export function sumF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = dst + (<usize>i << 2);
    const q = src + (<usize>i << 2);
    v128.store(p, f32x4.add(v128.load(p), v128.load(q)));
    v128.store(p, f32x4.add(v128.load(p, 16), v128.load(q, 16)), 16);
  }
  for (; i < n; i++) {
    const p = dst + (<usize>i << 2);
    store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>i << 2)));
  }
}

/** dst[i] = (dst[i] + src[i]) / divisor for i < n: the sum rounded to float32, then one float32 division. */
export function sumDivF32(dst: usize, src: usize, n: i32, divisor: f32): void {
  const d = f32x4.splat(divisor);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = dst + (<usize>i << 2);
    const q = src + (<usize>i << 2);
    v128.store(p, f32x4.div(f32x4.add(v128.load(p), v128.load(q)), d));
    v128.store(p, f32x4.div(f32x4.add(v128.load(p, 16), v128.load(q, 16)), d), 16);
  }
  for (; i < n; i++) {
    const p = dst + (<usize>i << 2);
    store<f32>(p, (load<f32>(p) + load<f32>(src + (<usize>i << 2))) / divisor);
  }
}

/** dst[i] = max(dst[i], src[i]) for i < n; wasm's max is JS Math.max: NaN wins, +0 is above -0. */
export function maxF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = dst + (<usize>i << 2);
    const q = src + (<usize>i << 2);
    v128.store(p, f32x4.max(v128.load(p), v128.load(q)));
    v128.store(p, f32x4.max(v128.load(p, 16), v128.load(q, 16)), 16);
  }
  for (; i < n; i++) {
    const p = dst + (<usize>i << 2);
    store<f32>(p, max<f32>(load<f32>(p), load<f32>(src + (<usize>i << 2))));
  }
}
