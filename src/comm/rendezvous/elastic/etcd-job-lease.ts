// The one etcd lease of a job's rendezvous: its ID is stored under the job's `lease` key (attached to the lease
// itself), every open participant refreshes it, so the job's keys live while any participant is open and vanish
// one TTL after the last one closed or died. Each participant knows how long the lease surely lives without etcd.

import type { ILeaseKeepAliveResponse } from 'etcd3';
import type { EtcdConnection } from './etcd-connection.js';

type CallOptions = { deadline: number };

/** Pause before the next refresh after a failed one (each attempt already waits up to the time limit for etcd). */
const RETRY_AFTER_FAILURE_MS = 500;

export class EtcdJobLease {
  private leaseId: string | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private refreshing = false;
  /** Local time (performance.now) a request etcd answered by renewing the lease was sent, and the TTL it set. */
  private renewed: { at: number; ttlMs: number } | undefined;

  constructor(private readonly connection: EtcdConnection, private readonly leaseKey: string, readonly ttlSeconds: number) {}

  /** The job's lease ID: the one already stored for the job, else one granted now. Keeps it alive until close(). */
  async id(options: CallOptions): Promise<string> {
    if (this.leaseId === undefined) {
      this.leaseId = await this.joinOrGrant(options);
      // A joined lease was last renewed by someone else at a time unknown here: renew it now.
      if (this.renewed === undefined) this.schedule(0);
    }
    this.startKeepAlive();
    return this.leaseId;
  }

  /**
   * Milliseconds for which the lease surely still lives: its TTL counted from the sending of the last request etcd
   * renewed it with (grant or keep-alive), minus the time since. Undefined while this participant knows of no live
   * lease (none taken yet, or etcd said it is gone). At or below 0 the lease, and the job's state with it, can be gone.
   */
  msLeft(now = performance.now()): number | undefined {
    if (this.leaseId === undefined || this.renewed === undefined) return undefined;
    return this.renewed.at + this.renewed.ttlMs - now;
  }

  /** Milliseconds since etcd last renewed the lease for this participant (undefined as for msLeft). */
  msSinceRenewal(now = performance.now()): number | undefined {
    return this.leaseId === undefined || this.renewed === undefined ? undefined : now - this.renewed.at;
  }

  /** Forgets the lease after etcd said it no longer exists; the next id() joins or grants a new one. */
  invalidate(): void {
    this.leaseId = undefined;
    this.renewed = undefined;
  }

  /** Stops refreshing the lease without revoking it: the other participants may still use it. */
  close(): void {
    this.closed = true;
    clearTimeout(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  private async joinOrGrant(options: CallOptions): Promise<string> {
    const { client } = this.connection;
    for (;;) {
      const stored = await client.get(this.leaseKey).options(options).string();
      if (stored !== null) return stored;
      const sent = performance.now();
      const granted = await client.leaseClient.leaseGrant({ TTL: this.ttlSeconds }, options);
      const txn = await client.if(this.leaseKey, 'Create', '==', 0)
        .then(client.put(this.leaseKey).value(granted.ID).lease(granted.ID))
        .else(client.get(this.leaseKey))
        .options(options)
        .commit();
      if (txn.succeeded) {
        this.renewed = { at: sent, ttlMs: Number(granted.TTL) * 1000 };
        return granted.ID;
      }
      // Another participant stored the job's lease first: use that one and drop ours.
      await client.leaseClient.leaseRevoke({ ID: granted.ID }, options);
      const winner = txn.responses[0].response_range?.kvs[0];
      if (winner) return winner.value.toString();
    }
  }

  private startKeepAlive(): void {
    if (this.keepAliveTimer || this.refreshing) return;
    this.schedule(this.refreshEveryMs());
  }

  /** A third of the TTL, as etcd's own clients do: two refreshes may be lost before the lease expires. */
  private refreshEveryMs(): number {
    return (this.ttlSeconds * 1000) / 3;
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.keepAliveTimer);
    this.keepAliveTimer = setTimeout(() => {
      this.keepAliveTimer = undefined;
      void this.refresh();
    }, delayMs);
    this.keepAliveTimer.unref();
  }

  private async refresh(): Promise<void> {
    const id = this.leaseId;
    // One refresh at a time: while etcd is out of reach a refresh waits up to the time limit.
    if (id === undefined || this.refreshing) return;
    this.refreshing = true;
    let renewed = false;
    try {
      const sent = performance.now();
      const res = await this.connection.call('lease keep-alive', (options) => this.keepAliveOnce(id, options));
      if (this.leaseId !== id) return;
      if (Number(res.TTL) <= 0) this.invalidate();
      else {
        this.renewed = { at: sent, ttlMs: Number(res.TTL) * 1000 };
        renewed = true;
      }
    } catch {
      // etcd unreachable for now: try again soon, so the lease is renewed as soon as etcd answers again.
    } finally {
      this.refreshing = false;
      if (this.leaseId !== undefined) this.schedule(renewed ? this.refreshEveryMs() : RETRY_AFTER_FAILURE_MS);
    }
  }

  private async keepAliveOnce(id: string, options: CallOptions): Promise<ILeaseKeepAliveResponse> {
    const stream = await this.connection.client.leaseClient.leaseKeepAlive(options);
    return new Promise((resolve, reject) => {
      stream.on('error', reject);
      stream.on('data', (res: ILeaseKeepAliveResponse) => {
        stream.end();
        resolve(res);
      });
      stream.write({ ID: id });
    });
  }
}
