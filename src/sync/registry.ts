// Sync strategies by name: `--sync lion`, `--sync cub-pbit:bits=4,quant=l1`, … Built-ins are registered at load;
// a library adds its own with registerStrategy and then names it in --sync like any other.

import { InvalidArgumentError } from '../errors.js';
import { BUILTIN_STRATEGIES } from './builtin-strategies.js';
import { parseSpec, rejectUnknownParams, type ParsedSpec } from './spec.js';
import type { StrategyContext, StrategyInfo, SyncStrategy } from './strategy.js';

const FIELD = '--sync';

const strategies = new Map<string, StrategyInfo>();

/**
 * Adds a strategy to the registry. Throws InvalidArgumentError when the name is taken or is not a plain name
 * (no `:`, `,` or `=`, which the spec syntax uses).
 */
export function registerStrategy(info: StrategyInfo): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(info.name)) throw new InvalidArgumentError('strategy name', info.name, 'letters, digits, ".", "_" or "-"');
  if (strategies.has(info.name)) throw new InvalidArgumentError('strategy name', info.name, 'a name not registered yet');
  strategies.set(info.name, info);
}

/** Registered names, built-ins first, in registration order. */
export function strategyNames(): string[] {
  return [...strategies.keys()];
}

/** The registration of a strategy name, or undefined. */
export function strategyInfo(name: string): StrategyInfo | undefined {
  return strategies.get(name);
}

/**
 * The registration a spec names and the parsed spec, its parameters checked against the registration's.
 * Throws InvalidArgumentError (naming `field`) for an unknown name or parameter.
 */
export function resolveStrategySpec(specText: string, field = FIELD): { info: StrategyInfo; spec: ParsedSpec } {
  const spec = parseSpec(specText, field);
  const info = strategies.get(spec.name);
  if (!info) throw new InvalidArgumentError(field, specText, `one of ${strategyNames().join(', ')}`);
  rejectUnknownParams(spec, field, info.params);
  return { info, spec };
}

/** Builds the strategy a spec names. Throws InvalidArgumentError for an unknown name or parameter. */
export function createStrategy(specText: string, ctx: StrategyContext): SyncStrategy {
  const { info, spec } = resolveStrategySpec(specText);
  return info.create(spec, ctx);
}

/** Checks a spec without building anything (for validating flags before workers start). */
export function validateStrategySpec(specText: string): void {
  resolveStrategySpec(specText);
}

for (const info of BUILTIN_STRATEGIES) registerStrategy(info);
