// The dense-layer kernels (assembly/gemm.ts) on the three products of each layer of an MLP: ms and GFLOP/s.
//
// Operands live in a wasm memory of their own, laid out as a TF.js dense layer stores them (W is [in, out]):
// X·W (m = batch), dY·Wᵀ (W read row by row, no transpose), Xᵀ·dY (k = batch).

import { measureSync } from '../harness.js';
import { KernelMemory } from '../../kernels/kernel-memory.js';
import { gemmKernels, gemmVariant, type GemmVariant } from '../../kernels/gemm.js';

export type DenseProduct = 'X·W' | 'dY·Wᵀ' | 'Xᵀ·dY';

export interface GemmBenchRow {
  what: 'gemm';
  variant: GemmVariant;
  product: DenseProduct;
  layer: number;
  m: number;
  k: number;
  n: number;
  batch: number;
  msMedian: number;
  msMin: number;
  /** GFLOP/s of the median time. */
  gflops: number;
  /** GFLOP/s of the fastest repeat: on a shared machine the least disturbed by other processes. */
  gflopsBest: number;
}

/** Plain SIMD, and relaxed SIMD too when this engine runs it. */
export function gemmVariantsToBench(): GemmVariant[] {
  return gemmVariant() === 'relaxed' ? ['simd', 'relaxed'] : ['simd'];
}

/**
 * Untimed runs before a product is timed: about WARMUP_MULTIPLY_ADDS of work, at least 3. V8 optimises a wasm
 * function only after it has run for a while, so a product of a few microseconds (the classifier head's) timed
 * after 3 runs was timed on baseline code in some runs and not in others.
 */
const WARMUP_MULTIPLY_ADDS = 1e8;

function warmupRuns(multiplyAdds: number): number {
  return Math.max(3, Math.ceil(WARMUP_MULTIPLY_ADDS / Math.max(1, multiplyAdds)));
}

/** Times every product of every layer of the MLP with layer widths `sizes` at `batch` rows, with `variant`. */
export function* runGemmBench(sizes: readonly number[], batch: number, repeats: number, variant: GemmVariant): Generator<GemmBenchRow> {
  for (let layer = 0; layer + 1 < sizes.length; layer++) {
    const [inputs, outputs] = [sizes[layer], sizes[layer + 1]];
    const memory = new KernelMemory();
    const kernels = gemmKernels(memory.memory, variant);
    const scratchFloats = Math.max(1, kernels.gemm_tn_scratch(inputs, batch, outputs), kernels.gemm_nt_scratch(batch, outputs, inputs));
    const regions = [batch * inputs, inputs * outputs, batch * outputs, inputs * outputs, batch * inputs, scratchFloats].map((n) => memory.allocF32(n));
    for (const region of regions) region.f32().forEach((_, i, a) => { a[i] = Math.sin(i); });
    const [x, w, dy, dw, dx, pad] = regions.map((r) => r.offset);
    const products: Array<[DenseProduct, [number, number, number], () => void]> = [
      ['X·W', [batch, inputs, outputs], () => kernels.gemm_nn(x, w, dy, 0, false, batch, inputs, outputs)],
      ['dY·Wᵀ', [batch, outputs, inputs], () => kernels.gemm_nt(dy, w, dx, batch, outputs, inputs, pad)],
      ['Xᵀ·dY', [inputs, batch, outputs], () => kernels.gemm_tn(x, dy, dw, inputs, batch, outputs, pad)],
    ];
    for (const [product, [m, k, n], run] of products) {
      const t = measureSync(run, { warmup: warmupRuns(m * k * n), repeats });
      yield { what: 'gemm', variant, product, layer, m, k, n, batch, msMedian: t.medianMs, msMin: t.minMs, gflops: (2 * m * k * n) / t.medianMs / 1e6, gflopsBest: (2 * m * k * n) / t.minMs / 1e6 };
    }
  }
}
