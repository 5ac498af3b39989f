// Where each named parameter tensor ("segment") lives inside the one flat parameter buffer.
//
// Parameters, momentum and gradients are each one contiguous Float32Array of `numParams`
// values; a layout says which slice belongs to which layer, so per-layer rules (weight-decay
// mask, per-layer quantisation scale) can run over the flat buffers without copies.

import { InvalidArgumentError } from '../errors.js';
import { kernelMemory } from '../kernels/load.js';

/** One named tensor: elements [offset, offset + length) of every flat buffer. */
export interface Segment {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
}

/** Segments in buffer order, contiguous from 0, non-overlapping, names unique. */
export interface ParamLayout {
  readonly segments: readonly Segment[];
  /** Sum of the segment lengths: the length every flat buffer must have. */
  readonly numParams: number;
}

/** Largest buffer a layout may describe: a Float32Array in wasm32 memory (4 GiB) holds at most 2^30 values. */
export const MAX_NUM_PARAMS = 2 ** 30;

/**
 * Checks explicit segments and freezes them into a layout.
 * Throws InvalidArgumentError (field `segments[i].name|offset|length`) when a name is empty or
 * repeated, a length is not a non-negative integer, or an offset leaves a gap or an overlap
 * (segment i must start where segment i−1 ends; the first starts at 0).
 */
export function createParamLayout(segments: readonly Segment[]): ParamLayout {
  if (!Array.isArray(segments)) throw new InvalidArgumentError('segments', segments, 'an array of { name, offset, length }');
  const seen = new Set<string>();
  const out: Segment[] = [];
  let end = 0;
  segments.forEach((segment, i) => {
    const field = `segments[${i}]`;
    if (segment === null || typeof segment !== 'object') throw new InvalidArgumentError(field, segment, 'an object { name, offset, length }');
    const { name, offset, length } = segment;
    checkName(`${field}.name`, name, seen);
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new InvalidArgumentError(`${field}.length`, length, 'a non-negative integer number of elements');
    }
    if (offset !== end) {
      const what = typeof offset === 'number' && offset < end ? 'overlaps the previous segment' : 'leaves a gap or is not an integer';
      throw new InvalidArgumentError(`${field}.offset`, offset, `${end} (segments are contiguous in buffer order; this offset ${what})`);
    }
    end += length;
    if (end > MAX_NUM_PARAMS) {
      throw new InvalidArgumentError(`${field}.length`, length, `a total of at most ${MAX_NUM_PARAMS} parameters`);
    }
    out.push(Object.freeze({ name, offset, length }));
  });
  return Object.freeze({ segments: Object.freeze(out), numParams: end });
}

/** Builds a layout from lengths in buffer order; offsets are assigned contiguously from 0. Throws as createParamLayout. */
export function layoutFromLengths(entries: ReadonlyArray<{ readonly name: string; readonly length: number }>): ParamLayout {
  if (!Array.isArray(entries)) throw new InvalidArgumentError('entries', entries, 'an array of { name, length }');
  let offset = 0;
  const segments = entries.map((entry, i) => {
    if (entry === null || typeof entry !== 'object') throw new InvalidArgumentError(`entries[${i}]`, entry, 'an object { name, length }');
    const segment = { name: entry.name, offset, length: entry.length };
    if (Number.isSafeInteger(entry.length) && entry.length >= 0) offset += entry.length;
    return segment;
  });
  return createParamLayout(segments);
}

/**
 * Builds a layout from tensor shapes in buffer order (row-major, length = product of dims;
 * a scalar shape [] has length 1). Throws InvalidArgumentError (field `entries[i].shape`) for a
 * dimension that is not a non-negative integer, then as createParamLayout.
 */
export function layoutFromShapes(entries: ReadonlyArray<{ readonly name: string; readonly shape: readonly number[] }>): ParamLayout {
  if (!Array.isArray(entries)) throw new InvalidArgumentError('entries', entries, 'an array of { name, shape }');
  return layoutFromLengths(entries.map((entry, i) => {
    if (entry === null || typeof entry !== 'object' || !Array.isArray(entry.shape)) {
      throw new InvalidArgumentError(`entries[${i}].shape`, entry?.shape, 'an array of non-negative integer dimensions');
    }
    let length = 1;
    for (const dim of entry.shape) {
      if (!Number.isSafeInteger(dim) || dim < 0) {
        throw new InvalidArgumentError(`entries[${i}].shape`, entry.shape, 'an array of non-negative integer dimensions');
      }
      length *= dim;
    }
    return { name: entry.name, length };
  }));
}

/** The segment called `name`. Throws InvalidArgumentError (field `name`) listing the known names when there is none. */
export function findSegment(layout: ParamLayout, name: string): Segment {
  const segment = layout.segments.find((s) => s.name === name);
  if (!segment) {
    const known = layout.segments.map((s) => s.name);
    throw new InvalidArgumentError('name', name, `one of the layout's segment names: ${formatNames(known)}`);
  }
  return segment;
}

/**
 * The slice of a flat buffer that holds one segment (a subarray: it shares memory with `buffer`,
 * so writes go through). `segment` is a Segment or its name. Throws InvalidArgumentError when
 * `buffer` does not have the layout's length or the name is unknown.
 */
export function segmentView(layout: ParamLayout, buffer: Float32Array, segment: Segment | string): Float32Array {
  checkBufferLength('buffer', buffer, layout.numParams);
  const s = typeof segment === 'string' ? findSegment(layout, segment) : segment;
  return buffer.subarray(s.offset, s.offset + s.length);
}

/** Throws InvalidArgumentError(field) unless `buffer` is a Float32Array of exactly `numParams` values. */
export function checkBufferLength(field: string, buffer: unknown, numParams: number): asserts buffer is Float32Array {
  if (buffer instanceof Float32Array) kernelMemory.checkLive(field, buffer);
  if (!(buffer instanceof Float32Array) || buffer.length !== numParams) {
    throw new InvalidArgumentError(field, buffer, `a Float32Array of length ${numParams} (the layout's numParams)`);
  }
}

function checkName(field: string, name: unknown, seen: Set<string>): void {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError(field, name, 'a non-empty string');
  if (seen.has(name)) throw new InvalidArgumentError(field, name, 'a name not used by another segment');
  seen.add(name);
}

function formatNames(names: string[]): string {
  const shown = names.slice(0, 20).map((n) => JSON.stringify(n)).join(', ');
  return names.length > 20 ? `${shown}, … (${names.length} in all)` : shown || '(none)';
}
