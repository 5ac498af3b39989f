// Whether an incoming data frame belongs where it arrived: the posted recv's tag and length, a live collective.

import { dtypeName } from '../codes.js';
import { MismatchError, ProtocolError } from '../errors.js';
import type { FrameHeader } from './frame.js';
import type { FrameTag } from './transport.js';

/** The two ends of a link, as errors name them: this process's rank and the peer's. */
export interface LinkEnds {
  rank: number;
  peer: number;
}

/**
 * Serial-number order (RFC 1982) over uint32: seq is stale when it lies in the half of the sequence
 * space behind oldestLiveSeq. So a frame up to 2^31 − 1 collectives ahead is accepted (a peer may
 * legitimately run ahead, e.g. the root of a run of broadcasts), one further ahead reads as stale.
 */
export function isStaleSeq(seq: number, oldestLiveSeq: number): boolean {
  const behind = (oldestLiveSeq - seq) >>> 0;
  return behind !== 0 && behind <= 0x80000000;
}

/** The `protocol` error for a frame of a collective this rank has completed (isStaleSeq). */
export function staleFrameError({ rank, peer }: LinkEnds, h: FrameHeader, oldestLiveSeq: number): ProtocolError {
  return new ProtocolError(
    `rank ${peer} sent a frame for collective seq ${h.seq} (op ${h.op}, part ${h.part}), but rank ${rank} has completed every collective ` +
      `before seq ${oldestLiveSeq}: a frame for a finished collective (or more than 2^31 ahead) is not part of any schedule`,
    { rank, peer, seq: h.seq },
  );
}

/** Null when frame `h` is the one the recv of `tag` into `into` expects, else the MismatchError naming both. */
export function frameMismatch({ rank, peer }: LinkEnds, tag: FrameTag, into: Uint8Array, h: FrameHeader): MismatchError | null {
  if (h.op === tag.op && h.seq === tag.seq >>> 0 && h.part === tag.part >>> 0 && h.dtype === tag.dtype && h.payloadLength === into.byteLength) {
    return null;
  }
  return new MismatchError(
    `rank ${rank} expected ${describe(tag.op, tag.seq >>> 0, tag.part >>> 0, tag.dtype, into.byteLength)} from rank ${peer}, ` +
      `but rank ${peer} sent ${describe(h.op, h.seq, h.part, h.dtype, h.payloadLength)}: the ranks run different collectives or sizes`,
    { rank, peer, seq: tag.seq >>> 0 },
  );
}

function describe(op: number, seq: number, part: number, dtype: number, byteLength: number): string {
  return `{op ${op}, seq ${seq}, part ${part}, dtype ${dtypeName(dtype) ?? dtype}, ${byteLength} bytes}`;
}
