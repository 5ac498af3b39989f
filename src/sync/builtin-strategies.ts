// The strategies lion-cub ships, each registered with how to build it and what one step runs.

import { MAX_VOTE_VECTORS } from '../codec/vote.js';
import { QUANT_METHODS, type QuantBits } from '../codec/quant-options.js';
import { INT8_RING_MAX_WORLD_SIZE } from './collectives/int8-ring.js';
import { choiceParam, type ParsedSpec } from './spec.js';
import { compressedStepWork, kernelOp, type StepWork } from './step-work.js';
import type { StrategyInfo } from './strategy.js';
import { GradientAllreduceStrategy, NoopStrategy } from './strategies/gradient-allreduce.js';
import { CompressedStrategy } from './strategies/compressed.js';
import { Int8RingCombiner, PBIT_TIE_BREAKS, QuantVoteCombiner, SignAverageCombiner, SignVoteCombiner, type PbitTieBreak } from './strategies/combiners.js';

const FIELD = '--sync';
/** The cost model's quantiser kernels are calibrated for L1 levels only. */
const PRICED_QUANT = 'quant (the cost model prices the L1 quantiser only)';
/** How cub-pbit decides zero sums unless `tie=` says otherwise (docs/strategies.md, "Accuracy against lion"). */
const DEFAULT_PBIT_TIE: PbitTieBreak = 'parity';
const VOTE_LIMIT = { ranks: MAX_VOTE_VECTORS, reason: `N <= ${MAX_VOTE_VECTORS} (the vote's counters)` };

const lionStep = (d: number) => kernelOp('Lion step', 'lion-step', d);
const encodeSign = (d: number) => kernelOp('encode sign', 'lion-encode-sign', d);
const applySign = (d: number) => kernelOp('apply sign', 'lion-apply-sign', d);

function signVote(label: string, kind: 'vote-allreduce' | 'vote-allgather', d: number): StepWork {
  return compressedStepWork({ label, encode: [encodeSign(d)], collective: { kind, numValues: d }, decode: [applySign(d)] });
}

function pbitBits(spec: ParsedSpec): QuantBits {
  return Number(choiceParam(spec, 'bits', FIELD, '4', ['2', '4', '8'] as const)) as QuantBits;
}

export const BUILTIN_STRATEGIES: readonly StrategyInfo[] = [
  {
    name: 'lion',
    summary: 'mean allreduce of float32 gradients, then Lion (baseline; momentum identical everywhere)',
    params: [],
    create: (_spec, ctx) => new GradientAllreduceStrategy(ctx, 'f32'),
    stepWork: (_spec, d) => ({ label: 'lion', encode: [], comm: [{ kind: 'allreduce', dtype: 'float32', count: d }], decode: [lionStep(d)], momentumPolicyApplies: false }),
  },
  {
    name: 'lion-bf16',
    summary: 'mean allreduce of bfloat16 gradients, then Lion (16-bit baseline)',
    params: [],
    create: (_spec, ctx) => new GradientAllreduceStrategy(ctx, 'bf16'),
    stepWork: (_spec, d) => ({
      label: 'lion-bf16',
      encode: [kernelOp('to bfloat16', 'bf16-encode', d)],
      comm: [{ kind: 'allreduce', dtype: 'bfloat16', count: d }],
      decode: [kernelOp('from bfloat16', 'bf16-decode', d), lionStep(d)],
      momentumPolicyApplies: false,
    }),
  },
  {
    name: 'noop',
    summary: 'no communication: local Lion on each rank (compute-only upper bound for benchmarks)',
    params: [],
    create: (_spec, ctx) => new NoopStrategy(ctx),
    stepWork: (_spec, d) => ({ label: 'noop', encode: [], comm: [], decode: [lionStep(d)], momentumPolicyApplies: false }),
  },
  {
    name: 'cub-1bit',
    summary: 'Lion Cub 1-bit: majority vote of sign(c) by 1-bit allreduce (alltoall of packed signs, vote, allgather)',
    params: [],
    create: (_spec, ctx) => new CompressedStrategy('cub-1bit', ctx, new SignVoteCombiner(ctx.group, ctx.lion, 'allreduce')),
    maxWorldSize: VOTE_LIMIT,
    stepWork: (_spec, d) => signVote('cub-1bit', 'vote-allreduce', d),
  },
  {
    name: 'cub-pbit',
    summary: 'Lion Cub p-bit: per-layer quantised c (bits=2|4|8, quant=l1|l0|linf|sign|stochastic|ternary), exact owner-side sum, sign allgathered; zero sums by tie=parity|owner',
    params: ['bits', 'quant', 'tie'],
    create: (spec, ctx) => {
      const bits = pbitBits(spec);
      const method = choiceParam(spec, 'quant', FIELD, 'l1', QUANT_METHODS);
      const tie = choiceParam(spec, 'tie', FIELD, DEFAULT_PBIT_TIE, PBIT_TIE_BREAKS);
      // The canonical name is part of the run's trajectory, compared at rendezvous: ranks that disagree on any of
      // these fail to join. tie=parity keeps the name it had before the option existed (its checkpoints resume).
      const name = `cub-pbit:bits=${bits},quant=${method}${tie === 'parity' ? '' : `,tie=${tie}`}`;
      return new CompressedStrategy(name, ctx, new QuantVoteCombiner(ctx.group, ctx.lion, { bits, method, tie }, rankSeed(ctx.seed, ctx.group.rank)));
    },
    stepWork: (spec, d, worldSize) => {
      const bits = pbitBits(spec);
      choiceParam(spec, 'quant', PRICED_QUANT, 'l1', ['l1'] as const);
      const tie = choiceParam(spec, 'tie', FIELD, DEFAULT_PBIT_TIE, PBIT_TIE_BREAKS);
      // tie=owner: the owner also codes the sign of c over the slice it sums (about d/N values).
      const ownSlice = tie === 'owner' ? [kernelOp('encode own slice sign', 'lion-encode-sign', Math.ceil(d / Math.max(1, worldSize)))] : [];
      return compressedStepWork({
        label: `cub-pbit:bits=${bits}${tie === 'parity' ? '' : `,tie=${tie}`}`,
        encode: [kernelOp(`encode ${bits}-bit`, `lion-encode-quant-${bits}`, d), ...ownSlice],
        collective: { kind: 'pbit-allreduce', numValues: d, bits },
        decode: [applySign(d)],
      });
    },
    modelVariants: ['cub-pbit:bits=2', 'cub-pbit:bits=4', 'cub-pbit:bits=8'],
  },
  {
    name: 'cub-int8',
    summary: 'the paper\'s p-bit variant: int8 ring allreduce of quantised votes with s = floor(127/N), then sign (N <= 127)',
    params: ['quant'],
    create: (spec, ctx) => {
      const method = choiceParam(spec, 'quant', FIELD, 'l1', QUANT_METHODS);
      return new CompressedStrategy(`cub-int8:quant=${method}`, ctx, new Int8RingCombiner(ctx.group, ctx.lion, method, rankSeed(ctx.seed, ctx.group.rank)));
    },
    maxWorldSize: { ranks: INT8_RING_MAX_WORLD_SIZE, reason: `N <= ${INT8_RING_MAX_WORLD_SIZE} (s = floor(127/N) levels)` },
    stepWork: (spec, d) => {
      choiceParam(spec, 'quant', PRICED_QUANT, 'l1', ['l1'] as const);
      return compressedStepWork({
        label: 'cub-int8',
        encode: [kernelOp('update vector', 'lion-update-vector', d), kernelOp('quantise int8', 'quantize-int8', d)],
        collective: { kind: 'int8-ring', numValues: d },
        decode: [applySign(d)],
      });
    },
  },
  {
    name: 'dlion-mavo',
    summary: 'Distributed Lion majority vote: allgather of every rank\'s packed signs, local vote (bytes grow with N)',
    params: [],
    create: (_spec, ctx) => new CompressedStrategy('dlion-mavo', ctx, new SignVoteCombiner(ctx.group, ctx.lion, 'allgather')),
    maxWorldSize: VOTE_LIMIT,
    stepWork: (_spec, d) => signVote('dlion-mavo', 'vote-allgather', d),
  },
  {
    name: 'dlion-avg',
    summary: 'Distributed Lion average: mean of the ranks\' signs, tallies gathered in the smallest exact integer width',
    params: [],
    create: (_spec, ctx) => new CompressedStrategy('dlion-avg', ctx, new SignAverageCombiner(ctx.group, ctx.lion)),
    maxWorldSize: VOTE_LIMIT,
    stepWork: (_spec, d) => compressedStepWork({
      label: 'dlion-avg',
      encode: [encodeSign(d)],
      collective: { kind: 'tally-allreduce', numValues: d },
      decode: [kernelOp('tally to direction', 'tally-to-direction', d), kernelOp('apply direction', 'lion-apply-direction', d)],
    }),
  },
];

/** Each rank's own stream for stochastic quantisation, derived from the job seed. */
export function rankSeed(seed: number, rank: number): number {
  return (Math.imul(seed ^ 0x85ebca6b, 0xc2b2ae35) + Math.imul(rank + 1, 0x27d4eb2f)) >>> 0;
}
