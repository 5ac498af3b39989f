// What every collective algorithm receives, and the algorithm ids carried in frame part numbers.

import type { CollectiveLink } from './link.js';
import type { Scratch } from './views.js';

/**
 * Default largest payload of one message (bytes): small enough to pipeline (a ring reduces one chunk while the
 * next arrives) and to stay in cache, large enough that per-message host work is small. gloo's ring uses the
 * same 1 MiB segments; on loopback with 4 ranks on 2 cores, 1 MiB took ~20 % less CPU per 64 MiB float32
 * allreduce than 256 KiB (`bench comm`, `cpu ms all ranks`).
 */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

export interface CollectiveContext {
  /** The call's link: tags, part numbers, outstanding sends and receives. */
  readonly link: CollectiveLink;
  /** Largest payload of one message in bytes (rounded down to whole elements, at least one element). */
  readonly chunkBytes: number;
  /** The group's reusable scratch memory. */
  readonly scratch: Scratch;
}

/**
 * Algorithm ids (top byte of every part number). Distinct per algorithm so two ranks that picked different
 * algorithms for the same call fail the tag check on the first frame. Never reuse or renumber an id.
 */
export const ALGORITHM_IDS = {
  allreduceRing: 1,
  allreduceRecursiveDoubling: 2,
  reduceScatterRing: 3,
  allgatherRing: 4,
  alltoallPairwise: 5,
  broadcastChain: 6,
  broadcastBinomial: 7,
  barrierDissemination: 8,
  alltoallvPairwise: 9,
  allgathervRing: 10,
  allgathervPairwise: 11,
} as const;
