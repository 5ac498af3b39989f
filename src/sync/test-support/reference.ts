// Brute-force references for compressed strategy tests: every rank's update vector, vote and step in plain JS.

import { parityBit } from '../../codec/parity.js';

const f = Math.fround;

/** c = f32(f32(b1·m) + f32(omb1·g)) for one rank. */
export function updateVector(m: Float32Array, g: Float32Array, beta1: number): Float32Array {
  const b1 = f(beta1);
  const omb1 = f(1 - beta1);
  return m.map((mi, i) => f(f(b1 * mi) + f(omb1 * g[i])));
}

/** Δ_i ∈ {−1, +1} from integer votes summed over ranks, with the parity rule for a zero sum. */
export function signWithParity(sums: ArrayLike<number>, step: number): Int8Array {
  const out = new Int8Array(sums.length);
  for (let i = 0; i < sums.length; i++) {
    out[i] = sums[i] > 0 ? 1 : sums[i] < 0 ? -1 : parityBit(i, step) ? -1 : 1;
  }
  return out;
}

/** A 1-bit vote of one rank: ±1, zeros by the parity rule. */
export function oneBitVote(c: Float32Array, step: number): Int8Array {
  return signWithParity(c, step);
}

/** θ ← f32(f32(θ·decay) − f32(lr·Δ)), m ← f32(f32(b2·m) + f32(omb2·g)) in place. */
export function applyDelta(params: Float32Array, m: Float32Array, g: Float32Array, delta: ArrayLike<number>,
  hp: { lr: number; beta2: number; weightDecay: number }, decayed: (i: number) => boolean): void {
  const lrf = f(hp.lr);
  const decay = f(1 - hp.lr * hp.weightDecay);
  const b2 = f(hp.beta2);
  const omb2 = f(1 - hp.beta2);
  for (let i = 0; i < params.length; i++) {
    params[i] = f(f(params[i] * (decayed(i) ? decay : 1)) - f(lrf * delta[i]));
    m[i] = f(f(b2 * m[i]) + f(omb2 * g[i]));
  }
}
