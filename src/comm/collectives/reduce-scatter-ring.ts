// Ring reduce-scatter: rank r receives block r of the element-wise reduction of every rank's input.

import { DTYPE_BYTES, type DType } from '../codes.js';
import { combineOpOf, type ElementArray, type ReduceOp } from '../reduce-ops.js';
import { ALGORITHM_IDS, type CollectiveContext } from './context.js';
import { blockStart } from './partition.js';
import { ringReduceScatterPhase } from './ring-phases.js';
import { elementView } from './views.js';

/**
 * output = block r of reduce(op, inputs), where `input` holds N equal blocks of output.length elements.
 * `input` is left unchanged: the partial sums live in the group's scratch ("work", S bytes, reused).
 * N−1 pipelined steps; each rank sends S − |B_r| = (N−1)/N·S payload bytes. For `mean` the owner divides by N.
 * The caller validates input.length = N · output.length. Rejects with the transport's CommError.
 */
export async function reduceScatterRing(
  ctx: CollectiveContext,
  input: ElementArray,
  output: ElementArray,
  dtype: DType,
  op: ReduceOp,
): Promise<void> {
  const { link } = ctx;
  link.useAlgorithm(ALGORITHM_IDS.reduceScatterRing);
  const n = link.worldSize;
  const own = blockStart(input.length, n, link.rank);
  if (n === 1 || input.length === 0) {
    output.set(input.subarray(own, own + output.length) as never);
    return;
  }
  const work = elementView(dtype, ctx.scratch.bytes('work', input.length * DTYPE_BYTES[dtype]));
  work.set(input as never);
  await ringReduceScatterPhase(ctx, dtype, combineOpOf(op), op === 'mean' ? n : 1, work, (start, length) => {
    output.set(work.subarray(start, start + length) as never, start - own);
  });
  await link.flush();
}
