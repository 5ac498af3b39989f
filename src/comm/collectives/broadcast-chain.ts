// Pipelined chain broadcast: root → root+1 → … → root+N−1, chunk by chunk (bandwidth-optimal for large arrays).

import { alignedChunkBytes, recvChunks, sendChunks } from './chunked.js';
import { ALGORITHM_IDS, type CollectiveContext } from './context.js';
import { mod } from './partition.js';

/**
 * Copies root's `bytes` into every rank's `bytes` (in place). Ranks form a chain in rank order starting at
 * `root`; every rank but the last forwards each chunk as soon as it arrives, so the time is about
 * S/bandwidth + (N−2)·(chunk time) rather than (N−1)·S/bandwidth. Each rank but the last sends S payload
 * bytes, each rank but the root receives S. Rejects with the transport's CommError.
 */
export async function broadcastChain(ctx: CollectiveContext, bytes: Uint8Array, elementBytes: number, root: number): Promise<void> {
  const { link } = ctx;
  link.useAlgorithm(ALGORITHM_IDS.broadcastChain);
  const n = link.worldSize;
  if (n === 1 || bytes.byteLength === 0) return;
  const chunkBytes = alignedChunkBytes(ctx.chunkBytes, elementBytes);
  const position = mod(link.rank - root, n);
  const next = mod(link.rank + 1, n);
  if (position === 0) {
    sendChunks(link, next, bytes, chunkBytes);
  } else {
    const forward = position < n - 1;
    await recvChunks(link, mod(link.rank - 1, n), bytes, chunkBytes, (offset, byteLength) => {
      if (forward) void link.send(next, bytes.subarray(offset, offset + byteLength));
    });
  }
  await link.flush();
}
