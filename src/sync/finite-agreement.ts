// The non-finite gradient rule every strategy follows (AMP's found_inf): when the gradient of any rank holds a
// NaN or ±∞, every rank skips the step, so parameters stay identical and no momentum is poisoned.
//
// Strategies that reduce the gradient itself (lion, lion-bf16) read the rule off the reduced gradient, which is
// the same on every rank and non-finite exactly when some rank's input was. Strategies that exchange only codes
// cannot carry the flag, so they agree on it with a one-byte max-allreduce, queued on the group before the
// step's collective (its latency overlaps the encode; measured in docs/strategies.md).

import { predictTraffic, wireBytes } from '../comm/collectives/wire-bytes.js';
import type { ProcessGroup } from '../comm/process-group.js';
import { FRAME_HEADER_BYTES } from '../comm/transport/frame.js';

export class FiniteAgreement {
  private readonly flag = new Uint8Array(1);

  constructor(private readonly group: ProcessGroup) {}

  /**
   * Starts the agreement for this step; resolves to true when every rank's gradient was finite. Every rank must
   * call it at the same point of the same step (it is a collective). The returned promise never rejects
   * unhandled: a failure is reported when it is awaited.
   */
  start(localFinite: boolean): Promise<boolean> {
    this.flag[0] = localFinite ? 0 : 1;
    const done = this.group.allreduce(this.flag, { op: 'max' }).then((flag) => flag[0] === 0);
    done.catch(() => {});
    return done;
  }
}

/** Bytes `rank` sends for the agreement of one step: a one-byte allreduce by recursive doubling, frame headers included. */
export function finiteAgreementBytesSent(worldSize: number, rank: number): number {
  if (worldSize === 1) return 0;
  const t = predictTraffic({ algorithm: 'allreduce-recursive-doubling', worldSize, rank, count: 1, elementBytes: 1, chunkBytes: 1 });
  return wireBytes(t, FRAME_HEADER_BYTES).bytesSent;
}
