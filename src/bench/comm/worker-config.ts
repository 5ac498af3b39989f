// What the `bench comm` command hands its workers, and how rank 0 hands rows back (a tagged stdout line).

import type { QuantBits } from '../../codec/index.js';
import type { DType } from '../../comm/codes.js';
import type { CompressedOp } from './compressed-ops.js';
import type { BenchOp } from './ops.js';
import type { CommBenchRow } from './summary.js';
import { siblingScriptUrl, taggedJsonLine } from '../../launch/worker-channel.js';

export interface CommBenchConfig {
  /** Plain and compressed ops, in the order they run. */
  ops: (BenchOp | CompressedOp)[];
  /** Element types of the plain ops (the compressed ops take their own codes). */
  dtypes: DType[];
  /** Requested S values in bytes of the plain ops, ascending; used when `params` is absent. */
  sizes: number[];
  /** d values, ascending: every op runs at each (plain ops at S = d · element size). */
  params?: number[];
  /** p of pbit-allreduce. */
  bits: QuantBits;
  warmup: number;
  iters: number;
  /** Time limit of one collective. */
  timeoutMs: number;
}

/** Rank 0 prints each result as a tagged line, so the launcher's side can tell rows from other output. */
const rowLines = taggedJsonLine<CommBenchRow>('@lion-cub-bench-row ');
export const encodeRow = rowLines.encode;
/** The row carried by a worker output line, or undefined for any other line. */
export const decodeRow = rowLines.decode;

/** Path of the worker entry point beside this module (.ts under tsx, .js when compiled). */
export function workerScriptUrl(): URL {
  return siblingScriptUrl('worker', import.meta.url);
}
