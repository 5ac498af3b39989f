// Dissemination barrier: no rank leaves before every rank has entered.

import { ALGORITHM_IDS, type CollectiveContext } from './context.js';
import { mod } from './partition.js';

const EMPTY = new Uint8Array(0);

/**
 * Round k = 0..⌈log2 N⌉−1: send an empty message to rank r + 2^k and wait for one from r − 2^k. After round k
 * a rank has (transitively) heard from the 2^(k+1) − 1 ranks before it, so after the last round from all.
 * ⌈log2 N⌉ messages per rank, each only a frame header on the wire. Rejects with the transport's CommError.
 */
export async function barrierDissemination(ctx: CollectiveContext): Promise<void> {
  const { link } = ctx;
  link.useAlgorithm(ALGORITHM_IDS.barrierDissemination);
  const n = link.worldSize;
  for (let distance = 1; distance < n; distance <<= 1) {
    void link.send(mod(link.rank + distance, n), EMPTY);
    await link.recv(mod(link.rank - distance, n), EMPTY);
  }
  await link.flush();
}
