// What the `bench comm` command hands its workers, and how rank 0 hands rows back (a tagged stdout line).

import type { DType } from '../../src/comm/codes.js';
import type { BenchOp } from './ops.js';
import type { CommBenchRow } from './summary.js';

export interface CommBenchConfig {
  ops: BenchOp[];
  dtypes: DType[];
  /** Requested S values in bytes, ascending. */
  sizes: number[];
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
