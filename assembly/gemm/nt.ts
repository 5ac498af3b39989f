// gemm_nt: Y = A·Bᵀ (dX = dY·Wᵀ; A m×k, B n×k): W read in its stored layout, its rows taken as dot products;
// with short rows (k < NT_TRANSPOSE_BELOW_K, the classifier head's dY·Wᵀ) B is transposed into scratch instead
// and the product runs as gemm_nn.

import { madd, maddScalar } from './madd';
import { gemm_nn } from './nn';

/**
 * Below this k, gemm_nt transposes b (n·k floats, small next to the m·n·k multiply-adds) and runs gemm_nn,
 * whose sums are ascending over k: dot products of fewer than 16 terms would spend more on combining lanes
 * and gathering the k mod 4 tail than on multiply-adds.
 */
export const NT_TRANSPOSE_BELOW_K = 16;

/** Floats of scratch gemm_nt needs: bᵀ when k < NT_TRANSPOSE_BELOW_K, else none. */
export function gemm_nt_scratch(m: i32, k: i32, n: i32): i32 {
  return k < NT_TRANSPOSE_BELOW_K ? k * n : 0;
}

/**
 * y[m×n] = a[m×k]·b[n×k]ᵀ: y[i][j] is the dot product of row i of a and row j of b. Each dot product runs in
 * four lanes (lane l sums the terms p ≡ l mod 4 in ascending order), the lanes are combined as
 * (l0 + l2) + (l1 + l3), then the k mod 4 remaining terms are added in order. Blocks of 4 rows of b (the
 * large weight) stay in cache while every row pair of a (the small gradient) passes over them, so b streams
 * from memory once. With k < NT_TRANSPOSE_BELOW_K, y = a·(bᵀ from scratch) by gemm_nn (ascending sums).
 */
export function gemm_nt(a: usize, b: usize, y: usize, m: i32, k: i32, n: i32, scratch: usize): void {
  if (k < NT_TRANSPOSE_BELOW_K) {
    transpose(b, scratch, n, k);
    gemm_nn(a, scratch, y, 0, false, m, k, n);
    return;
  }
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

/** dst[cols×rows] = src[rows×cols]ᵀ: 4×4 blocks through registers, the ragged edges one float at a time. */
function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
  const srcRow = <usize>cols << 2;
  const dstRow = <usize>rows << 2;
  const rows4 = rows & ~3;
  const cols4 = cols & ~3;
  for (let r = 0; r < rows4; r += 4) {
    const s0 = src + <usize>r * srcRow;
    const d0 = dst + (<usize>r << 2);
    for (let c = 0; c < cols4; c += 4) {
      const s = s0 + (<usize>c << 2);
      const r0 = v128.load(s);
      const r1 = v128.load(s + srcRow);
      const r2 = v128.load(s + 2 * srcRow);
      const r3 = v128.load(s + 3 * srcRow);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const d = d0 + <usize>c * dstRow;
      v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      v128.store(d + dstRow, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
      v128.store(d + 2 * dstRow, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
      v128.store(d + 3 * dstRow, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
    }
    for (let c = cols4; c < cols; c++) {
      for (let rr = r; rr < r + 4; rr++) store<f32>(dst + <usize>c * dstRow + (<usize>rr << 2), load<f32>(src + <usize>rr * srcRow + (<usize>c << 2)));
    }
  }
  for (let r = rows4; r < rows; r++) {
    for (let c = 0; c < cols; c++) store<f32>(dst + <usize>c * dstRow + (<usize>r << 2), load<f32>(src + <usize>r * srcRow + (<usize>c << 2)));
  }
}
