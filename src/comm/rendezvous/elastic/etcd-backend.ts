// The etcd store of an elastic rendezvous (torchrun's etcd backend conventions over etcd v3): one key per job,
// compare-and-set as a transaction on the key's mod revision, the key on a job lease kept alive by the participants.
// While etcd is out of reach the state lives until the lease can have expired, and failures say how long that is.

import { EtcdLeaseInvalidError } from 'etcd3';
import { InvalidArgumentError } from '../../../errors.js';
import { RendezvousBackendError, RendezvousUnreachableError } from '../../errors.js';
import { EtcdConnection, type EtcdConnectionOptions } from './etcd-connection.js';
import { EtcdJobLease } from './etcd-job-lease.js';
import type { RendezvousStateBackend, SetStateResult, VersionedState } from './state-backend.js';

export const DEFAULT_ETCD_KEY_PREFIX = '/lion-cub/rdzv';
/**
 * Default lease TTL in seconds: how long a job's state outlives its last participant (a job abandoned by every
 * node is gone from etcd after a minute, so a new job under the same --rdzv-id starts afresh), and how long an
 * etcd outage can last before the job's state is lost (participants refresh the lease every TTL/3).
 */
export const DEFAULT_ETCD_TTL_SECONDS = 60;

export interface EtcdBackendOptions extends EtcdConnectionOptions {
  /** The job's name (--rdzv-id); its keys are `<keyPrefix>/<runId>/state` and `.../lease`. */
  runId: string;
  keyPrefix?: string;
  /** Lease TTL in whole seconds, >= 2 (etcd raises shorter ones); default DEFAULT_ETCD_TTL_SECONDS. */
  ttlSeconds?: number;
}

const RUN_ID = /^[\w.-]{1,128}$/;
const TOKEN = /^[1-9]\d*$/;

export class EtcdRendezvousBackend implements RendezvousStateBackend {
  readonly name = 'etcd';
  readonly stateKey: string;
  private readonly connection: EtcdConnection;
  private readonly lease: EtcdJobLease;

  constructor(options: EtcdBackendOptions) {
    if (typeof options.runId !== 'string' || !RUN_ID.test(options.runId)) {
      throw new InvalidArgumentError('--rdzv-id', options.runId, 'a job name of 1 to 128 letters, digits, dots, dashes or underscores');
    }
    const ttl = options.ttlSeconds ?? DEFAULT_ETCD_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 2) throw new InvalidArgumentError('etcd ttlSeconds', ttl, 'a whole number of seconds >= 2');
    const prefix = (options.keyPrefix ?? DEFAULT_ETCD_KEY_PREFIX).replace(/\/+$/, '');
    this.stateKey = `${prefix}/${options.runId}/state`;
    this.connection = new EtcdConnection(options);
    this.lease = new EtcdJobLease(this.connection, `${prefix}/${options.runId}/lease`, ttl);
  }

  getState(): Promise<VersionedState | undefined> {
    return this.call(`a read of ${this.stateKey}`, async (options) => {
      const kv = (await this.connection.client.get(this.stateKey).options(options).exec()).kvs[0];
      return kv ? { state: new Uint8Array(kv.value), token: kv.mod_revision } : undefined;
    });
  }

  async setState(state: Uint8Array, token: string | undefined): Promise<SetStateResult> {
    if (token !== undefined && (typeof token !== 'string' || !TOKEN.test(token))) {
      throw new InvalidArgumentError('rendezvous state token', token, 'a token this etcd backend returned (a mod revision)');
    }
    return this.call(`a compare-and-set of ${this.stateKey}`, async (options) => {
      for (let leaseRenewed = false; ;) {
        const leaseId = await this.lease.id(options);
        try {
          const result = await this.compareAndSet(state, token, leaseId, options);
          if (result) return result;
        } catch (error) {
          // The job lease expired (etcd was out of reach for a whole TTL): take a new one once.
          if (leaseRenewed || !(error instanceof EtcdLeaseInvalidError)) throw error;
          this.lease.invalidate();
          leaseRenewed = true;
        }
      }
    });
  }

  async close(): Promise<void> {
    this.lease.close();
    this.connection.close();
  }

  /**
   * connection.call, with etcd out of reach reported against the job lease: RendezvousUnreachableError while the
   * lease surely lives, a RendezvousBackendError saying the state may be gone once it can have expired.
   */
  private async call<T>(what: string, op: (options: { deadline: number }) => Promise<T>): Promise<T> {
    try {
      return await this.connection.call(what, op);
    } catch (error) {
      const leftMs = this.lease.msLeft();
      if (!(error instanceof RendezvousBackendError) || !error.unreachable || leftMs === undefined) throw error;
      const { endpoints } = this.connection;
      if (leftMs > 0) throw new RendezvousUnreachableError('etcd', endpoints, error.reason, leftMs, { cause: error });
      const silentS = ((this.lease.msSinceRenewal() ?? 0) / 1000).toFixed(1);
      throw new RendezvousBackendError('etcd', endpoints, `out of reach, and the job lease (ttl=${this.lease.ttlSeconds} s) was last renewed ${silentS} s ago, `
        + `so etcd may have dropped the rendezvous state; last error: ${error.reason}. Raise ttl in --rdzv-conf to ride through longer etcd outages`,
      { cause: error, unreachable: true });
    }
  }

  /** One transaction; undefined when a create lost to a state that was deleted again before it could be read. */
  private async compareAndSet(state: Uint8Array, token: string | undefined, leaseId: string, options: { deadline: number }): Promise<SetStateResult | undefined> {
    const { client } = this.connection;
    const txn = await (token === undefined ? client.if(this.stateKey, 'Create', '==', 0) : client.if(this.stateKey, 'Mod', '==', token))
      .then(client.put(this.stateKey).value(Buffer.from(state.buffer, state.byteOffset, state.byteLength)).lease(leaseId))
      .else(client.get(this.stateKey))
      .options(options)
      .commit();
    // A successful put is the transaction's only write, so the key's new mod revision is the header's revision.
    if (txn.succeeded) return { state, token: txn.header.revision, written: true };
    const current = txn.responses[0].response_range?.kvs[0];
    if (current) return { state: new Uint8Array(current.value), token: current.mod_revision, written: false };
    if (token === undefined) return undefined;
    throw new RendezvousBackendError('etcd', this.connection.endpoints, `the rendezvous state ${this.stateKey} is gone: its lease expired `
      + `(no participant reached etcd for ${this.lease.ttlSeconds} s) or it was deleted; start the job again`);
  }
}
