// Plain-JS reference of the fused Lion kernels on the 1-bit sign code, float32 op by op (Math.fround at every step).

import { parityBit } from './parity.js';

/** The hyperparameters as the kernels use them, each rounded once to float32. */
export interface LionSignConstants {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** fround(1 − lr·weightDecay), the product taken in float64. */
  decay: number;
  lr: number;
}

const f = Math.fround;

/** The one derivation of Lion's float32 scalars (docs/optimizer.md §3): src/optim's lionCoefficients and every codec kernel use it. */
export function lionSignConstants(hp: { lr: number; beta1?: number; beta2?: number; weightDecay?: number }): LionSignConstants {
  const beta1 = hp.beta1 ?? 0;
  const beta2 = hp.beta2 ?? 0;
  return {
    beta1: f(beta1),
    oneMinusBeta1: f(1 - beta1),
    beta2: f(beta2),
    oneMinusBeta2: f(1 - beta2),
    decay: f(1 - hp.lr * (hp.weightDecay ?? 0)),
    lr: f(hp.lr),
  };
}

/** Code bit of c: 1 when negative, the parity rule for ±0 and NaN. */
function codeBit(c: number, index: number, step: number): number {
  return c < 0 ? 1 : c > 0 ? 0 : parityBit(index, step);
}

/** dst ← 1-bit code of c = β1·m + (1−β1)·g; returns true when every g is finite. Lengths are not checked here. */
export function lionEncodeSignJs(momentum: Float32Array, grads: Float32Array, k: LionSignConstants, dst: Uint32Array, step: number): boolean {
  const { beta1, oneMinusBeta1 } = k;
  const numValues = momentum.length;
  let finite = true;
  for (let base = 0, w = 0; base < numValues; base += 32, w++) {
    const count = Math.min(32, numValues - base);
    let word = 0;
    for (let j = 0; j < count; j++) {
      const i = base + j;
      const c = f(f(beta1 * momentum[i]) + f(oneMinusBeta1 * grads[i]));
      word |= codeBit(c, i, step) << j;
      if (!Number.isFinite(grads[i])) finite = false;
    }
    dst[w] = word;
  }
  return finite;
}

/** θ ← θ·decay − lr·Δ (Δ = −1 where the code bit is 1, else +1) and m ← β2·m + (1−β2)·g on [offset, offset+length). */
export function lionApplySignJs(params: Float32Array, momentum: Float32Array, grads: Float32Array, code: Uint32Array,
  k: LionSignConstants, offset: number, length: number): void {
  const { decay, lr, beta2, oneMinusBeta2 } = k;
  for (let i = offset, end = offset + length; i < end; i++) {
    const delta = (code[i >>> 5] >>> (i & 31)) & 1 ? -1 : 1;
    params[i] = f(f(params[i] * decay) - f(lr * delta));
    momentum[i] = f(f(beta2 * momentum[i]) + f(oneMinusBeta2 * grads[i]));
  }
}

/** next ← f32(f32(β2·m) + f32((1−β2)·g)): the momentum lionApplySignJs leaves, staged by an encode. Lengths are not checked here. */
export function lionNextMomentumJs(momentum: Float32Array, grads: Float32Array, k: Pick<LionSignConstants, 'beta2' | 'oneMinusBeta2'>, next: Float32Array): void {
  const { beta2, oneMinusBeta2 } = k;
  for (let i = 0; i < momentum.length; i++) next[i] = f(f(beta2 * momentum[i]) + f(oneMinusBeta2 * grads[i]));
}

/** The θ half of lionApplySignJs alone on [offset, offset+length). */
export function lionApplySignThetaJs(params: Float32Array, code: Uint32Array, k: LionSignConstants, offset: number, length: number): void {
  const { decay, lr } = k;
  for (let i = offset, end = offset + length; i < end; i++) {
    const delta = (code[i >>> 5] >>> (i & 31)) & 1 ? -1 : 1;
    params[i] = f(f(params[i] * decay) - f(lr * delta));
  }
}

/** One single-worker Lion step that also writes the code of the Δ it applies. Lengths are not checked here. */
export function lionStepSignJs(params: Float32Array, momentum: Float32Array, grads: Float32Array, k: LionSignConstants,
  dst: Uint32Array, step: number): void {
  const { beta1, oneMinusBeta1, beta2, oneMinusBeta2, decay, lr } = k;
  const numValues = params.length;
  for (let base = 0, w = 0; base < numValues; base += 32, w++) {
    const count = Math.min(32, numValues - base);
    let word = 0;
    for (let j = 0; j < count; j++) {
      const i = base + j;
      const m = momentum[i];
      const g = grads[i];
      const bit = codeBit(f(f(beta1 * m) + f(oneMinusBeta1 * g)), i, step);
      word |= bit << j;
      params[i] = f(f(params[i] * decay) - f(lr * (bit ? -1 : 1)));
      momentum[i] = f(f(beta2 * m) + f(oneMinusBeta2 * g));
    }
    dst[w] = word;
  }
}
