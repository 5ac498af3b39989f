// Brute-force runs of data-parallel Lion in plain JS on heap arrays: every rank's clipped gradient, update vector,
// code and vote, the same Δ applied by all. The reference the production (kernel-memory, wasm) path is held to.

import { quantizeJs } from '../../codec/quant.js';
import { unpackSigned } from '../../codec/pbit-pack.js';
import { int8LevelsFor, quantizeInt8 } from '../../codec/int8-quant.js';
import { packedWordCount, type QuantBits, type QuantMethod, type Segment } from '../../codec/quant-options.js';
import { sumOfSquaresJs } from '../../optim/global-norm.js';
import { UnitSlices } from '../collectives/unit-slices.js';
import { applyDelta, oneBitVote, signWithParity, updateVector } from './reference.js';

/** Combines the ranks' update vectors (index = rank) at `step` into the Δ every rank applies. */
export type Combine = (cs: Float32Array[], step: number) => ArrayLike<number>;

export interface BruteForceSetup {
  params0: Float32Array;
  /** Gradient of `rank` at `step` (a fresh array). */
  grads: (rank: number, step: number) => Float32Array;
  beta1: number;
  beta2: number;
  weightDecay: number;
  decayed: (i: number) => boolean;
  /** η at 0-based step t. */
  lrAt: (step: number) => number;
  /** Global-norm clipping of each rank's own gradient, or null. */
  maxGradNorm: number | null;
}

export interface BruteForceResult {
  params: Float32Array;
  /** Each rank's momentum. */
  momenta: Float32Array[];
}

/** `steps` steps of N ranks under `combine`. */
export function bruteForceRun(setup: BruteForceSetup, worldSize: number, steps: number, combine: Combine): BruteForceResult {
  const params = setup.params0.slice();
  const momenta = Array.from({ length: worldSize }, () => new Float32Array(params.length));
  for (let s = 0; s < steps; s++) {
    const gs = momenta.map((_, r) => clipped(setup.grads(r, s), setup.maxGradNorm));
    const cs = momenta.map((m, r) => updateVector(m, gs[r], setup.beta1));
    const delta = combine(cs, s);
    const hp = { lr: setup.lrAt(s), beta2: setup.beta2, weightDecay: setup.weightDecay };
    const before = params.slice();
    momenta.forEach((m, r) => {
      const p = before.slice();
      applyDelta(p, m, gs[r], delta, hp, setup.decayed);
      if (r === 0) params.set(p);
    });
  }
  return { params, momenta };
}

/** g scaled by fround(max/‖g‖) when ‖g‖ > max (docs/optimizer.md §5). */
function clipped(g: Float32Array, maxNorm: number | null): Float32Array {
  if (maxNorm === null) return g;
  const norm = Math.sqrt(sumOfSquaresJs(g));
  if (!(norm > maxNorm)) return g;
  const scale = Math.fround(maxNorm / norm);
  return g.map((v) => Math.fround(v * scale));
}

/** Majority of the ranks' 1-bit votes (zeros by parity), ties by parity: cub-1bit and dlion-mavo. */
export const majorityVote: Combine = (cs, step) => {
  const sums = new Int32Array(cs[0].length);
  for (const c of cs) oneBitVote(c, step).forEach((v, i) => { sums[i] += v; });
  return signWithParity(sums, step);
};

/** Mean of the ranks' 1-bit votes: dlion-avg. */
export const averageVote: Combine = (cs, step) => {
  const sums = new Float64Array(cs[0].length);
  for (const c of cs) oneBitVote(c, step).forEach((v, i) => { sums[i] += v; });
  return Float32Array.from(sums, (v) => Math.fround(v * (1 / cs.length)));
};

/** Sign of the exact sum of the ranks' p-bit codes: cub-pbit. `seedOf(rank)` is the rank's stochastic seed. */
export function pbitVote(segments: readonly Segment[], bits: QuantBits, method: QuantMethod, seedOf: (rank: number) => number,
  tie: 'parity' | 'owner' = 'parity'): Combine {
  return (cs, step) => {
    const d = cs[0].length;
    const sums = new Int32Array(d);
    cs.forEach((c, r) => {
      const words = new Uint32Array(packedWordCount(d, bits));
      quantizeJs(c, segments, { bits, method, seed: seedOf(r), step }, words);
      const q = new Int32Array(d);
      unpackSigned(words, bits, d, q);
      q.forEach((v, i) => { sums[i] += v; });
    });
    if (tie === 'owner') {
      // A zero sum takes the sign of the unquantised c of the rank whose slice holds the value (zero c: parity rule).
      const slices = new UnitSlices(d, cs.length);
      for (let r = 0; r < cs.length; r++) {
        const start = slices.valueStart(r);
        for (let i = start; i < start + slices.valueCount(r); i++) if (sums[i] === 0) sums[i] = Math.sign(cs[r][i]);
      }
    }
    return signWithParity(sums, step);
  };
}

/** Sign of the sum of the ranks' int8 codes with the method's levels for N ranks: cub-int8. */
export function int8Vote(segments: readonly Segment[], method: QuantMethod, seedOf: (rank: number) => number): Combine {
  return (cs, step) => {
    const d = cs[0].length;
    const sums = new Int32Array(d);
    const levels = int8LevelsFor(method, cs.length);
    cs.forEach((c, r) => {
      const q = new Int8Array(d);
      quantizeInt8(c, segments, { method, levels, seed: seedOf(r), step }, q);
      q.forEach((v, i) => { sums[i] += v; });
    });
    return signWithParity(sums, step);
  };
}
