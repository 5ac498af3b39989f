// What one training step of a registered sync strategy runs, as cost-model phases: its registration's StepWork
// (src/sync/step-work.ts) with each kernel and collective call turned into the phase that prices it.

import { InvalidArgumentError } from '../errors.js';
import type { ParsedSpec } from '../sync/spec.js';
import type { StepOp } from '../sync/step-work.js';
import type { StrategyInfo } from '../sync/strategy.js';
import { resolveStrategySpec, strategyNames, strategyInfo } from '../sync/registry.js';
import { int8RingPhases, pbitAllreducePhases, tallyAllreducePhases, voteAllgatherPhases, voteAllreducePhases } from './compressed-phases.js';
import { KERNEL_UNITS, type KernelName } from './kernels.js';
import { allreducePhase } from './plain-phases.js';
import { kernelPhase, type GroupSettings, type Phase } from './phases.js';

/** A strategy spec the model can price: its registration, the parsed spec, and the label it prints. */
export interface ModelStrategy {
  /** As `lion-cub model` prints it, e.g. `cub-pbit:bits=4`. */
  label: string;
  info: StrategyInfo;
  spec: ParsedSpec;
}

const FIELD = 'strategy';

/** The specs `lion-cub model` prices by default: every registered strategy with a StepWork, in registration order. */
export function modelStrategies(): string[] {
  return strategyNames().flatMap((name) => {
    const info = strategyInfo(name) as StrategyInfo;
    return info.stepWork ? [...(info.modelVariants ?? [name])] : [];
  });
}

/**
 * Parses a strategy as `--sync` spells it. Throws InvalidArgumentError for an unknown name or parameter, a
 * parameter value the model has no kernel for (quantisers other than L1), or a strategy registered without a
 * StepWork.
 */
export function parseModelStrategy(text: string): ModelStrategy {
  const { info, spec } = resolveStrategySpec(text, FIELD);
  if (!info.stepWork) throw new InvalidArgumentError(FIELD, text, `a strategy whose registration has stepWork (${modelStrategies().join(', ')})`);
  return { label: info.stepWork(spec, 1, 2).label, info, spec };
}

export function strategyLabel(s: ModelStrategy): string {
  return s.label;
}

/** Why the strategy cannot run at this world size, or null when it can (its registration's maxWorldSize). */
export function unsupportedReason(s: ModelStrategy, worldSize: number): string | null {
  const limit = s.info.maxWorldSize;
  return limit && worldSize > limit.ranks ? `${s.label} needs ${limit.reason}` : null;
}

/** One step's phases for one rank: encode before, communication, decode (apply) after. */
export interface StepSchedule {
  strategy: string;
  encode: Phase[];
  comm: Phase[];
  decode: Phase[];
  /** The momentum policy applies (compressed strategies): the model adds its syncs. */
  momentumPolicyApplies: boolean;
}

/**
 * The phases of one step of `strategy` with d = numParams on N ranks: at N = 1 every strategy is plain Lion
 * (lion-step, d values, nothing sent); above, the phases of its registration's StepWork. Gradient clipping (an
 * extra pass for the global norm) is not modelled. Throws InvalidArgumentError when the strategy cannot run at
 * this N (unsupportedReason), for a bad d or N, or for a kernel name the model has no γ for.
 */
export function stepSchedule(s: ModelStrategy, numParams: number, worldSize: number, settings: GroupSettings = {}): StepSchedule {
  if (!Number.isInteger(numParams) || numParams < 1) throw new InvalidArgumentError('numParams', numParams, 'a positive integer (parameters)');
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new InvalidArgumentError('worldSize', worldSize, 'a positive integer (ranks)');
  const reason = unsupportedReason(s, worldSize);
  if (reason) throw new InvalidArgumentError(FIELD, s.label, reason);
  if (worldSize === 1) {
    return { strategy: s.label, encode: [], comm: [], decode: [kernelPhase('Lion step', 'lion-step', numParams)], momentumPolicyApplies: false };
  }
  const work = (s.info.stepWork as NonNullable<StrategyInfo['stepWork']>)(s.spec, numParams, worldSize);
  const phases = (ops: readonly StepOp[]): Phase[] => ops.flatMap((op) => opPhases(op, worldSize, settings));
  return { strategy: s.label, encode: phases(work.encode), comm: phases(work.comm), decode: phases(work.decode), momentumPolicyApplies: work.momentumPolicyApplies };
}

function opPhases(op: StepOp, n: number, settings: GroupSettings): Phase[] {
  switch (op.kind) {
    case 'kernel':
      if (!Object.hasOwn(KERNEL_UNITS, op.kernel)) throw new InvalidArgumentError('kernel', op.kernel, `a kernel the cost model prices: ${Object.keys(KERNEL_UNITS).join(', ')}`);
      return [kernelPhase(op.label, op.kernel as KernelName, op.units)];
    case 'allreduce': return [allreducePhase(op.count, op.dtype, n, settings)];
    case 'vote-allreduce': return voteAllreducePhases(n, op.numValues, settings);
    case 'vote-allgather': return voteAllgatherPhases(n, op.numValues, settings);
    case 'tally-allreduce': return tallyAllreducePhases(n, op.numValues, settings);
    case 'pbit-allreduce': return pbitAllreducePhases(n, op.numValues, op.bits, settings);
    case 'int8-ring': return int8RingPhases(n, op.numValues, settings);
  }
}
