// gemm_nn: Y = X·W (the forward product; X m×k, W k×n), optionally + bias per column and ReLU. W is read in
// place: packing it (a pass over all of W per product) measured no faster (bench compute, 784×2048 and
// 2048×1024 at batch 32).

import { madd, maddScalar } from './madd';
import { narrowColumns, narrowRows } from './narrow';

/** Rows of W one pass over a strip of 8 columns covers (gemm_nn); partial sums wait in y between blocks. */
const K_BLOCK = 64;

/**
 * y[m×n] = x[m×k]·w[k×n] (+ bias[n] per column when bias != 0, then max(·, 0) when relu). Tiles of 4 rows ×
 * 8 columns keep 8 accumulators in registers over a block of K_BLOCK rows of w; partial sums wait in y between
 * blocks, so each element is one ascending sum over k. Bias and ReLU are applied after the last block.
 */
export function gemm_nn(x: usize, w: usize, y: usize, bias: usize, relu: bool, m: i32, k: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  const kBytes = <usize>k << 2;
  const group = narrowColumns(n);
  const nBlocked = n - group;
  const mBlocked = m & ~3;
  if (k == 0) memory.fill(y, 0, <usize>(m * n) << 2);
  for (let p0 = 0; p0 < k && nBlocked > 0; p0 += K_BLOCK) {
    const p1 = min(k, p0 + K_BLOCK);
    const first = p0 == 0;
    for (let j = 0; j < nBlocked; j += 8) {
      const strip = w + <usize>p0 * rowBytes + (<usize>j << 2);
      let i = 0;
      for (; i < mBlocked; i += 4) nnTile4x8(x, strip, y, i, j, p0, p1, k, rowBytes, first);
      for (; i < m; i++) nnTile1x8(x, strip, y, i, j, p0, p1, k, rowBytes, first);
    }
  }
  if (group > 0) {
    // Columns [nBlocked, n): 4 rows at a time over all of k (w's group is small enough to stay in cache).
    const col = <usize>nBlocked << 2;
    narrowRows(x, kBytes << 2, kBytes, 4, w + col, rowBytes, y + col, rowBytes, m, k, group);
    for (let i = mBlocked; i < m; i++) nnScalarColumns(x, w, y, i, nBlocked, 0, k, k, n, true);
  }
  if (bias != 0 || relu) biasRelu(y, bias, relu, m, n);
}

/** Rows [i, i+4) × the 8 columns at j, over the block [p0, p1) of w's rows, whose 8 columns start at `strip`. */
@inline
function nnTile4x8(x: usize, strip: usize, y: usize, i: i32, j: i32, p0: i32, p1: i32, k: i32, rowBytes: usize, first: bool): void {
  const y0 = y + (<usize>i * rowBytes) + (<usize>j << 2);
  const y1 = y0 + rowBytes;
  const y2 = y1 + rowBytes;
  const y3 = y2 + rowBytes;
  let a00 = f32x4.splat(0); let a01 = f32x4.splat(0);
  let a10 = f32x4.splat(0); let a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0); let a21 = f32x4.splat(0);
  let a30 = f32x4.splat(0); let a31 = f32x4.splat(0);
  if (!first) {
    a00 = v128.load(y0); a01 = v128.load(y0, 16);
    a10 = v128.load(y1); a11 = v128.load(y1, 16);
    a20 = v128.load(y2); a21 = v128.load(y2, 16);
    a30 = v128.load(y3); a31 = v128.load(y3, 16);
  }
  const kBytes = <usize>k << 2;
  let x0 = x + (<usize>(i * k) << 2) + (<usize>p0 << 2);
  let wp = strip;
  const end = x0 + (<usize>(p1 - p0) << 2);
  while (x0 < end) {
    const w0 = v128.load(wp);
    const w1 = v128.load(wp, 16);
    const s0 = v128.load32_splat(x0);
    const s1 = v128.load32_splat(x0 + kBytes);
    const s2 = v128.load32_splat(x0 + 2 * kBytes);
    const s3 = v128.load32_splat(x0 + 3 * kBytes);
    a00 = madd(s0, w0, a00); a01 = madd(s0, w1, a01);
    a10 = madd(s1, w0, a10); a11 = madd(s1, w1, a11);
    a20 = madd(s2, w0, a20); a21 = madd(s2, w1, a21);
    a30 = madd(s3, w0, a30); a31 = madd(s3, w1, a31);
    wp += rowBytes;
    x0 += 4;
  }
  v128.store(y0, a00); v128.store(y0, a01, 16);
  v128.store(y1, a10); v128.store(y1, a11, 16);
  v128.store(y2, a20); v128.store(y2, a21, 16);
  v128.store(y3, a30); v128.store(y3, a31, 16);
}

@inline
function nnTile1x8(x: usize, strip: usize, y: usize, i: i32, j: i32, p0: i32, p1: i32, k: i32, rowBytes: usize, first: bool): void {
  const yr = y + (<usize>i * rowBytes) + (<usize>j << 2);
  let a0 = f32x4.splat(0); let a1 = f32x4.splat(0);
  if (!first) { a0 = v128.load(yr); a1 = v128.load(yr, 16); }
  const xr = x + (<usize>(i * k) << 2);
  let wp = strip;
  for (let p = p0; p < p1; p++) {
    const s = v128.load32_splat(xr + (<usize>p << 2));
    a0 = madd(s, v128.load(wp), a0);
    a1 = madd(s, v128.load(wp, 16), a1);
    wp += rowBytes;
  }
  v128.store(yr, a0); v128.store(yr, a1, 16);
}

/** Row r of y for the columns [from, n), over w's rows [p0, p1) (rows past the narrow groups' 4-row blocks). */
@inline
function nnScalarColumns(x: usize, w: usize, y: usize, r: i32, from: i32, p0: i32, p1: i32, k: i32, n: i32, first: bool): void {
  const xr = x + (<usize>(r * k) << 2);
  for (let j = from; j < n; j++) {
    const yp = y + (<usize>(r * n + j) << 2);
    let acc: f32 = first ? 0 : load<f32>(yp);
    for (let p = p0; p < p1; p++) {
      acc = maddScalar(load<f32>(xr + (<usize>p << 2)), load<f32>(w + (<usize>(p * n + j) << 2)), acc);
    }
    store<f32>(yp, acc);
  }
}

/** y[i][j] = max(y[i][j] + bias[j], 0) (each part only when asked for); bias 0 means none. */
function biasRelu(y: usize, bias: usize, relu: bool, m: i32, n: i32): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const row = y + (<usize>(i * n) << 2);
    let j = 0;
    for (; j < n4; j += 4) {
      const p = row + (<usize>j << 2);
      let v = v128.load(p);
      if (bias != 0) v = f32x4.add(v, v128.load(bias + (<usize>j << 2)));
      if (relu) v = f32x4.max(v, zero);
      v128.store(p, v);
    }
    for (; j < n; j++) {
      const p = row + (<usize>j << 2);
      let v = load<f32>(p);
      if (bias != 0) v += load<f32>(bias + (<usize>j << 2));
      if (relu) v = max(v, <f32>0);
      store<f32>(p, v);
    }
  }
}
