// gemm_tn for outputs of at most 12 columns (the classifier head's dW = Xᵀ·dY, n = 10), vectorised along m:
// the 4 lanes are 4 consecutive rows of y (a's row p holds them contiguously), one accumulator per column
// of y, b's value splatted; every lane does useful work whatever n is, and the n accumulators are n
// independent chains. The 4×n block is transposed in registers (4×4 at a time) on the way out.

import { madd } from './madd';
import { storeCols } from './narrow';

/** Widest output gemm_tn sends to tnColumns (n accumulators + a's vector + a splat fit in 16 registers). */
export const TN_COLUMNS_MAX = 12;

/** Columns c0..c3 (each 4 rows of y) → rows of y at p, p + rowBytes, …; `cols` (1..4) of each row written. */
@inline
function storeTransposed(p: usize, rowBytes: usize, c0: v128, c1: v128, c2: v128, c3: v128, cols: i32): void {
  const t0 = v128.shuffle<f32>(c0, c1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(c2, c3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(c0, c1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(c2, c3, 2, 6, 3, 7);
  storeCols(p, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), cols);
  storeCols(p + rowBytes, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), cols);
  storeCols(p + 2 * rowBytes, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), cols);
  storeCols(p + 3 * rowBytes, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), cols);
}

/**
 * y[i..i+4, 0..cols) = Σ_p a[p][i..i+4]ᵀ · b[p][0..cols), ascending over p (the same order as the scalar
 * reference). a's rows are aRowBytes apart, b's and y's rowBytes. `cols` is a constant at every call site,
 * so the unused accumulators and branches fold away.
 */
@inline
function columnTile4(a: usize, aRowBytes: usize, b: usize, y: usize, rowBytes: usize, k: i32, cols: i32): void {
  let c0 = f32x4.splat(0); let c1 = f32x4.splat(0); let c2 = f32x4.splat(0); let c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0); let c5 = f32x4.splat(0); let c6 = f32x4.splat(0); let c7 = f32x4.splat(0);
  let c8 = f32x4.splat(0); let c9 = f32x4.splat(0); let c10 = f32x4.splat(0); let c11 = f32x4.splat(0);
  let ap = a;
  let bp = b;
  for (let p = 0; p < k; p++) {
    const x = v128.load(ap);
    c0 = madd(x, v128.load32_splat(bp), c0);
    if (cols > 1) c1 = madd(x, v128.load32_splat(bp, 4), c1);
    if (cols > 2) c2 = madd(x, v128.load32_splat(bp, 8), c2);
    if (cols > 3) c3 = madd(x, v128.load32_splat(bp, 12), c3);
    if (cols > 4) c4 = madd(x, v128.load32_splat(bp, 16), c4);
    if (cols > 5) c5 = madd(x, v128.load32_splat(bp, 20), c5);
    if (cols > 6) c6 = madd(x, v128.load32_splat(bp, 24), c6);
    if (cols > 7) c7 = madd(x, v128.load32_splat(bp, 28), c7);
    if (cols > 8) c8 = madd(x, v128.load32_splat(bp, 32), c8);
    if (cols > 9) c9 = madd(x, v128.load32_splat(bp, 36), c9);
    if (cols > 10) c10 = madd(x, v128.load32_splat(bp, 40), c10);
    if (cols > 11) c11 = madd(x, v128.load32_splat(bp, 44), c11);
    ap += aRowBytes;
    bp += rowBytes;
  }
  storeTransposed(y, rowBytes, c0, c1, c2, c3, cols < 4 ? cols : 4);
  if (cols > 4) storeTransposed(y + 16, rowBytes, c4, c5, c6, c7, cols < 8 ? cols - 4 : 4);
  if (cols > 8) storeTransposed(y + 32, rowBytes, c8, c9, c10, c11, cols - 8);
}

/**
 * Like columnTile4 for 8 rows (two vectors of a per step, each splat of b used twice) and up to 6 columns:
 * 12 accumulators, 2 + cols loads per 2·cols multiply-adds.
 */
@inline
function columnTile8(a: usize, aRowBytes: usize, b: usize, y: usize, rowBytes: usize, k: i32, cols: i32): void {
  let c0 = f32x4.splat(0); let c1 = f32x4.splat(0); let c2 = f32x4.splat(0);
  let c3 = f32x4.splat(0); let c4 = f32x4.splat(0); let c5 = f32x4.splat(0);
  let d0 = f32x4.splat(0); let d1 = f32x4.splat(0); let d2 = f32x4.splat(0);
  let d3 = f32x4.splat(0); let d4 = f32x4.splat(0); let d5 = f32x4.splat(0);
  let ap = a;
  let bp = b;
  for (let p = 0; p < k; p++) {
    const x = v128.load(ap);
    const z = v128.load(ap, 16);
    let s = v128.load32_splat(bp);
    c0 = madd(x, s, c0); d0 = madd(z, s, d0);
    if (cols > 1) { s = v128.load32_splat(bp, 4); c1 = madd(x, s, c1); d1 = madd(z, s, d1); }
    if (cols > 2) { s = v128.load32_splat(bp, 8); c2 = madd(x, s, c2); d2 = madd(z, s, d2); }
    if (cols > 3) { s = v128.load32_splat(bp, 12); c3 = madd(x, s, c3); d3 = madd(z, s, d3); }
    if (cols > 4) { s = v128.load32_splat(bp, 16); c4 = madd(x, s, c4); d4 = madd(z, s, d4); }
    if (cols > 5) { s = v128.load32_splat(bp, 20); c5 = madd(x, s, c5); d5 = madd(z, s, d5); }
    ap += aRowBytes;
    bp += rowBytes;
  }
  const y4 = y + 4 * rowBytes;
  storeTransposed(y, rowBytes, c0, c1, c2, c3, cols < 4 ? cols : 4);
  storeTransposed(y4, rowBytes, d0, d1, d2, d3, cols < 4 ? cols : 4);
  if (cols > 4) {
    storeTransposed(y + 16, rowBytes, c4, c5, c4, c5, cols - 4);
    storeTransposed(y4 + 16, rowBytes, d4, d5, d4, d5, cols - 4);
  }
}

/** Rows [0, m & ~3) of y over the columns [col, col + cols) (cols ≤ 6, a constant): 8 rows at a time, then 4. */
@inline
function columnGroup(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32, cols: i32): void {
  const aRowBytes = <usize>m << 2;
  const bc = b + (<usize>col << 2);
  const yc = y + (<usize>col << 2);
  let i = 0;
  for (; i + 8 <= m; i += 8) columnTile8(a + (<usize>i << 2), aRowBytes, bc, yc + <usize>i * rowBytes, rowBytes, k, cols);
  if (i + 4 <= m) columnTile4(a + (<usize>i << 2), aRowBytes, bc, yc + <usize>i * rowBytes, rowBytes, k, cols);
}

// One small function per width (not inlined into one big switch): the engine compiles each separately, so
// the width in use is optimised soon after its first calls instead of waiting for one large function.
function columns1(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32): void { columnGroup(a, b, y, m, k, rowBytes, col, 1); }
function columns2(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32): void { columnGroup(a, b, y, m, k, rowBytes, col, 2); }
function columns3(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32): void { columnGroup(a, b, y, m, k, rowBytes, col, 3); }
function columns4(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32): void { columnGroup(a, b, y, m, k, rowBytes, col, 4); }
function columns5(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32): void { columnGroup(a, b, y, m, k, rowBytes, col, 5); }
function columns6(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32): void { columnGroup(a, b, y, m, k, rowBytes, col, 6); }

/** columnGroup with its width (1..6) as a constant. */
function columnGroupOf(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32, cols: i32): void {
  if (cols == 1) columns1(a, b, y, m, k, rowBytes, col);
  else if (cols == 2) columns2(a, b, y, m, k, rowBytes, col);
  else if (cols == 3) columns3(a, b, y, m, k, rowBytes, col);
  else if (cols == 4) columns4(a, b, y, m, k, rowBytes, col);
  else if (cols == 5) columns5(a, b, y, m, k, rowBytes, col);
  else columns6(a, b, y, m, k, rowBytes, col);
}

/**
 * Rows [0, m & ~3) of y[m×n] = a[k×m]ᵀ·b[k×n] for n in 1..TN_COLUMNS_MAX: up to 6 columns in one pass over
 * a, 7..12 in two passes of about half each (n = 10: 5 + 5); the last m mod 4 rows are left to the caller.
 */
export function tnColumns(a: usize, b: usize, y: usize, m: i32, k: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  const first = n <= 6 ? n : (n + 1) >> 1;
  columnGroupOf(a, b, y, m, k, rowBytes, 0, first);
  if (first < n) columnGroupOf(a, b, y, m, k, rowBytes, first, n - first);
}
