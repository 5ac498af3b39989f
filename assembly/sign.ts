// wasm module "sign": SIMD kernels of the 1-bit sign code (docs/wire-format.md): pack, unpack, vote, tally, fused Lion.
//
// Every pointer is a byte offset into the shared kernel memory. Callers validate
// lengths; kernels trust them. A full code word covers 32 floats = 8 v128 lanes
// of 4; partial words (tails, unaligned range edges) run scalar code that
// implements the same rule value by value.

export { packSigns, unpackSigns } from './sign/code';
export { voteSigns, tallySigns } from './sign/vote';
export { lionEncodeSign, lionEncodeSignStaged, lionApplySign, lionApplySignTheta, lionStepSign } from './sign/lion';
