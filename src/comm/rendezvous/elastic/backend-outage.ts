// An outage of the rendezvous backend while a round runs, as one node sees it: how long it has lasted, which warnings
// to give (the first failure, then at most one per OUTAGE_WARNING_EVERY_MS) and what to say once the backend answers.

import type { RendezvousUnreachableError } from '../../errors.js';

/** At most one warning per this long while the backend stays out of reach. */
export const OUTAGE_WARNING_EVERY_MS = 10_000;

export class BackendOutage {
  private lastReachedAt: number | undefined;
  private failing: { backend: string; endpoints: string } | undefined;
  private warnedAt = -Infinity;

  /** The backend answered at `now`; the line to give when that ends an outage, else undefined. */
  reached(now: number): string | undefined {
    const ended = this.failing && `${this.failing.backend} at ${this.failing.endpoints} answers again after ${this.describeSince(now)} out of reach; the job carried on`;
    this.lastReachedAt = now;
    this.failing = undefined;
    this.warnedAt = -Infinity;
    return ended;
  }

  /** A call failed at `now` with the backend out of reach; the warning to give, or undefined when one was given lately. */
  failed(error: RendezvousUnreachableError, now: number): string | undefined {
    this.failing = { backend: error.backend, endpoints: error.endpoints };
    if (now - this.warnedAt < OUTAGE_WARNING_EVERY_MS) return undefined;
    this.warnedAt = now;
    return `${error.backend} at ${error.endpoints} out of reach for ${this.describeSince(now)} (${error.reason}); the job carries on, `
      + `and the rendezvous keeps its state for at least ${(error.stateKeptForMs / 1000).toFixed(1)} s more without an answer`;
  }

  private describeSince(now: number): string {
    return this.lastReachedAt === undefined ? 'a while' : `${((now - this.lastReachedAt) / 1000).toFixed(1)} s`;
  }
}
