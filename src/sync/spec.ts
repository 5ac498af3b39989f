// Parses `name:key=value,key=value` specifications, the syntax of --sync and friends.

import { InvalidArgumentError } from '../errors.js';

/** A spec split into its name and its key=value parameters. */
export interface ParsedSpec {
  name: string;
  params: Map<string, string>;
}

/**
 * `cub-pbit:bits=4,quant=l1` → { name: 'cub-pbit', params: {bits: '4', quant: 'l1'} }.
 * Throws InvalidArgumentError (field `field`) on an empty name, a parameter without `=`, or a repeated key.
 */
export function parseSpec(text: string, field: string): ParsedSpec {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const name = (colon < 0 ? trimmed : trimmed.slice(0, colon)).trim();
  if (!name) throw new InvalidArgumentError(field, text, 'a name, optionally followed by :key=value,key=value');
  const params = new Map<string, string>();
  if (colon >= 0) {
    for (const part of trimmed.slice(colon + 1).split(',')) {
      if (!part.trim()) continue;
      const eq = part.indexOf('=');
      if (eq <= 0) throw new InvalidArgumentError(field, text, `key=value parameters after "${name}:" (bad part "${part}")`);
      const key = part.slice(0, eq).trim();
      if (params.has(key)) throw new InvalidArgumentError(field, text, `each parameter at most once ("${key}" repeats)`);
      params.set(key, part.slice(eq + 1).trim());
    }
  }
  return { name, params };
}

/** Reads an integer parameter within [min, max], or the default when absent. */
export function intParam(spec: ParsedSpec, key: string, field: string, fallback: number, min: number, max: number): number {
  const raw = spec.params.get(key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${field} ${key}`, raw, `an integer from ${min} to ${max}`);
  }
  return value;
}

/** Reads a parameter that must be one of `choices`, or the default when absent. */
export function choiceParam<T extends string>(spec: ParsedSpec, key: string, field: string, fallback: T, choices: readonly T[]): T {
  const raw = spec.params.get(key);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new InvalidArgumentError(`${field} ${key}`, raw, `one of ${choices.join(', ')}`);
  }
  return raw as T;
}

/** Throws when the spec carries parameters other than `known` (a typo must not be silently ignored). */
export function rejectUnknownParams(spec: ParsedSpec, field: string, known: readonly string[]): void {
  for (const key of spec.params.keys()) {
    if (!known.includes(key)) {
      throw new InvalidArgumentError(field, `${spec.name}:${key}=…`, known.length ? `parameters among ${known.join(', ')}` : `no parameters for ${spec.name}`);
    }
  }
}
