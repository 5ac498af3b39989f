// The round logic of the elastic rendezvous as pure functions of the shared state: what a joining node writes next,
// when a round closes, and what a running node reads as a change of membership. No I/O and no clocks here.

import type { NodeAddress, RendezvousState, RoundCause } from './round-state.js';

/** A closed round as one node sees it. */
export interface ClosedRound {
  /** The generation (TORCHELASTIC_RESTART_COUNT of its workers). */
  round: number;
  nodeRank: number;
  /** Participants in node-rank order. */
  nodes: string[];
  /** Address of each participant, in node-rank order. */
  addresses: NodeAddress[];
  /** Why the round was opened. */
  cause: RoundCause;
  /** Participants of the round before (in rank order), for "4 → 3 nodes". */
  previous: string[];
}

/** What a joining node sees besides the state: who it is, the bounds, and its own view of time and liveness. */
export interface JoinView {
  me: string;
  address: NodeAddress;
  min: number;
  max: number;
  /** The round this node last ran (it wants a newer one), or undefined on its first join. */
  after: number | undefined;
  /** Recorded when this node opens a new round. */
  cause: RoundCause;
  /** True when `node`'s keep-alive counter has not moved for the keep-alive timeout (on this node's clock). */
  isLost(node: string): boolean;
  /** True once this round has had at least `min` participants for the last-call time (on this node's clock). */
  lastCallOver(state: RendezvousState): boolean;
}

export type JoinStep =
  | { kind: 'done'; round: ClosedRound }
  | { kind: 'write'; next: RendezvousState }
  | { kind: 'wait' }
  | { kind: 'closed'; reason: string; ok: boolean };

/** The state every write of `me` carries: its keep-alive counter advanced and its address published. */
export function touch(state: RendezvousState, me: string, address: NodeAddress): RendezvousState {
  return { ...state, nodes: { ...state.nodes, [me]: address }, beats: { ...state.beats, [me]: (state.beats[me] ?? 0) + 1 } };
}

/** The first state of a job: round 0 forming, with `me` as its first participant. */
export function initialState(v: JoinView): RendezvousState {
  const empty: RendezvousState = { round: 0, complete: false, participants: [v.me], previous: [], waiting: [], nodes: {}, beats: {}, cause: v.cause, finished: [] };
  return touch(empty, v.me, v.address);
}

/**
 * One step of joining (torchrun's dynamic rendezvous): drop lost nodes from a forming round; in a closed round
 * this node ran last, open the next one; in a closed round without it, wait in `waiting` (that asks the running
 * nodes for a new round); in a forming round, join while there is room (else wait), and close it once it has `max`
 * participants, or has had `min` for the last call or since every live node of the previous round is back. Closing orders ranks by the previous round's ranks, then by
 * arrival, so surviving nodes keep their order.
 */
export function joinStep(s: RendezvousState | undefined, v: JoinView): JoinStep {
  if (s === undefined) return { kind: 'write', next: initialState(v) };
  if (s.closed) return { kind: 'closed', ...s.closed };
  const lostWaiting = s.waiting.filter((n) => n !== v.me && v.isLost(n));
  const lostJoined = s.complete ? [] : s.participants.filter((n) => n !== v.me && v.isLost(n));
  if (lostWaiting.length > 0 || lostJoined.length > 0) {
    return write({ ...s, waiting: without(s.waiting, lostWaiting), participants: without(s.participants, lostJoined) }, v);
  }
  const joined = s.participants.includes(v.me);
  if (s.complete) {
    if (joined && (v.after === undefined || v.after < s.round)) return { kind: 'done', round: closedRound(s, v.me) };
    if (joined) {
      return write({ ...s, round: s.round + 1, complete: false, participants: [v.me], previous: s.participants, waiting: without(s.waiting, [v.me]), cause: v.cause }, v);
    }
    return s.waiting.includes(v.me) ? { kind: 'wait' } : write({ ...s, waiting: [...s.waiting, v.me] }, v);
  }
  if (!joined) {
    if (s.participants.length < v.max) return write({ ...s, participants: [...s.participants, v.me], waiting: without(s.waiting, [v.me]) }, v);
    return s.waiting.includes(v.me) ? { kind: 'wait' } : write({ ...s, waiting: [...s.waiting, v.me] }, v);
  }
  const n = s.participants.length;
  if (n >= v.max || (n >= v.min && (v.lastCallOver(s) || allBack(s, v)))) return write({ ...s, complete: true, participants: rankOrder(s) }, v);
  return { kind: 'wait' };
}

/** What a node running round `r` reads in the state as a reason to stop its workers and meet again. */
export type MembershipChange =
  | { kind: 'next-round'; round: number; cause: RoundCause }
  | { kind: 'node-lost'; nodes: string[] }
  | { kind: 'node-waiting'; nodes: string[] }
  | { kind: 'closed'; reason: string; ok: boolean };

/**
 * A newer round (another node opened it), a participant of `r` whose keep-alive stopped, or a live node waiting
 * while the round has room below `max`; undefined while nothing changed.
 */
export function membershipChange(s: RendezvousState, r: ClosedRound, me: string, max: number, isLost: (node: string) => boolean): MembershipChange | undefined {
  if (s.closed) return { kind: 'closed', ...s.closed };
  if (s.round > r.round) return { kind: 'next-round', round: s.round, cause: s.cause };
  const lost = r.nodes.filter((n) => n !== me && !s.finished.includes(n) && isLost(n));
  if (lost.length > 0) return { kind: 'node-lost', nodes: lost };
  if (s.complete && s.round === r.round && s.participants.length < max) {
    const waiting = s.waiting.filter((n) => !isLost(n));
    if (waiting.length > 0) return { kind: 'node-waiting', nodes: waiting };
  }
  return undefined;
}

/**
 * Every live node of the previous round has rejoined and nobody waits: the round that replaces it needs no last
 * call (a lost node is not coming back). A first round, or one whose old nodes this node cannot vouch for, waits.
 */
function allBack(s: RendezvousState, v: JoinView): boolean {
  const alive = s.previous.filter((n) => !v.isLost(n));
  return s.previous.length > 0 && s.waiting.length === 0 && alive.every((n) => s.participants.includes(n));
}

function closedRound(s: RendezvousState, me: string): ClosedRound {
  return {
    round: s.round,
    nodeRank: s.participants.indexOf(me),
    nodes: [...s.participants],
    addresses: s.participants.map((n) => s.nodes[n]),
    cause: s.cause,
    previous: [...s.previous],
  };
}

function rankOrder(s: RendezvousState): string[] {
  const key = (n: string): number => {
    const before = s.previous.indexOf(n);
    return before >= 0 ? before : s.previous.length + s.participants.indexOf(n);
  };
  return [...s.participants].sort((a, b) => key(a) - key(b));
}

function write(next: RendezvousState, v: JoinView): JoinStep {
  return { kind: 'write', next: touch(next, v.me, v.address) };
}

function without(list: string[], drop: string[]): string[] {
  return list.filter((n) => !drop.includes(n));
}

/** `state` with `me` added to the nodes whose workers failed during closed round `r` (unchanged if already there or the round moved on). */
export function withFailure(s: RendezvousState, r: ClosedRound, me: string): RendezvousState {
  if (s.round !== r.round || !s.complete) return s;
  const nodes = s.failures?.round === r.round ? s.failures.nodes : [];
  return nodes.includes(me) ? s : { ...s, failures: { round: r.round, nodes: [...nodes, me] } };
}

/**
 * This node's workers failed first in round `r` (it reported the failure before any other node) and every other
 * participant that has not finished advanced its keep-alive counter past `baseline` (counters read after the
 * failure), so no node is lost: the failure is this node's own.
 */
export function ownFailureConfirmed(s: RendezvousState, r: ClosedRound, me: string, baseline: Readonly<Record<string, number>>): boolean {
  if (s.round !== r.round || s.failures?.round !== r.round || s.failures.nodes[0] !== me) return false;
  return r.nodes.every((n) => n === me || s.finished.includes(n) || (s.beats[n] ?? 0) > (baseline[n] ?? 0));
}
