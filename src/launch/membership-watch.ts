// While an elastic round runs, reads the rendezvous every keep-alive interval (which also keeps this node alive
// there) and reports the first membership change or rendezvous error; after a local worker failure, finds out
// whether the cause is elsewhere.

import type { ClosedRound, ElasticRendezvous, MembershipChange } from '../comm/rendezvous/elastic/handler.js';
import { ownFailureConfirmed } from '../comm/rendezvous/elastic/round-steps.js';
import { sleep } from '../comm/sleep.js';

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
 * After this node's worker failed: was the failure caused elsewhere? Reports the failure in the rendezvous, then
 * polls every `intervalMs` until a change is seen (a node lost, a round another node opened: the cause is
 * elsewhere), or until this node is confirmed as the origin: it reported first and every other node's keep-alive
 * has moved since (no node is lost); undefined then, or when `timeoutMs` passes without a change (one last read
 * at the deadline catches a round opened since the last poll). A node whose report came second keeps waiting:
 * the first one opens the next round as soon as it is confirmed.
 */
export async function awaitCause(rdzv: ElasticRendezvous, round: ClosedRound, intervalMs: number, timeoutMs: number): Promise<WatchResult | undefined> {
  const ignore = (c: MembershipChange): boolean => c.kind === 'node-waiting' || (c.kind === 'closed' && c.ok);
  const deadline = performance.now() + timeoutMs;
  // Without the report (backend out of reach) this node is never confirmed first and waits the whole time.
  await rdzv.reportFailure(round).catch(() => {});
  let baseline: Record<string, number> | undefined;
  for (;;) {
    let change: MembershipChange | undefined;
    try {
      change = await rdzv.check(round);
    } catch (error) {
      return { error };
    }
    if (change && !ignore(change)) return { change };
    const state = rdzv.lastState;
    if (state && baseline && ownFailureConfirmed(state, round, rdzv.nodeId, baseline)) return undefined;
    // Counters as first read after the failure: only a move past them proves a node alive since.
    baseline ??= state && { ...state.beats };
    const left = deadline - performance.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(intervalMs, left));
  }
}
