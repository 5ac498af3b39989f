// The p-bit quantisers of the pre-sign update c (docs/wire-format.md, "Quantisers"): per-segment scale, round, clamp, pack; plain or fused with Lion.

import { InvalidArgumentError } from '../errors.js';
import { canUseWasm, kernelFlag, kernelMemory } from '../kernels/load.js';
import { streamKey } from './counter-hash.js';
import { quantKernels, type QuantKernels } from './quant-kernels.js';
import {
  checkLength, checkSegments, packedWordCount, resolveQuantOptions,
  type QuantizeOptions, type ResolvedQuant, type Segment,
} from './quant-options.js';
import { lionNextMomentumJs } from './lion-sign-js.js';
import { packRangeJs } from './quant-pack-js.js';
import { segmentScale } from './quant-scale.js';
import { lionSource, plainSource, sourceArrays, type QuantSource } from './quant-source.js';

/**
 * Quantises the update `c` one segment (layer) at a time into the p-bit code `dst`
 * (docs/wire-format.md: value i at word ⌊i·p/32⌋, bit (i·p) mod 32, two's complement, padding 0).
 *
 * Per segment, with s = levels (default 2^(p−1) − 1) and k rounded to float32:
 * - l1:   μ = mean|c|,  k = s/(2μ), q = clamp(nearest(f32(c·k)), −s, s)  (nearest: ties to even)
 * - l0:   μ = exp(mean log(|c| + ε)), same formula
 * - linf: μ = max|c|, same formula (the largest |c| maps to s/2)
 * - ternary: l1 with s = 1: |c| > μ votes ±1, |c| ≤ μ abstains with q = 0 (|c| = μ is a tie, rounded to even 0)
 * - stochastic: k = s/‖c‖₂, |q| = floor(a) + [u < a − floor(a)], a = f32(|c|·k), u = counterUniform(streamKey(seed, step), i)
 *   with i the index in the whole vector; E[q] = c·s/‖c‖₂ (u has 24 bits, so the bias is below 2^−24)
 * - sign: q = sign(c) ∈ {−1, 0, 1}; +0, −0 (and NaN) abstain with q = 0
 * μ = 0 (an all-zero segment) gives q = 0 throughout; NaN inputs code as 0.
 *
 * `segments` must tile [0, c.length) in order; `dst` must hold exactly ceil(c.length·p/32) words.
 * Runs in wasm when `c` and `dst` live in kernel memory, in plain JS otherwise; the codes are identical.
 * Throws InvalidArgumentError on bad options, segments or buffer lengths.
 */
export function quantize(c: Float32Array, segments: readonly Segment[], options: QuantizeOptions, dst: Uint32Array): void {
  quantizeOn(canUseWasm(c, dst), c, segments, options, dst);
}

/** `quantize` on the plain-JS path wherever the arrays live (to compare the two paths). */
export function quantizeJs(c: Float32Array, segments: readonly Segment[], options: QuantizeOptions, dst: Uint32Array): void {
  quantizeOn(false, c, segments, options, dst);
}

function quantizeOn(useWasm: boolean, c: Float32Array, segments: readonly Segment[], options: QuantizeOptions, dst: Uint32Array): void {
  kernelMemory.checkLive('c', c);
  const q = resolveQuantOptions(options);
  checkSegments(segments, c.length);
  checkLength('dst', dst, packedWordCount(c.length, q.bits), `ceil(${c.length}·${q.bits}/32) words`);
  encodeSegments(plainSource(c), c.length, segments, q, dst, useWasm);
}

/** Lion's next momentum staged by a fused encode: `out` ← f32(f32(β2·m) + f32((1−β2)·g)), `out` overlapping neither input. */
export interface StagedMomentum {
  out: Float32Array;
  beta2: number;
}

/**
 * Fused Lion encode: quantises c = f32(f32(b1·m) + f32(omb1·g)), b1 = fround(β1), omb1 = fround(1 − β1),
 * exactly as `quantize` would, without ever storing c: a first pass per segment finds the scale,
 * a second recomputes c and quantises and packs it. `momentum` and `grads` are only read. Returns true when
 * every g is finite (false when one is NaN or ±∞), tested in the second pass. With `staged`, the second pass also
 * writes Lion's next momentum (the one lionApplySign would leave) into `staged.out`, even when some g is not finite.
 * Throws InvalidArgumentError on bad options, segments, β1, β2 or buffer lengths.
 */
export function lionEncodeQuant(momentum: Float32Array, grads: Float32Array, beta1: number, segments: readonly Segment[],
  options: QuantizeOptions, dst: Uint32Array, staged?: StagedMomentum): boolean {
  const views = staged ? [momentum, grads, dst, staged.out] : [momentum, grads, dst];
  return lionEncodeOn(canUseWasm(...views), momentum, grads, beta1, segments, options, dst, staged);
}

/** `lionEncodeQuant` on the plain-JS path wherever the arrays live (to compare the two paths). */
export function lionEncodeQuantJs(momentum: Float32Array, grads: Float32Array, beta1: number, segments: readonly Segment[],
  options: QuantizeOptions, dst: Uint32Array, staged?: StagedMomentum): boolean {
  return lionEncodeOn(false, momentum, grads, beta1, segments, options, dst, staged);
}

function lionEncodeOn(useWasm: boolean, momentum: Float32Array, grads: Float32Array, beta1: number, segments: readonly Segment[],
  options: QuantizeOptions, dst: Uint32Array, staged: StagedMomentum | undefined): boolean {
  kernelMemory.checkLive('momentum', momentum);
  const q = resolveQuantOptions(options);
  if (typeof beta1 !== 'number' || !(beta1 >= 0 && beta1 <= 1)) throw new InvalidArgumentError('beta1', beta1, 'a number in [0, 1]');
  checkLength('grads', grads, momentum.length, 'the length of momentum');
  checkSegments(segments, momentum.length);
  checkLength('dst', dst, packedWordCount(momentum.length, q.bits), `ceil(${momentum.length}·${q.bits}/32) words`);
  if (staged) {
    if (typeof staged.beta2 !== 'number' || !(staged.beta2 >= 0 && staged.beta2 < 1)) throw new InvalidArgumentError('staged.beta2', staged.beta2, 'a number in [0, 1)');
    kernelMemory.checkLive('staged.out', staged.out);
    checkLength('staged.out', staged.out, momentum.length, 'the length of momentum');
  }
  const source = lionSource(momentum, grads, beta1, staged);
  const finite = encodeSegments(source, momentum.length, segments, q, dst, useWasm);
  if (!useWasm && source.next) lionNextMomentumJs(momentum, grads, { beta2: source.next.b2, oneMinusBeta2: source.next.omb2 }, source.next.out);
  return finite;
}

/**
 * Codes every segment of `source` into `dst` (a p-bit code, or for p = 8 also an Int8Array).
 * Arguments are already checked. Segments are coded in order, so words shared by two segments are right.
 * For a fused source returns true when every g is finite (the wasm kernels test it while packing; the JS path
 * reads g once more); true for a plain source.
 */
export function encodeSegments(source: QuantSource, numValues: number, segments: readonly Segment[], q: ResolvedQuant,
  dst: Uint32Array | Int8Array, useWasm: boolean): boolean {
  if (dst instanceof Uint32Array && numValues % (32 / q.bits) !== 0) {
    // The wasm kernel writes a partial word with clear-and-set, so padding must start at zero.
    dst[dst.length - 1] = 0;
  }
  const kernels = useWasm ? quantKernels() : null;
  const stochastic = q.method === 'stochastic';
  const key = stochastic ? streamKey(q.seed, q.step) : 0;
  let finite = true;
  for (const seg of segments) {
    if (seg.length === 0) continue;
    const k = segmentScale(source, seg, q, kernels);
    const begin = seg.offset;
    const end = seg.offset + seg.length;
    if (kernels) finite = wasmRange(kernels, source, begin, end, k, q.levels, stochastic, key, q.bits, dst.byteOffset) && finite;
    else packRangeJs(source, begin, end, { k, levels: q.levels, stochastic, key }, q.bits, dst);
  }
  return kernels || !source.fused ? finite : everyFinite(source.g);
}

function everyFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/** Packs one range in wasm; returns false when a fused source's g holds a NaN or ±∞ in the range. */
function wasmRange(kernels: QuantKernels, source: QuantSource, begin: number, end: number, k: number, s: number,
  stochastic: boolean, key: number, bits: number, dst: number): boolean {
  const { a, g, b1, omb1 } = sourceArrays(source);
  if (source.fused && source.next) {
    const { out, b2, omb2 } = source.next;
    const finite = stochastic
      ? kernels.lionStochasticRangeStaged(a.byteOffset, g.byteOffset, b1, omb1, begin, end, k, s, key, bits, dst, out.byteOffset, b2, omb2)
      : kernels.lionQuantRangeStaged(a.byteOffset, g.byteOffset, b1, omb1, begin, end, k, s, bits, dst, out.byteOffset, b2, omb2);
    return kernelFlag('quant', stochastic ? 'lionStochasticRangeStaged' : 'lionQuantRangeStaged', finite);
  }
  if (source.fused) {
    if (stochastic) return kernelFlag('quant', 'lionStochasticRange', kernels.lionStochasticRange(a.byteOffset, g.byteOffset, b1, omb1, begin, end, k, s, key, bits, dst));
    return kernelFlag('quant', 'lionQuantRange', kernels.lionQuantRange(a.byteOffset, g.byteOffset, b1, omb1, begin, end, k, s, bits, dst));
  }
  if (stochastic) kernels.stochasticRange(a.byteOffset, begin, end, k, s, key, bits, dst);
  else kernels.quantRange(a.byteOffset, begin, end, k, s, bits, dst);
  return true;
}
