// Plain-JS exact sums of N stacked p-bit codes, and the 1-bit sign code of those sums.
//
// Adding fields inside a word (SWAR) is only a vote count if each field is first
// made non-negative and kept in a lane wide enough for the sum: a field q is read
// as q + 2^(p−1) (flip its top bit), fields are moved into 8-bit lanes (16-bit for
// p = 8) and at most `rowsPerChunk` rows are added before the lanes are drained into
// exact 32-bit sums (minus rows·2^(p−1)). Summing the packed words as integers
// would not count votes.

interface SwarLayout {
  /** XOR that adds 2^(p−1) to every field (flips each field's top bit). */
  bias: number;
  /** Fields kept by one group: every laneBits-wide lane holds one field. */
  fieldMask: number;
  groups: number;
  laneBits: number;
  /** Rows whose biased fields fit a lane: ⌊(2^laneBits − 1) / (2^p − 1)⌋. */
  rowsPerChunk: number;
}

const LAYOUT: Record<2 | 4 | 8, SwarLayout> = {
  2: { bias: 0xaaaaaaaa, fieldMask: 0x03030303, groups: 4, laneBits: 8, rowsPerChunk: 85 },
  4: { bias: 0x88888888, fieldMask: 0x0f0f0f0f, groups: 2, laneBits: 8, rowsPerChunk: 17 },
  8: { bias: 0x80808080, fieldMask: 0x00ff00ff, groups: 2, laneBits: 16, rowsPerChunk: 257 },
};

/**
 * Exact sums of the 32 values of block `block` (values 32·block …) over all rows, into `sums[0..32)`.
 * Row r of the code starts at word r·wordsPerVector; `validWords` of the block's p words are read.
 */
function blockSums(stacked: Uint32Array, numVectors: number, wordsPerVector: number, bits: 2 | 4 | 8, block: number,
  validWords: number, swar: Int32Array, sums: Int32Array): void {
  const { bias, fieldMask, groups, laneBits, rowsPerChunk } = LAYOUT[bits];
  const lanes = 32 / laneBits;
  const laneMax = laneBits === 8 ? 0xff : 0xffff;
  const valuesPerWord = 32 / bits;
  const valuesPerLane = laneBits / bits;
  const half = 1 << (bits - 1);
  sums.fill(0);
  const first = block * bits;
  for (let r0 = 0; r0 < numVectors; r0 += rowsPerChunk) {
    const r1 = Math.min(numVectors, r0 + rowsPerChunk);
    swar.fill(0);
    for (let r = r0; r < r1; r++) {
      const base = r * wordsPerVector + first;
      for (let j = 0; j < validWords; j++) {
        const w = stacked[base + j] ^ bias;
        for (let gi = 0; gi < groups; gi++) {
          const slot = j * groups + gi;
          swar[slot] = (swar[slot] + ((w >>> (gi * bits)) & fieldMask)) | 0;
        }
      }
    }
    const offset = (r1 - r0) * half;
    for (let j = 0; j < validWords; j++) {
      for (let gi = 0; gi < groups; gi++) {
        const lanesWord = swar[j * groups + gi];
        for (let l = 0; l < lanes; l++) {
          sums[j * valuesPerWord + l * valuesPerLane + gi] += ((lanesWord >>> (l * laneBits)) & laneMax) - offset;
        }
      }
    }
  }
}

/** dst[i] = Σ_r value_r(i), exact (see sumPacked for the layout). */
export function sumPackedJs(stacked: Uint32Array, numVectors: number, wordsPerVector: number, bits: 2 | 4 | 8, numValues: number, dst: Int32Array): void {
  const swar = new Int32Array(16);
  const sums = new Int32Array(32);
  for (let block = 0; block * 32 < numValues; block++) {
    const count = Math.min(32, numValues - block * 32);
    blockSums(stacked, numVectors, wordsPerVector, bits, block, Math.ceil((count * bits) / 32), swar, sums);
    dst.set(count === 32 ? sums : sums.subarray(0, count), block * 32);
  }
}

/** Sign code of the sums: bit 1 iff sum < 0; a zero sum takes bit (i + step) mod 2 (from `parity`). */
export function signOfSumPackedJs(stacked: Uint32Array, numVectors: number, wordsPerVector: number, bits: 2 | 4 | 8, numValues: number,
  dst: Uint32Array, parity: number): void {
  const swar = new Int32Array(16);
  const sums = new Int32Array(32);
  for (let block = 0; block * 32 < numValues; block++) {
    const count = Math.min(32, numValues - block * 32);
    blockSums(stacked, numVectors, wordsPerVector, bits, block, Math.ceil((count * bits) / 32), swar, sums);
    let word = 0;
    for (let v = 0; v < count; v++) {
      const s = sums[v];
      word |= (s < 0 ? 1 : s === 0 ? (parity >>> v) & 1 : 0) << v;
    }
    dst[block] = word;
  }
}
