// Ring allgather: every rank ends with the concatenation of all ranks' equal-sized blocks, in rank order.

import { DTYPE_BYTES, type DType } from '../codes.js';
import type { ElementArray } from '../reduce-ops.js';
import { ALGORITHM_IDS, type CollectiveContext } from './context.js';
import { mod } from './partition.js';
import { ringAllgatherPhase, sendBlock } from './ring-phases.js';

/**
 * output[b·L .. (b+1)·L) = input of rank b, with L = input.length; output.length must be N·L (the caller
 * validates). N−1 pipelined steps; each rank sends (N−1)/N·S payload bytes for S = output bytes.
 * `input` may alias block r of `output`. Rejects with the transport's CommError.
 */
export async function allgatherRing(ctx: CollectiveContext, input: ElementArray, output: ElementArray, dtype: DType): Promise<void> {
  const { link } = ctx;
  link.useAlgorithm(ALGORITHM_IDS.allgatherRing);
  const n = link.worldSize;
  const r = link.rank;
  output.set(input as never, r * input.length);
  if (n === 1 || input.length === 0) return;
  void sendBlock(ctx, mod(r + 1, n), output, DTYPE_BYTES[dtype], r);
  await ringAllgatherPhase(ctx, dtype, output);
  await link.flush();
}
