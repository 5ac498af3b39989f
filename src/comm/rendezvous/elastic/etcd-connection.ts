// A connection to an etcd cluster through the `etcd3` client with every call bounded: one deadline per operation
// shared by all its retries, and failures turned into RendezvousBackendError naming the endpoints.

import { Etcd3, GRPCDeadlineExceededError, isRecoverableError, type IOptions } from 'etcd3';
import { ConstantBackoff, handleWhen, noop, retry } from 'cockatiel';
import { checkTimeoutMs, LionCubError } from '../../../errors.js';
import { RendezvousBackendError } from '../../errors.js';
import { formatEtcdEndpoint, parseEtcdEndpoints } from './etcd-endpoints.js';

/** Default limit of one backend operation (all its retries included). */
export const DEFAULT_ETCD_TIMEOUT_MS = 10_000;

export interface EtcdConnectionOptions {
  /** `host:port[,host:port...]` (see parseEtcdEndpoints). */
  endpoints: string;
  /** Limit of one operation in milliseconds, retries included; default DEFAULT_ETCD_TIMEOUT_MS. */
  timeoutMs?: number;
  /** TLS material, passed to the etcd3 client as is (PEM buffers); https:// endpoints without it use system roots. */
  credentials?: IOptions['credentials'];
  /** etcd user and password, passed to the etcd3 client as is. */
  auth?: { username: string; password: string };
}

/** Pause between attempts of one operation (another endpoint, or the same one again). */
const RETRY_PAUSE_MS = 200;
/** Grace after the gRPC deadline before the local timer gives up, so etcd's own deadline error usually wins. */
const LOCAL_TIMER_GRACE_MS = 500;

export class EtcdConnection {
  readonly client: Etcd3;
  /** The endpoints as `host:port,...`, for messages. */
  readonly endpoints: string;
  readonly timeoutMs: number;

  constructor(options: EtcdConnectionOptions) {
    const parsed = parseEtcdEndpoints(options.endpoints);
    this.endpoints = parsed.map(formatEtcdEndpoint).join(',');
    this.timeoutMs = checkTimeoutMs('etcd timeoutMs', options.timeoutMs ?? DEFAULT_ETCD_TIMEOUT_MS);
    this.client = new Etcd3({
      hosts: parsed.map((e) => `${e.tls ? 'https' : 'http'}://${formatEtcdEndpoint(e)}`),
      credentials: options.credentials,
      // Every call gets the time limit even where no explicit deadline reaches it (the user/password exchange).
      defaultCallOptions: () => ({ deadline: Date.now() + this.timeoutMs }),
      auth: options.auth && { ...options.auth, callOptions: () => ({ deadline: Date.now() + this.timeoutMs }) },
      // etcd3's defaults retry 3 times at once and open a 5 s circuit breaker per host after 3 failures, so a member
      // that restarts or a leader election turns into errors. Here: no breaker, and a failed attempt is retried on
      // the next endpoint every RETRY_PAUSE_MS until the operation's deadline (a channel broken by a restart is
      // rebuilt on retry), so an outage shorter than the time limit is ridden through and a longer one is reported.
      faultHandling: {
        host: () => noop,
        global: retry(handleWhen((e) => isRecoverableError(e) && !(e instanceof GRPCDeadlineExceededError)), {
          maxAttempts: Math.ceil(this.timeoutMs / RETRY_PAUSE_MS),
          backoff: new ConstantBackoff(RETRY_PAUSE_MS),
        }),
      },
    });
  }

  /**
   * Runs `op` with a deadline `timeoutMs` from now that every etcd call inside must pass on. Anything but a
   * LionCubError thrown inside becomes a RendezvousBackendError naming `what` and the endpoints.
   */
  async call<T>(what: string, op: (callOptions: { deadline: number }) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const localLimit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new GRPCDeadlineExceededError('no answer')), this.timeoutMs + LOCAL_TIMER_GRACE_MS);
    });
    try {
      return await Promise.race([op({ deadline }), localLimit]);
    } catch (error) {
      if (error instanceof LionCubError) throw error;
      throw this.failure(what, error, Date.now() >= deadline);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.client.close();
  }

  private failure(what: string, error: unknown, late: boolean): RendezvousBackendError {
    const silent = error instanceof GRPCDeadlineExceededError || late;
    const reason = silent
      ? `no answer to ${what} within ${this.timeoutMs} ms`
      : `${what} failed: ${String((error as Error)?.message ?? error).replace(/[.\s]*Resolution note:\s*$/, '')}`;
    // Recoverable gRPC errors (unavailable, connection refused or reset, …) mean no etcd member could be reached.
    const unreachable = silent || (error instanceof Error && isRecoverableError(error));
    return new RendezvousBackendError('etcd', this.endpoints,
      `${reason}; check that etcd runs and is reachable there (--rdzv-endpoint)`, { cause: error, unreachable });
  }
}
