// Direct reads for `integrity` links: payload bytes land in the posted recv's buffer, and count only once verified.
//
// In `integrity` mode a record's body is plaintext covered by a GMAC tag, so the socket can be read straight into
// the recv's buffer as with security `none` (direct-reads.ts): the GMAC reads the bytes there, and nothing copies
// them. What changes is when they count: the record opener reports bytes placed this way to the frame receiver
// only after their record's tag checked (RecordOpener.readInPlace), so a recv never completes with bytes that
// were not verified, and a record that fails fails the recv like any integrity error. Frame headers are never read
// in place: they reach the frame parser through the opener, verified, so the parser only ever chooses a target
// from authentic headers (the sealer gives a large frame's header a record of its own, so the payload's records
// can all be read in place). Record lengths and tags are read on their own (a tag with the next length); other body
// bytes (headers, frames that arrived before their recv) are read into fresh buffers the opener holds until the
// record verified.

import type { CommError } from '../errors.js';
import type { DirectReadSink } from './direct-reads.js';
import type { FrameReceiver } from './frame-receiver.js';
import type { RecordOpener } from './record-layer.js';

/** The DirectReadSink of an `integrity` link: the opener in front of the frame receiver (see the file comment). */
export class VerifiedDirectReads implements DirectReadSink {
  constructor(
    private readonly opener: RecordOpener,
    private readonly receiver: FrameReceiver,
  ) {
    opener.readInPlace((n) => receiver.pushDirect(n));
  }

  /**
   * The next bytes of the posted recv's payload after those already placed in this record, at most to the end of
   * the record's body; null when the record's bytes must go through the opener (or the link failed).
   */
  get directTarget(): Uint8Array | null {
    const allowed = this.opener.inPlaceBytesAllowed;
    if (allowed === 0) return null;
    const rest = this.receiver.directTarget;
    const placed = this.opener.unverifiedInPlaceBytes;
    if (rest === null || rest.byteLength <= placed) return null;
    return rest.subarray(placed, placed + Math.min(allowed, rest.byteLength - placed));
  }

  /** A record length or tag comes next: the reader reads just those bytes into a buffer of its own. */
  get expectsHeader(): boolean {
    return this.opener.fixedBytesAhead > 0;
  }

  get bytesWanted(): number {
    if (this.receiver.bytesWanted === 0) return 0;
    return this.opener.fixedBytesAhead || this.opener.bodyBytesLeft;
  }

  push(chunk: Uint8Array): void {
    try {
      this.opener.push(chunk);
    } catch (error) {
      this.receiver.fail(error as CommError);
    }
  }

  pushDirect(n: number, target: Uint8Array): void {
    try {
      this.opener.authenticateInPlace(target.subarray(0, n));
    } catch (error) {
      this.receiver.fail(error as CommError);
    }
  }
}
