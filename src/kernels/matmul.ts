// Dense product y = x·w of row-major float32 matrices: the wasm SIMD kernel (assembly/linalg.ts) and its reference.

import { InvalidArgumentError } from '../errors.js';
import { canUseWasm, loadKernelModule } from './load.js';

interface LinalgKernels {
  matmul(xPtr: number, wPtr: number, yPtr: number, m: number, k: number, n: number): void;
}

let kernels: LinalgKernels | null = null;

function linalg(): LinalgKernels {
  return (kernels ??= loadKernelModule<LinalgKernels>('linalg'));
}

/**
 * y[m×n] = x[m×k]·w[k×n]. Each element is summed over k in ascending order with one float32 multiply and one
 * float32 add per term, so the wasm kernel (used when all three arrays live in kernel memory) and the plain-JS
 * path give the same bits. y must not overlap x or w. Throws InvalidArgumentError for lengths that do not fit.
 */
export function matmul(x: Float32Array, w: Float32Array, y: Float32Array, m: number, k: number, n: number): void {
  for (const [name, value] of [['m', m], ['k', k], ['n', n]] as const) {
    if (!Number.isSafeInteger(value) || value < 0 || value > 0x7fffffff) throw new InvalidArgumentError(name, value, 'a non-negative int32 dimension');
  }
  if (x.length < m * k) throw new InvalidArgumentError('x.length', x.length, `at least m·k = ${m * k}`);
  if (w.length < k * n) throw new InvalidArgumentError('w.length', w.length, `at least k·n = ${k * n}`);
  if (y.length < m * n) throw new InvalidArgumentError('y.length', y.length, `at least m·n = ${m * n}`);
  if (canUseWasm(x, w, y)) {
    linalg().matmul(x.byteOffset, w.byteOffset, y.byteOffset, m, k, n);
    return;
  }
  matmulReference(x, w, y, m, k, n);
}

/** The plain-JS path of matmul (no argument checks). */
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
