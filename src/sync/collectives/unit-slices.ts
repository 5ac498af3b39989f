// How the compressed collectives cut a code into per-rank slices: runs of whole 32-value units.

import { blockLength, blockStart } from '../../comm/collectives/partition.js';
import { packedWordCount, type QuantBits } from '../../codec/index.js';

/**
 * A vector of `numValues` values split into U = ⌈numValues / 32⌉ units of 32 values (one word of the
 * 1-bit code, p words of a p-bit code), the units dealt to `worldSize` slices as evenly as possible
 * (blockStart over units: the first U mod N slices get one unit more; slices are empty when U < N).
 *
 * Why units of 32 values: both codes then split at the same value boundaries, every slice but the
 * last holds a multiple of 32 values, and every slice starts at an even value index, so the parity
 * rule (bit (i + step) mod 2) gives the same bit for a slice's local index as for the global one.
 */
export class UnitSlices {
  /** U, the number of 32-value units (= words of the 1-bit code). */
  readonly units: number;

  constructor(readonly numValues: number, readonly worldSize: number) {
    this.units = Math.ceil(numValues / 32);
  }

  /** First unit (= first word of the 1-bit code) of slice q. */
  unitStart(q: number): number {
    return blockStart(this.units, this.worldSize, q);
  }

  /** Units in slice q (= its words of the 1-bit code). */
  unitCount(q: number): number {
    return blockLength(this.units, this.worldSize, q);
  }

  /** Values in slice q: 32 per unit, fewer in the slice holding the last, partial unit. */
  valueCount(q: number): number {
    const first = 32 * this.unitStart(q);
    return Math.max(0, Math.min(this.numValues, first + 32 * this.unitCount(q)) - first);
  }

  /** First value of slice q. */
  valueStart(q: number): number {
    return Math.min(this.numValues, 32 * this.unitStart(q));
  }

  /** First word of slice q in a p-bit code of the whole vector (ceil(numValues·p/32) words). */
  packedWordStart(q: number, bits: QuantBits): number {
    return Math.min(packedWordCount(this.numValues, bits), bits * this.unitStart(q));
  }

  /** Words of slice q in a p-bit code: p per unit, the last slice ending with the code. */
  packedWordLength(q: number, bits: QuantBits): number {
    return this.packedWordStart(q + 1, bits) - this.packedWordStart(q, bits);
  }
}
