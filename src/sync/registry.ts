// Sync strategies by name: `--sync lion`, `--sync cub-pbit:bits=4,quant=l1`, …

import { InvalidArgumentError } from '../errors.js';
import { parseSpec, rejectUnknownParams, type ParsedSpec } from './spec.js';
import type { StrategyContext, SyncStrategy } from './strategy.js';
import { GradientAllreduceStrategy, NoopStrategy } from './strategies/gradient-allreduce.js';

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
