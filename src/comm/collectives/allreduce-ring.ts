// Ring allreduce: a pipelined reduce-scatter followed by a pipelined allgather (bandwidth-optimal).

import { DTYPE_BYTES, type DType } from '../codes.js';
import { combineOpOf, type ElementArray, type ReduceOp } from '../reduce-ops.js';
import { ALGORITHM_IDS, type CollectiveContext } from './context.js';
import { mod } from './partition.js';
import { ringAllgatherPhase, ringReduceScatterPhase } from './ring-phases.js';
import { byteView } from './views.js';

/**
 * Reduces `buf` over all ranks in place with the ring algorithm.
 *
 * Phase 1 (reduce-scatter, N−1 steps): afterwards rank r holds block r reduced over all ranks; for `mean`
 * it divides that block by N once, in float32, before rounding (so all ranks get the owner's bits).
 * Phase 2 (allgather, N−1 steps): each finished block travels once around the ring.
 * Each rank sends (S − |B_r|) + (S − |B_{r+1}|) payload bytes, 2(N−1)/N·S when N divides the length, in
 * chunks of at most ctx.chunkBytes; see docs/algorithms.md. Every rank must pass the same length and dtype.
 * Rejects with the transport's CommError; `buf` is then partly reduced.
 */
export async function allreduceRing(ctx: CollectiveContext, buf: ElementArray, dtype: DType, op: ReduceOp): Promise<void> {
  const { link } = ctx;
  link.useAlgorithm(ALGORITHM_IDS.allreduceRing);
  const n = link.worldSize;
  if (n === 1 || buf.length === 0) return;
  const elementBytes = DTYPE_BYTES[dtype];
  const right = mod(link.rank + 1, n);
  const sent = await ringReduceScatterPhase(ctx, dtype, combineOpOf(op), op === 'mean' ? n : 1, buf, (start, length) => {
    // A finished chunk of the own block is the first allgather message: send it without waiting for the rest.
    void link.send(right, byteView(buf, elementBytes, start, length));
  });
  // No flush between the phases: the allgather's first frames arrive right after the last reduce-scatter frame,
  // and a receive posted late turns them into queued copies. It writes final values over blocks whose partial
  // sums were sent during the reduce-scatter; a transport may read a payload until its send resolves, so each
  // block's receive waits for that block's sends (long done in practice: the final value of a block includes
  // what this rank sent of it).
  await ringAllgatherPhase(ctx, dtype, buf, sent);
  await link.flush();
}
