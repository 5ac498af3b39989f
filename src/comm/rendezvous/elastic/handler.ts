// The elastic rendezvous of one node, over any RendezvousStateBackend: join a round, notice membership changes while
// the round runs (keep-alive included), and close the job. Written once; the backends only store the sealed blob.

import { LionCubError } from '../../../errors.js';
import { RendezvousClosedError, RendezvousTimeoutError, RendezvousUnreachableError } from '../../errors.js';
import { sleep } from '../../sleep.js';
import { BackendOutage } from './backend-outage.js';
import { LivenessTracker } from './liveness.js';
import { decodeRoundState, encodeRoundState, type NodeAddress, type RendezvousState, type RoundCause } from './round-state.js';
import { joinStep, membershipChange, touch, withFailure, type ClosedRound, type JoinView, type MembershipChange } from './round-steps.js';
import { openState, sealState } from './sealed-state.js';
import type { RendezvousStateBackend } from './state-backend.js';

export type { ClosedRound, MembershipChange };

/** Time limits of the rendezvous (torchrun's --rdzv-conf names in the CLI). */
export interface ElasticTiming {
  /** A round that does not form (fewer than MIN nodes, or no room) within this long fails. torchrun: join_timeout. */
  joinTimeoutMs: number;
  /** Once MIN nodes joined, wait this long for more (up to MAX) before closing the round. torchrun: last_call_timeout. */
  lastCallMs: number;
  /** Each node advances its keep-alive counter this often. torchrun: keep_alive_interval. */
  keepAliveIntervalMs: number;
  /** A node whose counter has not moved for this long is lost. torchrun: keep_alive_interval × keep_alive_max_attempt. */
  keepAliveTimeoutMs: number;
}

/** torchrun's --rdzv-conf names of the time limits above (seconds; the timeout is interval × max attempts). */
export const TIMING_CONF_KEYS = ['join_timeout', 'last_call_timeout', 'keep_alive_interval', 'keep_alive_max_attempt'] as const;

/** torchrun's defaults, except the last call (30 s there): 10 s lets survivors of a lost node meet sooner. */
export const DEFAULT_ELASTIC_TIMING: ElasticTiming = { joinTimeoutMs: 600_000, lastCallMs: 10_000, keepAliveIntervalMs: 5_000, keepAliveTimeoutMs: 15_000 };

export interface ElasticRendezvousOptions {
  backend: RendezvousStateBackend;
  /** This node's id, unique within the job. */
  nodeId: string;
  min: number;
  max: number;
  rdzvId: string;
  /** rendezvousSealKey(job token, rdzvId). */
  sealKey: Uint8Array;
  timing: ElasticTiming;
  /** Local monotonic clock in ms (tests pass their own). Default performance.now. */
  now?: () => number;
  /** Told when the backend goes out of reach while a round runs (rate-limited) and when it answers again. */
  onWarning?: (message: string) => void;
}

interface Versioned {
  state: RendezvousState | undefined;
  token: string | undefined;
}

export class ElasticRendezvous {
  private readonly liveness: LivenessTracker;
  private readonly outage = new BackendOutage();
  private readonly now: () => number;
  private lastBeatAt = -Infinity;
  private address: NodeAddress | undefined;
  private seen: RendezvousState | undefined;

  constructor(private readonly o: ElasticRendezvousOptions) {
    this.now = o.now ?? (() => performance.now());
    this.liveness = new LivenessTracker(o.timing.keepAliveTimeoutMs, o.timing.lastCallMs, o.min);
  }

  get nodeId(): string {
    return this.o.nodeId;
  }

  /**
   * Joins the next round after `after` (undefined: the first), publishing `address`, and resolves once it closed
   * with this node in it. Throws RendezvousTimeoutError after the join timeout, RendezvousClosedError when the job is
   * over, IntegrityError when the state's seal does not verify, LionCubError `aborted` on `signal`.
   */
  async join(after: number | undefined, cause: RoundCause, address: NodeAddress, signal?: AbortSignal): Promise<ClosedRound> {
    this.address = address;
    const started = this.now();
    let current = await this.read();
    for (;;) {
      if (signal?.aborted) throw new LionCubError('aborted', `stopped while joining the rendezvous of job "${this.o.rdzvId}"`);
      const step = joinStep(current.state, this.view(after, cause, address));
      if (step.kind === 'done') return step.round;
      if (step.kind === 'closed') throw this.closedError(step.reason, step.ok);
      if (step.kind === 'write') {
        current = await this.write(step.next, current.token);
        continue;
      }
      if (this.now() - started > this.o.timing.joinTimeoutMs) throw this.timeoutError(current.state!, started);
      if (this.beatDue()) current = await this.write(touch(current.state!, this.o.nodeId, address), current.token);
      else {
        await sleep(this.pollMs(), signal);
        current = await this.read();
      }
    }
  }

  /**
   * Reads the state while round `r` runs, advancing this node's keep-alive when due; the change seen, if any.
   * A backend out of reach that still keeps the job's state (RendezvousUnreachableError) is warned about and seen
   * as no change, so the round goes on through an outage; any other backend error is thrown.
   */
  async check(r: ClosedRound): Promise<MembershipChange | undefined> {
    try {
      return await this.checkOnce(r);
    } catch (error) {
      if (!(error instanceof RendezvousUnreachableError)) throw error;
      const warning = this.outage.failed(error, this.now());
      if (warning) this.o.onWarning?.(warning);
      return undefined;
    }
  }

  private async checkOnce(r: ClosedRound): Promise<MembershipChange | undefined> {
    let current = await this.read();
    if (current.state === undefined) return { kind: 'closed', reason: `the rendezvous state of job "${this.o.rdzvId}" disappeared from the ${this.o.backend.name} backend`, ok: false };
    if (this.beatDue() && this.address) current = await this.write(touch(current.state, this.o.nodeId, this.address), current.token);
    return current.state && membershipChange(current.state, r, this.o.nodeId, this.o.max, (n) => this.liveness.isLost(n, this.now()));
  }

  /** "b (no keep-alive for 15.2 s)". */
  describeNode(node: string): string {
    const silent = this.liveness.silentMs(node, this.now());
    return silent === undefined ? node : `${node} (no keep-alive for ${(silent / 1000).toFixed(1)} s)`;
  }

  /** The state as last read or written (undefined before the first). */
  get lastState(): RendezvousState | undefined {
    return this.seen;
  }

  /** Records that this node's workers of round `r` failed; nodes that report a failure of the same round are listed in order. */
  async reportFailure(r: ClosedRound): Promise<void> {
    await this.update((s) => withFailure(s, r, this.o.nodeId));
  }

  /** Marks this node's workers of round `r` finished; the job is then over for nodes that arrive later. */
  async finish(r: ClosedRound): Promise<void> {
    await this.update((s) => ({ ...s, finished: [...new Set([...s.finished, this.o.nodeId])], closed: s.closed ?? { reason: `job "${this.o.rdzvId}" finished at generation ${r.round}`, ok: true } }));
  }

  /** Ends the job for every node (this one gave up): their next check or join reports `reason`. */
  async closeJob(reason: string): Promise<void> {
    await this.update((s) => (s.closed ? s : { ...s, closed: { reason, ok: false } }));
  }

  /** Resolves once every other participant of `r` finished or is lost, or `timeoutMs` passed (the builtin host waits so). */
  async awaitOthersFinished(r: ClosedRound, timeoutMs: number): Promise<void> {
    const deadline = this.now() + timeoutMs;
    while (this.now() < deadline) {
      const { state } = await this.read();
      if (state === undefined || r.nodes.every((n) => n === this.o.nodeId || state.finished.includes(n) || this.liveness.isLost(n, this.now()))) return;
      await sleep(this.pollMs());
    }
  }

  private async update(change: (s: RendezvousState) => RendezvousState): Promise<void> {
    let current = await this.read();
    while (current.state !== undefined) {
      const next = change(current.state);
      if (next === current.state) return;
      const result = await this.o.backend.setState(this.seal(next), current.token);
      if (result.written) return;
      current = this.open(result.state, result.token);
    }
  }

  private view(after: number | undefined, cause: RoundCause, address: NodeAddress): JoinView {
    const now = this.now();
    const { min, max, nodeId: me } = this.o;
    return { me, address, min, max, after, cause, isLost: (n) => this.liveness.isLost(n, now), lastCallOver: (s) => this.liveness.lastCallOver(s, now) };
  }

  private beatDue(): boolean {
    return this.now() - this.lastBeatAt >= this.o.timing.keepAliveIntervalMs;
  }

  private pollMs(): number {
    return Math.max(20, Math.min(500, this.o.timing.keepAliveIntervalMs / 4, this.o.timing.lastCallMs / 4));
  }

  private async read(): Promise<Versioned> {
    const got = await this.o.backend.getState();
    return got === undefined ? { state: undefined, token: undefined } : this.open(got.state, got.token);
  }

  /** Compare-and-set; on a lost race the state that won is returned (and observed) instead. */
  private async write(next: RendezvousState, token: string | undefined): Promise<Versioned> {
    const result = await this.o.backend.setState(this.seal(next), token);
    if (result.written) this.lastBeatAt = this.now();
    return this.open(result.state, result.token);
  }

  private seal(state: RendezvousState): Uint8Array {
    return sealState(encodeRoundState(state), this.o.sealKey, this.o.rdzvId);
  }

  private open(sealed: Uint8Array, token: string): Versioned {
    const state = decodeRoundState(openState(sealed, this.o.sealKey, this.o.rdzvId, this.o.backend.name));
    const ended = this.outage.reached(this.now());
    if (ended) {
      // Nobody's keep-alive could move while the backend was out of reach: only silence seen from now on counts.
      this.liveness.restartClocks(this.now());
      this.o.onWarning?.(ended);
    }
    this.liveness.observe(state, this.now());
    this.seen = state;
    return { state, token };
  }

  private closedError(reason: string, ok: boolean): RendezvousClosedError {
    return new RendezvousClosedError(`the rendezvous forms no more rounds: ${reason}`, ok, { op: 'rendezvous' });
  }

  private timeoutError(s: RendezvousState, started: number): RendezvousTimeoutError {
    const secs = ((this.now() - started) / 1000).toFixed(0);
    const { min, max } = this.o;
    const joined = s.participants.length;
    const detail = s.complete
      ? `round ${s.round} runs with ${joined} nodes (at most ${max}) and no new round opened for this node within ${secs} s`
      : `only ${joined} of the minimum ${min} nodes joined round ${s.round} within ${secs} s (${s.participants.join(', ')})`;
    return new RendezvousTimeoutError(
      `${detail}: start more nodes with the same --rdzv-endpoint and --rdzv-id, lower MIN in --nnodes ${min}:${max}, or raise join_timeout in --rdzv-conf`,
      { op: 'rendezvous', elapsedMs: this.now() - started },
    );
  }
}
