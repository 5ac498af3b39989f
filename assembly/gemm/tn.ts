// gemm_tn: Y = Aᵀ·B (dW = Xᵀ·dY; A k×m, B k×n). The columns a register tile reads are first copied into
// contiguous panels in a caller-provided scratch buffer (one sequential pass over the small operands, at memory
// speed): read in place, a tile's column strip of a row-major matrix whose rows are a multiple of 4 KiB apart
// falls into one cache set and is evicted between the tiles that share it.

import { madd, maddScalar } from './madd';
import { narrowColumns, narrowRows } from './narrow';
import { TN_COLUMNS_MAX, tnColumns } from './tn-columns';

/** Floats of scratch gemm_tn needs: all of a in tiles of 4 columns and b's 8-wide strips; none when n ≤ 16. */
export function gemm_tn_scratch(m: i32, k: i32, n: i32): i32 {
  if (n <= TN_COLUMNS_MAX) return 0;
  const group = narrowColumns(n);
  return group == n ? 0 : k * ((m & ~3) + n - group);
}

/**
 * y[m×n] = a[k×m]ᵀ·b[k×n]: the weight gradient Xᵀ·dY with k = the batch. a is packed into tiles of 4 columns
 * and b into strips of 8 (each k rows, contiguous) in `scratch` (gemm_tn_scratch floats); then per 4 rows × 8
 * columns of y, one load of a tile row gives the 4 rows' multipliers (lane splats) and two loads of a strip row
 * the 8 columns; the n mod 8 columns left over take gemm/narrow.ts's groups from the same tiles. Outputs of
 * up to 16 columns take gemm/tn-columns.ts's tiles along m only, reading a in place. Each element is one
 * ascending sum over k, written once.
 */
export function gemm_tn(a: usize, b: usize, y: usize, m: i32, k: i32, n: i32, scratch: usize): void {
  const rowBytes = <usize>n << 2;
  const group = narrowColumns(n);
  const nBlocked = n - group;
  const mBlocked = m & ~3;
  const tileBytes = <usize>k << 4;
  const stripBytes = <usize>k << 5;
  const strips = scratch + <usize>(mBlocked >> 2) * tileBytes;
  if (n <= TN_COLUMNS_MAX) {
    // Few columns: a is read in place, not packed, and the lanes run along m (gemm/tn-columns.ts), so none is
    // idle whatever n is (measured faster than the 4×8 tiles and narrow groups for n = 1..16).
    tnColumns(a, b, y, m, k, n);
    for (let i = mBlocked; i < m; i++) for (let j = 0; j < n; j++) tnScalar(a, b, y, i, j, 0, k, m, n, true);
    return;
  }
  packTiles4(a, scratch, k, mBlocked, <usize>m << 2, tileBytes);
  packStrips(b, strips, k, nBlocked, rowBytes, stripBytes);
  for (let i = 0; i < mBlocked; i += 4) {
    const tile = scratch + <usize>(i >> 2) * tileBytes;
    for (let j = 0; j < nBlocked; j += 8) tnTile4x8(tile, strips + <usize>(j >> 3) * stripBytes, y, i, j, k, rowBytes);
  }
  if (group > 0) {
    // Columns [nBlocked, n) from the packed tiles of a (row r of a tile at step p: tile + 16·p + 4·r).
    const col = <usize>nBlocked << 2;
    narrowRows(scratch, tileBytes, 4, 16, b + col, rowBytes, y + col, rowBytes, mBlocked, k, group);
  }
  for (let i = mBlocked; i < m; i++) {
    for (let j = 0; j < n; j++) tnScalar(a, b, y, i, j, 0, k, m, n, true);
  }
}

/** rows × cols (cols a multiple of 4) of a row-major matrix at src → tiles of 4 columns, each rows × 4 contiguous. */
@inline
function packTiles4(src: usize, dst: usize, rows: i32, cols: i32, rowBytes: usize, tileBytes: usize): void {
  for (let r = 0; r < rows; r++) {
    const from = src + <usize>r * rowBytes;
    let to = dst + (<usize>r << 4);
    for (let c = 0; c < cols; c += 4) {
      v128.store(to, v128.load(from + (<usize>c << 2)));
      to += tileBytes;
    }
  }
}

/** rows × cols (cols a multiple of 8) of a row-major matrix at src → strips of 8 columns, each rows × 8 contiguous. */
@inline
function packStrips(src: usize, dst: usize, rows: i32, cols: i32, rowBytes: usize, stripBytes: usize): void {
  for (let r = 0; r < rows; r++) {
    const from = src + <usize>r * rowBytes;
    let to = dst + (<usize>r << 5);
    for (let c = 0; c < cols; c += 8) {
      v128.store(to, v128.load(from + (<usize>c << 2)));
      v128.store(to, v128.load(from + (<usize>c << 2), 16), 16);
      to += stripBytes;
    }
  }
}

@inline
function tnTile4x8(tile: usize, strip: usize, y: usize, i: i32, j: i32, k: i32, rowBytes: usize): void {
  let a00 = f32x4.splat(0); let a01 = f32x4.splat(0);
  let a10 = f32x4.splat(0); let a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0); let a21 = f32x4.splat(0);
  let a30 = f32x4.splat(0); let a31 = f32x4.splat(0);
  let ap = tile;
  let bp = strip;
  const end = tile + (<usize>k << 4);
  while (ap < end) {
    const w0 = v128.load(bp);
    const w1 = v128.load(bp, 16);
    const s0 = v128.load32_splat(ap);
    const s1 = v128.load32_splat(ap, 4);
    const s2 = v128.load32_splat(ap, 8);
    const s3 = v128.load32_splat(ap, 12);
    a00 = madd(s0, w0, a00); a01 = madd(s0, w1, a01);
    a10 = madd(s1, w0, a10); a11 = madd(s1, w1, a11);
    a20 = madd(s2, w0, a20); a21 = madd(s2, w1, a21);
    a30 = madd(s3, w0, a30); a31 = madd(s3, w1, a31);
    ap += 16;
    bp += 32;
  }
  const y0 = y + (<usize>i * rowBytes) + (<usize>j << 2);
  const y1 = y0 + rowBytes;
  const y2 = y1 + rowBytes;
  const y3 = y2 + rowBytes;
  v128.store(y0, a00); v128.store(y0, a01, 16);
  v128.store(y1, a10); v128.store(y1, a11, 16);
  v128.store(y2, a20); v128.store(y2, a21, 16);
  v128.store(y3, a30); v128.store(y3, a31, 16);
}

@inline
function tnScalar(a: usize, b: usize, y: usize, i: i32, j: i32, p0: i32, p1: i32, m: i32, n: i32, first: bool): void {
  const yp = y + (<usize>(i * n + j) << 2);
  let acc: f32 = first ? 0 : load<f32>(yp);
  for (let p = p0; p < p1; p++) {
    acc = maddScalar(load<f32>(a + (<usize>(p * m + i) << 2)), load<f32>(b + (<usize>(p * n + j) << 2)), acc);
  }
  store<f32>(yp, acc);
}
