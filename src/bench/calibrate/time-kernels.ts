// Times every cost-model kernel once per repeat and turns the median into γ (ns per unit).

import { kernelMemory } from '../../kernels/load.js';
import { KERNEL_NAMES, type KernelName } from '../../costmodel/kernels.js';
import { summarize, type TimingSummary } from '../harness.js';
import { KERNEL_CASES } from './kernel-cases.js';

export interface KernelTiming extends TimingSummary {
  kernel: KernelName;
  /** Units of work per call (KERNEL_UNITS). */
  units: number;
  /** Median time per unit, ns: the kernel's γ. */
  nsPerUnit: number;
}

export interface TimeKernelsOptions {
  /** d: values per call (the cases size their buffers from it). */
  numValues: number;
  repeats: number;
  warmup: number;
  /** Only these kernels (default all). */
  kernels?: readonly KernelName[];
}

/**
 * Runs each case `warmup` times untimed, then `repeats` times timed; γ = median / units. The buffers are
 * allocated per kernel and released before the next, so at most one case's memory (≈ 16·d bytes) is held.
 */
export function* timeKernels(options: TimeKernelsOptions): Generator<KernelTiming> {
  for (const kernel of options.kernels ?? KERNEL_NAMES) {
    const instance = KERNEL_CASES[kernel](options.numValues, kernelMemory);
    try {
      for (let i = 0; i < options.warmup; i++) instance.run();
      const samples: number[] = [];
      for (let i = 0; i < options.repeats; i++) {
        const start = performance.now();
        instance.run();
        samples.push(performance.now() - start);
      }
      const timing = summarize(samples);
      yield { kernel, units: instance.units, ...timing, nsPerUnit: (timing.medianMs * 1e6) / instance.units };
    } finally {
      instance.dispose();
    }
  }
}
