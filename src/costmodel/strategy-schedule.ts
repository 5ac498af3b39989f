// What one training step of each sync strategy runs, as cost-model phases: encode, communicate, decode.

import type { QuantBits } from '../codec/quant-options.js';
import { InvalidArgumentError } from '../errors.js';
import { choiceParam, parseSpec, rejectUnknownParams } from '../sync/spec.js';
import { int8RingPhases, pbitAllreducePhases, tallyAllreducePhases, voteAllgatherPhases, voteAllreducePhases } from './compressed-phases.js';
import { allreducePhase } from './plain-phases.js';
import { kernelPhase, type GroupSettings, type Phase } from './phases.js';

export type ModelStrategy =
  | { name: 'lion' | 'lion-bf16' | 'noop' | 'cub-1bit' | 'cub-int8' | 'dlion-mavo' | 'dlion-avg' }
  | { name: 'cub-pbit'; bits: QuantBits };

/** The strategies `lion-cub model` prints, in order (cub-pbit at each width). */
export const MODEL_STRATEGIES: readonly string[] = [
  'noop', 'lion', 'lion-bf16', 'cub-1bit', 'cub-pbit:bits=2', 'cub-pbit:bits=4', 'cub-pbit:bits=8', 'cub-int8', 'dlion-mavo', 'dlion-avg',
];

const FIELD = 'strategy';
const PLAIN = ['lion', 'lion-bf16', 'noop', 'cub-1bit', 'cub-int8', 'dlion-mavo', 'dlion-avg'] as const;

/**
 * Parses a strategy as `--sync` spells it. The model prices quantisation with the L1 kernels, so `quant`
 * may only be l1 (the default). Throws InvalidArgumentError for an unknown name or parameter.
 */
export function parseModelStrategy(text: string): ModelStrategy {
  const spec = parseSpec(text, FIELD);
  if (spec.name === 'cub-pbit') {
    rejectUnknownParams(spec, FIELD, ['bits', 'quant']);
    choiceParam(spec, 'quant', `${FIELD} (the model prices the L1 quantiser only)`, 'l1', ['l1'] as const);
    const bits = Number(choiceParam(spec, 'bits', FIELD, '4', ['2', '4', '8'] as const)) as QuantBits;
    return { name: 'cub-pbit', bits };
  }
  if (!(PLAIN as readonly string[]).includes(spec.name)) {
    throw new InvalidArgumentError(FIELD, text, `one of ${[...PLAIN, 'cub-pbit:bits=2|4|8'].join(', ')}`);
  }
  rejectUnknownParams(spec, FIELD, spec.name === 'cub-int8' ? ['quant'] : []);
  if (spec.name === 'cub-int8') choiceParam(spec, 'quant', `${FIELD} (the model prices the L1 quantiser only)`, 'l1', ['l1'] as const);
  return { name: spec.name as (typeof PLAIN)[number] };
}

export function strategyLabel(s: ModelStrategy): string {
  return s.name === 'cub-pbit' ? `cub-pbit:bits=${s.bits}` : s.name;
}

/** Why the strategy cannot run at this world size, or null when it can (the collectives' own limits). */
export function unsupportedReason(s: ModelStrategy, worldSize: number): string | null {
  if (s.name === 'cub-int8' && worldSize > 127) return 'cub-int8 needs N <= 127 (s = floor(127/N) levels)';
  if ((s.name === 'cub-1bit' || s.name === 'dlion-mavo' || s.name === 'dlion-avg') && worldSize > 4095) return `${s.name} needs N <= 4095 (the vote's counters)`;
  return null;
}

/** One step's phases for one rank: encode before, communication, decode (apply) after. */
export interface StepSchedule {
  strategy: string;
  encode: Phase[];
  comm: Phase[];
  decode: Phase[];
}

/**
 * The phases of one step of `strategy` with d = numParams on N ranks, following src/sync/strategies:
 * - noop, and every strategy at N = 1: Lion.step (lion-step, d values), nothing sent;
 * - lion: float32 mean allreduce of the gradient, Lion.step;
 * - lion-bf16: toBf16, bfloat16 mean allreduce, fromBf16, Lion.step;
 * - cub-1bit / dlion-mavo: lionEncodeSign, 1-bit allreduce / allgather vote, lionApplySign;
 * - cub-pbit: lionEncodeQuant at p bits, p-bit allreduce, lionApplySign;
 * - cub-int8: lionUpdateVector and quantizeInt8, int8 ring, lionApplySign;
 * - dlion-avg: lionEncodeSign, tally allreduce, tally·(1/N), lionApplyDirection.
 * Gradient clipping (an extra pass for the global norm) is not modelled. Throws InvalidArgumentError when the
 * strategy cannot run at this N (unsupportedReason) or for a bad d or N.
 */
export function stepSchedule(s: ModelStrategy, numParams: number, worldSize: number, settings: GroupSettings = {}): StepSchedule {
  if (!Number.isInteger(numParams) || numParams < 1) throw new InvalidArgumentError('numParams', numParams, 'a positive integer (parameters)');
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new InvalidArgumentError('worldSize', worldSize, 'a positive integer (ranks)');
  const reason = unsupportedReason(s, worldSize);
  if (reason) throw new InvalidArgumentError('strategy', strategyLabel(s), reason);
  const d = numParams;
  const n = worldSize;
  const label = strategyLabel(s);
  const lionStep = [kernelPhase('Lion step', 'lion-step', d)];
  if (s.name === 'noop' || n === 1) return { strategy: label, encode: [], comm: [], decode: lionStep };
  const applySign = [kernelPhase('apply sign', 'lion-apply-sign', d)];
  const encodeSign = [kernelPhase('encode sign', 'lion-encode-sign', d)];
  switch (s.name) {
    case 'lion':
      return { strategy: label, encode: [], comm: [allreducePhase(d, 'float32', n, settings)], decode: lionStep };
    case 'lion-bf16':
      return {
        strategy: label,
        encode: [kernelPhase('to bfloat16', 'bf16-encode', d)],
        comm: [allreducePhase(d, 'bfloat16', n, settings)],
        decode: [kernelPhase('from bfloat16', 'bf16-decode', d), ...lionStep],
      };
    case 'cub-1bit':
      return { strategy: label, encode: encodeSign, comm: voteAllreducePhases(n, d, settings), decode: applySign };
    case 'dlion-mavo':
      return { strategy: label, encode: encodeSign, comm: voteAllgatherPhases(n, d, settings), decode: applySign };
    case 'cub-pbit':
      return {
        strategy: label,
        encode: [kernelPhase(`encode ${s.bits}-bit`, `lion-encode-quant-${s.bits}`, d)],
        comm: pbitAllreducePhases(n, d, s.bits, settings),
        decode: applySign,
      };
    case 'cub-int8':
      return {
        strategy: label,
        encode: [kernelPhase('update vector', 'lion-update-vector', d), kernelPhase('quantise int8', 'quantize-int8', d)],
        comm: int8RingPhases(n, d, settings),
        decode: applySign,
      };
    case 'dlion-avg':
      return {
        strategy: label,
        encode: encodeSign,
        comm: tallyAllreducePhases(n, d, settings),
        decode: [kernelPhase('tally to direction', 'tally-to-direction', d), kernelPhase('apply direction', 'lion-apply-direction', d)],
      };
  }
}
