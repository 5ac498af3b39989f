// Plain-JS exact sums of N stacked p-bit codes, and the 1-bit sign code of those sums.
//
// Adding fields inside a word (SWAR) is only a vote count if each field is first
// made non-negative and kept in a lane wide enough for the sum: a field q is read
// as q + 2^(p−1) (flip its top bit), fields are moved into 8-bit lanes (16-bit for
// p = 8) and at most `rowsPerChunk` rows are added before the lanes are drained into
// exact 32-bit sums (minus rows·2^(p−1)). Summing the packed words as integers
// would not count votes.

/** Rows whose biased fields fit a lane: ⌊(2^laneBits − 1) / (2^p − 1)⌋ = 85, 17, 257 for p = 2, 4, 8. */
const ROWS_PER_CHUNK = { 2: 85, 4: 17, 8: 257 } as const;

/**
 * Exact sums over all rows of the 32/p values in word `w` of each row, into sums[0 .. 32/p).
 * Row r's word is stacked[r·wordsPerVector + w].
 */
function wordSums(stacked: Uint32Array, numVectors: number, wordsPerVector: number, bits: 2 | 4 | 8, w: number, sums: Int32Array): void {
  const rowsPerChunk = ROWS_PER_CHUNK[bits];
  sums.fill(0);
  for (let r0 = 0; r0 < numVectors; r0 += rowsPerChunk) {
    const rows = Math.min(numVectors - r0, rowsPerChunk);
    let p = r0 * wordsPerVector + w;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    if (bits === 4) {
      for (let r = 0; r < rows; r++, p += wordsPerVector) {
        const x = stacked[p] ^ 0x88888888;
        a0 = (a0 + (x & 0x0f0f0f0f)) | 0;
        a1 = (a1 + ((x >>> 4) & 0x0f0f0f0f)) | 0;
      }
      const off = rows * 8;
      // Byte lane l of a0 holds value 2l, of a1 value 2l + 1.
      for (let l = 0; l < 4; l++) {
        sums[2 * l] += ((a0 >>> (8 * l)) & 0xff) - off;
        sums[2 * l + 1] += ((a1 >>> (8 * l)) & 0xff) - off;
      }
    } else if (bits === 2) {
      for (let r = 0; r < rows; r++, p += wordsPerVector) {
        const x = stacked[p] ^ 0xaaaaaaaa;
        a0 = (a0 + (x & 0x03030303)) | 0;
        a1 = (a1 + ((x >>> 2) & 0x03030303)) | 0;
        a2 = (a2 + ((x >>> 4) & 0x03030303)) | 0;
        a3 = (a3 + ((x >>> 6) & 0x03030303)) | 0;
      }
      const off = rows * 2;
      // Byte lane l of a_j holds value 4l + j.
      for (let l = 0; l < 4; l++) {
        const shift = 8 * l;
        sums[4 * l] += ((a0 >>> shift) & 0xff) - off;
        sums[4 * l + 1] += ((a1 >>> shift) & 0xff) - off;
        sums[4 * l + 2] += ((a2 >>> shift) & 0xff) - off;
        sums[4 * l + 3] += ((a3 >>> shift) & 0xff) - off;
      }
    } else {
      for (let r = 0; r < rows; r++, p += wordsPerVector) {
        const x = stacked[p] ^ 0x80808080;
        a0 = (a0 + (x & 0x00ff00ff)) | 0;
        a1 = (a1 + ((x >>> 8) & 0x00ff00ff)) | 0;
      }
      const off = rows * 128;
      // 16-bit lane l of a0 holds value 2l, of a1 value 2l + 1.
      sums[0] += (a0 & 0xffff) - off;
      sums[1] += (a1 & 0xffff) - off;
      sums[2] += (a0 >>> 16) - off;
      sums[3] += (a1 >>> 16) - off;
    }
  }
}

/** dst[i] = Σ_r value_r(i), exact (see sumPacked for the layout). */
export function sumPackedJs(stacked: Uint32Array, numVectors: number, wordsPerVector: number, bits: 2 | 4 | 8, numValues: number, dst: Int32Array): void {
  const perWord = 32 / bits;
  const sums = new Int32Array(perWord);
  for (let w = 0, base = 0; base < numValues; w++, base += perWord) {
    wordSums(stacked, numVectors, wordsPerVector, bits, w, sums);
    const count = Math.min(perWord, numValues - base);
    for (let v = 0; v < count; v++) dst[base + v] = sums[v];
  }
}

/**
 * Sign code of the sums: bit 1 iff sum < 0; a zero sum takes bit i of `ties` when given, otherwise bit
 * (i + step) mod 2, read from `parity` (the parity word).
 */
export function signOfSumPackedJs(stacked: Uint32Array, numVectors: number, wordsPerVector: number, bits: 2 | 4 | 8, numValues: number,
  dst: Uint32Array, parity: number, ties?: Uint32Array): void {
  if (numVectors <= ROWS_PER_CHUNK[bits]) {
    signOneChunk(stacked, numVectors, wordsPerVector, bits, numValues, dst, parity, ties);
    return;
  }
  const perWord = 32 / bits;
  const sums = new Int32Array(perWord);
  let out = 0;
  for (let w = 0, base = 0; base < numValues; w++, base += perWord) {
    wordSums(stacked, numVectors, wordsPerVector, bits, w, sums);
    const count = Math.min(perWord, numValues - base);
    for (let v = 0; v < count; v++) {
      const i = base + v;
      const s = sums[v];
      const tie = ties ? ties[i >>> 5] : parity;
      out |= (s < 0 ? 1 : s === 0 ? (tie >>> (i & 31)) & 1 : 0) << (i & 31);
      if ((i & 31) === 31) {
        dst[i >>> 5] = out;
        out = 0;
      }
    }
  }
  if ((numValues & 31) !== 0) dst[numValues >>> 5] = out;
}

/**
 * All rows fit one chunk: a lane holding Σ(q + 2^(p−1)) is compared with T = N·2^(p−1)
 * directly (below: negative, equal: zero sum), without draining into exact sums.
 */
function signOneChunk(stacked: Uint32Array, numVectors: number, wordsPerVector: number, bits: 2 | 4 | 8, numValues: number,
  dst: Uint32Array, parity: number, ties: Uint32Array | undefined): void {
  const threshold = numVectors << (bits - 1);
  const perWord = 32 / bits;
  const words = Math.ceil((numValues * bits) / 32);
  const bias = bits === 4 ? 0x88888888 : bits === 2 ? 0xaaaaaaaa : 0x80808080;
  const fieldMask = bits === 4 ? 0x0f0f0f0f : bits === 2 ? 0x03030303 : 0x00ff00ff;
  const groups = bits === 2 ? 4 : 2;
  const laneBits = bits === 8 ? 16 : 8;
  const laneMask = bits === 8 ? 0xffff : 0xff;
  const perLane = laneBits / bits;
  let out = 0;
  for (let w = 0; w < words; w++) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (let r = 0, p = w; r < numVectors; r++, p += wordsPerVector) {
      const x = stacked[p] ^ bias;
      a0 = (a0 + (x & fieldMask)) | 0;
      a1 = (a1 + ((x >>> bits) & fieldMask)) | 0;
      if (groups === 4) {
        a2 = (a2 + ((x >>> 4) & fieldMask)) | 0;
        a3 = (a3 + ((x >>> 6) & fieldMask)) | 0;
      }
    }
    // Value v of this word: group v mod groups, lane ⌊v / groups⌋ (groups = values per lane).
    const base = w * perWord;
    const count = Math.min(perWord, numValues - base);
    const tie = ties ? ties[base >>> 5] : parity;
    for (let v = 0; v < count; v++) {
      const group = v % perLane;
      const acc = group === 0 ? a0 : group === 1 ? a1 : group === 2 ? a2 : a3;
      const lane = (acc >>> (laneBits * ((v / perLane) | 0))) & laneMask;
      const i = (base + v) & 31;
      out |= (lane < threshold ? 1 : lane === threshold ? (tie >>> i) & 1 : 0) << i;
    }
    const nextBit = (base + count) & 31;
    if (nextBit === 0 || base + count === numValues) {
      dst[(base + count - 1) >>> 5] = out;
      out = 0;
    }
  }
}
