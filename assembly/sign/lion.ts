// Fused Lion kernels on the sign code: encode c = β1·m + (1−β1)·g, apply a coded Δ, or both in one pass.
//
// Float32 operation order is fixed by src/optim's Lion so that the two agree bit for bit.

import { SIGN_BIT, bitLanes, codeBit, codeLanes, parityLanes, signWord } from './lanes';

/** c = b1·m + omb1·g, 4 lanes. */
@inline function preSign(m: v128, g: v128, b1: v128, omb1: v128): v128 {
  return f32x4.add(f32x4.mul(b1, m), f32x4.mul(omb1, g));
}

/** True when some lane of an or of g·0 values has its exponent bits all set (a g was NaN or ±∞). */
@inline function anyNonFinite(bad: v128): bool {
  const exponent = i32x4.splat(0x7f800000);
  return v128.any_true(i32x4.eq(v128.and(bad, exponent), exponent));
}

/** m' = b2·m + omb2·g, 4 lanes: the momentum update of applyFour, for an encode that stages it. */
@inline function nextMomentum(m: v128, g: v128, b2: v128, omb2: v128): v128 {
  return f32x4.add(f32x4.mul(b2, m), f32x4.mul(omb2, g));
}

/**
 * Writes the code of c and returns 1 when every g is finite, 0 when some g is NaN or ±∞ (the test of allFinite, in the
 * same pass). With `stage`, also writes m' = b2·m + omb2·g to `mOut` (the momentum lionApplySign would leave), while
 * m and g are in registers.
 */
@inline function encodeSign(stage: bool, m: usize, g: usize, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  mOut: usize, dst: usize, numValues: i32, step: i32): i32 {
  const parity = parityLanes(step);
  const b1 = f32x4.splat(beta1), omb1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2), omb2 = f32x4.splat(oneMinusBeta2);
  const zero = f32x4.splat(0);
  let bad = i32x4.splat(0);
  const fullWords = numValues >>> 5;
  for (let w = 0; w < fullWords; w++) {
    const o = <usize>w << 7;
    const pm = m + o, pg = g + o;
    const g0 = v128.load(pg), g1 = v128.load(pg, 16), g2 = v128.load(pg, 32), g3 = v128.load(pg, 48);
    const g4 = v128.load(pg, 64), g5 = v128.load(pg, 80), g6 = v128.load(pg, 96), g7 = v128.load(pg, 112);
    const m0 = v128.load(pm), m1 = v128.load(pm, 16), m2 = v128.load(pm, 32), m3 = v128.load(pm, 48);
    const m4 = v128.load(pm, 64), m5 = v128.load(pm, 80), m6 = v128.load(pm, 96), m7 = v128.load(pm, 112);
    const word = signWord(
      codeLanes(preSign(m0, g0, b1, omb1), parity), codeLanes(preSign(m1, g1, b1, omb1), parity),
      codeLanes(preSign(m2, g2, b1, omb1), parity), codeLanes(preSign(m3, g3, b1, omb1), parity),
      codeLanes(preSign(m4, g4, b1, omb1), parity), codeLanes(preSign(m5, g5, b1, omb1), parity),
      codeLanes(preSign(m6, g6, b1, omb1), parity), codeLanes(preSign(m7, g7, b1, omb1), parity));
    store<i32>(dst + (<usize>w << 2), word);
    if (stage) {
      const po = mOut + o;
      v128.store(po, nextMomentum(m0, g0, b2, omb2));
      v128.store(po, nextMomentum(m1, g1, b2, omb2), 16);
      v128.store(po, nextMomentum(m2, g2, b2, omb2), 32);
      v128.store(po, nextMomentum(m3, g3, b2, omb2), 48);
      v128.store(po, nextMomentum(m4, g4, b2, omb2), 64);
      v128.store(po, nextMomentum(m5, g5, b2, omb2), 80);
      v128.store(po, nextMomentum(m6, g6, b2, omb2), 96);
      v128.store(po, nextMomentum(m7, g7, b2, omb2), 112);
    }
    bad = v128.or(bad, v128.or(
      v128.or(v128.or(f32x4.mul(g0, zero), f32x4.mul(g1, zero)), v128.or(f32x4.mul(g2, zero), f32x4.mul(g3, zero))),
      v128.or(v128.or(f32x4.mul(g4, zero), f32x4.mul(g5, zero)), v128.or(f32x4.mul(g6, zero), f32x4.mul(g7, zero)))));
  }
  let finite: i32 = anyNonFinite(bad) ? 0 : 1;
  const rest = numValues & 31;
  if (rest == 0) return finite;
  const o = <usize>fullWords << 7;
  let word: u32 = 0;
  for (let j = 0; j < rest; j++) {
    const at = o + (<usize>j << 2);
    const mj = load<f32>(m + at), gj = load<f32>(g + at);
    const c = beta1 * mj + oneMinusBeta1 * gj;
    word |= codeBit(reinterpret<u32>(c), j, step) << j;
    if (stage) store<f32>(mOut + at, beta2 * mj + oneMinusBeta2 * gj);
    if ((reinterpret<u32>(gj) & 0x7f800000) == 0x7f800000) finite = 0;
  }
  store<u32>(dst + (<usize>fullWords << 2), word);
  return finite;
}

export function lionEncodeSign(m: usize, g: usize, beta1: f32, oneMinusBeta1: f32, dst: usize, numValues: i32, step: i32): i32 {
  return encodeSign(false, m, g, beta1, oneMinusBeta1, 0, 0, 0, dst, numValues, step);
}

/** lionEncodeSign that also stages m' = b2·m + omb2·g into `mOut` (which must not overlap m or g). */
export function lionEncodeSignStaged(m: usize, g: usize, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  mOut: usize, dst: usize, numValues: i32, step: i32): i32 {
  return encodeSign(true, m, g, beta1, oneMinusBeta1, beta2, oneMinusBeta2, mOut, dst, numValues, step);
}

/** θ ← θ·decay − lr·Δ and, `withMomentum`, m ← b2·m + omb2·g for one value; Δ = −1 when `negative`. */
@inline function applyOne(withMomentum: bool, theta: usize, m: usize, g: usize, negative: bool, decay: f32, lr: f32, beta2: f32, oneMinusBeta2: f32): void {
  store<f32>(theta, load<f32>(theta) * decay - (negative ? -lr : lr));
  if (withMomentum) store<f32>(m, beta2 * load<f32>(m) + oneMinusBeta2 * load<f32>(g));
}

/** The vector form of applyOne for 4 values; `negative` lanes are all-ones where Δ = −1. */
@inline function applyFour(withMomentum: bool, theta: usize, m: usize, g: usize, negative: v128, decay: v128, lr: v128, b2: v128, omb2: v128): void {
  const lrDelta = v128.xor(lr, v128.and(negative, i32x4.splat(SIGN_BIT)));
  v128.store(theta, f32x4.sub(f32x4.mul(v128.load(theta), decay), lrDelta));
  if (withMomentum) v128.store(m, nextMomentum(v128.load(m), v128.load(g), b2, omb2));
}

@inline function applyRange(withMomentum: bool, theta: usize, m: usize, g: usize, code: usize, decay: f32, lr: f32,
  beta2: f32, oneMinusBeta2: f32, offset: i32, length: i32): void {
  const end = offset + length;
  let i = offset;
  // scalar up to a word boundary, whole words in SIMD, scalar tail
  const head = min(end, (offset + 31) & ~31);
  for (; i < head; i++) {
    const negative = ((load<u32>(code + (<usize>(i >>> 5) << 2)) >>> (i & 31)) & 1) != 0;
    const at = <usize>i << 2;
    applyOne(withMomentum, theta + at, m + at, g + at, negative, decay, lr, beta2, oneMinusBeta2);
  }
  const vDecay = f32x4.splat(decay), vLr = f32x4.splat(lr), b2 = f32x4.splat(beta2), omb2 = f32x4.splat(oneMinusBeta2);
  const bodyEnd = end & ~31;
  for (; i < bodyEnd; i += 32) {
    const word = v128.load32_splat(code + (<usize>(i >>> 5) << 2));
    const at = <usize>i << 2;
    for (let b = 0; b < 8; b++) {
      const o = at + (<usize>b << 4);
      applyFour(withMomentum, theta + o, m + o, g + o, bitLanes(word, b), vDecay, vLr, b2, omb2);
    }
  }
  for (; i < end; i++) {
    const negative = ((load<u32>(code + (<usize>(i >>> 5) << 2)) >>> (i & 31)) & 1) != 0;
    const at = <usize>i << 2;
    applyOne(withMomentum, theta + at, m + at, g + at, negative, decay, lr, beta2, oneMinusBeta2);
  }
}

export function lionApplySign(theta: usize, m: usize, g: usize, code: usize, decay: f32, lr: f32, beta2: f32, oneMinusBeta2: f32, offset: i32, length: i32): void {
  applyRange(true, theta, m, g, code, decay, lr, beta2, oneMinusBeta2, offset, length);
}

/** lionApplySign's θ update alone, for a step whose momentum an encode already staged. */
export function lionApplySignTheta(theta: usize, code: usize, decay: f32, lr: f32, offset: i32, length: i32): void {
  applyRange(false, theta, 0, 0, code, decay, lr, 0, 0, offset, length);
}

/** One Lion step on 4 values; returns the code lanes (sign bit = Δ is −1). */
@inline function stepFour(theta: usize, m: usize, g: usize, parity: v128, b1: v128, omb1: v128,
  decay: v128, lr: v128, b2: v128, omb2: v128): v128 {
  const mv = v128.load(m), gv = v128.load(g);
  const coded = codeLanes(preSign(mv, gv, b1, omb1), parity);
  const lrDelta = v128.xor(lr, v128.and(coded, i32x4.splat(SIGN_BIT)));
  v128.store(theta, f32x4.sub(f32x4.mul(v128.load(theta), decay), lrDelta));
  v128.store(m, nextMomentum(mv, gv, b2, omb2));
  return coded;
}

export function lionStepSign(theta: usize, m: usize, g: usize, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  decay: f32, lr: f32, dst: usize, numValues: i32, step: i32): void {
  const parity = parityLanes(step);
  const b1 = f32x4.splat(beta1), omb1 = f32x4.splat(oneMinusBeta1), b2 = f32x4.splat(beta2), omb2 = f32x4.splat(oneMinusBeta2);
  const vDecay = f32x4.splat(decay), vLr = f32x4.splat(lr);
  const fullWords = numValues >>> 5;
  for (let w = 0; w < fullWords; w++) {
    const o = <usize>w << 7;
    const t = theta + o, pm = m + o, pg = g + o;
    const word = signWord(
      stepFour(t, pm, pg, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 16, pm + 16, pg + 16, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 32, pm + 32, pg + 32, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 48, pm + 48, pg + 48, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 64, pm + 64, pg + 64, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 80, pm + 80, pg + 80, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 96, pm + 96, pg + 96, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 112, pm + 112, pg + 112, parity, b1, omb1, vDecay, vLr, b2, omb2));
    store<i32>(dst + (<usize>w << 2), word);
  }
  const rest = numValues & 31;
  if (rest == 0) return;
  const o = <usize>fullWords << 7;
  let word: u32 = 0;
  for (let j = 0; j < rest; j++) {
    const at = o + (<usize>j << 2);
    const c = beta1 * load<f32>(m + at) + oneMinusBeta1 * load<f32>(g + at);
    const bit = codeBit(reinterpret<u32>(c), j, step);
    word |= bit << j;
    applyOne(true, theta + at, m + at, g + at, bit != 0, decay, lr, beta2, oneMinusBeta2);
  }
  store<u32>(dst + (<usize>fullWords << 2), word);
}
