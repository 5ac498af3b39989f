// WebAssembly SIMD kernels of the Lion optimizer (module "optim"): fused step, external direction, update vector, sum of squares, finiteness check.
//
// Every pointer is a byte offset into the shared kernel memory; lengths count float32 elements.
// The arithmetic is the float32 order written in docs/optimizer.md, one IEEE operation per
// step and no fused multiply-add, so the plain-JS references in src/optim/ (Math.fround at
// every operation) produce the same bits. Unaligned v128 loads are fine: segments start at
// any element. No string literals or static arrays: all modules share one memory.

// lrf·sign(c) without a multiply: gt/lt masks select +lrf or −lrf; +0 when c is ±0 or NaN.
// Equal to f32(lrf·s) bit for bit because lrf is finite and non-negative (lrf·0 = +0, lrf·−1 = −lrf).
@inline
function signedStep(c: v128, lrPos: v128, lrNeg: v128): v128 {
  const zero = f32x4.splat(0);
  return v128.or(v128.and(f32x4.gt(c, zero), lrPos), v128.and(f32x4.lt(c, zero), lrNeg));
}

@inline
function signedStepScalar(c: f32, lrf: f32): f32 {
  if (c > 0) return lrf;
  if (c < 0) return -lrf;
  return 0;
}

/**
 * One Lion step over n elements in place:
 *   g̃ = g·gradScale; c = b1·m + omb1·g̃; θ ← θ·decay − lrf·sign(c); m ← b2·m + omb2·g̃.
 * The step is bound by memory traffic plus a few SIMD operations per lane: with no weight decay and no clipping
 * (decay = gradScale = 1, the common case) the two multiplies by 1 are left out, which changes no bit
 * (x·1 = x), and eight elements go per iteration.
 */
export function lionStep(
  paramsPtr: usize, momentumPtr: usize, gradsPtr: usize, n: i32,
  b1: f32, omb1: f32, b2: f32, omb2: f32, decay: f32, lrf: f32, gradScale: f32,
): void {
  const n8 = n & ~7;
  // A constant `scaled` in each call: the inlined loop keeps only the multiplies it needs.
  if (decay == 1 && gradScale == 1) lionStepSimd(paramsPtr, momentumPtr, gradsPtr, n8, b1, omb1, b2, omb2, decay, lrf, gradScale, false);
  else lionStepSimd(paramsPtr, momentumPtr, gradsPtr, n8, b1, omb1, b2, omb2, decay, lrf, gradScale, true);
  for (let i = n8; i < n; i++) {
    const off = (<usize>i) << 2;
    const m = load<f32>(momentumPtr + off);
    const g = load<f32>(gradsPtr + off) * gradScale;
    const c = b1 * m + omb1 * g;
    store<f32>(paramsPtr + off, load<f32>(paramsPtr + off) * decay - signedStepScalar(c, lrf));
    store<f32>(momentumPtr + off, b2 * m + omb2 * g);
  }
}

/** lionStep's SIMD part over n8 (a multiple of 8) elements; without `scaled`, θ·decay and g·gradScale are left out. */
@inline
function lionStepSimd(
  paramsPtr: usize, momentumPtr: usize, gradsPtr: usize, n8: i32,
  b1: f32, omb1: f32, b2: f32, omb2: f32, decay: f32, lrf: f32, gradScale: f32, scaled: bool,
): void {
  const vb1 = f32x4.splat(b1);
  const vomb1 = f32x4.splat(omb1);
  const vb2 = f32x4.splat(b2);
  const vomb2 = f32x4.splat(omb2);
  const vdecay = f32x4.splat(decay);
  const vscale = f32x4.splat(gradScale);
  const lrPos = f32x4.splat(lrf);
  const lrNeg = f32x4.splat(-lrf);
  for (let i = 0; i < n8; i += 8) {
    const off = (<usize>i) << 2;
    const m0 = v128.load(momentumPtr + off);
    const m1 = v128.load(momentumPtr + off, 16);
    let g0 = v128.load(gradsPtr + off);
    let g1 = v128.load(gradsPtr + off, 16);
    let p0 = v128.load(paramsPtr + off);
    let p1 = v128.load(paramsPtr + off, 16);
    if (scaled) {
      g0 = f32x4.mul(g0, vscale);
      g1 = f32x4.mul(g1, vscale);
      p0 = f32x4.mul(p0, vdecay);
      p1 = f32x4.mul(p1, vdecay);
    }
    const c0 = f32x4.add(f32x4.mul(vb1, m0), f32x4.mul(vomb1, g0));
    const c1 = f32x4.add(f32x4.mul(vb1, m1), f32x4.mul(vomb1, g1));
    v128.store(paramsPtr + off, f32x4.sub(p0, signedStep(c0, lrPos, lrNeg)));
    v128.store(paramsPtr + off, f32x4.sub(p1, signedStep(c1, lrPos, lrNeg)), 16);
    v128.store(momentumPtr + off, f32x4.add(f32x4.mul(vb2, m0), f32x4.mul(vomb2, g0)));
    v128.store(momentumPtr + off, f32x4.add(f32x4.mul(vb2, m1), f32x4.mul(vomb2, g1)), 16);
  }
}

/**
 * Applies an external direction d (e.g. a vote) over n elements in place:
 *   g̃ = g·gradScale; θ ← θ·decay − lrf·d; m ← b2·m + omb2·g̃.
 */
export function lionApplyDirection(
  paramsPtr: usize, momentumPtr: usize, gradsPtr: usize, directionPtr: usize, n: i32,
  b2: f32, omb2: f32, decay: f32, lrf: f32, gradScale: f32,
): void {
  const vb2 = f32x4.splat(b2);
  const vomb2 = f32x4.splat(omb2);
  const vdecay = f32x4.splat(decay);
  const vscale = f32x4.splat(gradScale);
  const vlr = f32x4.splat(lrf);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const off = (<usize>i) << 2;
    const p = v128.load(paramsPtr + off);
    const d = v128.load(directionPtr + off);
    v128.store(paramsPtr + off, f32x4.sub(f32x4.mul(p, vdecay), f32x4.mul(vlr, d)));
    const m = v128.load(momentumPtr + off);
    const g = f32x4.mul(v128.load(gradsPtr + off), vscale);
    v128.store(momentumPtr + off, f32x4.add(f32x4.mul(vb2, m), f32x4.mul(vomb2, g)));
  }
  for (; i < n; i++) {
    const off = (<usize>i) << 2;
    store<f32>(paramsPtr + off, load<f32>(paramsPtr + off) * decay - lrf * load<f32>(directionPtr + off));
    const g = load<f32>(gradsPtr + off) * gradScale;
    store<f32>(momentumPtr + off, b2 * load<f32>(momentumPtr + off) + omb2 * g);
  }
}

/** Pre-sign update vector over n elements, nothing else touched: out = b1·m + omb1·(g·gradScale). */
export function lionUpdateVector(
  momentumPtr: usize, gradsPtr: usize, outPtr: usize, n: i32, b1: f32, omb1: f32, gradScale: f32,
): void {
  const vb1 = f32x4.splat(b1);
  const vomb1 = f32x4.splat(omb1);
  const vscale = f32x4.splat(gradScale);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const off = (<usize>i) << 2;
    const g = f32x4.mul(v128.load(gradsPtr + off), vscale);
    v128.store(outPtr + off, f32x4.add(f32x4.mul(vb1, v128.load(momentumPtr + off)), f32x4.mul(vomb1, g)));
  }
  for (; i < n; i++) {
    const off = (<usize>i) << 2;
    const g = load<f32>(gradsPtr + off) * gradScale;
    store<f32>(outPtr + off, b1 * load<f32>(momentumPtr + off) + omb1 * g);
  }
}

/**
 * Σ x² over n float32 values in float64, in the fixed order of the JS reference: element i
 * is added to accumulator (i mod 8) in increasing i, then the eight are summed 0 to 7.
 */
export function sumOfSquares(ptr: usize, n: i32): f64 {
  let a01 = f64x2.splat(0);
  let a23 = f64x2.splat(0);
  let a45 = f64x2.splat(0);
  let a67 = f64x2.splat(0);
  const n8 = n & ~7;
  let i = 0;
  for (; i < n8; i += 8) {
    const p = ptr + ((<usize>i) << 2);
    const x01 = f64x2.promote_low_f32x4(v128.load64_zero(p));
    const x23 = f64x2.promote_low_f32x4(v128.load64_zero(p, 8));
    const x45 = f64x2.promote_low_f32x4(v128.load64_zero(p, 16));
    const x67 = f64x2.promote_low_f32x4(v128.load64_zero(p, 24));
    a01 = f64x2.add(a01, f64x2.mul(x01, x01));
    a23 = f64x2.add(a23, f64x2.mul(x23, x23));
    a45 = f64x2.add(a45, f64x2.mul(x45, x45));
    a67 = f64x2.add(a67, f64x2.mul(x67, x67));
  }
  let s0 = f64x2.extract_lane(a01, 0);
  let s1 = f64x2.extract_lane(a01, 1);
  let s2 = f64x2.extract_lane(a23, 0);
  let s3 = f64x2.extract_lane(a23, 1);
  let s4 = f64x2.extract_lane(a45, 0);
  let s5 = f64x2.extract_lane(a45, 1);
  let s6 = f64x2.extract_lane(a67, 0);
  const s7 = f64x2.extract_lane(a67, 1);
  // At most 7 tail elements, each into its own accumulator (i mod 8 = 0..6).
  const rest = n - n8;
  const tail = ptr + ((<usize>n8) << 2);
  if (rest > 0) { const x = <f64>load<f32>(tail); s0 += x * x; }
  if (rest > 1) { const x = <f64>load<f32>(tail, 4); s1 += x * x; }
  if (rest > 2) { const x = <f64>load<f32>(tail, 8); s2 += x * x; }
  if (rest > 3) { const x = <f64>load<f32>(tail, 12); s3 += x * x; }
  if (rest > 4) { const x = <f64>load<f32>(tail, 16); s4 += x * x; }
  if (rest > 5) { const x = <f64>load<f32>(tail, 20); s5 += x * x; }
  if (rest > 6) { const x = <f64>load<f32>(tail, 24); s6 += x * x; }
  return ((((((s0 + s1) + s2) + s3) + s4) + s5) + s6) + s7;
}

/** 1 when no element of x[0, n) is NaN or ±∞ (its exponent bits all set), else 0. Reads only. */
export function allFinite(ptr: usize, n: i32): i32 {
  const exponent = i32x4.splat(0x7f800000);
  let bad = i32x4.splat(0);
  const n16 = n & ~15;
  let i = 0;
  for (; i < n16; i += 16) {
    const p = ptr + ((<usize>i) << 2);
    bad = v128.or(bad, i32x4.eq(v128.and(v128.load(p), exponent), exponent));
    bad = v128.or(bad, i32x4.eq(v128.and(v128.load(p, 16), exponent), exponent));
    bad = v128.or(bad, i32x4.eq(v128.and(v128.load(p, 32), exponent), exponent));
    bad = v128.or(bad, i32x4.eq(v128.and(v128.load(p, 48), exponent), exponent));
  }
  if (v128.any_true(bad)) return 0;
  for (; i < n; i++) {
    if ((load<i32>(ptr + ((<usize>i) << 2)) & 0x7f800000) == 0x7f800000) return 0;
  }
  return 1;
}
