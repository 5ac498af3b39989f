// The CPU kernels the cost model charges, each with the unit its γ is measured in.

/**
 * Every kernel a training step runs outside the network, with the unit its cost γ (nanoseconds per unit) is
 * counted in. "value" is one parameter; "value·voter" is one parameter of one rank's code in a stack of N codes
 * (a vote of N codes of v values is N·v units); "element" is one array element combined by a reduction; "byte"
 * is one byte copied.
 *
 * Which code each name stands for (all on buffers in kernel memory, the wasm path, as in training):
 * - lion-step: `Lion.step` (fused plain Lion update: noop, lion, lion-bf16, and every strategy at N = 1)
 * - lion-encode-sign / lion-apply-sign: `lionEncodeSign` / `lionApplySign` (1-bit strategies)
 * - lion-encode-quant-{2,4,8}: `lionEncodeQuant` at p bits, L1 levels (cub-pbit)
 * - lion-update-vector + quantize-int8: `lionUpdateVector` then `quantizeInt8` (cub-int8's encode)
 * - vote / tally / sign-of-sum-{2,4,8}: `voteSigns`, `tallySigns`, `signOfSumPacked` on a stack of N codes
 * - check-int8-levels / sign-of-int8-sum: Int8Ring.run's range check of every value before sending, and
 *   `signOfInt8Sum` after the allreduce (cub-int8)
 * - narrow-tally: int32 tallies stored into int8/int16 (dlion-avg); tally-to-direction: t·(1/N) as float32
 * - lion-apply-direction: `lionApplyDirection` (dlion-avg's decode)
 * - bf16-encode / bf16-decode: `Bf16Payload.encode` / `decode`, the wasm conversion plus the copy to or from the words
 *   sent (lion-bf16, momentum sync @bf16)
 * - reduce-f32 / reduce-bf16 / reduce-int8: the process group's sum of one received chunk into a block
 * - copy: `TypedArray.set`, the collectives' staging copies
 */
export const KERNEL_UNITS = {
  'lion-step': 'value',
  'lion-encode-sign': 'value',
  'lion-apply-sign': 'value',
  'lion-encode-quant-2': 'value',
  'lion-encode-quant-4': 'value',
  'lion-encode-quant-8': 'value',
  'lion-update-vector': 'value',
  'quantize-int8': 'value',
  vote: 'value·voter',
  tally: 'value·voter',
  'sign-of-sum-2': 'value·voter',
  'sign-of-sum-4': 'value·voter',
  'sign-of-sum-8': 'value·voter',
  'check-int8-levels': 'value',
  'sign-of-int8-sum': 'value',
  'narrow-tally': 'value',
  'tally-to-direction': 'value',
  'lion-apply-direction': 'value',
  'bf16-encode': 'value',
  'bf16-decode': 'value',
  'reduce-f32': 'element',
  'reduce-bf16': 'element',
  'reduce-int8': 'element',
  copy: 'byte',
} as const;

export type KernelName = keyof typeof KERNEL_UNITS;

export const KERNEL_NAMES = Object.keys(KERNEL_UNITS) as KernelName[];

/** γ of every kernel, nanoseconds per unit (KERNEL_UNITS). */
export type KernelCosts = Record<KernelName, number>;

/** Work for one kernel: `units` in the kernel's unit. */
export interface KernelWork {
  kernel: KernelName;
  units: number;
}

/** The reduction kernel of a process-group element type the model knows. */
export function reduceKernel(dtype: 'float32' | 'bfloat16' | 'int8'): KernelName {
  return dtype === 'float32' ? 'reduce-f32' : dtype === 'bfloat16' ? 'reduce-bf16' : 'reduce-int8';
}
