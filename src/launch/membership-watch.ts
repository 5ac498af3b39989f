// While an elastic round runs, reads the rendezvous every keep-alive interval (which also keeps this node alive
// there) and reports the first membership change or rendezvous error.

import type { ClosedRound, ElasticRendezvous, MembershipChange } from '../comm/rendezvous/elastic/handler.js';

export type WatchResult = { change: MembershipChange } | { error: unknown };

export class MembershipWatch {
  private stopped = false;
  private wake: (() => void) | undefined;
  /** Resolves with the first change or error, or undefined once stopped. */
  readonly result: Promise<WatchResult | undefined>;

  /** `ignore`: changes that do not end the round (another node finishing). */
  constructor(rdzv: ElasticRendezvous, round: ClosedRound, intervalMs: number, ignore: (change: MembershipChange) => boolean = () => false) {
    this.result = this.loop(rdzv, round, intervalMs, ignore);
  }

  /** Stops polling; the result then settles as undefined unless a change was already seen. */
  stop(): Promise<WatchResult | undefined> {
    this.stopped = true;
    this.wake?.();
    return this.result;
  }

  private async loop(rdzv: ElasticRendezvous, round: ClosedRound, intervalMs: number, ignore: (change: MembershipChange) => boolean): Promise<WatchResult | undefined> {
    while (!this.stopped) {
      try {
        const change = await rdzv.check(round);
        if (change && !ignore(change)) return { change };
      } catch (error) {
        return { error };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
    }
    return undefined;
  }
}

/** Polls until a change is seen or `timeoutMs` passes: after a local failure, was it caused elsewhere? */
export async function awaitChange(rdzv: ElasticRendezvous, round: ClosedRound, intervalMs: number, timeoutMs: number): Promise<WatchResult | undefined> {
  const watch = new MembershipWatch(rdzv, round, intervalMs, (c) => c.kind === 'node-waiting' || (c.kind === 'closed' && c.ok));
  const timer = setTimeout(() => void watch.stop(), timeoutMs);
  try {
    return await watch.result;
  } finally {
    clearTimeout(timer);
  }
}
