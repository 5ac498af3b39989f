// One color per strategy for every chart of a report, and the order strategies and link rates are listed in.

import { parseRate } from '../../../netem/rate.js';

/**
 * Shades per strategy family (the name before `:`). Baselines are neutral greys so the compressed strategies
 * stand out; variants of one family (e.g. cub-pbit with bits=2 and bits=4) take successive shades of it.
 */
const FAMILY_SHADES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['lion', ['#3b3b3b', '#6b6b6b']],
  ['lion-bf16', ['#9a9a9a', '#b8b8b8']],
  ['dlion-mavo', ['#7b4fb0', '#a98bd6']],
  ['dlion-avg', ['#8c564b', '#c49c94']],
  ['cub-int8', ['#2ca02c', '#98df8a']],
  ['cub-1bit', ['#1f77b4', '#6baed6']],
  ['cub-pbit', ['#d62728', '#ff7f0e', '#e377c2', '#f5b041']],
  ['noop', ['#17becf', '#9edae5']],
];

/** For strategies outside the families above, and for variants past a family's shades. */
const FALLBACK = ['#bcbd22', '#e7ba52', '#393b79', '#637939', '#843c39', '#7b4173', '#3182bd', '#31a354'];

const FAMILY_ORDER = new Map(FAMILY_SHADES.map(([name], i) => [name, i]));

/** `cub-pbit:bits=4,quant=l1` → `cub-pbit`. */
export function strategyFamily(sync: string): string {
  const colon = sync.indexOf(':');
  return colon < 0 ? sync : sync.slice(0, colon);
}

/** Distinct strategies in legend order: baselines first, then by family, then by spec text. */
export function orderStrategies(syncs: Iterable<string>): string[] {
  const rank = (s: string) => FAMILY_ORDER.get(strategyFamily(s)) ?? FAMILY_SHADES.length;
  return [...new Set(syncs)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * Dash patterns of line charts. Baselines that often coincide get their own pattern, so a dashed lion-bf16 curve on
 * top of lion's leaves lion visible; the others are solid (their hues differ enough).
 */
const FAMILY_DASH: Record<string, number[]> = { 'lion-bf16': [6, 3], noop: [2, 2] };
const SOLID = [1, 0];

/**
 * A vega-lite color scale: `domain[i]` is drawn in `range[i]` (and, in line charts, with dash pattern `dashes[i]`),
 * identically in every chart given the same strategies.
 */
export interface ColorScale {
  domain: string[];
  range: string[];
  dashes: number[][];
}

/** Colors for the given strategies (any order, duplicates allowed); deterministic for a given set. */
export function strategyColors(syncs: Iterable<string>): ColorScale {
  const domain = orderStrategies(syncs);
  const usedInFamily = new Map<string, number>();
  let fallback = 0;
  const range = domain.map((sync) => {
    const family = strategyFamily(sync);
    const shades = FAMILY_SHADES.find(([name]) => name === family)?.[1] ?? [];
    const k = usedInFamily.get(family) ?? 0;
    usedInFamily.set(family, k + 1);
    return k < shades.length ? shades[k] : FALLBACK[fallback++ % FALLBACK.length];
  });
  const dashes = domain.map((sync) => FAMILY_DASH[strategyFamily(sync)] ?? SOLID);
  return { domain, range, dashes };
}

/** Nominal bits per second of a rate label; unshaped (`none`) and unparseable labels sort last. */
export function rateBitsPerSec(rate: string): number {
  try {
    return parseRate(rate, 'rate');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Distinct rate labels from slowest to fastest link, unshaped last. */
export function orderRates(rates: Iterable<string>): string[] {
  return [...new Set(rates)].sort((a, b) => rateBitsPerSec(a) - rateBitsPerSec(b) || a.localeCompare(b));
}

/** How a rate is shown on axes and panel headers: `1gbit` → `1 Gbit/s`, `none` → `unshaped`. */
export function rateLabel(rate: string): string {
  const bits = rateBitsPerSec(rate);
  if (!Number.isFinite(bits)) return rate === 'none' ? 'unshaped' : rate;
  if (bits >= 1e9) return `${+(bits / 1e9).toPrecision(4)} Gbit/s`;
  if (bits >= 1e6) return `${+(bits / 1e6).toPrecision(4)} Mbit/s`;
  return `${+(bits / 1e3).toPrecision(4)} kbit/s`;
}
