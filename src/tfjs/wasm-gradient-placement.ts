// The backward pass writes each variable's gradient straight into its segment of the flat gradient buffer.
//
// While a placement is active, the wasm backend's makeOutput (which every kernel calls for its output) hands a
// float32 output whose shape equals a variable's (leading 1s aside) the free segment of that shape (the last variable first: the
// backward pass visits layers from the output back), instead of new heap memory. In a dense network the product
// Xᵀ·dY and the bias sum are each the only output of their shape, so the final gradients are born in place and
// nothing is copied. Any other case stays correct: an intermediate that took a segment gives it back when it is
// disposed, and FlatParams.gradients copies every final gradient that did not end up in its own segment.
// Relies on tfjs-backend-wasm 4.x internals (wasm-backend-internals.ts); start() returns null when they are missing.

import { tf } from './tf.js';
import { wasmInternals, type WasmBackendInternals } from './wasm-backend-internals.js';
import { outputOverHeap } from './wasm-heap-tensors.js';

export interface PlacementSlot {
  readonly shape: readonly number[];
  /** Heap byte address of the segment. */
  readonly byteOffset: number;
}

/** An active placement; stop() it when the backward pass is over (the outputs it placed stay valid). */
export class GradientPlacement {
  private readonly free = new Map<string, number[]>();
  private stopped = false;

  private constructor(private readonly be: WasmBackendInternals, slots: readonly PlacementSlot[]) {
    slots.forEach((slot, i) => {
      const key = shapeKey(slot.shape);
      const list = this.free.get(key) ?? [];
      list.push(i);
      this.free.set(key, list);
    });
    const place = (shape: number[], dtype: string, memoryOffset?: number, values?: unknown) => {
      const slot = memoryOffset == null && values == null && dtype === 'float32' && !this.stopped ? this.take(shape) : -1;
      if (slot < 0) return makeOutput.call(be, shape, dtype, memoryOffset, values);
      return outputOverHeap(be, shape, slots[slot].byteOffset, () => this.giveBack(shape, slot));
    };
    const makeOutput = Object.getPrototypeOf(be).makeOutput as (...args: unknown[]) => ReturnType<WasmBackendInternals['makeOutput']>;
    (be as { makeOutput: unknown }).makeOutput = place;
  }

  /** Starts placing outputs of the active wasm backend into `slots`; null on another backend. */
  static start(slots: readonly PlacementSlot[]): GradientPlacement | null {
    const be = wasmInternals(tf.backend());
    if (!be || Object.prototype.hasOwnProperty.call(be, 'makeOutput')) return null;
    return new GradientPlacement(be, slots);
  }

  /** Kernels allocate their outputs as usual again. */
  stop(): void {
    this.stopped = true;
    delete (this.be as { makeOutput?: unknown }).makeOutput;
  }

  private take(shape: readonly number[]): number {
    return this.free.get(shapeKey(shape))?.pop() ?? -1;
  }

  private giveBack(shape: readonly number[], slot: number): void {
    if (this.stopped) return;
    this.free.get(shapeKey(shape))?.push(slot);
  }
}

/** Leading 1s do not count: tfjs computes some gradients batched ([1, k, n]) and reshapes them, sharing the data. */
function shapeKey(shape: readonly number[]): string {
  let start = 0;
  while (start < shape.length - 1 && shape[start] === 1) start++;
  return shape.slice(start).join('x');
}
