// The one etcd lease of a job's rendezvous: its ID is stored under the job's `lease` key (attached to the lease
// itself), every open participant refreshes it, so the job's keys live while any participant is open and vanish
// one TTL after the last one closed or died.

import type { ILeaseKeepAliveResponse } from 'etcd3';
import type { EtcdConnection } from './etcd-connection.js';

type CallOptions = { deadline: number };

export class EtcdJobLease {
  private leaseId: string | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private refreshing = false;

  constructor(private readonly connection: EtcdConnection, private readonly leaseKey: string, readonly ttlSeconds: number) {}

  /** The job's lease ID: the one already stored for the job, else one granted now. Keeps it alive until close(). */
  async id(options: CallOptions): Promise<string> {
    this.leaseId ??= await this.joinOrGrant(options);
    this.startKeepAlive();
    return this.leaseId;
  }

  /** Forgets the lease after etcd said it no longer exists; the next id() joins or grants a new one. */
  invalidate(): void {
    this.leaseId = undefined;
  }

  /** Stops refreshing the lease without revoking it: the other participants may still use it. */
  close(): void {
    this.closed = true;
    clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  private async joinOrGrant(options: CallOptions): Promise<string> {
    const { client } = this.connection;
    for (;;) {
      const stored = await client.get(this.leaseKey).options(options).string();
      if (stored !== null) return stored;
      const granted = await client.leaseClient.leaseGrant({ TTL: this.ttlSeconds }, options);
      const txn = await client.if(this.leaseKey, 'Create', '==', 0)
        .then(client.put(this.leaseKey).value(granted.ID).lease(granted.ID))
        .else(client.get(this.leaseKey))
        .options(options)
        .commit();
      if (txn.succeeded) return granted.ID;
      // Another participant stored the job's lease first: use that one and drop ours.
      await client.leaseClient.leaseRevoke({ ID: granted.ID }, options);
      const winner = txn.responses[0].response_range?.kvs[0];
      if (winner) return winner.value.toString();
    }
  }

  private startKeepAlive(): void {
    if (this.keepAliveTimer || this.closed) return;
    // A third of the TTL, as etcd's own clients do: two refreshes may be lost before the lease expires.
    this.keepAliveTimer = setInterval(() => void this.refresh(), (this.ttlSeconds * 1000) / 3);
    this.keepAliveTimer.unref();
  }

  private async refresh(): Promise<void> {
    const id = this.leaseId;
    // One refresh at a time: while etcd is out of reach a refresh waits up to the time limit, longer than TTL/3.
    if (id === undefined || this.refreshing) return;
    this.refreshing = true;
    try {
      const res = await this.connection.call('lease keep-alive', (options) => this.keepAliveOnce(id, options));
      if (Number(res.TTL) <= 0 && this.leaseId === id) this.invalidate();
    } catch {
      // etcd unreachable for now: the next refresh tries again, and a write fails with a typed error meanwhile.
    } finally {
      this.refreshing = false;
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
