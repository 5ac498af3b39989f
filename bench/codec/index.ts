// `lion-cub bench codec`: times each codec and optimizer kernel at memory scale next to a plain copy.
//
// Every case allocates its buffers in kernel memory (so wasm kernels run in
// place, as they do in training) and fills them with random data once.

import { measureSync, type TimingSummary } from '../harness.js';
import { kernelMemory } from '../../src/kernels/load.js';
import type { CodecBenchCase } from './case.js';
import { signKernelCases } from './sign-cases.js';
import { quantKernelCases } from './quant-cases.js';

export interface CodecBenchOptions {
  numValues: number;
  repeats: number;
  /** Only these kernels (all when empty). */
  kernels: string[];
}

export interface CodecBenchRow extends TimingSummary {
  kernel: string;
  numValues: number;
  /** Median time relative to `copy` measured in the same run. */
  vsCopy: number;
  /** Values processed per second at the median, in G values/s. */
  gValuesPerSec: number;
  path: 'wasm' | 'js';
}

/** The yardstick: Float32Array.prototype.set of a same-length array, i.e. memory speed. */
const copyCase: CodecBenchCase = {
  kernel: 'copy',
  path: 'js',
  setup(numValues) {
    const src = new Float32Array(numValues).fill(1.5);
    const dst = new Float32Array(numValues);
    return { run: () => dst.set(src), dispose: () => {} };
  },
};

export function allCodecCases(): CodecBenchCase[] {
  return [copyCase, ...signKernelCases, ...quantKernelCases];
}

export function* runCodecBench(options: CodecBenchOptions): Generator<CodecBenchRow> {
  const cases = allCodecCases().filter((c) => options.kernels.length === 0 || c.kernel === 'copy' || options.kernels.includes(c.kernel));
  let copyMedian = Number.NaN;
  for (const benchCase of cases) {
    const instance = benchCase.setup(options.numValues, kernelMemory);
    try {
      const timing = measureSync(instance.run, { warmup: 3, repeats: options.repeats });
      if (benchCase.kernel === 'copy') copyMedian = timing.medianMs;
      yield {
        kernel: benchCase.kernel,
        numValues: options.numValues,
        ...timing,
        vsCopy: timing.medianMs / copyMedian,
        gValuesPerSec: options.numValues / (timing.medianMs * 1e6),
        path: benchCase.path,
      };
    } finally {
      instance.dispose();
    }
  }
}
