// While an elastic round runs, reads the rendezvous every keep-alive interval (which also keeps this node alive
// there) and reports the first membership change or rendezvous error.

import type { ClosedRound, ElasticRendezvous, MembershipChange } from '../comm/rendezvous/elastic/handler.js';

export type WatchResult = { change: MembershipChange } | { error: unknown };

export class MembershipWatch {
  private stopped = false;
  private wake: (() => void) | undefined;
  private report!: (seen: WatchResult | undefined) => void;
  private readonly polling: Promise<void>;
  /** Settles with the first change or error, or undefined once stopped without one. */
  readonly result = new Promise<WatchResult | undefined>((resolve) => { this.report = resolve; });

  /**
   * `ignore`: changes that do not end the round (another node finishing). After a change the watch goes on reading
   * (so keeping this node alive) until stopped: stopping the workers for the change can take their grace period.
   */
  constructor(rdzv: ElasticRendezvous, round: ClosedRound, intervalMs: number, ignore: (change: MembershipChange) => boolean = () => false) {
    this.polling = this.loop(rdzv, round, intervalMs, ignore);
  }

  /** Stops polling; the result then settles as undefined unless a change was already seen. */
  async stop(): Promise<WatchResult | undefined> {
    this.stopped = true;
    this.wake?.();
    await this.polling;
    this.report(undefined);
    return this.result;
  }

  private async loop(rdzv: ElasticRendezvous, round: ClosedRound, intervalMs: number, ignore: (change: MembershipChange) => boolean): Promise<void> {
    let reported = false;
    while (!this.stopped) {
      try {
        const change = await rdzv.check(round);
        if (change && !ignore(change) && !reported) {
          reported = true;
          this.report({ change });
        }
      } catch (error) {
        this.report({ error });
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
    }
  }
}

/**
 * Polls until a change is seen or `timeoutMs` passes, reading once more at the end: after a local failure, was it
 * caused elsewhere? The last read matters when another node's worker failed just before this one's: that node
 * opens the next round at the end of its own wait, which can fall between this node's last poll and its deadline.
 */
export async function awaitChange(rdzv: ElasticRendezvous, round: ClosedRound, intervalMs: number, timeoutMs: number): Promise<WatchResult | undefined> {
  const ignore = (c: MembershipChange): boolean => c.kind === 'node-waiting' || (c.kind === 'closed' && c.ok);
  const watch = new MembershipWatch(rdzv, round, intervalMs, ignore);
  const timer = setTimeout(() => void watch.stop(), timeoutMs);
  try {
    const seen = await watch.result;
    await watch.stop();
    if (seen) return seen;
  } finally {
    clearTimeout(timer);
  }
  try {
    const change = await rdzv.check(round);
    return change && !ignore(change) ? { change } : undefined;
  } catch (error) {
    return { error };
  }
}
