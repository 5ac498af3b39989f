// Variable-size ring allgather: every rank ends with every rank's block, blocks of any byte length.

import { alignedChunkBytes, recvChunks, sendChunks } from './chunked.js';
import { ALGORITHM_IDS, type CollectiveContext } from './context.js';
import { mod } from './partition.js';
import { ownCopy, receiveBuffer, recvBlockLength, wordBytes, type BlockLengthLimits } from './variable-blocks.js';

/**
 * Returns blocks[i] = rank i's `block` (blocks[r] is a copy). Ring of N−1 steps: at step s rank r sends
 * block (r−s) to the right and receives block (r−s−1) from the left, each as a length frame (uint32 byte
 * length) followed by its chunks; a received chunk is forwarded at once, so blocks pipeline through the ring.
 * Payload bytes sent per rank: Σ_{b≠r+1} (4 + |block_b|). When `limits.expected` is given, a block of
 * another length fails the call with a MismatchError. Each returned block is a fresh Uint8Array, or `limits.into[i]`
 * when given.
 */
export async function allgathervRing(
  ctx: CollectiveContext,
  block: Uint8Array,
  elementBytes: number,
  limits: BlockLengthLimits,
): Promise<Uint8Array[]> {
  const { link } = ctx;
  link.useAlgorithm(ALGORITHM_IDS.allgathervRing);
  const n = link.worldSize;
  const r = link.rank;
  const blocks: Uint8Array[] = new Array(n);
  blocks[r] = ownCopy(limits, r, block);
  if (n === 1) return blocks;
  const chunkBytes = alignedChunkBytes(ctx.chunkBytes, elementBytes);
  const right = mod(r + 1, n);
  const left = mod(r - 1, n);
  const outgoingLengths = new Uint32Array(n);
  const incomingLengths = new Uint32Array(n);
  outgoingLengths[r] = blocks[r].byteLength;
  void link.send(right, wordBytes(outgoingLengths, r));
  sendChunks(link, right, blocks[r], chunkBytes);
  for (let s = 0; s < n - 1; s++) {
    const b = mod(r - s - 1, n);
    const byteLength = await recvBlockLength(link, left, incomingLengths, b, elementBytes, limits, 'allgatherv');
    const target = receiveBuffer(limits, b, byteLength);
    blocks[b] = target;
    const forward = s < n - 2;
    if (forward) {
      outgoingLengths[b] = byteLength;
      void link.send(right, wordBytes(outgoingLengths, b));
    }
    await recvChunks(link, left, target, chunkBytes, forward
      ? (offset, length) => { void link.send(right, target.subarray(offset, offset + length)); }
      : undefined);
  }
  await link.flush();
  return blocks;
}
