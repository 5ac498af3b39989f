// What a quantiser reads: the update c itself, or (m, g, β1) from which c is formed on the fly in float32.

import { lionSignConstants } from './lion-sign-js.js';

/** c given as floats. */
export interface PlainSource {
  fused: false;
  c: Float32Array;
}

/** c = f32(f32(b1·m) + f32(omb1·g)) with b1 = fround(β1), omb1 = fround(1 − β1); never stored. */
export interface LionSource {
  fused: true;
  m: Float32Array;
  g: Float32Array;
  b1: number;
  omb1: number;
  /** When set, the pack pass also stages Lion's next momentum f32(f32(b2·m) + f32(omb2·g)) into `next.out`. */
  next?: StagedNext;
}

/** Where a fused encode stages m' and with which float32 factors b2 = fround(β2), omb2 = fround(1 − β2). */
export interface StagedNext {
  out: Float32Array;
  b2: number;
  omb2: number;
}

export type QuantSource = PlainSource | LionSource;

export function plainSource(c: Float32Array): PlainSource {
  return { fused: false, c };
}

/** (m, g, β1), and with `staged` the buffer and β2 for m' (see LionSource.next). */
export function lionSource(m: Float32Array, g: Float32Array, beta1: number, staged?: { out: Float32Array; beta2: number }): LionSource {
  const k = lionSignConstants({ lr: 0, beta1, beta2: staged?.beta2 });
  const next = staged ? { out: staged.out, b2: k.beta2, omb2: k.oneMinusBeta2 } : undefined;
  return { fused: true, m, g, b1: k.beta1, omb1: k.oneMinusBeta1, next };
}

/** Both arrays to read: for a plain source `g` aliases `c` and is never read. */
export function sourceArrays(source: QuantSource): { a: Float32Array; g: Float32Array; b1: number; omb1: number } {
  return source.fused ? { a: source.m, g: source.g, b1: source.b1, omb1: source.omb1 } : { a: source.c, g: source.c, b1: 0, omb1: 0 };
}
