// WebAssembly SIMD kernel for dense products with few rows (module "linalg"): y = x·w, row-major float32.
//
// Pointers are byte offsets into the shared kernel memory. Each output element is summed over the shared
// dimension in ascending order, one multiply then one add per term (no fused multiply-add), so the plain-JS
// reference (src/kernels/matmul.ts, Math.fround at every operation) produces the same bits.
// No string literals or static arrays: all modules share one memory.

/** Rows of w one pass over a block of columns covers before moving on (a strip stays in L2: see matmul). */
const K_BLOCK = 64;

/**
 * y[m×n] = x[m×k] · w[k×n], every matrix row-major and contiguous; y must not overlap x or w.
 * Tiles of 4 rows × 8 columns keep 8 accumulators in registers while they run over a block of K_BLOCK rows
 * of w, reading the tile's 8-column strip of them; the partial sums wait in y between blocks (loaded back
 * into the accumulators, so every element is still one ascending sum). Blocking k keeps the strip in cache
 * when n·4 bytes is a multiple of 4 KiB and every row of the strip falls into the same cache set, which
 * unblocked ran at 2 GFLOP/s instead of 9. Nothing is packed or transposed first.
 */
export function matmul(x: usize, w: usize, y: usize, m: i32, k: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  const nBlocked = n & ~7;
  const mBlocked = m & ~3;
  if (k == 0) memory.fill(y, 0, <usize>(m * n) << 2);
  for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
    const p1 = min(k, p0 + K_BLOCK);
    const first = p0 == 0;
    for (let j = 0; j < nBlocked; j += 8) {
      let i = 0;
      for (; i < mBlocked; i += 4) tile4x8(x, w, y, i, j, p0, p1, k, rowBytes, first);
      for (; i < m; i++) tile1x8(x, w, y, i, j, p0, p1, k, rowBytes, first);
    }
    for (let i = 0; i < m; i++) scalarColumns(x, w, y, i, nBlocked, p0, p1, k, n, first);
  }
}

@inline
function tile4x8(x: usize, w: usize, y: usize, i: i32, j: i32, p0: i32, p1: i32, k: i32, rowBytes: usize, first: bool): void {
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
  const x0 = x + (<usize>(i * k) << 2);
  const x1 = x0 + (<usize>k << 2);
  const x2 = x1 + (<usize>k << 2);
  const x3 = x2 + (<usize>k << 2);
  let wp = w + (<usize>p0 * rowBytes) + (<usize>j << 2);
  for (let p = p0; p < p1; p++) {
    const w0 = v128.load(wp);
    const w1 = v128.load(wp, 16);
    const off = <usize>p << 2;
    const s0 = f32x4.splat(load<f32>(x0 + off));
    const s1 = f32x4.splat(load<f32>(x1 + off));
    const s2 = f32x4.splat(load<f32>(x2 + off));
    const s3 = f32x4.splat(load<f32>(x3 + off));
    a00 = f32x4.add(a00, f32x4.mul(s0, w0)); a01 = f32x4.add(a01, f32x4.mul(s0, w1));
    a10 = f32x4.add(a10, f32x4.mul(s1, w0)); a11 = f32x4.add(a11, f32x4.mul(s1, w1));
    a20 = f32x4.add(a20, f32x4.mul(s2, w0)); a21 = f32x4.add(a21, f32x4.mul(s2, w1));
    a30 = f32x4.add(a30, f32x4.mul(s3, w0)); a31 = f32x4.add(a31, f32x4.mul(s3, w1));
    wp += rowBytes;
  }
  v128.store(y0, a00); v128.store(y0, a01, 16);
  v128.store(y1, a10); v128.store(y1, a11, 16);
  v128.store(y2, a20); v128.store(y2, a21, 16);
  v128.store(y3, a30); v128.store(y3, a31, 16);
}

@inline
function tile1x8(x: usize, w: usize, y: usize, i: i32, j: i32, p0: i32, p1: i32, k: i32, rowBytes: usize, first: bool): void {
  const yr = y + (<usize>i * rowBytes) + (<usize>j << 2);
  let a0 = f32x4.splat(0); let a1 = f32x4.splat(0);
  if (!first) { a0 = v128.load(yr); a1 = v128.load(yr, 16); }
  const xr = x + (<usize>(i * k) << 2);
  let wp = w + (<usize>p0 * rowBytes) + (<usize>j << 2);
  for (let p = p0; p < p1; p++) {
    const s = f32x4.splat(load<f32>(xr + (<usize>p << 2)));
    a0 = f32x4.add(a0, f32x4.mul(s, v128.load(wp)));
    a1 = f32x4.add(a1, f32x4.mul(s, v128.load(wp, 16)));
    wp += rowBytes;
  }
  v128.store(yr, a0); v128.store(yr, a1, 16);
}

/** Row r of y for the columns [from, n) that do not fill a block of 8, over w's rows [p0, p1). */
@inline
function scalarColumns(x: usize, w: usize, y: usize, r: i32, from: i32, p0: i32, p1: i32, k: i32, n: i32, first: bool): void {
  const xr = x + (<usize>(r * k) << 2);
  for (let j = from; j < n; j++) {
    const yp = y + (<usize>(r * n + j) << 2);
    let acc: f32 = first ? 0 : load<f32>(yp);
    for (let p = p0; p < p1; p++) {
      acc += load<f32>(xr + (<usize>p << 2)) * load<f32>(w + (<usize>(p * n + j) << 2));
    }
    store<f32>(yp, acc);
  }
}
