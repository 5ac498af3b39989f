// wasm module "reduce": element-wise reductions of the collectives (dst[i] = op(dst[i], src[i])) in SIMD.
//
// Every pointer is a byte offset into the shared kernel memory; n counts elements. The rules are those of
// src/comm/reduce-ops.ts (the JS reference), so both paths give the same bits for the same operation order.

export { sumF32, sumDivF32, maxF32 } from './reduce/float32';
export { sumBf16, sumDivBf16, maxBf16 } from './reduce/bfloat16';
export { sumI8, sumI16, sumI32, maxI8, maxU8, maxI16, maxI32, maxU32 } from './reduce/integer';
