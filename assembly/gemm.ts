// WebAssembly SIMD kernels for the three products of a dense layer (module "gemm"), row-major float32.
//
//   gemm_nn: Y = X·W     (forward; X m×k, W k×n), optionally + bias per column and ReLU   (gemm/nn.ts)
//   gemm_nt: Y = A·Bᵀ    (dX = dY·Wᵀ; A m×k, B n×k: W read in place, or transposed when k < 16) (gemm/nt.ts)
//   gemm_tn: Y = Aᵀ·B    (dW = Xᵀ·dY; A k×m, B k×n; packs into a caller-provided scratch)  (gemm/tn.ts)
//
// Only gemm_nt's B with short rows is transposed (into scratch); outputs with few columns (the classifier head)
// take gemm/narrow.ts. Pointers are byte offsets into the memory the module imports (the tfjs wasm heap or
// lion-cub's kernel memory); no static data, no allocation.
//
// The same source is compiled twice (scripts/build-wasm.mjs): build/gemm.wasm with plain SIMD (one multiply,
// then one add per term, so the JS references in src/kernels/gemm-reference.ts give the same bits) and
// build/gemm-relaxed.wasm with relaxed SIMD, where every multiply-add is f32x4.relaxed_madd (fused on CPUs
// with FMA: one rounding instead of two, so results differ from the plain kernel in the last bits).

export { gemm_tn_scratch, gemm_tn } from './gemm/tn';
export { gemm_nn } from './gemm/nn';
export { gemm_nt_scratch, gemm_nt } from './gemm/nt';
