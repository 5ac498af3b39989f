// The `builtin` elastic rendezvous backend: the launcher that can bind --rdzv-endpoint serves the state from the
// authenticated rendezvous store (store-server.ts, compare-and-set op); every launcher, that one included, is a
// client. Like torchrun's c10d backend, the hosting launcher is special: if its machine is lost, so is the job.

import { createHash, randomInt } from 'node:crypto';
import { CommError } from '../../errors.js';
import { stretchJobToken } from '../../transport/job-key.js';
import { StoreClient, StoreTimeoutError } from '../store-client.js';
import { StoreServer } from '../store-server.js';
import type { RendezvousStateBackend, SetStateResult, VersionedState } from './state-backend.js';

export interface BuiltinBackendOptions {
  host: string;
  port: number;
  rdzvId: string;
  jobToken: string;
  /** Keep dialling the endpoint this long (its host may start later). */
  connectTimeoutMs: number;
  onWarning?: (message: string) => void;
}

export class BuiltinStateBackend implements RendezvousStateBackend {
  readonly name = 'builtin';
  private readonly key: string;

  private constructor(private readonly client: StoreClient, private readonly server: StoreServer | undefined, rdzvId: string) {
    this.key = `lion-cub/elastic/${rdzvId}`;
  }

  /**
   * Binds host:port when this machine can (then this launcher hosts the state), else only connects. Throws CommError
   * code `rendezvous` when the endpoint cannot be reached within the connect timeout, `auth` for another token.
   */
  static async open(o: BuiltinBackendOptions): Promise<BuiltinStateBackend> {
    const jobKey = stretchJobToken(Buffer.from(o.jobToken, 'utf8'), `lion-cub builtin rendezvous v1 port=${o.port}`);
    const server = await tryToHost(o, jobKey);
    try {
      // The store's requests carry a rank; a launcher has none, so it presents a random one.
      const client = await StoreClient.connect({ host: o.host, port: o.port, rank: randomInt(1, 2 ** 30), jobToken: jobKey, connectTimeoutMs: o.connectTimeoutMs });
      return new BuiltinStateBackend(client, server, o.rdzvId);
    } catch (error) {
      await server?.close();
      throw error;
    }
  }

  /** True when this launcher serves the state (its loss ends the job). */
  get hostsState(): boolean {
    return this.server !== undefined;
  }

  async getState(): Promise<VersionedState | undefined> {
    try {
      const state = await this.client.get(this.key, 0);
      return { state, token: digest(state) };
    } catch (error) {
      if (error instanceof StoreTimeoutError) return undefined;
      throw error;
    }
  }

  async setState(state: Uint8Array, token: string | undefined): Promise<SetStateResult> {
    const result = await this.client.compareAndSet(this.key, token === undefined ? undefined : Buffer.from(token, 'hex'), state);
    if (result.value === undefined) throw new CommError('rendezvous', 'the builtin rendezvous store lost the job\'s state', { op: 'rendezvous' });
    return { state: result.value, token: digest(result.value), written: result.written };
  }

  async close(): Promise<void> {
    this.client.close();
    await this.server?.close();
  }
}

function digest(value: Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

/** The store on host:port, or undefined when the address is another machine's or the port is served already. */
async function tryToHost(o: BuiltinBackendOptions, jobToken: Uint8Array): Promise<StoreServer | undefined> {
  try {
    return await StoreServer.start({ host: o.host, port: o.port, jobToken, onWarning: o.onWarning });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') return undefined;
    throw new CommError('rendezvous', `cannot serve the rendezvous on ${o.host}:${o.port} (${code ?? (error as Error).message})`, { op: 'rendezvous' }, { cause: error });
  }
}
