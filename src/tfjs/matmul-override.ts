// Replaces the wasm backend's matmul kernels so every product runs on a fast path, correctly.
//
// tfjs-backend-wasm 4.22 sends a matmul to XNNPACK only when neither operand is
// transposed and both batch sizes are 1; everything else goes to a scalar
// blocked loop. Measured here (bench/tfjs-matmul.ts) a 1024³ product runs at
// ~20–30 GFLOP/s on XNNPACK but 0.3–1 GFLOP/s with transposeA/transposeB, the
// products every backward pass of a dense layer needs (dA = dY·Bᵀ, dB = Aᵀ·dY).
// The loop is also wrong for _FusedMatMul: it adds the bias at a flat index
// instead of per column and once per 48-wide block of the shared dimension, and
// clamps (ReLU) partial sums. This override therefore:
//   1. runs float32 products of a dense layer (X·W with bias and ReLU, dY·Wᵀ, Xᵀ·dY; a batched left operand
//      times a shared right one folded into rows) on lion-cub's own kernels, in place on the backend's heap
//      (wasm-dense-matmul.ts): nothing is transposed or packed;
//   2. otherwise (wasm kernels off, both operands transposed, other dtypes) materialises a transposed operand
//      with the backend's own Transpose kernel, or, when that moves fewer values, computes the transposed
//      product (op(B)ᵀ·op(A)ᵀ)ᵀ, and runs XNNPACK;
//   3. runs a genuinely batched product (attention) as one XNNPACK product per
//      batch entry over zero-copy views (wasm-batched-matmul.ts);
//   4. for a fused product no kernel fuses, runs the plain product and then applies
//      bias and activation with the backend's own kernels.

import { tf } from './tf.js';
import { batchedMatMulViaViews } from './wasm-batched-matmul.js';
import type { TensorInfo } from './wasm-backend-internals.js';
import { denseMatMul } from './wasm-dense-matmul.js';

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;
type KernelFunc = KernelConfig['kernelFunc'];
type KernelArgs = Parameters<KernelFunc>[0];
interface DisposingBackend { disposeData(dataId: object, force?: boolean): boolean }

/** The activation of a fused product → the kernel applying it alone (linear: none). */
const ACTIVATION_KERNELS: Record<string, string> = {
  relu: 'Relu', relu6: 'Relu6', elu: 'Elu', sigmoid: 'Sigmoid', leakyrelu: 'LeakyRelu', prelu: 'Prelu',
};
const HELPER_KERNELS = ['Transpose', 'Add', ...Object.values(ACTIVATION_KERNELS)];

const installed = new Map<string, KernelConfig[]>();

/**
 * Re-registers BatchMatMul and _FusedMatMul for `backendName` (default 'wasm') as described in
 * the file header. Products equal the shipped kernels' up to float summation order where those
 * are correct, and are correct where the shipped fused kernel is not (matmul-override.test.ts).
 *
 * Idempotent. Must run after the backend's kernels are registered (importing its package does
 * that); works before or after the backend is initialised, because the original kernels' setup
 * functions are kept. Returns false (and changes nothing) when the backend lacks the kernels.
 */
export function installTransposedMatMulOverride(backendName = 'wasm'): boolean {
  if (installed.has(backendName)) return true;
  const helpers = new Map<string, KernelFunc>();
  for (const name of HELPER_KERNELS) {
    const k = tf.getKernel(name, backendName);
    if (!k) return false;
    helpers.set(name, k.kernelFunc);
  }
  const plain = tf.getKernel('BatchMatMul', backendName);
  const fused = tf.getKernel('_FusedMatMul', backendName);
  if (!plain || !fused) return false;
  installed.set(backendName, [plain, fused]);
  const replace = (original: KernelConfig, kernelFunc: KernelFunc) => {
    tf.unregisterKernel(original.kernelName, backendName);
    tf.registerKernel({ ...original, kernelFunc });
  };
  replace(plain, matMulKernel(plain.kernelFunc, plain.kernelFunc, helpers, false));
  replace(fused, matMulKernel(fused.kernelFunc, plain.kernelFunc, helpers, true));
  return true;
}

/** Puts the original kernels back (benchmarks compare both; tests check equality). */
export function uninstallTransposedMatMulOverride(backendName = 'wasm'): void {
  const originals = installed.get(backendName);
  if (!originals) return;
  for (const original of originals) {
    tf.unregisterKernel(original.kernelName, backendName);
    tf.registerKernel(original);
  }
  installed.delete(backendName);
}

/** Whether the override is currently registered for `backendName`. */
export function transposedMatMulOverrideInstalled(backendName = 'wasm'): boolean {
  return installed.has(backendName);
}

function batchSize(shape: number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length - 2; i++) n *= shape[i];
  return n;
}

function matMulKernel(original: KernelFunc, plainKernel: KernelFunc, helpers: Map<string, KernelFunc>, isFused: boolean): KernelFunc {
  return (args: KernelArgs) => {
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
    const inputs = args.inputs as unknown as Record<string, TensorInfo | undefined> & { a: TensorInfo; b: TensorInfo };
    const aBatch = batchSize(inputs.a.shape);
    const bBatch = batchSize(inputs.b.shape);
    const backend = args.backend as unknown as DisposingBackend;
    const run = (name: string, kernelInputs: Record<string, TensorInfo>, kernelAttrs: object = {}): TensorInfo =>
      helpers.get(name)!({ inputs: kernelInputs, backend: args.backend, attrs: kernelAttrs } as unknown as KernelArgs) as unknown as TensorInfo;
    // Bias and ReLU fuse into X·W; any other fused product runs plain here, then bias and activation follow.
    const activation = attrs.activation ?? 'linear';
    const fuses = isFused && !attrs.transposeA && !attrs.transposeB && (activation === 'linear' || activation === 'relu');
    const dense = denseMatMul(args.backend, inputs.a, inputs.b, {
      transposeA: attrs.transposeA, transposeB: attrs.transposeB,
      bias: fuses ? inputs.bias : undefined, relu: fuses && activation === 'relu',
    });
    if (dense) return (isFused && !fuses ? fusedViaPlain(dense, inputs, attrs, run, backend) : dense) as unknown as ReturnType<KernelFunc>;

    const temporaries: TensorInfo[] = [];
    const transposeLastTwo = (x: TensorInfo): TensorInfo => {
      const perm = [...x.shape.keys()];
      perm.push(...perm.splice(-2).reverse());
      return run('Transpose', { x }, { perm });
    };
    /** A transposed copy freed when the kernel returns. */
    const swapLastTwo = (x: TensorInfo): TensorInfo => {
      const out = transposeLastTwo(x);
      temporaries.push(out);
      return out;
    };
    try {
      const plainAttrs = { ...attrs, transposeA: false, transposeB: false };
      const call = (kernel: KernelFunc, kernelInputs: object, kernelAttrs: object): TensorInfo =>
        kernel({ ...args, inputs: kernelInputs, attrs: kernelAttrs } as unknown as KernelArgs) as unknown as TensorInfo;
      if (aBatch === 1 && bBatch === 1 && swappedIsCheaper(inputs.a.shape, inputs.b.shape, attrs.transposeA, attrs.transposeB)) {
        // C = (op(B)ᵀ·op(A)ᵀ)ᵀ: a stored transposed operand is used as it is, so nothing large is moved.
        const bT = attrs.transposeB ? inputs.b : swapLastTwo(inputs.b);
        const aT = attrs.transposeA ? inputs.a : swapLastTwo(inputs.a);
        const productT = call(plainKernel, { a: bT, b: aT }, plainAttrs);
        temporaries.push(productT);
        const product = transposeLastTwo(productT);
        return (isFused ? fusedViaPlain(product, inputs, attrs, run, backend) : product) as unknown as ReturnType<KernelFunc>;
      }
      let a = attrs.transposeA ? swapLastTwo(inputs.a) : inputs.a;
      let b = attrs.transposeB ? swapLastTwo(inputs.b) : inputs.b;

      if (aBatch > 1 && bBatch === 1) {
        // Same buffers, new shapes: rows of every batch entry stacked into one matrix.
        const [m, k] = a.shape.slice(-2);
        const n = b.shape[b.shape.length - 1];
        const outBatchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
        a = { ...a, shape: [1, aBatch * m, k] };
        b = { ...b, shape: [1, k, n] };
        const out = call(original, { ...inputs, a, b }, plainAttrs);
        return { ...out, shape: [...outBatchShape, m, n] } as unknown as ReturnType<KernelFunc>;
      }
      // Both batch sizes 1 once transposed: the original kernel takes its XNNPACK path (bias and activation fused).
      if (aBatch === 1 && bBatch === 1) return call(original, { ...inputs, a, b }, plainAttrs) as unknown as ReturnType<KernelFunc>;
      const sameBatch = aBatch === bBatch && a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
      const batched = sameBatch && a.dtype === 'float32' && b.dtype === 'float32' ? batchedMatMulViaViews(args.backend, a, b) : null;
      if (!isFused) return (batched ?? call(original, { ...inputs, a, b }, plainAttrs)) as unknown as ReturnType<KernelFunc>;
      return fusedViaPlain(batched ?? call(plainKernel, { a, b }, plainAttrs), inputs, attrs, run, backend) as unknown as ReturnType<KernelFunc>;
    } finally {
      // Intermediates made inside a kernel are backend data only (not engine tensors): free them here.
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
}

/**
 * Whether C = op(A)·op(B) (batch 1) moves fewer values as (op(B)ᵀ·op(A)ᵀ)ᵀ. Values moved: every operand
 * transposed first, the right operand once more (XNNPACK packs its weights on every new tensor, and a
 * training step's weights are new tensors), and for the swapped form the M×N result transposed back.
 * A backward pass's dX = dY·Wᵀ (small dY, large W) is the case this wins: 4·|W| values become ~|dY| + |dX|.
 */
export function swappedIsCheaper(aShape: readonly number[], bShape: readonly number[], transposeA: boolean, transposeB: boolean): boolean {
  const [aRows, aCols] = aShape.slice(-2);
  const [bRows, bCols] = bShape.slice(-2);
  const sizeA = aRows * aCols;
  const sizeB = bRows * bCols;
  const m = transposeA ? aCols : aRows;
  const n = transposeB ? bRows : bCols;
  const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
  const swapped = (transposeB ? 0 : sizeB) + (transposeA ? 0 : sizeA) + sizeA + m * n;
  return swapped < direct;
}

/** y = activation(product + bias), one backend kernel per step, freeing each intermediate. */
function fusedViaPlain(
  product: TensorInfo,
  inputs: Record<string, TensorInfo | undefined>,
  attrs: { activation?: string; leakyreluAlpha?: number },
  run: (name: string, inputs: Record<string, TensorInfo>, attrs?: object) => TensorInfo,
  backend: DisposingBackend,
): TensorInfo {
  let y = product;
  const step = (next: TensorInfo) => {
    backend.disposeData(y.dataId);
    y = next;
  };
  if (inputs.bias) step(run('Add', { a: y, b: inputs.bias }));
  const activation = attrs.activation ?? 'linear';
  if (activation !== 'linear') {
    const kernel = ACTIVATION_KERNELS[activation];
    if (!kernel) throw new Error(`_FusedMatMul: unsupported activation ${activation}`);
    if (activation === 'prelu') step(run(kernel, { x: y, alpha: inputs.preluActivationWeights! }));
    else step(run(kernel, { x: y }, { alpha: attrs.leakyreluAlpha }));
  }
  return y;
}
