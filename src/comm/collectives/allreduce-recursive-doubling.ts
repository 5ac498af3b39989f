// Latency-optimal allreduce for small messages: recursive doubling, with a fold-in for non-powers of two.

import { DTYPE_BYTES, type DType } from '../codes.js';
import { combineInto, combineOpOf, type ElementArray, type ReduceOp } from '../reduce-ops.js';
import { alignedChunkBytes, recvChunks, sendChunks } from './chunked.js';
import { ALGORITHM_IDS, type CollectiveContext } from './context.js';
import { byteView, elementView } from './views.js';

/**
 * Reduces `buf` over all ranks in place in ⌈log2 N⌉ (+2 when N is not a power of two) exchange rounds.
 *
 * Let P = 2^⌊log2 N⌋ and E = N − P. Fold-in: each even rank r < 2E sends its whole array to r+1, which
 * combines it and stands in for both. Doubling: the P remaining ranks, renumbered v = 0..P−1, exchange
 * whole arrays with v XOR 2^k for k = 0..log2 P − 1 and combine (the last round also divides by N for
 * `mean`). Both partners combine the same two arrays with a commutative operation, so every rank holds
 * the same bits. Fold-out: r+1 sends the result back to r.
 * Bytes per rank: log2 P · S, plus S for ranks in the fold (see docs/algorithms.md). Uses scratch "work" (S bytes).
 */
export async function allreduceRecursiveDoubling(ctx: CollectiveContext, buf: ElementArray, dtype: DType, op: ReduceOp): Promise<void> {
  const { link } = ctx;
  link.useAlgorithm(ALGORITHM_IDS.allreduceRecursiveDoubling);
  const n = link.worldSize;
  const r = link.rank;
  if (n === 1 || buf.length === 0) return;
  const elementBytes = DTYPE_BYTES[dtype];
  const chunkBytes = alignedChunkBytes(ctx.chunkBytes, elementBytes);
  const bytes = byteView(buf, elementBytes, 0, buf.length);
  // In kernel memory beside a `buf` there (up to smallMessageBytes), so the combine below runs in wasm.
  const incomingBytes = ctx.scratch.chunk('work', bytes.byteLength, buf);
  const incoming = elementView(dtype, incomingBytes);
  const combineOp = combineOpOf(op);
  const divisor = op === 'mean' ? n : 1;
  const powerOfTwo = 2 ** Math.floor(Math.log2(n));
  const extra = n - powerOfTwo;
  const folded = r < 2 * extra;

  if (folded && r % 2 === 0) {
    sendChunks(link, r + 1, bytes, chunkBytes);
    await link.flush();
    await recvChunks(link, r + 1, bytes, chunkBytes);
    return;
  }
  if (folded) {
    await recvChunks(link, r - 1, incomingBytes, chunkBytes);
    combineInto(dtype, combineOp, buf, 0, incoming, 0, buf.length);
  }
  const virtualRank = folded ? r >> 1 : r - extra;
  for (let mask = 1; mask < powerOfTwo; mask <<= 1) {
    const virtualPartner = virtualRank ^ mask;
    const partner = virtualPartner < extra ? 2 * virtualPartner + 1 : virtualPartner + extra;
    sendChunks(link, partner, bytes, chunkBytes);
    await recvChunks(link, partner, incomingBytes, chunkBytes);
    // buf is combined in place next, and the transport may read a payload until its send resolves.
    await link.flush();
    combineInto(dtype, combineOp, buf, 0, incoming, 0, buf.length, mask * 2 === powerOfTwo ? divisor : 1);
  }
  if (folded) sendChunks(link, r - 1, bytes, chunkBytes);
  await link.flush();
}
