// Replaces the wasm backend's matmul kernels so transposed operands are transposed explicitly first.
//
// The XNNPACK-backed wasm matmul is fast only for the plain layout: measured
// here (docs in shared environment notes and bench/tfjs-matmul.ts) a
// 1024³ product runs at ~30 GFLOP/s plain but 0.7 (transposeA) and 3
// (transposeB) GFLOP/s transposed. Every backward pass of a dense layer
// needs exactly those transposed products (dA = dY·Bᵀ, dB = Aᵀ·dY), so
// training spends most of its time in them. A transpose is O(n²) memory
// traffic against the matmul's O(n³) work, so transposing first and then
// running the plain kernel is faster by an order of magnitude.
// It also sidesteps a tfjs-backend-wasm 4.22 bug: its _FusedMatMul adds the
// bias along the wrong axis when an operand is transposed (see the test).

import { tf } from './tf.js';

type KernelConfig = ReturnType<typeof tf.getKernel>;
type KernelFunc = NonNullable<KernelConfig>['kernelFunc'];
type KernelArgs = Parameters<KernelFunc>[0];
type TensorInfo = { dataId: object; shape: number[]; dtype: string };
interface DisposingBackend { disposeData(dataId: object, force?: boolean): boolean }

/** Kernels rewritten: both take `a`, `b` and `transposeA`/`transposeB` attributes. */
const MATMUL_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;

const installed = new Map<string, NonNullable<KernelConfig>>();

/**
 * Re-registers BatchMatMul and _FusedMatMul for `backendName` (default 'wasm') so that a
 * transposed operand is first materialised with the backend's own Transpose kernel
 * (last two axes swapped) and the original kernel then runs with transposeA = transposeB = false.
 * The product is mathematically the same; the summation order inside the plain kernel may differ
 * from the transposed kernel's by float rounding only.
 *
 * Idempotent. Must run after the backend's kernels are registered (importing its package does that);
 * works before or after the backend is initialised, because the original kernels' setup functions
 * are kept. Returns false (and changes nothing) when the backend has no such kernels.
 */
export function installTransposedMatMulOverride(backendName = 'wasm'): boolean {
  const transpose = tf.getKernel('Transpose', backendName);
  if (!transpose) return false;
  let changed = false;
  for (const kernelName of MATMUL_KERNELS) {
    const key = `${backendName}/${kernelName}`;
    if (installed.has(key)) continue;
    const original = tf.getKernel(kernelName, backendName);
    if (!original) continue;
    installed.set(key, original);
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({
      kernelName,
      backendName,
      setupFunc: original.setupFunc,
      disposeFunc: original.disposeFunc,
      kernelFunc: transposingKernel(original.kernelFunc, transpose.kernelFunc),
    });
    changed = true;
  }
  return changed || MATMUL_KERNELS.some((k) => installed.has(`${backendName}/${k}`));
}

/** Puts the original kernels back (benchmarks compare both; tests check equality). */
export function uninstallTransposedMatMulOverride(backendName = 'wasm'): void {
  for (const kernelName of MATMUL_KERNELS) {
    const key = `${backendName}/${kernelName}`;
    const original = installed.get(key);
    if (!original) continue;
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel(original);
    installed.delete(key);
  }
}

/** Whether the override is currently registered for `backendName`. */
export function transposedMatMulOverrideInstalled(backendName = 'wasm'): boolean {
  return MATMUL_KERNELS.some((k) => installed.has(`${backendName}/${k}`));
}

function transposingKernel(plain: KernelFunc, transpose: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean } | undefined;
    if (!attrs?.transposeA && !attrs?.transposeB) return plain(args);
    const backend = args.backend as unknown as DisposingBackend;
    const inputs = args.inputs as unknown as Record<string, TensorInfo>;
    const temporaries: TensorInfo[] = [];
    const swapLastTwo = (x: TensorInfo): TensorInfo => {
      const rank = x.shape.length;
      const perm = [...Array(rank).keys()];
      perm[rank - 2] = rank - 1;
      perm[rank - 1] = rank - 2;
      const out = transpose({ inputs: { x }, backend: args.backend, attrs: { perm } } as unknown as KernelArgs) as unknown as TensorInfo;
      temporaries.push(out);
      return out;
    };
    const a = attrs.transposeA ? swapLastTwo(inputs.a) : inputs.a;
    const b = attrs.transposeB ? swapLastTwo(inputs.b) : inputs.b;
    try {
      return plain({
        ...args,
        inputs: { ...inputs, a, b } as unknown as KernelArgs['inputs'],
        attrs: { ...attrs, transposeA: false, transposeB: false } as unknown as KernelArgs['attrs'],
      });
    } finally {
      // Intermediates made inside a kernel are backend data only (not engine tensors): free them here.
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
}
