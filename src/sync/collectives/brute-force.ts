// Brute-force results of the compressed collectives, value by value from every rank's input: the reference the
// collective tests and `lion-cub bench comm`'s correctness check hold the collectives to.
//
// Plain integer arithmetic per value, never packed words with counters: nothing here shares logic with the codec
// kernels the collectives run (docs/wire-format.md gives the layouts decoded here).

/** Bit i of a 1-bit code: 1 = negative. */
export function bitOf(code: Uint32Array, i: number): number {
  return (code[i >>> 5] >>> (i & 31)) & 1;
}

/** Value i of a p-bit code: p bits at bit offset i·p, two's complement. */
export function pbitValue(code: Uint32Array, bits: number, i: number): number {
  const at = i * bits;
  return ((code[Math.floor(at / 32)] >>> (at % 32)) << (32 - bits)) >> (32 - bits);
}

/** The 1-bit code of `signs(i)`: 1 if negative, 0 if positive, (i + step) mod 2 if zero (the parity rule). */
export function codeOfSigns(signs: (i: number) => number, numValues: number, step: number): Uint32Array {
  const out = new Uint32Array(Math.ceil(numValues / 32));
  for (let i = 0; i < numValues; i++) {
    const s = signs(i);
    const bit = s < 0 ? 1 : s > 0 ? 0 : (i + step) % 2;
    if (bit) out[i >>> 5] |= 1 << (i & 31);
  }
  return out;
}

/** Per value: t = (#codes with bit 0) − (#codes with bit 1) = N − 2k. */
export function referenceTally(codes: readonly Uint32Array[], numValues: number): Int32Array {
  const t = new Int32Array(numValues);
  for (const code of codes) for (let i = 0; i < numValues; i++) t[i] += bitOf(code, i) ? -1 : 1;
  return t;
}

/** Majority vote: negative iff 2k > N, positive iff 2k < N, a tie by the parity rule. */
export function referenceVote(codes: readonly Uint32Array[], numValues: number, step: number): Uint32Array {
  const t = referenceTally(codes, numValues);
  return codeOfSigns((i) => t[i], numValues, step);
}

/** The 1-bit code of the sign of Σ_k values_k (exact integers), a zero sum by the parity rule. */
export function referenceSignOfSum(values: readonly ArrayLike<number>[], numValues: number, step: number): Uint32Array {
  return codeOfSigns((i) => {
    let sum = 0;
    for (const v of values) sum += v[i];
    return sum;
  }, numValues, step);
}

/** The values of a p-bit code (`bits` per value) or of an int8 code, as integers. */
export function codeValues(code: Uint32Array | Int8Array, bits: number, numValues: number): Int32Array {
  if (code instanceof Int8Array) return Int32Array.from(code.subarray(0, numValues));
  return Int32Array.from({ length: numValues }, (_, i) => pbitValue(code, bits, i));
}
