// Computed (not measured) bytes per step of the `lion` baseline, to set a run's measured traffic against.
//
// `lion` sends one mean allreduce of the d float32 gradients per step. Above the small-message threshold the
// group runs the ring: each rank sends every block of the even split but two, i.e. 2(N−1)/N·4d payload bytes
// (exactly, blocks of ⌊d/N⌋ or ⌈d/N⌉ values), cut into chunks, plus one frame header per message. The count
// comes from the same schedule model the collective tests hold the transports' counters to (wire-bytes.ts).

import { DEFAULT_CHUNK_BYTES } from '../comm/collectives/context.js';
import { predictTraffic, wireBytes } from '../comm/collectives/wire-bytes.js';
import { DEFAULT_SMALL_MESSAGE_BYTES } from '../comm/process-group.js';
import { FRAME_HEADER_BYTES } from '../comm/transport/frame.js';

export interface LionBaselineOptions {
  numParams: number;
  worldSize: number;
  /** Rank whose traffic is computed (ring ranks differ by a few bytes when N does not divide d). Default 0. */
  rank?: number;
  chunkBytes?: number;
  smallMessageBytes?: number;
}

export interface LionBaseline {
  /** Bytes the rank sends per step, frame headers included. */
  bytesSent: number;
  /** Payload only: 2(N−1)/N·4d for the ring. */
  payloadBytesSent: number;
  messagesSent: number;
  algorithm: 'allreduce-ring' | 'allreduce-recursive-doubling';
}

/** What one step of `lion` sends from `rank` for this model and world size (0 for one rank). */
export function lionBytesPerStep(options: LionBaselineOptions): LionBaseline {
  const { numParams, worldSize, rank = 0, chunkBytes = DEFAULT_CHUNK_BYTES, smallMessageBytes = DEFAULT_SMALL_MESSAGE_BYTES } = options;
  const algorithm = numParams * 4 <= smallMessageBytes ? 'allreduce-recursive-doubling' : 'allreduce-ring';
  const traffic = predictTraffic({ algorithm, worldSize, rank, chunkBytes, count: numParams, elementBytes: 4 });
  return {
    bytesSent: wireBytes(traffic, FRAME_HEADER_BYTES).bytesSent,
    payloadBytesSent: traffic.payloadBytesSent,
    messagesSent: traffic.messagesSent,
    algorithm,
  };
}
