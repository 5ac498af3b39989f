// Narrow column groups of gemm_nn and gemm_tn: up to 12 columns of y (the classifier head's whole row, or the
// n mod 8 columns left of a wider product) vectorised along n. The ragged last vector is read and written
// with lane loads and stores (load32_zero, load64_zero, load32_lane, …), so nothing past a row's end is
// touched. 4 rows of y share each vector of the right operand; the left operand's 4 values are splatted.

import { madd } from './madd';

/** Floats at p into lanes [0, cols) (cols 1..4), the other lanes zero; nothing at or past p + 4·cols is read. */
@inline
function loadCols(p: usize, cols: i32): v128 {
  if (cols == 1) return v128.load32_zero(p);
  if (cols == 2) return v128.load64_zero(p);
  if (cols == 3) return v128.load32_lane(p, v128.load64_zero(p), 2, 8);
  return v128.load(p);
}

/** Lanes [0, cols) of v (cols 1..4) to p; nothing at or past p + 4·cols is written. */
@inline
export function storeCols(p: usize, v: v128, cols: i32): void {
  if (cols == 1) {
    v128.store32_lane(p, v, 0);
  } else if (cols == 2) {
    v128.store64_lane(p, v, 0);
  } else if (cols == 3) {
    v128.store64_lane(p, v, 0);
    v128.store32_lane(p, v, 2, 8);
  } else {
    v128.store(p, v);
  }
}

/** Vector `index` of a group of `vectors` (the last one holding `last` columns) at p. */
@inline
function loadVector(p: usize, index: i32, vectors: i32, last: i32): v128 {
  return loadCols(p + (<usize>index << 4), index == vectors - 1 ? last : 4);
}

@inline
function storeVector(p: usize, v: v128, index: i32, vectors: i32, last: i32): void {
  storeCols(p + (<usize>index << 4), v, index == vectors - 1 ? last : 4);
}

/**
 * Rows [i, i+4) of y × the group of columns at `col` (vectors × 4 columns, the last vector `last` wide) =
 * Σ_p s(r, p)·w[p][col…], ascending over p in [0, k). The left factor of row i+r at step p is the float at
 * s + r·sRowStep + p·sStep (so one function serves x·w, with s = x's row i, and aᵀ·b, with s = column i of a
 * or of its packed tile); w's rows are wRowBytes apart. Called with constant `vectors` and `last`, which the
 * optimiser folds, so the loop carries no branches.
 */
@inline
function narrowTile4(s: usize, sRowStep: usize, sStep: usize, w: usize, wRowBytes: usize, y: usize, yRowBytes: usize, k: i32, vectors: i32, last: i32): void {
  let a00 = f32x4.splat(0); let a01 = f32x4.splat(0); let a02 = f32x4.splat(0);
  let a10 = f32x4.splat(0); let a11 = f32x4.splat(0); let a12 = f32x4.splat(0);
  let a20 = f32x4.splat(0); let a21 = f32x4.splat(0); let a22 = f32x4.splat(0);
  let a30 = f32x4.splat(0); let a31 = f32x4.splat(0); let a32 = f32x4.splat(0);
  let sp = s;
  let wp = w;
  for (let p = 0; p < k; p++) {
    const w0 = loadVector(wp, 0, vectors, last);
    const w1 = vectors > 1 ? loadVector(wp, 1, vectors, last) : w0;
    const w2 = vectors > 2 ? loadVector(wp, 2, vectors, last) : w0;
    let x = v128.load32_splat(sp);
    a00 = madd(x, w0, a00);
    if (vectors > 1) a01 = madd(x, w1, a01);
    if (vectors > 2) a02 = madd(x, w2, a02);
    x = v128.load32_splat(sp + sRowStep);
    a10 = madd(x, w0, a10);
    if (vectors > 1) a11 = madd(x, w1, a11);
    if (vectors > 2) a12 = madd(x, w2, a12);
    x = v128.load32_splat(sp + 2 * sRowStep);
    a20 = madd(x, w0, a20);
    if (vectors > 1) a21 = madd(x, w1, a21);
    if (vectors > 2) a22 = madd(x, w2, a22);
    x = v128.load32_splat(sp + 3 * sRowStep);
    a30 = madd(x, w0, a30);
    if (vectors > 1) a31 = madd(x, w1, a31);
    if (vectors > 2) a32 = madd(x, w2, a32);
    sp += sStep;
    wp += wRowBytes;
  }
  storeRow(y, a00, a01, a02, vectors, last);
  storeRow(y + yRowBytes, a10, a11, a12, vectors, last);
  storeRow(y + 2 * yRowBytes, a20, a21, a22, vectors, last);
  storeRow(y + 3 * yRowBytes, a30, a31, a32, vectors, last);
}

@inline
function storeRow(y: usize, v0: v128, v1: v128, v2: v128, vectors: i32, last: i32): void {
  storeVector(y, v0, 0, vectors, last);
  if (vectors > 1) storeVector(y, v1, 1, vectors, last);
  if (vectors > 2) storeVector(y, v2, 2, vectors, last);
}

/** narrowTile4 with `vectors` and `last` as constants: one specialised loop per group width (1..12 columns). */
@inline
function narrowTile4Cols(s: usize, sRowStep: usize, sStep: usize, w: usize, wRowBytes: usize, y: usize, yRowBytes: usize, k: i32, vectors: i32, last: i32): void {
  if (vectors == 1) narrowTile4(s, sRowStep, sStep, w, wRowBytes, y, yRowBytes, k, 1, last);
  else if (vectors == 2) narrowTile4(s, sRowStep, sStep, w, wRowBytes, y, yRowBytes, k, 2, last);
  else narrowTile4(s, sRowStep, sStep, w, wRowBytes, y, yRowBytes, k, 3, last);
}

/**
 * Every 4-row block of `rows` rows of y over the column group [col, col + cols) (cols 1..12): row block i
 * starts its left factors at s + i·sBlockStep (see narrowTile4 for sRowStep and sStep). Rows past the last
 * whole block are left to the caller.
 */
export function narrowRows(s: usize, sBlockStep: usize, sRowStep: usize, sStep: usize, w: usize, wRowBytes: usize, y: usize, yRowBytes: usize, rows: i32, k: i32, cols: i32): void {
  const vectors = (cols + 3) >> 2;
  const last = cols - ((vectors - 1) << 2);
  for (let i = 0; i + 4 <= rows; i += 4) {
    const si = s + <usize>(i >> 2) * sBlockStep;
    const yi = y + <usize>i * yRowBytes;
    if (last == 1) narrowTile4Cols(si, sRowStep, sStep, w, wRowBytes, yi, yRowBytes, k, vectors, 1);
    else if (last == 2) narrowTile4Cols(si, sRowStep, sStep, w, wRowBytes, yi, yRowBytes, k, vectors, 2);
    else if (last == 3) narrowTile4Cols(si, sRowStep, sStep, w, wRowBytes, yi, yRowBytes, k, vectors, 3);
    else narrowTile4Cols(si, sRowStep, sStep, w, wRowBytes, yi, yRowBytes, k, vectors, 4);
  }
}

/** Widest column group narrowRows takes. */
export const NARROW_MAX_COLS = 12;

/**
 * How many of n columns (at the right end) go to narrowRows: all of them when n ≤ NARROW_MAX_COLS and not a
 * multiple of 8 (the 8-wide strips would leave most of the row), else the n mod 8 left of the strips.
 */
export function narrowColumns(n: i32): i32 {
  const rest = n & 7;
  return rest != 0 && n <= NARROW_MAX_COLS ? n : rest;
}
