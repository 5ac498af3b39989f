// The two pipelined phases of a ring (reduce-scatter, allgather) shared by the ring collectives.
//
// The array of `count` elements is split into N blocks (partition.ts); each block travels as chunks of at
// most `perChunk` elements. Rank r sends only to right = r+1 and receives only from left = r−1, so the
// frames on each link follow one schedule that both ends can number.

import { DTYPE_BYTES, type DType } from '../codes.js';
import { combineInto, type ElementArray } from '../reduce-ops.js';
import type { CollectiveContext } from './context.js';
import { blockLength, blockStart, chunkElements, mod } from './partition.js';
import { byteView, elementView } from './views.js';

/** Walks the chunks of one block per step, for steps 0..N−2, skipping empty blocks (they send nothing). */
class RingCursor {
  step = -1;
  start = 0;
  length = 0;
  done = false;
  private blockFirst = 0;
  private blockEnd = 0;

  constructor(
    private readonly count: number,
    private readonly worldSize: number,
    private readonly perChunk: number,
    private readonly blockOfStep: (step: number) => number,
  ) {
    this.nextStep();
  }

  advance(): void {
    const next = this.start + this.length;
    if (next < this.blockEnd) this.setChunk(next);
    else this.nextStep();
  }

  private nextStep(): void {
    for (this.step++; this.step < this.worldSize - 1; this.step++) {
      const b = this.blockOfStep(this.step);
      this.blockFirst = blockStart(this.count, this.worldSize, b);
      this.blockEnd = this.blockFirst + blockLength(this.count, this.worldSize, b);
      if (this.blockEnd > this.blockFirst) {
        this.setChunk(this.blockFirst);
        return;
      }
    }
    this.done = true;
  }

  private setChunk(start: number): void {
    this.start = start;
    this.length = Math.min(this.perChunk, this.blockEnd - start);
  }
}

/**
 * Sends every chunk of block `b` of `work` to `peer`, in order (not awaited: see CollectiveLink.flush).
 * Returns the last send's promise (undefined for an empty block): sends to one peer complete in order.
 */
export function sendBlock(ctx: CollectiveContext, peer: number, work: ElementArray, elementBytes: number, b: number): Promise<void> | undefined {
  const n = ctx.link.worldSize;
  const perChunk = chunkElements(ctx.chunkBytes, elementBytes);
  const first = blockStart(work.length, n, b);
  const end = first + blockLength(work.length, n, b);
  let last: Promise<void> | undefined;
  for (let start = first; start < end; start += perChunk) {
    last = ctx.link.send(peer, byteView(work, elementBytes, start, Math.min(perChunk, end - start)));
  }
  return last;
}

/**
 * For each ring step s, the promise of the last send of that step (undefined when the step sent nothing):
 * once it resolves, the transport no longer reads the block sent at step s, so it may be overwritten.
 */
export type StepSends = Array<Promise<void> | undefined>;

/**
 * Reduce-scatter phase, in place on `work` (all N blocks). Step s = 0..N−2: rank r sends block (r−1−s) to
 * the right and receives block (r−2−s) from the left, combining it into its own copy. Chunk k received at
 * step s is forwarded (as step s+1) as soon as it is combined, so chunks flow through the ring as a
 * pipeline; the receive of the next chunk is posted before the current one is combined, into the other of
 * two scratch chunks. After step N−2 rank r holds block r reduced over all ranks: at that last step the
 * combine also divides by `divisor` (mean), and `onOwnChunk(start, length)` is called per finished chunk.
 * Step 0's sends are issued here. Resolves to the sends of each step: the block sent at step s must not be
 * modified before its entry resolves (or the link is flushed).
 */
export async function ringReduceScatterPhase(
  ctx: CollectiveContext,
  dtype: DType,
  op: 'sum' | 'max',
  divisor: number,
  work: ElementArray,
  onOwnChunk: (start: number, length: number) => void,
): Promise<StepSends> {
  const { link } = ctx;
  const n = link.worldSize;
  const r = link.rank;
  const elementBytes = DTYPE_BYTES[dtype];
  const perChunk = chunkElements(ctx.chunkBytes, elementBytes);
  const right = mod(r + 1, n);
  const left = mod(r - 1, n);
  const sent: StepSends = new Array<Promise<void> | undefined>(n - 1).fill(undefined);
  sent[0] = sendBlock(ctx, right, work, elementBytes, mod(r - 1, n));

  const capacity = Math.min(perChunk, Math.ceil(work.length / n)) * elementBytes;
  const slots = [ctx.scratch.chunk('chunkA', capacity, work), ctx.scratch.chunk('chunkB', capacity, work)];
  const typed = [elementView(dtype, slots[0]), elementView(dtype, slots[1])];
  const into = (slot: number, length: number): Uint8Array =>
    length * elementBytes === capacity ? slots[slot] : slots[slot].subarray(0, length * elementBytes);

  const cursor = newCursor(work.length, n, perChunk, (s) => mod(r - 2 - s, n));
  let slot = 0;
  let pending = cursor.done ? undefined : link.recv(left, into(slot, cursor.length));
  while (!cursor.done) {
    const { step, start, length } = cursor;
    const mine = slot;
    await pending;
    cursor.advance();
    slot ^= 1;
    if (!cursor.done) pending = link.recv(left, into(slot, cursor.length));
    const last = step === n - 2;
    combineInto(dtype, op, work, start, typed[mine], 0, length, last ? divisor : 1);
    if (last) onOwnChunk(start, length);
    else sent[step + 1] = link.send(right, byteView(work, elementBytes, start, length));
  }
  return sent;
}

/**
 * Allgather phase, in place on `work`. Step s = 0..N−2: rank r sends block (r−s) to the right and receives
 * block (r−s−1) from the left straight into `work`, forwarding each chunk (as step s+1) once it has
 * arrived. The caller has already sent block r (step 0): allreduce sends it chunk by chunk as the
 * reduce-scatter finishes it, allgather sends it up front.
 * Step s receives over the block the reduce-scatter sent at its step s: with `reduceScatterSends`, the first
 * receive of step s is posted once that step's sends resolved (usually long before), not after a flush of
 * every send, so frames arriving from the left find their receive posted and land in place.
 */
export async function ringAllgatherPhase(ctx: CollectiveContext, dtype: DType, work: ElementArray, reduceScatterSends?: StepSends): Promise<void> {
  const { link } = ctx;
  const n = link.worldSize;
  const r = link.rank;
  const elementBytes = DTYPE_BYTES[dtype];
  const perChunk = chunkElements(ctx.chunkBytes, elementBytes);
  const right = mod(r + 1, n);
  const left = mod(r - 1, n);
  const cursor = newCursor(work.length, n, perChunk, (s) => mod(r - s - 1, n));
  // Awaited only when there is something to wait for: an extra turn before the first receive would change
  // which of two failing ranks reports first.
  const blockFree = (step: number): Promise<void> | undefined => reduceScatterSends?.[step];
  if (!cursor.done && blockFree(cursor.step) !== undefined) await blockFree(cursor.step);
  let pending = cursor.done ? undefined : link.recv(left, byteView(work, elementBytes, cursor.start, cursor.length));
  while (!cursor.done) {
    const { step, start, length } = cursor;
    await pending;
    cursor.advance();
    if (!cursor.done && cursor.step !== step && blockFree(cursor.step) !== undefined) await blockFree(cursor.step);
    if (!cursor.done) pending = link.recv(left, byteView(work, elementBytes, cursor.start, cursor.length));
    if (step < n - 2) void link.send(right, byteView(work, elementBytes, start, length));
  }
}

function newCursor(count: number, n: number, perChunk: number, blockOfStep: (s: number) => number): RingCursor {
  return new RingCursor(count, n, perChunk, blockOfStep);
}
