// Pass 1 of the quantisers: per-segment statistics Σ|c|, Σc² and max|c|, read from c or from (m, g).
//
// Σ is taken in float64 over 8 stripes: stripe j sums the values at positions
// t ≡ j (mod 8) of the segment in increasing t, and the stripes are combined as
// ((s0+s2)+(s4+s6)) + ((s1+s3)+(s5+s7)). src/codec/quant-scale.ts follows the
// same order, so both paths give the same bits and therefore the same codes.

/** c = f32(f32(b1·m) + f32(omb1·g)) for four lanes at byte offset `off`. */
@inline export function lionC4(m: usize, g: usize, b1: v128, omb1: v128, off: usize): v128 {
  return f32x4.add(f32x4.mul(b1, v128.load(m + off)), f32x4.mul(omb1, v128.load(g + off)));
}

@inline export function lionC1(m: usize, g: usize, b1: f32, omb1: f32, off: usize): f32 {
  return b1 * load<f32>(m + off) + omb1 * load<f32>(g + off);
}

@inline function load4(fused: bool, src: usize, g: usize, b1: v128, omb1: v128, off: usize): v128 {
  return fused ? lionC4(src, g, b1, omb1, off) : v128.load(src + off);
}

@inline function load1(fused: bool, src: usize, g: usize, b1: f32, omb1: f32, off: usize): f32 {
  return fused ? lionC1(src, g, b1, omb1, off) : load<f32>(src + off);
}

/** |x| or x² of the two low lanes of an f32x4, widened to f64x2. */
@inline function widenLow(square: bool, x: v128): v128 {
  const d = f64x2.promote_low_f32x4(x);
  return square ? f64x2.mul(d, d) : d;
}

@inline function stripedSum(fused: bool, square: bool, src: usize, g: usize, b1s: f32, omb1s: f32, n: i32): f64 {
  const b1 = f32x4.splat(b1s);
  const omb1 = f32x4.splat(omb1s);
  let a0 = f64x2.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  const body = n & ~7;
  let t = 0;
  for (; t < body; t += 8) {
    const off = <usize>t << 2;
    let x = load4(fused, src, g, b1, omb1, off);
    let y = load4(fused, src, g, b1, omb1, off + 16);
    if (!square) {
      x = f32x4.abs(x);
      y = f32x4.abs(y);
    }
    a0 = f64x2.add(a0, widenLow(square, x));
    a1 = f64x2.add(a1, widenLow(square, v128.shuffle<f32>(x, x, 2, 3, 0, 1)));
    a2 = f64x2.add(a2, widenLow(square, y));
    a3 = f64x2.add(a3, widenLow(square, v128.shuffle<f32>(y, y, 2, 3, 0, 1)));
  }
  let s0 = f64x2.extract_lane(a0, 0);
  let s1 = f64x2.extract_lane(a0, 1);
  let s2 = f64x2.extract_lane(a1, 0);
  let s3 = f64x2.extract_lane(a1, 1);
  let s4 = f64x2.extract_lane(a2, 0);
  let s5 = f64x2.extract_lane(a2, 1);
  let s6 = f64x2.extract_lane(a3, 0);
  // The tail has at most 7 values, so stripe 7 never receives one.
  const s7 = f64x2.extract_lane(a3, 1);
  for (; t < n; t++) {
    const c = <f64>load1(fused, src, g, b1s, omb1s, <usize>t << 2);
    const v = square ? c * c : abs(c);
    switch (t & 7) {
      case 0: s0 += v; break;
      case 1: s1 += v; break;
      case 2: s2 += v; break;
      case 3: s3 += v; break;
      case 4: s4 += v; break;
      case 5: s5 += v; break;
      default: s6 += v; break;
    }
  }
  return ((s0 + s2) + (s4 + s6)) + ((s1 + s3) + (s5 + s7));
}

@inline function maxAbsBody(fused: bool, src: usize, g: usize, b1s: f32, omb1s: f32, n: i32): f32 {
  const b1 = f32x4.splat(b1s);
  const omb1 = f32x4.splat(omb1s);
  // Four accumulators: f32x4.max is a multi-instruction sequence, one chain would stall on its latency.
  let m0 = f32x4.splat(0);
  let m1 = m0;
  let m2 = m0;
  let m3 = m0;
  const body = n & ~15;
  let t = 0;
  for (; t < body; t += 16) {
    const off = <usize>t << 2;
    m0 = f32x4.max(m0, f32x4.abs(load4(fused, src, g, b1, omb1, off)));
    m1 = f32x4.max(m1, f32x4.abs(load4(fused, src, g, b1, omb1, off + 16)));
    m2 = f32x4.max(m2, f32x4.abs(load4(fused, src, g, b1, omb1, off + 32)));
    m3 = f32x4.max(m3, f32x4.abs(load4(fused, src, g, b1, omb1, off + 48)));
  }
  // f32 max propagates NaN like the JS reference, so the order of lanes and chains does not matter.
  const m = f32x4.max(f32x4.max(m0, m1), f32x4.max(m2, m3));
  let r = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; t < n; t++) r = max(r, abs(load1(fused, src, g, b1s, omb1s, <usize>t << 2)));
  return r;
}

/** Σ|c| over the `n` floats at byte offset `src` (striped float64 order above). */
export function sumAbs(src: usize, n: i32): f64 {
  return stripedSum(false, false, src, 0, 0, 0, n);
}

/** Σc² over the `n` floats at `src`. */
export function sumSquares(src: usize, n: i32): f64 {
  return stripedSum(false, true, src, 0, 0, 0, n);
}

/** max|c| over the `n` floats at `src` (NaN if any is NaN, 0 when n = 0). */
export function maxAbs(src: usize, n: i32): f32 {
  return maxAbsBody(false, src, 0, 0, 0, n);
}

/** Σ|c| with c = b1·m + omb1·g computed on the fly (m, g: n floats each). */
export function lionSumAbs(m: usize, g: usize, b1: f32, omb1: f32, n: i32): f64 {
  return stripedSum(true, false, m, g, b1, omb1, n);
}

export function lionSumSquares(m: usize, g: usize, b1: f32, omb1: f32, n: i32): f64 {
  return stripedSum(true, true, m, g, b1, omb1, n);
}

export function lionMaxAbs(m: usize, g: usize, b1: f32, omb1: f32, n: i32): f32 {
  return maxAbsBody(true, m, g, b1, omb1, n);
}
