// Errors derived from other errors: the same kind (class and code) reported under another rank's or call's name.

import { CommError, CommTimeoutError, MismatchError, PeerClosedError, ProtocolError, type CommErrorFields } from './errors.js';

/**
 * A new error of the same kind (class and code) as `cause`, with the group's fields and `cause` attached.
 * Used to report a transport error under the collective that hit it, and to rethrow a poisoned group's
 * first failure under the name of each later call.
 */
export function sameKindError(cause: CommError, message: string, fields: CommErrorFields): CommError {
  let error: CommError;
  switch (cause.code) {
    case 'timeout': error = new CommTimeoutError(message, fields); break;
    case 'peer_closed': error = new PeerClosedError(message, fields, { cause }); break;
    case 'mismatch': error = new MismatchError(message, fields); break;
    case 'protocol': error = new ProtocolError(message, fields); break;
    default: error = new CommError(cause.code, message, fields, { cause });
  }
  if (error.cause === undefined) {
    Object.defineProperty(error, 'cause', { value: cause, enumerable: false, writable: true, configurable: true });
  }
  return error;
}

/** Strips the " (op=…, rank=…)" suffix CommError appends, so a wrapped message does not repeat the fields. */
export function baseMessage(error: Error): string {
  return error.message.replace(/ \((?:op|seq|rank|peer)=[^)]*\)$/, '').replace(/ \(after \d+ ms\)$/, '');
}

/** "rank 3" or "ranks 1, 4" or "no peer". */
export function describePeers(peers: readonly number[]): string {
  if (peers.length === 0) return 'no peer';
  return peers.length === 1 ? `rank ${peers[0]}` : `ranks ${peers.join(', ')}`;
}
