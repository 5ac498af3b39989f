// The fused Lion kernels: the whole step in one pass over a range of the flat buffers, in plain JS and wasm SIMD.
//
// For each element i in [start, end), with the float32 scalars k of lionCoefficients():
//   g̃  = f32(g·k.gradScale)
//   c  = f32(f32(b1·m) + f32(omb1·g̃))
//   θ' = f32(f32(θ·decay) − f32(lrf·sign(c)))        sign(±0) = sign(NaN) = 0
//   m' = f32(f32(b2·m) + f32(omb2·g̃))
// The JS references round with Math.fround after every operation, which is exactly float32
// arithmetic (float64 +,−,× of two float32 values rounded once is the float32 result), so
// the wasm kernels (assembly/optim.ts) give the same bits. Ranges let a caller run one
// segment (one weight-decay factor) at a time without allocating subarrays.

import { InvalidArgumentError } from '../errors.js';
import { canUseWasm, kernelMemory } from '../kernels/load.js';
import { checkCoefficients, type LionCoefficients } from './lion-numerics.js';
import { optimKernels } from './optim-kernels.js';

const fround = Math.fround;

/**
 * One Lion step over elements [start, end) of the flat buffers, in place (params and momentum
 * are overwritten, grads only read). Uses the wasm kernel when all three arrays live in kernel
 * memory, the JS reference otherwise; both give identical bits.
 * Throws InvalidArgumentError for arrays of different lengths, a bad range or bad coefficients.
 */
export function lionFusedStep(
  params: Float32Array, momentum: Float32Array, grads: Float32Array, k: LionCoefficients,
  start = 0, end = params.length,
): void {
  checkStepArgs(params, k, start, end, { momentum, grads });
  if (canUseWasm(params, momentum, grads)) runStepWasm(params, momentum, grads, k, start, end);
  else runStepJs(params, momentum, grads, k, start, end);
}

/** Plain-JS reference of lionFusedStep (same arguments and checks). */
export function lionFusedStepJs(
  params: Float32Array, momentum: Float32Array, grads: Float32Array, k: LionCoefficients,
  start = 0, end = params.length,
): void {
  checkStepArgs(params, k, start, end, { momentum, grads });
  runStepJs(params, momentum, grads, k, start, end);
}

/** wasm SIMD kernel of lionFusedStep. Throws InvalidArgumentError when an array is not in kernel memory. */
export function lionFusedStepWasm(
  params: Float32Array, momentum: Float32Array, grads: Float32Array, k: LionCoefficients,
  start = 0, end = params.length,
): void {
  checkStepArgs(params, k, start, end, { momentum, grads });
  checkInKernelMemory({ params, momentum, grads });
  runStepWasm(params, momentum, grads, k, start, end);
}

/**
 * Applies an externally supplied direction Δ (e.g. the vote of all workers, values in [−1, 1])
 * over [start, end), in place:
 *   θ' = f32(f32(θ·decay) − f32(lrf·Δ)),   m' = f32(f32(b2·m) + f32(omb2·f32(g·gradScale)))
 * (b1/omb1 are unused). With Δ = sign(c) of this worker's own c it equals lionFusedStep bit for bit.
 * wasm when all four arrays live in kernel memory. Throws as lionFusedStep.
 */
export function lionApplyDirection(
  params: Float32Array, momentum: Float32Array, grads: Float32Array, direction: Float32Array, k: LionCoefficients,
  start = 0, end = params.length,
): void {
  checkStepArgs(params, k, start, end, { momentum, grads, direction });
  if (canUseWasm(params, momentum, grads, direction)) runDirectionWasm(params, momentum, grads, direction, k, start, end);
  else runDirectionJs(params, momentum, grads, direction, k, start, end);
}

/** Plain-JS reference of lionApplyDirection. */
export function lionApplyDirectionJs(
  params: Float32Array, momentum: Float32Array, grads: Float32Array, direction: Float32Array, k: LionCoefficients,
  start = 0, end = params.length,
): void {
  checkStepArgs(params, k, start, end, { momentum, grads, direction });
  runDirectionJs(params, momentum, grads, direction, k, start, end);
}

/** wasm SIMD kernel of lionApplyDirection. Throws InvalidArgumentError when an array is not in kernel memory. */
export function lionApplyDirectionWasm(
  params: Float32Array, momentum: Float32Array, grads: Float32Array, direction: Float32Array, k: LionCoefficients,
  start = 0, end = params.length,
): void {
  checkStepArgs(params, k, start, end, { momentum, grads, direction });
  checkInKernelMemory({ params, momentum, grads, direction });
  runDirectionWasm(params, momentum, grads, direction, k, start, end);
}

/**
 * Writes the pre-sign update c = f32(f32(b1·m) + f32(omb1·f32(g·gradScale))) into out[start, end)
 * and touches nothing else: what a worker quantises or votes on before lionApplyDirection.
 * wasm when all three arrays live in kernel memory. Throws as lionFusedStep.
 */
export function lionUpdateVector(
  momentum: Float32Array, grads: Float32Array, out: Float32Array, k: LionCoefficients,
  start = 0, end = momentum.length,
): void {
  checkStepArgs(momentum, k, start, end, { grads, out }, 'momentum');
  if (canUseWasm(momentum, grads, out)) runUpdateVectorWasm(momentum, grads, out, k, start, end);
  else runUpdateVectorJs(momentum, grads, out, k, start, end);
}

/** Plain-JS reference of lionUpdateVector. */
export function lionUpdateVectorJs(
  momentum: Float32Array, grads: Float32Array, out: Float32Array, k: LionCoefficients,
  start = 0, end = momentum.length,
): void {
  checkStepArgs(momentum, k, start, end, { grads, out }, 'momentum');
  runUpdateVectorJs(momentum, grads, out, k, start, end);
}

/** wasm SIMD kernel of lionUpdateVector. Throws InvalidArgumentError when an array is not in kernel memory. */
export function lionUpdateVectorWasm(
  momentum: Float32Array, grads: Float32Array, out: Float32Array, k: LionCoefficients,
  start = 0, end = momentum.length,
): void {
  checkStepArgs(momentum, k, start, end, { grads, out }, 'momentum');
  checkInKernelMemory({ momentum, grads, out });
  runUpdateVectorWasm(momentum, grads, out, k, start, end);
}

function runStepJs(params: Float32Array, momentum: Float32Array, grads: Float32Array, k: LionCoefficients, start: number, end: number): void {
  const { b1, omb1, b2, omb2, decay, lrf, gradScale } = k;
  for (let i = start; i < end; i++) {
    const m = momentum[i];
    const g = fround(grads[i] * gradScale);
    const c = fround(fround(b1 * m) + fround(omb1 * g));
    // sign(c), with ±0 and NaN giving 0 (so lrf·s = +0 and θ is only decayed). Branch-free:
    // the sign of c is random from element to element, and a mispredicted branch per element
    // doubled the time of this loop.
    const s = +(c > 0) - +(c < 0);
    params[i] = fround(fround(params[i] * decay) - fround(lrf * s));
    momentum[i] = fround(fround(b2 * m) + fround(omb2 * g));
  }
}

function runStepWasm(params: Float32Array, momentum: Float32Array, grads: Float32Array, k: LionCoefficients, start: number, end: number): void {
  const at = start * 4;
  optimKernels().lionStep(params.byteOffset + at, momentum.byteOffset + at, grads.byteOffset + at, end - start,
    k.b1, k.omb1, k.b2, k.omb2, k.decay, k.lrf, k.gradScale);
}

function runDirectionJs(
  params: Float32Array, momentum: Float32Array, grads: Float32Array, direction: Float32Array, k: LionCoefficients, start: number, end: number,
): void {
  const { b2, omb2, decay, lrf, gradScale } = k;
  for (let i = start; i < end; i++) {
    params[i] = fround(fround(params[i] * decay) - fround(lrf * direction[i]));
    const g = fround(grads[i] * gradScale);
    momentum[i] = fround(fround(b2 * momentum[i]) + fround(omb2 * g));
  }
}

function runDirectionWasm(
  params: Float32Array, momentum: Float32Array, grads: Float32Array, direction: Float32Array, k: LionCoefficients, start: number, end: number,
): void {
  const at = start * 4;
  optimKernels().lionApplyDirection(params.byteOffset + at, momentum.byteOffset + at, grads.byteOffset + at, direction.byteOffset + at,
    end - start, k.b2, k.omb2, k.decay, k.lrf, k.gradScale);
}

function runUpdateVectorJs(momentum: Float32Array, grads: Float32Array, out: Float32Array, k: LionCoefficients, start: number, end: number): void {
  const { b1, omb1, gradScale } = k;
  for (let i = start; i < end; i++) {
    const g = fround(grads[i] * gradScale);
    out[i] = fround(fround(b1 * momentum[i]) + fround(omb1 * g));
  }
}

function runUpdateVectorWasm(momentum: Float32Array, grads: Float32Array, out: Float32Array, k: LionCoefficients, start: number, end: number): void {
  const at = start * 4;
  optimKernels().lionUpdateVector(momentum.byteOffset + at, grads.byteOffset + at, out.byteOffset + at, end - start, k.b1, k.omb1, k.gradScale);
}

function checkStepArgs(
  first: Float32Array, k: LionCoefficients, start: number, end: number,
  others: Record<string, Float32Array>, firstName = 'params',
): void {
  if (!(first instanceof Float32Array)) throw new InvalidArgumentError(firstName, first, 'a Float32Array');
  kernelMemory.checkLive(firstName, first);
  const n = first.length;
  for (const [name, array] of Object.entries(others)) {
    if (array instanceof Float32Array) kernelMemory.checkLive(name, array);
    if (!(array instanceof Float32Array) || array.length !== n) {
      throw new InvalidArgumentError(name, array, `a Float32Array of the same length as ${firstName} (${n})`);
    }
  }
  if (!Number.isInteger(start) || start < 0 || start > n) throw new InvalidArgumentError('start', start, `an integer in [0, ${n}]`);
  if (!Number.isInteger(end) || end < start || end > n) throw new InvalidArgumentError('end', end, `an integer in [start = ${start}, ${n}]`);
  checkCoefficients(k);
}

function checkInKernelMemory(arrays: Record<string, Float32Array>): void {
  for (const [name, array] of Object.entries(arrays)) {
    if (!canUseWasm(array)) {
      throw new InvalidArgumentError(name, array, 'a view of kernel memory (kernelMemory.allocF32(n).f32()) with wasm kernels enabled');
    }
  }
}
