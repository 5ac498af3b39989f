// Variable-size pairwise exchanges: alltoallv (a block per peer) and allgatherv (one block to every peer).

import { alignedChunkBytes, recvChunks, sendChunks } from './chunked.js';
import { ALGORITHM_IDS, type CollectiveContext } from './context.js';
import { mod } from './partition.js';
import { ownCopy, receiveBuffer, recvBlockLength, wordBytes, type BlockLengthLimits } from './variable-blocks.js';

/**
 * Returns blocks[i] = what rank i sent to this rank (blocks[r] is a copy of sendBlocks[r]).
 * To each peer p ≠ r, in pairwise order (p = r+1, r+2, …): one length frame (uint32 byte length), then the
 * block in chunks. Receives from all peers run concurrently. When `limits.expected` is given, a peer
 * announcing another length fails the call with a MismatchError naming it. Payload bytes sent per rank:
 * Σ_{p≠r} (4 + |block_p|). Each returned block is a fresh Uint8Array owned by the caller, or `limits.into[i]` when given.
 * The caller validates sendBlocks.length = N and that every length is a whole number of elements.
 */
export function alltoallvPairwise(
  ctx: CollectiveContext,
  sendBlocks: readonly Uint8Array[],
  elementBytes: number,
  limits: BlockLengthLimits,
): Promise<Uint8Array[]> {
  return exchangePairwise(ctx, ALGORITHM_IDS.alltoallvPairwise, 'alltoallv', (p) => sendBlocks[p], elementBytes, limits);
}

/**
 * Returns blocks[i] = rank i's `block` (blocks[r] is a copy), with the framing of alltoallvPairwise: every
 * rank sends its block straight to every peer, so no block waits for a rank in between (the ring's
 * store-and-forward) and a late rank delays only its own block. Payload bytes sent per rank:
 * (N−1)·(4 + |block|), received Σ_{q≠r} (4 + |block_q|); the ring's totals when all blocks are equal.
 */
export function allgathervPairwise(
  ctx: CollectiveContext,
  block: Uint8Array,
  elementBytes: number,
  limits: BlockLengthLimits,
): Promise<Uint8Array[]> {
  return exchangePairwise(ctx, ALGORITHM_IDS.allgathervPairwise, 'allgatherv', () => block, elementBytes, limits);
}

async function exchangePairwise(
  ctx: CollectiveContext,
  algorithmId: number,
  op: string,
  blockFor: (peer: number) => Uint8Array,
  elementBytes: number,
  limits: BlockLengthLimits,
): Promise<Uint8Array[]> {
  const { link } = ctx;
  link.useAlgorithm(algorithmId);
  const n = link.worldSize;
  const r = link.rank;
  const received: Uint8Array[] = new Array(n);
  received[r] = ownCopy(limits, r, blockFor(r));
  if (n === 1) return received;
  const chunkBytes = alignedChunkBytes(ctx.chunkBytes, elementBytes);
  const outgoingLengths = new Uint32Array(n);
  for (let s = 1; s < n; s++) {
    const to = mod(r + s, n);
    const block = blockFor(to);
    outgoingLengths[to] = block.byteLength;
    void link.send(to, wordBytes(outgoingLengths, to));
    sendChunks(link, to, block, chunkBytes);
  }
  const incomingLengths = new Uint32Array(n);
  const receiving: Promise<void>[] = [];
  for (let s = 1; s < n; s++) {
    const from = mod(r - s, n);
    receiving.push((async () => {
      const byteLength = await recvBlockLength(link, from, incomingLengths, from, elementBytes, limits, op);
      received[from] = receiveBuffer(limits, from, byteLength);
      await recvChunks(link, from, received[from], chunkBytes);
    })());
  }
  await Promise.all(receiving);
  await link.flush();
  return received;
}
