// WebAssembly SIMD kernels for the three products of a dense layer (module "gemm"), row-major float32.
//
//   gemm_nn: Y = X·W     (forward; X m×k, W k×n), optionally + bias per column and ReLU
//   gemm_nt: Y = A·Bᵀ    (dX = dY·Wᵀ; A m×k, B n×k: W read in its stored layout, rows as dot products)
//   gemm_tn: Y = Aᵀ·B    (dW = Xᵀ·dY; A k×m, B k×n)
//
// No operand is transposed. gemm_tn copies the columns a register tile reads into contiguous panels in a
// caller-provided scratch buffer first (one sequential pass over its small operands, at memory speed): read in
// place, a tile's column strip of a row-major matrix whose rows are a multiple of 4 KiB apart falls into one
// cache set and is evicted between the tiles that share it. gemm_nn reads the weights in place: packing them
// (a pass over all of W per product) measured no faster (bench compute, 784×2048 and 2048×1024 at batch 32). Pointers are byte offsets into the memory the
// module imports (the tfjs wasm heap or lion-cub's kernel memory); no static data, no allocation.
//
// The same source is compiled twice (scripts/build-wasm.mjs): build/gemm.wasm with plain SIMD (one multiply,
// then one add per term, so the JS references in src/kernels/gemm-reference.ts give the same bits) and
// build/gemm-relaxed.wasm with relaxed SIMD, where every multiply-add is f32x4.relaxed_madd (fused on CPUs
// with FMA: one rounding instead of two, so results differ from the plain kernel in the last bits).

/** Rows of W one pass over a strip of 8 columns covers (gemm_nn); partial sums wait in y between blocks. */
const K_BLOCK = 64;

/** Floats of scratch gemm_tn needs: all of a in tiles of 4 columns and all of b in strips of 8 columns. */
export function gemm_tn_scratch(m: i32, k: i32, n: i32): i32 {
  return k * ((m & ~3) + (n & ~7));
}

/** c + a·b: fused where relaxed SIMD is compiled in and the CPU has FMA, else a multiply then an add. */
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

@inline
function maddScalar(a: f32, b: f32, c: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.extract_lane(f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
  return c + a * b;
}

// ---------------------------------------------------------------------------------------------------------
// gemm_nn

/**
 * y[m×n] = x[m×k]·w[k×n] (+ bias[n] per column when bias != 0, then max(·, 0) when relu). Tiles of 4 rows ×
 * 8 columns keep 8 accumulators in registers over a block of K_BLOCK rows of w; partial sums wait in y between
 * blocks, so each element is one ascending sum over k. Bias and ReLU are applied after the last block.
 */
export function gemm_nn(x: usize, w: usize, y: usize, bias: usize, relu: bool, m: i32, k: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  const nBlocked = n & ~7;
  const mBlocked = m & ~3;
  if (k == 0) memory.fill(y, 0, <usize>(m * n) << 2);
  for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
    const p1 = min(k, p0 + K_BLOCK);
    const first = p0 == 0;
    for (let j = 0; j < nBlocked; j += 8) {
      const strip = w + <usize>p0 * rowBytes + (<usize>j << 2);
      let i = 0;
      for (; i < mBlocked; i += 4) nnTile4x8(x, strip, y, i, j, p0, p1, k, rowBytes, first);
      for (; i < m; i++) nnTile1x8(x, strip, y, i, j, p0, p1, k, rowBytes, first);
    }
    for (let i = 0; i < m; i++) nnScalarColumns(x, w, y, i, nBlocked, p0, p1, k, n, first);
  }
  if (bias != 0 || relu) biasRelu(y, bias, relu, m, n);
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

/** Row r of y for the columns [from, n) that do not fill a strip of 8, over w's rows [p0, p1). */
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

// ---------------------------------------------------------------------------------------------------------
// gemm_nt

/**
 * y[m×n] = a[m×k]·b[n×k]ᵀ: y[i][j] is the dot product of row i of a and row j of b. Each dot product runs in
 * four lanes (lane l sums the terms p ≡ l mod 4 in ascending order), the lanes are combined as
 * (l0 + l2) + (l1 + l3), then the k mod 4 remaining terms are added in order. Blocks of 4 rows of b (the
 * large weight) stay in cache while every row pair of a (the small gradient) passes over them, so b streams
 * from memory once.
 */
export function gemm_nt(a: usize, b: usize, y: usize, m: i32, k: i32, n: i32): void {
  const nBlocked = n & ~3;
  const mBlocked = m & ~1;
  for (let j = 0; j < nBlocked; j += 4) {
    let i = 0;
    for (; i < mBlocked; i += 2) ntTile2x4(a, b, y, i, j, m, k, n);
    for (; i < m; i++) for (let jj = j; jj < j + 4; jj++) ntDot(a, b, y, i, jj, k, n);
  }
  for (let j = nBlocked; j < n; j++) for (let i = 0; i < m; i++) ntDot(a, b, y, i, j, k, n);
}

/** [sum(c0), sum(c1), sum(c2), sum(c3)], each lane combination (l0 + l2) + (l1 + l3). */
@inline
function laneSums(c0: v128, c1: v128, c2: v128, c3: v128): v128 {
  const s01 = f32x4.add(v128.shuffle<f32>(c0, c1, 0, 1, 4, 5), v128.shuffle<f32>(c0, c1, 2, 3, 6, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(c2, c3, 0, 1, 4, 5), v128.shuffle<f32>(c2, c3, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<f32>(s01, s23, 0, 2, 4, 6), v128.shuffle<f32>(s01, s23, 1, 3, 5, 7));
}

@inline
function ntTile2x4(a: usize, b: usize, y: usize, i: i32, j: i32, m: i32, k: i32, n: i32): void {
  const kBytes = <usize>k << 2;
  const k4Bytes = <usize>(k & ~3) << 2;
  const a0 = a + <usize>i * kBytes;
  const a1 = a0 + kBytes;
  const b0 = b + <usize>j * kBytes;
  const b1 = b0 + kBytes;
  const b2 = b1 + kBytes;
  const b3 = b2 + kBytes;
  let c00 = f32x4.splat(0); let c01 = f32x4.splat(0); let c02 = f32x4.splat(0); let c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0); let c11 = f32x4.splat(0); let c12 = f32x4.splat(0); let c13 = f32x4.splat(0);
  for (let o: usize = 0; o < k4Bytes; o += 16) {
    const x0 = v128.load(a0 + o);
    const x1 = v128.load(a1 + o);
    const w0 = v128.load(b0 + o);
    const w1 = v128.load(b1 + o);
    const w2 = v128.load(b2 + o);
    const w3 = v128.load(b3 + o);
    c00 = madd(x0, w0, c00); c01 = madd(x0, w1, c01); c02 = madd(x0, w2, c02); c03 = madd(x0, w3, c03);
    c10 = madd(x1, w0, c10); c11 = madd(x1, w1, c11); c12 = madd(x1, w2, c12); c13 = madd(x1, w3, c13);
  }
  let r0 = laneSums(c00, c01, c02, c03);
  let r1 = laneSums(c10, c11, c12, c13);
  for (let o = k4Bytes; o < kBytes; o += 4) {
    const wv = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(load<f32>(b0 + o)),
      1, load<f32>(b1 + o)), 2, load<f32>(b2 + o)), 3, load<f32>(b3 + o));
    r0 = madd(v128.load32_splat(a0 + o), wv, r0);
    r1 = madd(v128.load32_splat(a1 + o), wv, r1);
  }
  const y0 = y + (<usize>(i * n + j) << 2);
  v128.store(y0, r0);
  v128.store(y0 + (<usize>n << 2), r1);
}

/** One element of gemm_nt in the same order as the tiles. */
@inline
function ntDot(a: usize, b: usize, y: usize, i: i32, j: i32, k: i32, n: i32): void {
  const kBytes = <usize>k << 2;
  const k4Bytes = <usize>(k & ~3) << 2;
  const ar = a + <usize>i * kBytes;
  const br = b + <usize>j * kBytes;
  let c = f32x4.splat(0);
  for (let o: usize = 0; o < k4Bytes; o += 16) c = madd(v128.load(ar + o), v128.load(br + o), c);
  let r = f32x4.extract_lane(laneSums(c, c, c, c), 0);
  for (let o = k4Bytes; o < kBytes; o += 4) r = maddScalar(load<f32>(ar + o), load<f32>(br + o), r);
  store<f32>(y + (<usize>(i * n + j) << 2), r);
}

// ---------------------------------------------------------------------------------------------------------
// gemm_tn

/**
 * y[m×n] = a[k×m]ᵀ·b[k×n]: the weight gradient Xᵀ·dY with k = the batch. a is packed into tiles of 4 columns
 * and b into strips of 8 (each k rows, contiguous) in `scratch` (gemm_tn_scratch floats); then per 4 rows × 8
 * columns of y, one load of a tile row gives the 4 rows' multipliers (lane splats) and two loads of a strip row
 * the 8 columns. Each element is one ascending sum over k, written once.
 */
export function gemm_tn(a: usize, b: usize, y: usize, m: i32, k: i32, n: i32, scratch: usize): void {
  const rowBytes = <usize>n << 2;
  const nBlocked = n & ~7;
  const mBlocked = m & ~3;
  const tileBytes = <usize>k << 4;
  const stripBytes = <usize>k << 5;
  const strips = scratch + <usize>(mBlocked >> 2) * tileBytes;
  packTiles4(a, scratch, k, mBlocked, <usize>m << 2, tileBytes);
  packStrips(b, strips, k, nBlocked, rowBytes, stripBytes);
  for (let i = 0; i < mBlocked; i += 4) {
    const tile = scratch + <usize>(i >> 2) * tileBytes;
    for (let j = 0; j < nBlocked; j += 8) tnTile4x8(tile, strips + <usize>(j >> 3) * stripBytes, y, i, j, k, rowBytes);
  }
  for (let i = 0; i < m; i++) {
    const from = i < mBlocked ? nBlocked : 0;
    for (let j = from; j < n; j++) tnScalar(a, b, y, i, j, 0, k, m, n, true);
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
    const av = v128.load(ap);
    const w0 = v128.load(bp);
    const w1 = v128.load(bp, 16);
    const s0 = v128.shuffle<f32>(av, av, 0, 0, 0, 0);
    const s1 = v128.shuffle<f32>(av, av, 1, 1, 1, 1);
    const s2 = v128.shuffle<f32>(av, av, 2, 2, 2, 2);
    const s3 = v128.shuffle<f32>(av, av, 3, 3, 3, 3);
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
