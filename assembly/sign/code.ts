// Pack floats to the 1-bit sign code and unpack it to ±1 (docs/wire-format.md).

import { SIGN_BIT, bitLanes, codeBit, codeLanes, parityLanes, signWord } from './lanes';

export function packSigns(src: usize, dst: usize, numValues: i32, step: i32): void {
  const parity = parityLanes(step);
  const fullWords = numValues >>> 5;
  for (let w = 0; w < fullWords; w++) {
    const p = src + (<usize>w << 7);
    const word = signWord(
      codeLanes(v128.load(p), parity), codeLanes(v128.load(p, 16), parity),
      codeLanes(v128.load(p, 32), parity), codeLanes(v128.load(p, 48), parity),
      codeLanes(v128.load(p, 64), parity), codeLanes(v128.load(p, 80), parity),
      codeLanes(v128.load(p, 96), parity), codeLanes(v128.load(p, 112), parity));
    store<i32>(dst + (<usize>w << 2), word);
  }
  const rest = numValues & 31;
  if (rest == 0) return;
  const base = src + (<usize>fullWords << 7);
  let word: u32 = 0;
  for (let j = 0; j < rest; j++) word |= codeBit(load<u32>(base + (<usize>j << 2)), j, step) << j;
  store<u32>(dst + (<usize>fullWords << 2), word);
}

export function unpackSigns(code: usize, numValues: i32, dst: usize): void {
  const one = f32x4.splat(1);
  const signBit = i32x4.splat(SIGN_BIT);
  const fullWords = numValues >>> 5;
  for (let w = 0; w < fullWords; w++) {
    const word = v128.load32_splat(code + (<usize>w << 2));
    const p = dst + (<usize>w << 7);
    for (let b = 0; b < 8; b++) {
      v128.store(p + (<usize>b << 4), v128.or(one, v128.and(bitLanes(word, b), signBit)));
    }
  }
  const rest = numValues & 31;
  if (rest == 0) return;
  const word = load<u32>(code + (<usize>fullWords << 2));
  const p = dst + (<usize>fullWords << 7);
  for (let j = 0; j < rest; j++) store<f32>(p + (<usize>j << 2), (word >>> j) & 1 ? <f32>-1.0 : <f32>1.0);
}
