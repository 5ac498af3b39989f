// The cases one `bench comm` invocation runs, in order: every op × dtype × size (plain) or op × d (compressed).

import type { QuantBits } from '../../codec/index.js';
import { DTYPE_BYTES, type DType } from '../../comm/codes.js';
import { isCompressedOp, type CompressedOp } from './compressed-ops.js';
import type { BenchOp } from './ops.js';
import type { CommBenchConfig } from './worker-config.js';

export type PlannedCase =
  | { kind: 'plain'; op: BenchOp; dtype: DType; bytes: number }
  | { kind: 'compressed'; op: CompressedOp; params: number; bits: QuantBits };

/**
 * Ops in the given order; a plain op runs every dtype, then every size; a compressed op every d.
 * Sizes: with `params`, a plain op's S is d · element size and a compressed op codes d values; without, a plain
 * op's S is each of `sizes` and a compressed op codes d = ⌊S/4⌋ values (the d whose float32 array is S bytes),
 * so the default sweep compares compressed and float32 collectives of the same d.
 */
export function planCases(config: CommBenchConfig): PlannedCase[] {
  const cases: PlannedCase[] = [];
  const compressedParams = config.params ?? [...new Set(config.sizes.map((s) => Math.floor(s / 4)).filter((d) => d > 0))];
  for (const op of config.ops) {
    if (isCompressedOp(op)) {
      for (const params of compressedParams) cases.push({ kind: 'compressed', op, params, bits: config.bits });
      continue;
    }
    for (const dtype of config.dtypes) {
      const sizes = config.params ? config.params.map((d) => d * DTYPE_BYTES[dtype]) : config.sizes;
      for (const bytes of sizes) cases.push({ kind: 'plain', op, dtype, bytes });
    }
  }
  return cases;
}
