// The abort control frame's payload: how a failing rank tells its peers why, and how they rebuild the error.

import { CommError, CommTimeoutError, IntegrityError, MismatchError, PeerClosedError, ProtocolError, type CommErrorCode, type CommErrorFields } from '../errors.js';

const CODES: ReadonlySet<string> = new Set<CommErrorCode>(['timeout', 'peer_closed', 'protocol', 'mismatch', 'auth', 'integrity', 'closed', 'rendezvous']);

/** UTF-8 JSON {code, message, peer, op, seq} of `error`, the message cut at 2000 characters. */
export function encodeAbort(error: CommError): Uint8Array {
  // The fields travel as JSON, so drop the " (op=…, rank=…)" suffix CommError appended to the text.
  const message = error.message.replace(/ \((?:op|seq|rank|peer|after)[= ][^)]*\)$/, '').slice(0, 2000);
  const reason = { code: error.code, message, peer: error.peer, op: error.op, seq: error.seq };
  return Buffer.from(JSON.stringify(reason), 'utf8');
}

/**
 * The error a rank reports when `sender` aborted: same class and code as the sender's failure, naming
 * the rank that failure named (e.g. the killed rank) or else the sender. The text is attributed to
 * `sender`, the rank authenticated on the link it came from, and is peer-supplied: control and
 * bidirectional-formatting characters are replaced and it is cut at 2000 characters, so it cannot
 * drive the terminal it is printed on; fields that are not plain ranks, numbers or names are dropped.
 * Garbled payloads still abort, as a peer_closed error naming the sender.
 */
export function decodeAbort(payload: Uint8Array, sender: number, rank: number): CommError {
  let reason: { code?: unknown; message?: unknown; peer?: unknown; op?: unknown; seq?: unknown } = {};
  try {
    reason = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    // The peer has failed either way.
  }
  const code = typeof reason.code === 'string' && CODES.has(reason.code) ? (reason.code as CommErrorCode) : 'peer_closed';
  const fields: CommErrorFields = {
    rank,
    peer: isRank(reason.peer) ? reason.peer : sender,
    op: typeof reason.op === 'string' && /^[\w-]{1,40}$/.test(reason.op) ? reason.op : undefined,
    seq: isRank(reason.seq) ? reason.seq : undefined,
  };
  const text = typeof reason.message === 'string' ? printable(reason.message).slice(0, 2000) : '(no reason given)';
  const message = `rank ${sender} failed and aborted the job: ${text}`;
  switch (code) {
    case 'peer_closed': return new PeerClosedError(message, fields);
    case 'protocol': return new ProtocolError(message, fields);
    case 'mismatch': return new MismatchError(message, fields);
    case 'timeout': return new CommTimeoutError(message, fields);
    case 'integrity': return new IntegrityError(message, fields);
    default: return new CommError(code, message, fields);
  }
}

/** A non-negative integer that fits 32 bits: what a rank or a sequence number can be. */
function isRank(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffff_ffff;
}

/** `text` with C0/C1 control characters, DEL and bidirectional-formatting marks replaced by U+FFFD. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}
