// gemm_tn for outputs of at most 16 columns (the classifier head's dW = Xᵀ·dY, n = 10), vectorised along m:
// the 4 lanes are 4 consecutive rows of y (a's row p holds them contiguously), one accumulator per column
// of y, b's value splatted; every lane does useful work whatever n is, and the accumulators are independent
// chains. Columns go in passes of 4 (the fastest width measured; 5 and 6 were slower) plus one of n mod 4;
// each 4×4 block is transposed in registers on the way out.

import { madd } from './madd';
import { storeCols } from './narrow';

/** Widest output gemm_tn sends to tnColumns (wider ones take the packed 4×8 tiles). */
export const TN_COLUMNS_MAX = 16;

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
 * y[i..i+4·rowVectors, 0..cols) = Σ_p a[p][i..]ᵀ · b[p][0..cols), ascending over p (the order of the scalar
 * reference), for 1 or 2 vectors of rows (8 rows: each splat of b serves two multiply-adds). a's rows are
 * aRowBytes apart, b's and y's rowBytes. `cols` (1..4) and `rowVectors` are constants at every call site,
 * so the unused accumulators and branches fold away.
 */
@inline
function columnTile(a: usize, aRowBytes: usize, b: usize, y: usize, rowBytes: usize, k: i32, cols: i32, rowVectors: i32): void {
  let c0 = f32x4.splat(0); let c1 = f32x4.splat(0); let c2 = f32x4.splat(0); let c3 = f32x4.splat(0);
  let d0 = f32x4.splat(0); let d1 = f32x4.splat(0); let d2 = f32x4.splat(0); let d3 = f32x4.splat(0);
  let ap = a;
  let bp = b;
  for (let p = 0; p < k; p++) {
    const x = v128.load(ap);
    const z = rowVectors > 1 ? v128.load(ap, 16) : x;
    let s = v128.load32_splat(bp);
    c0 = madd(x, s, c0);
    if (rowVectors > 1) d0 = madd(z, s, d0);
    if (cols > 1) { s = v128.load32_splat(bp, 4); c1 = madd(x, s, c1); if (rowVectors > 1) d1 = madd(z, s, d1); }
    if (cols > 2) { s = v128.load32_splat(bp, 8); c2 = madd(x, s, c2); if (rowVectors > 1) d2 = madd(z, s, d2); }
    if (cols > 3) { s = v128.load32_splat(bp, 12); c3 = madd(x, s, c3); if (rowVectors > 1) d3 = madd(z, s, d3); }
    ap += aRowBytes;
    bp += rowBytes;
  }
  storeTransposed(y, rowBytes, c0, c1, c2, c3, cols);
  if (rowVectors > 1) storeTransposed(y + 4 * rowBytes, rowBytes, d0, d1, d2, d3, cols);
}

/** Rows [0, m & ~3) of y over the columns [col, col + cols) (cols 1..4, a constant): 8 rows at a time, then 4. */
@inline
function columnGroup(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32, cols: i32): void {
  const aRowBytes = <usize>m << 2;
  const bc = b + (<usize>col << 2);
  const yc = y + (<usize>col << 2);
  let i = 0;
  for (; i + 8 <= m; i += 8) columnTile(a + (<usize>i << 2), aRowBytes, bc, yc + <usize>i * rowBytes, rowBytes, k, cols, 2);
  if (i + 4 <= m) columnTile(a + (<usize>i << 2), aRowBytes, bc, yc + <usize>i * rowBytes, rowBytes, k, cols, 1);
}

// One small function per width (not inlined into one big switch): the engine compiles each separately, so
// the width in use is optimised soon after its first calls instead of waiting for one large function.
function columns1(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32): void { columnGroup(a, b, y, m, k, rowBytes, col, 1); }
function columns2(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32): void { columnGroup(a, b, y, m, k, rowBytes, col, 2); }
function columns3(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32): void { columnGroup(a, b, y, m, k, rowBytes, col, 3); }
function columns4(a: usize, b: usize, y: usize, m: i32, k: i32, rowBytes: usize, col: i32): void { columnGroup(a, b, y, m, k, rowBytes, col, 4); }

/**
 * Rows [0, m & ~3) of y[m×n] = a[k×m]ᵀ·b[k×n] for n in 1..TN_COLUMNS_MAX: passes of 4 columns over a, then
 * one of the n mod 4 left (n = 10: 4 + 4 + 2); the last m mod 4 rows are left to the caller.
 */
export function tnColumns(a: usize, b: usize, y: usize, m: i32, k: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  let col = 0;
  for (; col + 4 <= n; col += 4) columns4(a, b, y, m, k, rowBytes, col);
  const rest = n - col;
  if (rest == 1) columns1(a, b, y, m, k, rowBytes, col);
  else if (rest == 2) columns2(a, b, y, m, k, rowBytes, col);
  else if (rest == 3) columns3(a, b, y, m, k, rowBytes, col);
}
