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
 * the rank that failure named (e.g. the killed rank) or else the sender. Garbled payloads still abort,
 * as a peer_closed error naming the sender.
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
    peer: typeof reason.peer === 'number' ? reason.peer : sender,
    op: typeof reason.op === 'string' ? reason.op : undefined,
    seq: typeof reason.seq === 'number' ? reason.seq : undefined,
  };
  const message = `rank ${sender} failed and aborted the job: ${typeof reason.message === 'string' ? reason.message : '(no reason given)'}`;
  switch (code) {
    case 'peer_closed': return new PeerClosedError(message, fields);
    case 'protocol': return new ProtocolError(message, fields);
    case 'mismatch': return new MismatchError(message, fields);
    case 'timeout': return new CommTimeoutError(message, fields);
    case 'integrity': return new IntegrityError(message, fields);
    default: return new CommError(code, message, fields);
  }
}
