// A model's variables as segments of one flat float32 buffer on the wasm heap: the flat parameters ARE the weights.
//
// Each variable is assigned a tensor over its segment (wasm-heap-tensors.ts), so an optimizer that updates the
// buffer in place has updated the model: no per-step copy into the variables and no new weight tensors. A variable
// re-assigned by someone else (model.setWeights, a tfjs optimizer) simply stops being bound; valuesChanged binds it
// again. Before the buffer is freed, unbind gives every variable still on it memory of its own.

import { tf, type Variable } from './tf.js';
import type { NamedVariable } from './model.js';
import type { ParamSegment } from './flat-params.js';
import { activeWasmHeap, heapValuesChanged, tensorOverHeap } from './wasm-heap-tensors.js';

export class HeapBoundVariables {
  /** The dataId each variable was given, or null when it could not be bound. */
  private readonly boundIds: Array<object | null>;

  private constructor(
    private readonly variables: readonly Variable[],
    private readonly segments: readonly ParamSegment[],
    private readonly byteOffset: number,
    private readonly length: number,
  ) {
    this.boundIds = variables.map(() => null);
  }

  /**
   * Makes every variable a view of its segment of `params`, which must already hold the variables' values and lie
   * on the active wasm backend's heap (null otherwise: nothing is bound). The caller keeps that memory allocated
   * until unbind().
   */
  static bind(variables: readonly NamedVariable[], segments: readonly ParamSegment[], params: Float32Array): HeapBoundVariables | null {
    const heap = activeWasmHeap();
    if (heap === null || params.buffer !== heap.buffer) return null;
    const bound = new HeapBoundVariables(variables.map((v) => v.variable), segments, params.byteOffset, params.length);
    for (let i = 0; i < segments.length; i++) bound.bindOne(i);
    return bound;
  }

  /** How many variables are views of the buffer right now. */
  get boundCount(): number {
    let n = 0;
    for (let i = 0; i < this.variables.length; i++) if (this.isBound(i)) n++;
    return n;
  }

  /** True when `view` is the bound buffer itself (the same heap bytes, in the heap's current buffer). */
  covers(view: Float32Array): boolean {
    return view.byteOffset === this.byteOffset && view.length === this.length && view.buffer === activeWasmHeap()?.buffer;
  }

  /** True when variable `i` is a view of its segment. */
  isBound(i: number): boolean {
    const v = this.variables[i];
    return this.boundIds[i] !== null && !v.isDisposed && v.dataId === this.boundIds[i];
  }

  /**
   * Call after the buffer's values changed in place: drops what the backend's kernels cached for each bound
   * variable (XNNPACK's packed weights) and binds again variables that were re-assigned since. Returns the
   * indices of variables it could not bind, whose values the caller must write itself.
   */
  valuesChanged(): number[] {
    const unbound: number[] = [];
    for (let i = 0; i < this.variables.length; i++) {
      if (this.isBound(i) ? heapValuesChanged(this.variables[i]) : this.bindOne(i)) continue;
      unbound.push(i);
    }
    return unbound;
  }

  /** Gives every variable still on the buffer a copy of its values in memory of its own. */
  unbind(): void {
    for (let i = 0; i < this.variables.length; i++) {
      if (!this.isBound(i)) continue;
      const v = this.variables[i];
      const own = tf.tensor(v.dataSync() as Float32Array, v.shape, 'float32');
      v.assign(own);
      own.dispose();
    }
    this.boundIds.fill(null);
  }

  private bindOne(i: number): boolean {
    const v = this.variables[i];
    if (v.isDisposed || v.dtype !== 'float32') return false;
    const t = tensorOverHeap(v.shape, this.byteOffset + this.segments[i].offset * 4);
    if (t === null) return false;
    try {
      v.assign(t);
    } finally {
      t.dispose();
    }
    this.boundIds[i] = v.dataId;
    return true;
  }
}
