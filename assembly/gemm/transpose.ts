// Transposes for the gemm kernels' scratch: gemm_nt's short-rowed b, gemm_nn's row blocks of x.

/** dst[cols×rows] = src[rows×cols]ᵀ: 4×4 blocks through registers, the ragged edges one float at a time. */
@inline
export function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
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
