// Typed communication errors: every one names the operation, the ranks involved and a stable code.

import { LionCubError } from '../errors.js';

/** Stable codes of communication failures. */
export type CommErrorCode =
  | 'timeout'        // an operation did not complete within its timeout
  | 'peer_closed'    // a peer's connection closed or errored (the process died, the network went away)
  | 'protocol'       // a malformed frame: bad magic, version, length over the cap, bad handshake
  | 'mismatch'       // ranks disagree: different operation, sequence number, dtype, size or configuration
  | 'auth'           // a connection failed the job-token handshake
  | 'integrity'      // a record failed authentication: altered, replayed, reordered or truncated in transit
  | 'generation'     // a process of an older (or newer) restart generation than the job's tried to join it
  | 'closed'         // the local process group was closed
  | 'rendezvous';    // could not reach the store or gather the peers in time

/** Where a communication error happened; every field is optional and filled when known. */
export interface CommErrorFields {
  /** Collective or step that failed, e.g. "allreduce" or "rendezvous". */
  op?: string;
  /** The rank reporting the error. */
  rank?: number;
  /** The remote rank involved, when one is known. */
  peer?: number;
  /** Per-group sequence number of the collective. */
  seq?: number;
  /** Time since the operation started. */
  elapsedMs?: number;
}

/** A communication failure with a stable CommErrorCode and the operation, ranks and sequence number involved. */
export class CommError extends LionCubError implements CommErrorFields {
  declare readonly code: CommErrorCode;
  readonly op?: string;
  readonly rank?: number;
  readonly peer?: number;
  readonly seq?: number;
  readonly elapsedMs?: number;
  constructor(code: CommErrorCode, message: string, fields: CommErrorFields = {}, options?: { cause?: unknown }) {
    super(code, `${message}${describeFields(fields)}`, options);
    Object.assign(this, fields);
  }
}

/** An operation did not complete within its timeout (`timeout`). */
export class CommTimeoutError extends CommError {
  constructor(message: string, fields: CommErrorFields) { super('timeout', message, fields); }
}
/** A peer's connection closed or errored (`peer_closed`). */
export class PeerClosedError extends CommError {
  constructor(message: string, fields: CommErrorFields, options?: { cause?: unknown }) { super('peer_closed', message, fields, options); }
}
/** A malformed frame or handshake (`protocol`). */
export class ProtocolError extends CommError {
  constructor(message: string, fields: CommErrorFields = {}) { super('protocol', message, fields); }
}
/** Ranks disagree on the operation, sequence, dtype, size or configuration (`mismatch`). */
export class MismatchError extends CommError {
  constructor(message: string, fields: CommErrorFields = {}) { super('mismatch', message, fields); }
}
/** A process of another restart generation than the job's tried to join it (`generation`). */
export class GenerationMismatchError extends CommError {
  constructor(message: string, fields: CommErrorFields = {}) { super('generation', message, fields); }
}
/** A record failed authentication: altered, replayed, reordered or truncated in transit (`integrity`). */
export class IntegrityError extends CommError {
  constructor(message: string, fields: CommErrorFields = {}) { super('integrity', message, fields); }
}

/**
 * The store of an elastic rendezvous (etcd, ...) failed or did not answer in time (`rendezvous`).
 * `backend` names the kind, `endpoints` where it was asked.
 */
export class RendezvousBackendError extends CommError {
  readonly backend: string;
  readonly endpoints: string;
  /** The message without the backend and endpoints in front. */
  readonly reason: string;
  /** True when the backend did not answer or could not be reached, false when it answered with a refusal. */
  readonly unreachable: boolean;
  constructor(backend: string, endpoints: string, message: string, options?: { cause?: unknown; unreachable?: boolean }) {
    super('rendezvous', `${backend} at ${endpoints}: ${message}`, { op: 'rendezvous' }, options);
    this.backend = backend;
    this.endpoints = endpoints;
    this.reason = message;
    this.unreachable = options?.unreachable ?? false;
  }
}

/**
 * The rendezvous backend is out of reach for now, but keeps the job's state for at least `stateKeptForMs` more
 * (etcd: until the job lease can have expired). A node that only watches a running round may carry on meanwhile.
 */
export class RendezvousUnreachableError extends RendezvousBackendError {
  readonly stateKeptForMs: number;
  constructor(backend: string, endpoints: string, message: string, stateKeptForMs: number, options?: { cause?: unknown }) {
    super(backend, endpoints, message, { ...options, unreachable: true });
    this.stateKeptForMs = stateKeptForMs;
  }
}

function describeFields(f: CommErrorFields): string {
  const parts: string[] = [];
  if (f.op !== undefined) parts.push(`op=${f.op}`);
  if (f.seq !== undefined) parts.push(`seq=${f.seq}`);
  if (f.rank !== undefined) parts.push(`rank=${f.rank}`);
  if (f.peer !== undefined) parts.push(`peer=${f.peer}`);
  if (f.elapsedMs !== undefined) parts.push(`after ${Math.round(f.elapsedMs)} ms`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** An elastic rendezvous round did not form within its join timeout (too few nodes, or no room): code `rendezvous`. */
export class RendezvousTimeoutError extends CommError {
  constructor(message: string, fields: CommErrorFields = {}) { super('rendezvous', message, fields); }
}
/** The elastic job is over (finished, or failed past its restarts on some node): no further round forms. Code `rendezvous`. */
export class RendezvousClosedError extends CommError {
  readonly ok: boolean;
  constructor(message: string, ok: boolean, fields: CommErrorFields = {}) {
    super('rendezvous', message, fields);
    this.ok = ok;
  }
}
