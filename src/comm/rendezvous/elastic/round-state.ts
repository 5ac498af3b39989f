// The shared state of an elastic rendezvous (one JSON document per job) and its strict parser.

import { ProtocolError } from '../../errors.js';

/** Where a node can be reached: its address, and the port its rank-0 worker would serve the workers' store on. */
export interface NodeAddress {
  addr: string;
  storePort: number;
}

/** Why a round was opened (recorded by the node that opened it, read by the others to attribute their own failures). */
export type RoundCauseKind = 'start' | 'failure' | 'node-lost' | 'node-joined';

export interface RoundCause {
  kind: RoundCauseKind;
  /** The node that opened the round. */
  node: string;
  /** One line for people: "node b was lost (no keep-alive for 15.0 s); 4 → 3 nodes". */
  text: string;
}

/**
 * One job's rendezvous. `round` is the generation being formed (`complete` false) or the last one closed; once
 * complete, `participants` is in node-rank order. Nodes arriving after a round closed wait in `waiting`, which the
 * running nodes read as a request for the next round. `beats` are keep-alive counters each node increments: liveness
 * is judged by whether a counter moves on the observer's own clock, so clocks of different machines never compare.
 */
export interface RendezvousState {
  round: number;
  complete: boolean;
  participants: string[];
  /** The previous closed round's participants in rank order (keeps ranks stable across rounds). */
  previous: string[];
  waiting: string[];
  nodes: Record<string, NodeAddress>;
  beats: Record<string, number>;
  cause: RoundCause;
  /** Set when the job is over (finished, or failed past its restarts): no further round forms. */
  closed?: { reason: string; ok: boolean };
  /** Nodes whose workers of the final round finished successfully. */
  finished: string[];
  /** Nodes whose workers failed during closed round `round`, in the order they reported it (the first is the likely origin). */
  failures?: { round: number; nodes: string[] };
}

export function encodeRoundState(state: RendezvousState): Uint8Array {
  return Buffer.from(JSON.stringify(state), 'utf8');
}

/** Parses and checks every field; throws ProtocolError naming the first malformed one. */
export function decodeRoundState(bytes: Uint8Array): RendezvousState {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw malformed('not JSON');
  }
  const s = value as RendezvousState;
  if (typeof s !== 'object' || s === null) throw malformed('not an object');
  if (!Number.isSafeInteger(s.round) || s.round < 0) throw malformed('round');
  if (typeof s.complete !== 'boolean') throw malformed('complete');
  for (const key of ['participants', 'previous', 'waiting', 'finished'] as const) {
    if (!Array.isArray(s[key]) || !s[key].every((n) => typeof n === 'string')) throw malformed(key);
  }
  if (!isRecord(s.nodes) || !Object.values(s.nodes).every(isNodeAddress)) throw malformed('nodes');
  if (!isRecord(s.beats) || !Object.values(s.beats).every((b) => Number.isSafeInteger(b))) throw malformed('beats');
  const c = s.cause;
  if (!isRecord(c) || !['start', 'failure', 'node-lost', 'node-joined'].includes(c.kind as string) || typeof c.node !== 'string' || typeof c.text !== 'string') throw malformed('cause');
  if (s.closed !== undefined && (!isRecord(s.closed) || typeof s.closed.reason !== 'string' || typeof s.closed.ok !== 'boolean')) throw malformed('closed');
  const f = s.failures;
  if (f !== undefined && (!isRecord(f) || !Number.isSafeInteger(f.round) || !Array.isArray(f.nodes) || !f.nodes.every((n) => typeof n === 'string'))) throw malformed('failures');
  for (const node of s.participants) if (!isNodeAddress(s.nodes[node])) throw malformed(`nodes (no address of participant ${node})`);
  return s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNodeAddress(v: unknown): v is NodeAddress {
  return isRecord(v) && typeof v.addr === 'string' && v.addr.length > 0 && Number.isInteger(v.storePort) && (v.storePort as number) > 0 && (v.storePort as number) < 65536;
}

function malformed(what: string): ProtocolError {
  return new ProtocolError(`the elastic rendezvous state is malformed: ${what}`, { op: 'rendezvous' });
}
