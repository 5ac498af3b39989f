// Dense product y = x·w of row-major float32 matrices: the wasm SIMD kernel (assembly/linalg.ts) and its reference.

import { InvalidArgumentError } from '../errors.js';
import { KernelMemory, type KernelRegion } from './kernel-memory.js';
import { instantiateKernelModule, wasmKernelsEnabled } from './load.js';

interface LinalgKernels {
  matmul(xPtr: number, wPtr: number, yPtr: number, m: number, k: number, n: number): void;
}

/**
 * Runs the product in a wasm memory of its own: the operands are copied in, the result copied out. A separate
 * memory because its callers (the tfjs matmul override) run in the middle of a forward pass, while the trainer
 * holds views of the shared kernel memory that a grow of it would detach. The memory grows to the largest
 * product seen and is reused.
 */
export class MatmulWorkspace {
  private readonly memory = new KernelMemory();
  private kernels: LinalgKernels | null = null;
  /** Operand buffers, kept between calls (a forward pass makes many products of the same shapes) and only grown. */
  private readonly buffers: Array<KernelRegion | null> = [null, null, null];

  /**
   * y[0, m·n) = x[0, m·k) · w[0, k·n), all row-major. Each element is summed over k in ascending order with one
   * float32 multiply and one float32 add per term, so the wasm kernel and matmulReference (used when wasm
   * kernels are off) give the same bits. Throws InvalidArgumentError for sizes that do not fit the arrays.
   */
  multiply(x: Float32Array, w: Float32Array, y: Float32Array, m: number, k: number, n: number): void {
    checkDims(x, w, y, m, k, n);
    if (!wasmKernelsEnabled()) {
      matmulReference(x, w, y, m, k, n);
      return;
    }
    this.kernels ??= instantiateKernelModule<LinalgKernels>('linalg', this.memory.memory);
    // All buffers first, views after: growing this memory detaches views of it.
    const [xr, wr, yr] = [m * k, k * n, m * n].map((floats, i) => this.buffer(i, floats));
    xr.f32().set(x.subarray(0, m * k));
    wr.f32().set(w.subarray(0, k * n));
    this.kernels.matmul(xr.offset, wr.offset, yr.offset, m, k, n);
    y.set(yr.f32().subarray(0, m * n));
  }

  /** Buffer `i` with room for `floats` float32 values, replaced by a larger one when it has less. */
  private buffer(i: number, floats: number): KernelRegion {
    const current = this.buffers[i];
    if (current && current.byteLength >= 4 * floats) return current;
    if (current) this.memory.release(current);
    return (this.buffers[i] = this.memory.allocF32(floats));
  }
}

/** The plain-JS product (no argument checks); the wasm kernel's bit-for-bit reference. */
export function matmulReference(x: Float32Array, w: Float32Array, y: Float32Array, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const xr = i * k;
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc = Math.fround(acc + Math.fround(x[xr + p] * w[p * n + j]));
      y[i * n + j] = acc;
    }
  }
}

function checkDims(x: Float32Array, w: Float32Array, y: Float32Array, m: number, k: number, n: number): void {
  for (const [name, value] of [['m', m], ['k', k], ['n', n]] as const) {
    if (!Number.isSafeInteger(value) || value < 0 || value > 0x7fffffff) throw new InvalidArgumentError(name, value, 'a non-negative int32 dimension');
  }
  if (x.length < m * k) throw new InvalidArgumentError('x.length', x.length, `at least m·k = ${m * k}`);
  if (w.length < k * n) throw new InvalidArgumentError('w.length', w.length, `at least k·n = ${k * n}`);
  if (y.length < m * n) throw new InvalidArgumentError('y.length', y.length, `at least m·n = ${m * n}`);
}
