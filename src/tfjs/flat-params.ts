// One contiguous Float32Array view of a model's trainable variables: read, write back, and flat gradients.
//
// The optimizer and the codecs work on segments of one buffer (one segment per
// parameter tensor, in the model's variable order). This file is the only
// bridge between that buffer and tfjs tensors.

import { tf, type Scalar, type Tensor, type Variable } from './tf.js';
import type { NamedVariable } from './model.js';
import { InvalidArgumentError, LionCubError } from '../errors.js';
import { heapByteOffset, readTensorInto, writeTensorInPlace } from './wasm-tensor-memory.js';
import { GradientPlacement, type PlacementSlot } from './wasm-gradient-placement.js';
import { activeWasmHeap } from './wasm-heap-tensors.js';
import { HeapBoundVariables } from './heap-bound-variables.js';

/** Where one parameter tensor lives in the flat vector: elements [offset, offset + length). */
export interface ParamSegment {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
  readonly shape: readonly number[];
}

type NamedTensorMap = Record<string, Tensor>;

export interface FlatGradientResult {
  /** The loss value computed while taking the gradient. */
  loss: number;
  /** The flat gradient: the caller's `dest` when given, else a new array. */
  grads: Float32Array;
  /** How many variables' gradients were copied into the buffer (the others were written there by the backward pass). */
  copied: number;
}

/**
 * Segments of the flat vector for `variables`, packed back to back in the given order
 * (no padding: segment i starts where i−1 ends). Throws InvalidArgumentError for a
 * non-float32 variable or duplicate names.
 */
export function layoutOf(variables: readonly NamedVariable[]): ParamSegment[] {
  const segments: ParamSegment[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const { name, variable } of variables) {
    if (variable.dtype !== 'float32') throw new InvalidArgumentError(`variables[${name}].dtype`, variable.dtype, 'float32');
    if (seen.has(name)) throw new InvalidArgumentError('variables', name, 'unique variable names');
    seen.add(name);
    segments.push({ name, offset, length: variable.size, shape: [...variable.shape] });
    offset += variable.size;
  }
  return segments;
}

/**
 * A fixed flat layout over a list of variables.
 *
 * Buffer ownership: every method that takes `dest`/`src` only reads or writes it during the
 * call and never keeps a reference, so the buffer may live in wasm kernel memory
 * (`kernelMemory.allocF32(n).f32()`) even though such views are re-created after a memory grow.
 * Tensors created internally are disposed before returning: tf.memory().numTensors is the same
 * before and after each call.
 */
export class FlatParams {
  readonly segments: readonly ParamSegment[];
  readonly numParams: number;
  /** On backends whose tensors alias a JS typed array (cpu), data must be copied in and out. */
  private readonly aliasesInput: () => boolean = () => tf.getBackend() !== 'wasm';
  private binding: HeapBoundVariables | null = null;

  constructor(readonly variables: readonly NamedVariable[]) {
    this.segments = layoutOf(variables);
    const last = this.segments[this.segments.length - 1];
    this.numParams = last ? last.offset + last.length : 0;
  }

  /**
   * Makes the variables views of `params` (wasm backend, `params` on its heap, e.g. kernel memory hosted there):
   * copies their values in, then points each variable at its segment, so changing `params` in place changes the
   * model and write(params) only tells the backend the values changed. Returns how many variables are bound (0
   * when `params` is elsewhere: then nothing changes and write copies as before). The caller keeps `params`
   * allocated until unbind(). A FlatParams binds to one buffer at a time (unbind first).
   */
  bind(params: Float32Array): number {
    this.checkBuffer('params', params);
    this.unbind();
    this.read(params);
    this.binding = HeapBoundVariables.bind(this.variables, this.segments, params);
    return this.boundCount;
  }

  /** How many variables are views of the bound buffer (0 when unbound). */
  get boundCount(): number {
    return this.binding?.boundCount ?? 0;
  }

  /** Gives every bound variable memory of its own again (with its current values); call before freeing the buffer. */
  unbind(): void {
    this.binding?.unbind();
    this.binding = null;
  }

  /** Copies the current variable values into `dest` (length numParams) or a new array, and returns it. */
  read(dest?: Float32Array): Float32Array {
    const out = this.checkBuffer('dest', dest);
    const covered = this.binding?.covers(out) ?? false;
    for (let i = 0; i < this.segments.length; i++) {
      if (covered && this.binding!.isBound(i)) continue;
      // dataSync may return the backend's live buffer (cpu): set() copies out of it immediately.
      out.set(this.variables[i].variable.dataSync() as Float32Array, this.segments[i].offset);
    }
    return out;
  }

  /**
   * Assigns `src` (length numParams) to the variables. The values are copied, so later changes to `src` do not
   * reach the model: on wasm straight into each variable's own buffer (no new tensors; wasm-tensor-memory.ts),
   * elsewhere into new tensors whose old data assign() releases. When `src` is the bound buffer (bind), the
   * variables already hold its values: only variables re-assigned since are bound again.
   */
  write(src: Float32Array): void {
    this.checkBuffer('src', src);
    const copy = this.aliasesInput();
    const indices = this.binding?.covers(src) ? this.binding.valuesChanged() : this.segments.map((_, i) => i);
    for (const i of indices) {
      const { offset, length, shape } = this.segments[i];
      if (writeTensorInPlace(this.variables[i].variable, src.subarray(offset, offset + length))) continue;
      const part = copy ? src.slice(offset, offset + length) : src.subarray(offset, offset + length);
      const value = tf.tensor(part, shape as number[], 'float32');
      this.variables[i].variable.assign(value);
      value.dispose();
    }
  }

  /**
   * Gradient of `lossFn` with respect to every variable, written into `dest` (or what the function `dest`
   * returns, asked again after the forward and backward pass; or a new array)
   * segment by segment: dest[offset + j] = ∂loss/∂(variable i)[j] in row-major order.
   * When `dest` lies on the wasm backend's heap (kernel memory hosted there), the backward pass writes the
   * gradients straight into it (wasm-gradient-placement.ts) and only gradients born elsewhere are copied.
   * Variables the loss does not depend on get zeros. `lossFn` must return a scalar; tensors it
   * creates are released. Throws LionCubError `non_scalar_loss` when the loss is not a scalar
   * (tfjs keeps the tensors its tape saved for that aborted pass: a programming error, not a per-step path).
   */
  gradients(lossFn: () => Scalar, dest?: Float32Array | (() => Float32Array)): FlatGradientResult {
    const vars = this.variables.map((v) => v.variable);
    const target = typeof dest === 'function' ? dest() : dest;
    const { value, grads } = this.variableGradsInto(lossFn, target, vars);
    try {
      // Asked again after the pass: a view of wasm memory the pass grew is detached; the function gives a live one.
      const out = this.checkBuffer('dest', typeof dest === 'function' ? dest() : dest);
      const copied = this.collectGradients(vars.map((v) => grads[v.name]), out);
      return { loss: value.dataSync()[0], grads: out, copied };
    } finally {
      value.dispose();
      tf.dispose(grads);
    }
  }

  /**
   * tf.variableGrads(lossFn, vars) (default: all variables), with the backward pass writing gradients into their
   * segments of `target` when it lies on the wasm heap (only its address is used). The caller owns the returned
   * tensors and passes the gradients to collectGradients; `target`'s values are undefined until then.
   * Throws LionCubError `non_scalar_loss` like gradients().
   */
  variableGradsInto(lossFn: () => Scalar, target: Float32Array | undefined, vars: Variable[] = this.variables.map((v) => v.variable)): { value: Scalar; grads: NamedTensorMap } {
    const slots = this.placementSlots(target);
    let placement: GradientPlacement | null = null;
    try {
      return tf.variableGrads(() => {
        const loss = lossFn();
        if (loss.rank !== 0) {
          const shape = loss.shape;
          loss.dispose();
          throw new LionCubError('non_scalar_loss', `loss function returned shape [${shape}], expected a scalar`);
        }
        if (slots) placement = GradientPlacement.start(slots); // the forward pass is over: outputs from here on are gradients
        return loss;
      }, vars);
    } finally {
      (placement as GradientPlacement | null)?.stop();
    }
  }

  /** Where each segment of `dest` is on the wasm heap, or null when `dest` is not on it. */
  private placementSlots(dest: Float32Array | undefined): PlacementSlot[] | null {
    if (dest === undefined || dest.length !== this.numParams || dest.buffer !== activeWasmHeap()?.buffer) return null;
    return this.segments.map((s) => ({ shape: s.shape, byteOffset: dest.byteOffset + s.offset * 4 }));
  }

  /**
   * Makes `out` hold every gradient (`grads[i]` for segment i; undefined gives zeros): those born in their own
   * segment stay; the others are copied in, the ones sitting in another segment first to the side (writing one
   * must not overwrite another). Returns how many were copied.
   */
  collectGradients(grads: ReadonlyArray<Tensor | undefined>, out: Float32Array): number {
    const address = (i: number) => out.byteOffset + this.segments[i].offset * 4;
    const end = out.byteOffset + out.byteLength;
    const moved = new Map<number, Float32Array>();
    grads.forEach((g, i) => {
      const at = g ? heapByteOffset(g) : null;
      if (g && at !== null && at !== address(i) && at >= out.byteOffset && at < end) moved.set(i, g.dataSync() as Float32Array);
    });
    let copied = 0;
    grads.forEach((g, i) => {
      const { offset, length } = this.segments[i];
      if (!g) out.fill(0, offset, offset + length);
      else if (moved.has(i)) out.set(moved.get(i)!, offset);
      else if (heapByteOffset(g) === address(i)) return;
      else if (!readTensorInto(g, out, offset)) out.set(g.dataSync() as Float32Array, offset);
      if (g) copied++;
    });
    return copied;
  }

  private checkBuffer(field: string, buffer: Float32Array | undefined): Float32Array {
    if (buffer === undefined) return new Float32Array(this.numParams);
    if (!(buffer instanceof Float32Array) || buffer.length !== this.numParams) {
      throw new InvalidArgumentError(field, buffer, `a Float32Array of length ${this.numParams} (the model's parameter count)`);
    }
    return buffer;
  }
}
