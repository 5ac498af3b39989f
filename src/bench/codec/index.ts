// `lion-cub bench codec`: times each codec and optimizer kernel at memory scale next to a plain copy.
//
// Every case allocates its buffers in kernel memory (so wasm kernels run in
// place, as they do in training) and fills them with random data once. The
// copy yardstick is timed in alternation with each kernel (copy, kernel, copy,
// kernel, …) so that both see the same load on a shared machine; `vsCopy` is
// the median of the per-round ratios.

import { summarize, type TimingSummary } from '../harness.js';
import { kernelMemory } from '../../kernels/load.js';
import type { CodecBenchCase } from './case.js';
import { signKernelCases } from './sign-cases.js';
import { quantKernelCases } from './quant-cases.js';
import { optimKernelCases } from './optim-cases.js';

export interface CodecBenchOptions {
  numValues: number;
  repeats: number;
  /** Only these kernels (all when empty). */
  kernels: string[];
}

export interface CodecBenchRow extends TimingSummary {
  kernel: string;
  numValues: number;
  /** Median over rounds of (kernel time / copy time), copy timed in the same round. */
  vsCopy: number;
  /** Median copy time of this kernel's rounds. */
  copyMedianMs: number;
  /** Values processed per second at the median, in G values/s. */
  gValuesPerSec: number;
  path: 'wasm' | 'js';
}

/** The yardstick: Float32Array.prototype.set of a same-length array, i.e. memory speed. */
export const copyCase: CodecBenchCase = {
  kernel: 'copy',
  path: 'js',
  setup(numValues) {
    const src = new Float32Array(numValues).fill(1.5);
    const dst = new Float32Array(numValues);
    return { run: () => dst.set(src), dispose: () => {} };
  },
};

export function allCodecCases(): CodecBenchCase[] {
  return [copyCase, ...signKernelCases, ...quantKernelCases, ...optimKernelCases];
}

const WARMUP_ROUNDS = 3;

export function* runCodecBench(options: CodecBenchOptions): Generator<CodecBenchRow> {
  const known = new Set(allCodecCases().map((c) => c.kernel));
  const unknown = options.kernels.filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`unknown kernel(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  const cases = allCodecCases().filter((c) => options.kernels.length === 0 || c.kernel === 'copy' || options.kernels.includes(c.kernel));
  const copy = copyCase.setup(options.numValues, kernelMemory);
  try {
    for (const benchCase of cases) {
      const instance = benchCase.setup(options.numValues, kernelMemory);
      try {
        const kernelMs: number[] = [];
        const copyMs: number[] = [];
        const ratios: number[] = [];
        for (let round = 0; round < WARMUP_ROUNDS + options.repeats; round++) {
          const c = time(copy.run);
          const k = time(instance.run);
          if (round < WARMUP_ROUNDS) continue;
          copyMs.push(c);
          kernelMs.push(k);
          ratios.push(k / c);
        }
        const timing = summarize(kernelMs);
        yield {
          kernel: benchCase.kernel,
          numValues: options.numValues,
          ...timing,
          vsCopy: summarize(ratios).medianMs,
          copyMedianMs: summarize(copyMs).medianMs,
          gValuesPerSec: options.numValues / (timing.medianMs * 1e6),
          path: benchCase.path,
        };
      } finally {
        instance.dispose();
      }
    }
  } finally {
    copy.dispose();
  }
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}
