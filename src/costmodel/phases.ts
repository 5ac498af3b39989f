// The cost model's unit of work: communication phases and kernel calls, and the group settings they depend on.

import { DEFAULT_CHUNK_BYTES } from '../comm/collectives/context.js';
import { DEFAULT_SMALL_MESSAGE_BYTES } from '../comm/process-group.js';
import { FRAME_HEADER_BYTES } from '../comm/transport/frame.js';
import type { KernelWork } from './kernels.js';

/**
 * One process-group call as the cost model sees it: its critical path and the busiest rank's load.
 *
 * - rounds: message hops that must happen one after another (variable: a variable-size collective, whose rounds
 *   also wait for a length frame) (a ring step waits for the previous one; the
 *   chunks of one step pipeline behind its first message, so they add bytes and per-message cost, not hops);
 * - wireBytes: bytes that cross one NIC in one direction, in sequence, on the critical path (payload plus
 *   frame headers and length frames); the wire time is wireBytes·β;
 * - hostBytes / messages: what the busiest rank's CPU handles (sent plus received), for the per-byte and
 *   per-message host costs;
 * - chunksPerRound: messages a rank sends per round, the pipeline depth (see commPhaseCost);
 * - kernels: CPU work the rank does inside the call (a ring's reductions), which overlaps the transfer;
 * - bytesSent: bytes rank 0 sends (frame headers included), the figure reported as bytes per rank.
 */
export interface CommPhase {
  type: 'comm';
  label: string;
  rounds: number;
  /** alltoallv / allgatherv: each round waits for a length frame first (costs δ more per round). */
  variable: boolean;
  wireBytes: number;
  hostBytes: number;
  messages: number;
  /**
   * Messages a rank sends per round (≥ 1): the depth of the chunk pipeline. With m chunks a round's transfer and
   * its CPU work overlap except for one chunk's worth, so 1/m of the shorter of the two still shows.
   */
  chunksPerRound: number;
  bytesSent: number;
  bytesReceived: number;
  kernels: KernelWork[];
}

/** A kernel call between communication phases (staging copies, the vote): serial with everything else. */
export interface KernelPhase {
  type: 'kernel';
  label: string;
  work: KernelWork;
}

export type Phase = CommPhase | KernelPhase;

/** The process-group settings that change messages and algorithm choices; each must match the group's options. */
export interface GroupSettings {
  /** ProcessGroupOptions.chunkBytes. Default 1 MiB (DEFAULT_CHUNK_BYTES). */
  chunkBytes?: number;
  /** Frame header bytes per message. Default 32. */
  headerBytes?: number;
  /** ProcessGroupOptions.smallMessageBytes: allreduce by recursive doubling up to this size. Default 64 KiB. */
  smallMessageBytes?: number;
}

export interface ResolvedGroupSettings {
  chunkBytes: number;
  headerBytes: number;
  smallMessageBytes: number;
}

export function resolveGroupSettings(s: GroupSettings = {}): ResolvedGroupSettings {
  return {
    chunkBytes: s.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    headerBytes: s.headerBytes ?? FRAME_HEADER_BYTES,
    smallMessageBytes: s.smallMessageBytes ?? DEFAULT_SMALL_MESSAGE_BYTES,
  };
}

export function kernelPhase(label: string, kernel: KernelWork['kernel'], units: number): KernelPhase {
  return { type: 'kernel', label, work: { kernel, units } };
}

/** Sums the bytes rank 0 sends and receives over the communication phases. */
export function phaseBytes(phases: readonly Phase[]): { bytesSent: number; bytesReceived: number } {
  let bytesSent = 0;
  let bytesReceived = 0;
  for (const p of phases) {
    if (p.type !== 'comm') continue;
    bytesSent += p.bytesSent;
    bytesReceived += p.bytesReceived;
  }
  return { bytesSent, bytesReceived };
}
