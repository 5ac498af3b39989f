// The counter-based hash behind stochastic rounding, scalar and 4-lane; must match src/codec/counter-hash.ts bit for bit.

/** Two-round xorshift-multiply mixer of one 32-bit word (a bijection). */
@inline export function mix32(x: u32): u32 {
  x ^= x >>> 16;
  x *= 0x21f0aaad;
  x ^= x >>> 15;
  x *= 0x735a2d97;
  x ^= x >>> 15;
  return x;
}

@inline function mix32x4(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, i32x4.splat(0x21f0aaad));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  x = i32x4.mul(x, i32x4.splat(0x735a2d97));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  return x;
}

/** Random bits of value `index` in the stream `key`: mix32(mix32(index ^ key) + key). */
@inline export function counterBits(index: u32, key: u32): u32 {
  return mix32(mix32(index ^ key) + key);
}

/** counterBits of the four indices in `index` (i32 lanes). */
@inline export function counterBitsX4(index: v128, key: v128): v128 {
  return mix32x4(i32x4.add(mix32x4(v128.xor(index, key)), key));
}
