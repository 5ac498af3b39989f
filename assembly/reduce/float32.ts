// float32 reductions: IEEE float32 add, add-then-divide (mean) and maximum (NaN propagates, -0 below +0).

const OP_SUM: i32 = 0;
const OP_SUM_DIV: i32 = 1;
const OP_MAX: i32 = 2;

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
    v128.store(p, apply(v128.load(p), v128.load(q), op, d));
    v128.store(p, apply(v128.load(p, 16), v128.load(q, 16), op, d), 16);
  }
  for (; i < n; i++) {
    const p = dst + (<usize>i << 2);
    const a = load<f32>(p);
    const b = load<f32>(src + (<usize>i << 2));
    store<f32>(p, op === OP_MAX ? max<f32>(a, b) : op === OP_SUM_DIV ? (a + b) / divisor : a + b);
  }
}

@inline
function apply(a: v128, b: v128, op: i32, d: v128): v128 {
  if (op === OP_MAX) return f32x4.max(a, b);
  if (op === OP_SUM_DIV) return f32x4.div(f32x4.add(a, b), d);
  return f32x4.add(a, b);
}
