// Sync strategies by name: `--sync lion`, `--sync cub-pbit:bits=4,quant=l1`, …

import { InvalidArgumentError } from '../errors.js';
import { QUANT_METHODS, type QuantBits } from '../codec/quant-options.js';
import { choiceParam, parseSpec, rejectUnknownParams, type ParsedSpec } from './spec.js';
import type { StrategyContext, SyncStrategy } from './strategy.js';
import { GradientAllreduceStrategy, NoopStrategy } from './strategies/gradient-allreduce.js';
import { CompressedStrategy } from './strategies/compressed.js';
import { Int8RingCombiner, QuantVoteCombiner, SignAverageCombiner, SignVoteCombiner } from './strategies/combiners.js';

const FIELD = '--sync';

export interface StrategyInfo {
  name: string;
  /** One line for --help and docs. */
  summary: string;
  /** Parameters accepted after the colon. */
  params: readonly string[];
  create(spec: ParsedSpec, ctx: StrategyContext): SyncStrategy;
}

const strategies = new Map<string, StrategyInfo>();

/** Adds a strategy to the registry (built-ins register themselves below; libraries may add their own). */
export function registerStrategy(info: StrategyInfo): void {
  if (strategies.has(info.name)) throw new InvalidArgumentError('strategy name', info.name, 'a name not registered yet');
  strategies.set(info.name, info);
}

export function strategyNames(): string[] {
  return [...strategies.keys()];
}

export function strategyInfo(name: string): StrategyInfo | undefined {
  return strategies.get(name);
}

/** Builds the strategy a spec names. Throws InvalidArgumentError for an unknown name or parameter. */
export function createStrategy(specText: string, ctx: StrategyContext): SyncStrategy {
  const spec = parseSpec(specText, FIELD);
  const info = strategies.get(spec.name);
  if (!info) throw new InvalidArgumentError(FIELD, specText, `one of ${strategyNames().join(', ')}`);
  rejectUnknownParams(spec, FIELD, info.params);
  return info.create(spec, ctx);
}

/** Checks a spec without building anything (for validating flags before workers start). */
export function validateStrategySpec(specText: string): void {
  const spec = parseSpec(specText, FIELD);
  const info = strategies.get(spec.name);
  if (!info) throw new InvalidArgumentError(FIELD, specText, `one of ${strategyNames().join(', ')}`);
  rejectUnknownParams(spec, FIELD, info.params);
}

registerStrategy({
  name: 'lion',
  summary: 'mean allreduce of float32 gradients, then Lion (baseline; momentum identical everywhere)',
  params: [],
  create: (_spec, ctx) => new GradientAllreduceStrategy(ctx, 'f32'),
});
registerStrategy({
  name: 'lion-bf16',
  summary: 'mean allreduce of bfloat16 gradients, then Lion (16-bit baseline)',
  params: [],
  create: (_spec, ctx) => new GradientAllreduceStrategy(ctx, 'bf16'),
});
registerStrategy({
  name: 'noop',
  summary: 'no communication: local Lion on each rank (compute-only upper bound for benchmarks)',
  params: [],
  create: (_spec, ctx) => new NoopStrategy(ctx),
});
registerStrategy({
  name: 'cub-1bit',
  summary: 'Lion Cub 1-bit: majority vote of sign(c) by 1-bit allreduce (alltoall of packed signs, vote, allgather)',
  params: [],
  create: (_spec, ctx) => new CompressedStrategy('cub-1bit', ctx, new SignVoteCombiner(ctx.group, ctx.lion, 'allreduce')),
});
registerStrategy({
  name: 'cub-pbit',
  summary: 'Lion Cub p-bit: per-layer quantised c (bits=2|4|8, quant=l1|l0|linf|sign|stochastic|ternary), exact owner-side sum, sign allgathered',
  params: ['bits', 'quant'],
  create: (spec, ctx) => {
    const bits = choiceParam(spec, 'bits', FIELD, '4', ['2', '4', '8'] as const);
    const method = choiceParam(spec, 'quant', FIELD, 'l1', QUANT_METHODS);
    const name = `cub-pbit:bits=${bits},quant=${method}`;
    return new CompressedStrategy(name, ctx, new QuantVoteCombiner(ctx.group, ctx.lion, { bits: Number(bits) as QuantBits, method }, rankSeed(ctx.seed, ctx.group.rank)));
  },
});
registerStrategy({
  name: 'cub-int8',
  summary: 'the paper\'s p-bit variant: int8 ring allreduce of quantised votes with s = floor(127/N), then sign (N <= 127)',
  params: ['quant'],
  create: (spec, ctx) => {
    const method = choiceParam(spec, 'quant', FIELD, 'l1', QUANT_METHODS);
    return new CompressedStrategy(`cub-int8:quant=${method}`, ctx, new Int8RingCombiner(ctx.group, ctx.lion, method, rankSeed(ctx.seed, ctx.group.rank)));
  },
});
registerStrategy({
  name: 'dlion-mavo',
  summary: 'Distributed Lion majority vote: allgather of every rank\'s packed signs, local vote (bytes grow with N)',
  params: [],
  create: (_spec, ctx) => new CompressedStrategy('dlion-mavo', ctx, new SignVoteCombiner(ctx.group, ctx.lion, 'allgather')),
});
registerStrategy({
  name: 'dlion-avg',
  summary: 'Distributed Lion average: mean of the ranks\' signs, tallies gathered in the smallest exact integer width',
  params: [],
  create: (_spec, ctx) => new CompressedStrategy('dlion-avg', ctx, new SignAverageCombiner(ctx.group, ctx.lion)),
});

/** Each rank's own stream for stochastic quantisation, derived from the job seed. */
export function rankSeed(seed: number, rank: number): number {
  return (Math.imul(seed ^ 0x85ebca6b, 0xc2b2ae35) + Math.imul(rank + 1, 0x27d4eb2f)) >>> 0;
}
