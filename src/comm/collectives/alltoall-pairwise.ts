// Pairwise-exchange alltoall: block j of rank i's input becomes block i of rank j's output.

import { DTYPE_BYTES, type DType } from '../codes.js';
import type { ElementArray } from '../reduce-ops.js';
import { alignedChunkBytes, recvChunks, sendChunks } from './chunked.js';
import { ALGORITHM_IDS, type CollectiveContext } from './context.js';
import { mod } from './partition.js';
import { byteView } from './views.js';

/**
 * output block i = input block r of rank i, blocks of L = input.length / N elements (the caller validates
 * divisibility, equal lengths and that output does not overlap input). Sends follow the pairwise schedule
 * (step s = 1..N−1: to r+s) and are issued at once; blocks from all peers are received concurrently (one
 * pending receive per peer). Each rank sends (N−1)/N·S payload bytes. Rejects with the transport's CommError.
 */
export async function alltoallPairwise(ctx: CollectiveContext, input: ElementArray, output: ElementArray, dtype: DType): Promise<void> {
  const { link } = ctx;
  link.useAlgorithm(ALGORITHM_IDS.alltoallPairwise);
  const n = link.worldSize;
  const r = link.rank;
  const blockLength = input.length / n;
  output.set(input.subarray(r * blockLength, (r + 1) * blockLength) as never, r * blockLength);
  if (n === 1 || blockLength === 0) return;
  const elementBytes = DTYPE_BYTES[dtype];
  const chunkBytes = alignedChunkBytes(ctx.chunkBytes, elementBytes);
  for (let s = 1; s < n; s++) {
    const to = mod(r + s, n);
    sendChunks(link, to, byteView(input, elementBytes, to * blockLength, blockLength), chunkBytes);
  }
  const receiving: Promise<void>[] = [];
  for (let s = 1; s < n; s++) {
    const from = mod(r - s, n);
    receiving.push(recvChunks(link, from, byteView(output, elementBytes, from * blockLength, blockLength), chunkBytes));
  }
  await Promise.all(receiving);
  await link.flush();
}
