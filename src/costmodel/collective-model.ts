// Predicted time of one collective call alone, as `lion-cub bench comm` times it: plain and compressed ops.

import type { QuantBits } from '../codec/quant-options.js';
import { DTYPE_BYTES, type DType } from '../comm/codes.js';
import { InvalidArgumentError } from '../errors.js';
import type { CostConstants } from './constants.js';
import { int8RingPhases, pbitAllreducePhases, tallyAllreducePhases, voteAllgatherPhases, voteAllreducePhases } from './compressed-phases.js';
import { bucketAfterIdle, commPhaseCost, contentionFactor, pricePhases, type HostLoad } from './phase-cost.js';
import { phaseBytes, type GroupSettings, type Phase } from './phases.js';
import { allgatherPhase, allreducePhase, alltoallPhase, broadcastPhase, reduceScatterPhase, type ReducibleDType } from './plain-phases.js';

/** A collective call to price: a plain op on S bytes of `dtype`, or a compressed collective on d values. */
export type CollectiveCall =
  | { op: 'allreduce' | 'reduce_scatter'; dtype: ReducibleDType; bytes: number }
  | { op: 'allgather' | 'alltoall' | 'broadcast'; dtype: DType; bytes: number }
  | { op: 'vote-allreduce' | 'vote-allgather' | 'tally-allreduce' | 'int8-ring'; numValues: number }
  | { op: 'pbit-allreduce'; bits: QuantBits; numValues: number };

/**
 * The phases of one call on N ranks. Plain ops take S as `lion-cub bench comm` defines it (allreduce and
 * broadcast: the array; reduce-scatter and alltoall: the input; allgather: the output), in whole elements.
 * Throws InvalidArgumentError for a size that is not whole elements or an unknown op.
 */
export function collectivePhases(call: CollectiveCall, worldSize: number, settings: GroupSettings = {}): Phase[] {
  if ('bytes' in call) {
    const e = DTYPE_BYTES[call.dtype];
    if (!Number.isInteger(call.bytes / e) || call.bytes < 0) throw new InvalidArgumentError('bytes', call.bytes, `a whole number of ${call.dtype} elements`);
    const count = call.bytes / e;
    switch (call.op) {
      case 'allreduce': return [allreducePhase(count, call.dtype, worldSize, settings)];
      case 'reduce_scatter': return [reduceScatterPhase(count, call.dtype, worldSize, settings)];
      case 'allgather': return [allgatherPhase(count, call.dtype, worldSize, settings)];
      case 'alltoall': return [alltoallPhase(count, call.dtype, worldSize, settings)];
      case 'broadcast': return [broadcastPhase(count, call.dtype, worldSize, settings)];
    }
  }
  switch (call.op) {
    case 'vote-allreduce': return voteAllreducePhases(worldSize, call.numValues, settings);
    case 'vote-allgather': return voteAllgatherPhases(worldSize, call.numValues, settings);
    case 'tally-allreduce': return tallyAllreducePhases(worldSize, call.numValues, settings);
    case 'int8-ring': return int8RingPhases(worldSize, call.numValues, settings);
    case 'pbit-allreduce': return pbitAllreducePhases(worldSize, call.numValues, call.bits, settings);
  }
  throw new InvalidArgumentError('op', (call as { op: unknown }).op, 'a known collective');
}

export interface CollectivePrediction {
  ms: number;
  bytesSent: number;
  /** The part of ms that is latency (rounds · α'): near 1 for a latency-bound call, near 0 for a bandwidth-bound one. */
  latencyShare: number;
  /** Bytes on the critical path of all phases (what an emulated link's bucket competes with). */
  wireBytes: number;
}

/** An emulated link's token bucket before a call: its size and how long the link idled (refilling it). */
export interface EmulatedBucket {
  burstBytes: number;
  idleMs: number;
  /**
   * Identical calls made just before, since the bucket was last full (a benchmark's warm-up): each drained its
   * critical-path bytes from it. Default 0: the bucket is as full as the idle time makes it.
   */
  precedingCalls?: number;
}

/**
 * Predicted time of one call (all phases, staging kernels included) and rank 0's bytes sent. `bucket`: for an
 * emulated link, its tbf bucket and the idle time before the call (see bucketAfterIdle); none for real links.
 */
export function predictCollective(
  call: CollectiveCall, worldSize: number, linkGbit: number | null, constants: CostConstants, host: HostLoad, settings: GroupSettings = {}, bucket?: EmulatedBucket,
): CollectivePrediction {
  const phases = collectivePhases(call, worldSize, settings);
  const ctx = { constants, linkGbit, kappa: contentionFactor(host), burstBytes: bucket?.burstBytes ?? 0 };
  let latencyMs = 0;
  let wireBytes = 0;
  for (const p of phases) {
    if (p.type !== 'comm') continue;
    latencyMs += commPhaseCost(p, ctx).latencyMs;
    wireBytes += p.wireBytes;
  }
  const refilled = bucketAfterIdle(ctx, bucket?.idleMs ?? 0).bytes;
  const left = Math.max(0, ctx.burstBytes - (bucket?.precedingCalls ?? 0) * wireBytes);
  const start = (bucket?.precedingCalls ?? 0) > 0 ? Math.min(ctx.burstBytes, left + refilled) : refilled;
  const ms = pricePhases(phases, ctx, { bytes: linkGbit === null ? 0 : start }).reduce((a, b) => a + b, 0);
  return { ms, bytesSent: phaseBytes(phases).bytesSent, latencyShare: ms > 0 ? latencyMs / ms : 0, wireBytes };
}
