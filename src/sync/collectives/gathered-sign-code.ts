// Where the vote and p-bit allreduce gather the voted 1-bit code: one W-word array, every slice received in place.

import { wordBytes } from './compressed-collective.js';
import type { UnitSlices } from './unit-slices.js';

/**
 * The allgatherv target of a voted 1-bit code in ordinary memory. Slice q is received at its unit start, so
 * the gathered code needs no placement copy, and this rank's own slice is voted straight into `own`, so the
 * allgatherv copies nothing of its own either.
 */
export class GatheredSignCode {
  /** The whole code, W words. */
  readonly words: Uint32Array;
  /** This rank's slice of `words`: write the voted slice here before the allgatherv. */
  readonly own: Uint32Array;
  /** `own` as the bytes the allgatherv sends. */
  readonly ownBytes: Uint8Array;
  /** The allgatherv's receive buffers (index = sender): views of `words`. */
  readonly into: Uint8Array[];
  /** The allgatherv's block lengths in bytes (index = sender). */
  readonly byteLengths: number[];

  constructor(slices: UnitSlices, rank: number) {
    const n = slices.worldSize;
    this.words = new Uint32Array(slices.units);
    this.into = Array.from({ length: n }, (_, q) => wordBytes(this.words, slices.unitStart(q), slices.unitCount(q)));
    this.byteLengths = Array.from({ length: n }, (_, q) => 4 * slices.unitCount(q));
    this.own = this.words.subarray(slices.unitStart(rank), slices.unitStart(rank) + slices.unitCount(rank));
    this.ownBytes = this.into[rank];
  }
}
