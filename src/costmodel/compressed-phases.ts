// Cost-model phases of the compressed collectives (src/sync/collectives), from their exact traffic functions.

import { allgathervPairwiseTraffic, allgathervTraffic, alltoallvTraffic, type WireTraffic } from '../sync/collectives/traffic.js';
import { UnitSlices } from '../sync/collectives/unit-slices.js';
import { FLAG_BYTES } from '../sync/collectives/flagged-slices.js';
import { tallyBytes } from '../sync/collectives/tally-allreduce.js';
import type { QuantBits } from '../codec/quant-options.js';
import { allreducePhase } from './plain-phases.js';
import { kernelPhase, resolveGroupSettings, type CommPhase, type GroupSettings, type Phase } from './phases.js';

function variablePhase(label: string, rounds: number, t: WireTraffic): CommPhase {
  return {
    type: 'comm', label, rounds, variable: true,
    wireBytes: Math.max(t.bytesSent, t.bytesReceived),
    hostBytes: t.bytesSent + t.bytesReceived,
    messages: t.messagesSent + t.messagesReceived,
    chunksPerRound: Math.max(1, t.messagesSent / Math.max(1, rounds)),
    bytesSent: t.bytesSent, bytesReceived: t.bytesReceived,
    kernels: [],
  };
}

/**
 * ProcessGroup.alltoallv (pairwise) on rank 0, which holds the largest slice and so receives the most: one
 * round (every peer at once), each block a length frame plus chunks.
 */
function alltoallvPhase(worldSize: number, sliceBytes: (q: number) => number, settings: GroupSettings): CommPhase {
  const s = resolveGroupSettings(settings);
  const t = alltoallvTraffic(worldSize, 0, 4, sliceBytes, () => sliceBytes(0), s);
  return variablePhase('alltoallv', 1, t);
}

/** ProcessGroup.allgatherv (ring) on rank 0: N−1 sequential steps, each block a length frame plus chunks. */
export function allgathervPhase(worldSize: number, elementBytes: number, blockBytes: (q: number) => number, settings: GroupSettings): CommPhase {
  const s = resolveGroupSettings(settings);
  const t = allgathervTraffic(worldSize, 0, elementBytes, blockBytes, s);
  return variablePhase('allgatherv', worldSize - 1, t);
}

/** ProcessGroup.allgatherv (pairwise) on rank 0: one round, its block to every peer and every peer's block in. */
function allgathervPairwisePhase(worldSize: number, elementBytes: number, blockBytes: (q: number) => number, settings: GroupSettings): CommPhase {
  const s = resolveGroupSettings(settings);
  const t = allgathervPairwiseTraffic(worldSize, 0, elementBytes, blockBytes, s);
  return variablePhase('allgatherv', 1, t);
}

/**
 * VoteAllreduce.run on rank 0: copy the W-word code into the send buffer, alltoallv of word slices (each with the
 * finiteness flag word), stack the N received slices into kernel memory, vote (N·32·u_0 value·voters), copy the
 * voted slice out, allgatherv of the voted slices, assemble the W words. Empty for one rank (the strategies run
 * plain Lion then).
 */
export function voteAllreducePhases(worldSize: number, numValues: number, settings: GroupSettings = {}): Phase[] {
  if (worldSize === 1) return [];
  const slices = new UnitSlices(numValues, worldSize);
  const w = slices.units;
  const u0 = slices.unitCount(0);
  const words = (q: number): number => 4 * slices.unitCount(q);
  return [
    kernelPhase('copy code to send buffer', 'copy', 4 * w),
    alltoallvPhase(worldSize, (q) => words(q) + FLAG_BYTES, settings),
    kernelPhase('stack slices', 'copy', 4 * worldSize * u0),
    kernelPhase('vote', 'vote', worldSize * 32 * u0),
    kernelPhase('copy voted slice', 'copy', 4 * u0),
    allgathervPairwisePhase(worldSize, 4, words, settings),
    kernelPhase('assemble result', 'copy', 4 * w),
  ];
}

/**
 * PbitAllreduce.run on rank 0: copy the p-bit code, alltoallv of p-bit slices (p·u_q words and the flag word), stack, exact
 * sum and sign (N·v_0 value·voters at p bits), allgatherv of the 1-bit slices, assemble.
 */
export function pbitAllreducePhases(worldSize: number, numValues: number, bits: QuantBits, settings: GroupSettings = {}): Phase[] {
  if (worldSize === 1) return [];
  const slices = new UnitSlices(numValues, worldSize);
  const packed = (q: number): number => 4 * slices.packedWordLength(q, bits);
  const packedTotal = 4 * slices.packedWordStart(worldSize, bits);
  const u0 = slices.unitCount(0);
  return [
    kernelPhase('copy code to send buffer', 'copy', packedTotal),
    alltoallvPhase(worldSize, (q) => packed(q) + FLAG_BYTES, settings),
    kernelPhase('stack slices', 'copy', worldSize * packed(0)),
    kernelPhase(`sum and sign (${bits}-bit)`, `sign-of-sum-${bits}`, worldSize * slices.valueCount(0)),
    kernelPhase('copy sign slice', 'copy', 4 * u0),
    allgathervPairwisePhase(worldSize, 4, (q) => 4 * slices.unitCount(q), settings),
    kernelPhase('assemble result', 'copy', 4 * slices.units),
  ];
}

/**
 * Int8Ring.run: check every value is within ±⌊127/N⌋, copy the d int8 values, the group's int8 sum allreduce (ring above smallMessageBytes, else
 * recursive doubling; int8RingTraffic), copy the sums into kernel memory, sign of each sum.
 */
export function int8RingPhases(worldSize: number, numValues: number, settings: GroupSettings = {}): Phase[] {
  if (worldSize === 1) return [];
  return [
    kernelPhase('check levels', 'check-int8-levels', numValues),
    kernelPhase('copy values', 'copy', numValues),
    allreducePhase(numValues, 'int8', worldSize, settings),
    kernelPhase('copy sums to kernel memory', 'copy', numValues),
    kernelPhase('sign of int8 sums', 'sign-of-int8-sum', numValues),
  ];
}

/**
 * VoteAllgather.run: copy the code, allgatherv of every rank's whole code (N−1 ring steps of 4W bytes), stack
 * the N codes, vote on all of them (N·32·W value·voters: the vote grows with N, like the bytes).
 */
export function voteAllgatherPhases(worldSize: number, numValues: number, settings: GroupSettings = {}): Phase[] {
  if (worldSize === 1) return [];
  const w = Math.ceil(numValues / 32);
  return [
    kernelPhase('copy code to send buffer', 'copy', 4 * w),
    allgathervPhase(worldSize, 4, () => 4 * w, settings),
    kernelPhase('stack codes', 'copy', 4 * worldSize * w),
    kernelPhase('vote', 'vote', worldSize * 32 * w),
  ];
}

/**
 * TallyAllreduce.run on rank 0: copy the code, alltoallv of word slices, stack, tally (N·v_0 value·voters),
 * narrow the int32 tallies to E = 1 or 2 bytes, allgatherv of E·v_q bytes per slice, assemble E·d bytes.
 */
export function tallyAllreducePhases(worldSize: number, numValues: number, settings: GroupSettings = {}): Phase[] {
  if (worldSize === 1) return [];
  const slices = new UnitSlices(numValues, worldSize);
  const e = tallyBytes(worldSize);
  const words = (q: number): number => 4 * slices.unitCount(q);
  return [
    kernelPhase('copy code to send buffer', 'copy', 4 * slices.units),
    alltoallvPhase(worldSize, words, settings),
    kernelPhase('stack slices', 'copy', 4 * worldSize * slices.unitCount(0)),
    kernelPhase('tally', 'tally', worldSize * slices.valueCount(0)),
    kernelPhase('narrow tallies', 'narrow-tally', slices.valueCount(0)),
    allgathervPairwisePhase(worldSize, e, (q) => e * slices.valueCount(q), settings),
    kernelPhase('assemble tallies', 'copy', e * numValues),
  ];
}
