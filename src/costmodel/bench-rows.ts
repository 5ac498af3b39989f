// Reads `lion-cub bench comm --json` rows as measured collective calls the model can be checked against.

import type { QuantBits } from '../codec/quant-options.js';
import { InvalidArgumentError } from '../errors.js';
import { tbfParams } from '../netem/tbf.js';
import type { CollectiveCall } from './collective-model.js';
import type { MeasuredCollective } from './model-error.js';

export interface BenchRowsResult {
  points: MeasuredCollective[];
  /** Rows the model does not price, with the reason (e.g. an int32 allreduce). */
  skipped: { line: number; op: string; reason: string }[];
}

const REDUCIBLE = ['float32', 'bfloat16', 'int8'];
/** See BenchRowsOptions.gapMs. */
export const DEFAULT_GAP_MS = 1;

function callOf(row: Record<string, unknown>): CollectiveCall | string {
  const op = String(row.op);
  const dtype = String(row.dtype);
  const bytes = Number(row.bytes);
  const params = Number(row.params);
  switch (op) {
    case 'allreduce':
    case 'reduce_scatter':
      if (!REDUCIBLE.includes(dtype)) return `no reduction kernel calibrated for ${dtype}`;
      return { op, dtype: dtype as 'float32', bytes };
    case 'allgather':
    case 'alltoall':
    case 'broadcast':
      return { op, dtype: dtype as 'float32', bytes };
    case 'vote-allreduce':
    case 'vote-allgather':
    case 'tally-allreduce':
    case 'int8-ring':
      return { op, numValues: params };
    case 'pbit-allreduce': {
      const bits = Number(/^(\d+)-bit$/.exec(dtype)?.[1]);
      if (bits !== 2 && bits !== 4 && bits !== 8) return `cannot read p from dtype ${JSON.stringify(dtype)}`;
      return { op, bits: bits as QuantBits, numValues: params };
    }
    default:
      return `unknown op ${JSON.stringify(op)}`;
  }
}

export interface BenchRowsOptions {
  /**
   * The nominal rate the rows were measured through (the rows record only the measured single-stream rate):
   * required when a row has a non-null linkGbit; unshaped rows ignore it.
   */
  linkGbit?: number | null;
  /** Each row's median time (timeMs, default) or its fastest iteration (minMs). */
  statistic?: 'median' | 'min';
  /** Shaped rows come from `bench comm --netem`: price them with the emulator's tbf bucket. Default true. */
  emulatorBurst?: boolean;
  /**
   * How long the link idles between two timed calls of `bench comm` (the barrier and the loop's bookkeeping),
   * refilling the bucket: an estimate, default 1 ms. Fills a 128 KiB bucket at 1 Gbit/s, a tenth of it at 100 Mbit/s.
   */
  gapMs?: number;
  /**
   * Untimed calls before the timed ones (`bench comm --warmup`, default 2). With --measured min, the fastest
   * timed call is typically the first: its bucket is what the warm-ups left of a full one, plus the gap's refill.
   */
  warmupCalls?: number;
  /** Attached to every point. */
  note?: string;
}

/**
 * Parses JSON lines as `bench comm --json` prints them ({op, dtype, bytes, params, worldSize, timeMs, minMs,
 * linkGbit, …}). Non-JSON lines are ignored (a table header, stderr mixed in). Throws InvalidArgumentError for a
 * row without a positive time or world size, or a shaped row without `options.linkGbit`.
 */
export function measuredFromBenchRows(text: string, options: BenchRowsOptions = {}): BenchRowsResult {
  const { linkGbit, statistic = 'median', emulatorBurst = true, gapMs = DEFAULT_GAP_MS, warmupCalls = 2, note } = options;
  const points: MeasuredCollective[] = [];
  const skipped: BenchRowsResult['skipped'] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line.startsWith('{')) return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const where = `rows line ${index + 1}`;
    const timeMs = Number(statistic === 'min' ? row.minMs : row.timeMs);
    const N = Number(row.worldSize);
    if (!(timeMs > 0)) throw new InvalidArgumentError(`${where} ${statistic === 'min' ? 'minMs' : 'timeMs'}`, statistic === 'min' ? row.minMs : row.timeMs, 'a positive time (a bench comm --json row)');
    if (!Number.isInteger(N) || N < 1) throw new InvalidArgumentError(`${where} worldSize`, row.worldSize, 'a positive integer (a bench comm --json row)');
    const shaped = row.linkGbit !== null && row.linkGbit !== undefined;
    if (shaped && (linkGbit === null || linkGbit === undefined)) {
      throw new InvalidArgumentError('--link', linkGbit, `the nominal rate the rows were measured through (${where} was measured over an emulated link of ${String(row.linkGbit)} Gbit/s single-stream), e.g. --link 1gbit`);
    }
    const call = callOf(row);
    if (typeof call === 'string') {
      skipped.push({ line: index + 1, op: String(row.op), reason: call });
      return;
    }
    // A case starts after untimed setup (a full bucket); the median call runs in the steady state of back-to-back
    // calls (only the gap refills it), the fastest one right after the warm-ups.
    const bucket = shaped && emulatorBurst
      ? { burstBytes: tbfParams((linkGbit as number) * 1e9).burstBytes, idleMs: gapMs, precedingCalls: statistic === 'min' ? warmupCalls : 0 }
      : undefined;
    points.push({ call, N, linkGbit: shaped ? (linkGbit as number) : null, timeMs, bucket, note });
  });
  return { points, skipped };
}

/** A short name of a call for tables: "allreduce float32 16777216 B", "pbit-allreduce 4-bit d=4194304". */
export function describeCall(call: CollectiveCall): string {
  if ('bytes' in call) return `${call.op} ${call.dtype} ${call.bytes} B`;
  if (call.op === 'pbit-allreduce') return `${call.op} ${call.bits}-bit d=${call.numValues}`;
  return `${call.op} d=${call.numValues}`;
}
