// What one step of a sync strategy runs on one rank, declared on its registration: the kernel calls and the
// collective calls. The cost model prices it (src/costmodel) and stepTraffic predicts its bytes from it, so a new
// strategy built from existing kernels and collectives gets both without touching either.

import type { QuantBits } from '../codec/quant-options.js';

/** A kernel the cost model has a calibrated γ for (src/costmodel/kernels.ts, KERNEL_UNITS), on `units` units. */
export interface KernelOp {
  kind: 'kernel';
  /** What the call does, as `lion-cub model --phases` shows it. */
  label: string;
  /** Name in KERNEL_UNITS, e.g. `lion-encode-sign`; an unknown name is an InvalidArgumentError when priced. */
  kernel: string;
  units: number;
}

/** ProcessGroup.allreduce (sum or mean) of `count` elements: ring above smallMessageBytes, else recursive doubling. */
export interface AllreduceOp {
  kind: 'allreduce';
  dtype: 'float32' | 'bfloat16' | 'int8';
  count: number;
}

/** One run of a compressed collective of src/sync/collectives on `numValues` values. */
export type CompressedOp =
  | { kind: 'vote-allreduce' | 'vote-allgather' | 'tally-allreduce' | 'int8-ring'; numValues: number }
  | { kind: 'pbit-allreduce'; numValues: number; bits: QuantBits };

/** One call of a step: a kernel, a plain allreduce, or a compressed collective. */
export type StepOp = KernelOp | AllreduceOp | CompressedOp;

/**
 * One step on N ≥ 2 ranks (with one rank every strategy runs plain Lion and sends nothing), split the way
 * SyncStepStats splits time: building what is sent, communication, applying the result.
 */
export interface StepWork {
  /** Name shown by the cost model, e.g. `cub-pbit:bits=4`. */
  label: string;
  encode: StepOp[];
  comm: StepOp[];
  decode: StepOp[];
  /** True when the strategy's momenta drift apart and the momentum policy applies (the compressed strategies). */
  momentumPolicyApplies: boolean;
}

/** A KernelOp: `units` of the cost-model kernel `kernel`, shown as `label`. */
export function kernelOp(label: string, kernel: string, units: number): KernelOp {
  return { kind: 'kernel', label, kernel, units };
}

/**
 * What CompressedStrategy sends every step besides its combiner's collective when that collective does not carry
 * the finiteness flag: the one-byte max-allreduce by which the ranks agree that every gradient was finite
 * (src/sync/finite-agreement.ts), priced as a one-element int8 allreduce (same bytes and messages).
 */
export const FINITE_AGREEMENT_OP: AllreduceOp = { kind: 'allreduce', dtype: 'int8', count: 1 };

/** Compressed collectives whose own messages carry every rank's finiteness flag (their runAgreeing). */
const AGREEING_COLLECTIVES: ReadonlySet<CompressedOp['kind']> = new Set(['vote-allreduce', 'pbit-allreduce']);

/** True when `collective` agrees on finiteness itself, so a CompressedStrategy built on it sends no separate agreement. */
export function carriesFiniteFlag(collective: CompressedOp): boolean {
  return AGREEING_COLLECTIVES.has(collective.kind);
}

/** The parts of one CompressedStrategy step a registration declares; the finiteness agreement is added for it. */
export interface CompressedStepParts {
  label: string;
  encode: KernelOp[];
  /** The combiner's collective. */
  collective: CompressedOp;
  decode: KernelOp[];
}

/**
 * The StepWork of a strategy built on CompressedStrategy: `encode`, then the one-byte finiteness agreement unless
 * the collective carries the flag (vote-allreduce, pbit-allreduce), the collective, `decode`; the momentum policy applies.
 */
export function compressedStepWork(parts: CompressedStepParts): StepWork {
  const comm: StepOp[] = carriesFiniteFlag(parts.collective) ? [parts.collective] : [FINITE_AGREEMENT_OP, parts.collective];
  return { label: parts.label, encode: parts.encode, comm, decode: parts.decode, momentumPolicyApplies: true };
}
