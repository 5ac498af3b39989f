// The parity rule: the code of a zero update and of a tied vote (docs/wire-format.md).

/** Word whose bit j is the parity-rule bit of value 32·w + j at `step`: bit = (index + step) mod 2. */
export function parityWord(step: number): number {
  return (step & 1) === 0 ? 0xaaaaaaaa : 0x55555555;
}

/** Parity-rule bit (1 = negative) of value `index` at `step`. */
export function parityBit(index: number, step: number): number {
  return (index + step) & 1;
}
