// What the `bench comm` command hands its workers, and how rank 0 hands rows back (a tagged stdout line).

import type { QuantBits } from '../../src/codec/index.js';
import type { DType } from '../../src/comm/codes.js';
import type { CompressedOp } from './compressed-ops.js';
import type { BenchOp } from './ops.js';
import type { CommBenchRow } from './summary.js';

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

/** Rank 0 prints each result as this prefix + JSON, so the launcher's side can tell rows from other output. */
export const ROW_PREFIX = '@lion-cub-bench-row ';

export function encodeRow(row: CommBenchRow): string {
  return `${ROW_PREFIX}${JSON.stringify(row)}`;
}

/** The row carried by a worker output line, or undefined for any other line. */
export function decodeRow(line: string): CommBenchRow | undefined {
  if (!line.startsWith(ROW_PREFIX)) return undefined;
  return JSON.parse(line.slice(ROW_PREFIX.length)) as CommBenchRow;
}

/** Path of the worker entry point beside this module (.ts under tsx, .js when compiled). */
export function workerScriptUrl(): URL {
  return new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
}
