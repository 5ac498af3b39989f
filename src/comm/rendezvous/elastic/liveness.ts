// Keep-alive judged on the observer's own clock: a node is lost when its counter in the shared state has not moved
// for the keep-alive timeout, however far apart the machines' clocks are.

import type { RendezvousState } from './round-state.js';

export class LivenessTracker {
  private readonly seen = new Map<string, { beat: number; changedAt: number }>();
  /** Per forming round: when this node first saw it with at least `min` participants. */
  private readonly quorumSince = new Map<number, number>();

  constructor(private readonly timeoutMs: number, private readonly lastCallMs: number, private readonly min: number) {}

  /** Records the counters of `state` at local time `now`; a node seen for the first time counts as alive now. */
  observe(state: RendezvousState, now: number): void {
    for (const [node, beat] of Object.entries(state.beats)) {
      const last = this.seen.get(node);
      if (last === undefined || last.beat !== beat) this.seen.set(node, { beat, changedAt: now });
    }
    if (!state.complete && state.participants.length >= this.min && !this.quorumSince.has(state.round)) this.quorumSince.set(state.round, now);
  }

  /** Counts every known node as heard from at `now` (after this observer could not read the state for a while). */
  restartClocks(now: number): void {
    for (const last of this.seen.values()) last.changedAt = now;
  }

  isLost(node: string, now: number): boolean {
    const last = this.seen.get(node);
    return last !== undefined && now - last.changedAt > this.timeoutMs;
  }

  /** Milliseconds since `node`'s counter last moved, or undefined when never seen. */
  silentMs(node: string, now: number): number | undefined {
    const last = this.seen.get(node);
    return last === undefined ? undefined : now - last.changedAt;
  }

  lastCallOver(state: RendezvousState, now: number): boolean {
    const since = this.quorumSince.get(state.round);
    return since !== undefined && now - since >= this.lastCallMs;
  }
}
