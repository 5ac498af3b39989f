// Which segments receive weight decay: a predicate on the segment name, or lists of names/globs.
//
// Decay is decided per segment (per tensor), never per element, so the fused kernel runs
// whole segments with one decay factor and the composed form can keep decay symbolic.

import { InvalidArgumentError } from '../errors.js';
import type { ParamLayout } from './param-layout.js';

/**
 * - a predicate: `true` means the segment IS decayed;
 * - `{ include }`: only segments matching one of the names/globs are decayed;
 * - `{ exclude }`: every segment is decayed except those matching one of the names/globs
 *   (the usual form: `{ exclude: ['*bias', '*norm*'] }`).
 * Globs: `*` matches any run of characters (including `/` and `.`), `?` exactly one character;
 * every other character is literal. A pattern must match at least one segment.
 */
export type WeightDecayMask =
  | ((segmentName: string) => boolean)
  | { readonly include: readonly string[] }
  | { readonly exclude: readonly string[] };

/**
 * Resolves a mask against a layout: one boolean per segment, `true` = decayed. No mask: all decayed.
 * Throws InvalidArgumentError when the mask has the wrong shape (field `weightDecayMask`),
 * a predicate returns a non-boolean (field `weightDecayMask`, value = what it returned), or a
 * listed name/glob matches no segment (field `weightDecayMask.include[i]` / `.exclude[i]`).
 */
export function resolveWeightDecayMask(layout: ParamLayout, mask: WeightDecayMask | undefined): boolean[] {
  const names = layout.segments.map((s) => s.name);
  if (mask === undefined) return names.map(() => true);
  if (typeof mask === 'function') {
    return names.map((name) => {
      const decayed: unknown = mask(name);
      if (typeof decayed !== 'boolean') {
        throw new InvalidArgumentError('weightDecayMask', decayed, `a boolean from the mask predicate for segment ${JSON.stringify(name)}`);
      }
      return decayed;
    });
  }
  if (mask === null || typeof mask !== 'object') throw new InvalidArgumentError('weightDecayMask', mask, MASK_SHAPE);
  const hasInclude = 'include' in mask;
  const hasExclude = 'exclude' in mask;
  if (hasInclude === hasExclude) throw new InvalidArgumentError('weightDecayMask', mask, MASK_SHAPE);
  const key = hasInclude ? 'include' : 'exclude';
  const patterns = (mask as Record<string, unknown>)[key];
  if (!Array.isArray(patterns)) throw new InvalidArgumentError(`weightDecayMask.${key}`, patterns, 'an array of segment names or globs');
  const matched = names.map(() => false);
  patterns.forEach((pattern: unknown, i) => {
    const field = `weightDecayMask.${key}[${i}]`;
    if (typeof pattern !== 'string' || pattern.length === 0) throw new InvalidArgumentError(field, pattern, 'a non-empty segment name or glob');
    const re = globToRegExp(pattern);
    let any = false;
    names.forEach((name, j) => {
      if (re.test(name)) { matched[j] = true; any = true; }
    });
    if (!any) {
      throw new InvalidArgumentError(field, pattern, `a name or glob matching at least one segment (segments: ${listNames(names)})`);
    }
  });
  return hasInclude ? matched : matched.map((m) => !m);
}

/** Compiles a glob (`*` any run, `?` one character, all else literal) into an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '[\\s\\S]*';
    else if (ch === '?') source += '[\\s\\S]';
    else source += ch.replace(/[\\^$.|+()[\]{}/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u');
}

const MASK_SHAPE = 'a predicate (segmentName) => boolean, { include: [names or globs] } or { exclude: [names or globs] }';

function listNames(names: string[]): string {
  const shown = names.slice(0, 10).map((n) => JSON.stringify(n)).join(', ');
  return names.length > 10 ? `${shown}, … (${names.length} in all)` : shown || '(none)';
}
