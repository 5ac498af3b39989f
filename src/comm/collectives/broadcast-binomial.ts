// Binomial-tree broadcast: ⌈log2 N⌉ rounds, for small arrays where latency dominates.

import { alignedChunkBytes, recvChunks, sendChunks } from './chunked.js';
import { ALGORITHM_IDS, type CollectiveContext } from './context.js';
import { mod } from './partition.js';

/**
 * Copies root's `bytes` into every rank's `bytes` (in place). With v = (rank − root) mod N, rank v receives
 * the whole array from v − 2^k (2^k = lowest set bit of v), then sends it to v + 2^j for every 2^j < 2^k
 * with v + 2^j < N, largest first. Rounds: ⌈log2 N⌉. Rank v sends S bytes per child (the root has
 * ⌈log2 N⌉ children); every rank but the root receives S. Rejects with the transport's CommError.
 */
export async function broadcastBinomial(ctx: CollectiveContext, bytes: Uint8Array, elementBytes: number, root: number): Promise<void> {
  const { link } = ctx;
  link.useAlgorithm(ALGORITHM_IDS.broadcastBinomial);
  const n = link.worldSize;
  if (n === 1 || bytes.byteLength === 0) return;
  const chunkBytes = alignedChunkBytes(ctx.chunkBytes, elementBytes);
  const v = mod(link.rank - root, n);
  let mask = 1;
  while (mask < n) {
    if (v & mask) {
      await recvChunks(link, mod(v - mask + root, n), bytes, chunkBytes);
      break;
    }
    mask <<= 1;
  }
  for (mask >>= 1; mask > 0; mask >>= 1) {
    if (v + mask < n) sendChunks(link, mod(v + mask + root, n), bytes, chunkBytes);
  }
  await link.flush();
}
