// Joining a job: launch environment → rendezvous store → address exchange → fingerprint check → TCP mesh → ProcessGroup.

import { DEFAULT_CHUNK_BYTES } from './collectives/context.js';
import { checkTimeoutMs } from '../errors.js';
import { CommError } from './errors.js';
import { DEFAULT_SMALL_MESSAGE_BYTES, ProcessGroup, type ProcessGroupOptions } from './process-group.js';
import { assertFingerprintsAgree, makeFingerprint, type FingerprintValue } from './rendezvous/fingerprint.js';
import { resolveLaunchEnv, type LaunchEnv, type LaunchOptions } from './rendezvous/launch-env.js';
import { checkGeneration, exchangePeerRecords, leaveRendezvous } from './rendezvous/rendezvous.js';
import { StoreClient } from './rendezvous/store-client.js';
import { StoreServer } from './rendezvous/store-server.js';
import { resolveJobToken } from './transport/handshake.js';
import { jobSalt, stretchJobToken } from './transport/job-key.js';
import { PeerListener, connectTcpMesh } from './transport/tcp-mesh.js';
import { TcpTransport, type TcpTransportOptions } from './transport/tcp-transport.js';
import { SECURITY_NONE_WARNING, resolveTransportSecurity, type TransportSecurity } from './transport/security-mode.js';

/** Options of initTransport: where the launcher variables are read, the job token, time limits and warnings. */
export interface InitTransportOptions extends LaunchOptions {
  /** Where launcher variables are read. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The job token; default the LION_CUB_JOB_TOKEN variable. Not needed when the world size is 1. */
  jobToken?: string;
  /** Address this rank listens on for peers. Default: the advertised address. */
  bindAddress?: string;
  /** Address other ranks dial to reach this one. Default: this host's address on the route to MASTER_ADDR. */
  advertiseAddress?: string;
  /**
   * Address rank 0 binds the store to. Default: the LION_CUB_STORE_BIND_ADDRESS variable, else MASTER_ADDR, so
   * the store listens on that interface only.
   */
  storeBindAddress?: string;
  /**
   * What protects peer links after the handshake: `encrypt` (default), `integrity` or `none`
   * (transport/security-mode.ts); default the LION_CUB_TRANSPORT_SECURITY variable. Part of the
   * fingerprint: ranks that disagree fail at rendezvous naming `transportSecurity`. The rendezvous store's
   * connections are always encrypted.
   */
  transportSecurity?: TransportSecurity;
  /** Bound on the whole setup, from the first connection attempt to the finished mesh. Default 120000 ms. */
  rendezvousTimeoutMs?: number;
  /** Extra fields every rank must agree on (e.g. { numParams, strategy }); compared before any data flows. */
  fingerprint?: Readonly<Record<string, FingerprintValue>>;
  /** Options of the TCP transport (caps, close timeout). */
  transport?: TcpTransportOptions;
  /** Rejected connections and other non-fatal events. */
  onWarning?: (message: string) => void;
}

/** Options of initProcessGroup: where the rendezvous is, and the process group options. */
export interface InitProcessGroupOptions extends InitTransportOptions, ProcessGroupOptions {}

/** A connected transport and where this process sits in the job. */
export interface InitializedTransport {
  transport: TcpTransport;
  launch: LaunchEnv;
}

/**
 * Joins the job described by `options` and the launcher environment, and returns its ProcessGroup.
 *
 * Steps: resolveLaunchEnv → rank 0 starts the rendezvous store on MASTER_ADDR:MASTER_PORT → every rank
 * connects to it (retrying until rank 0 is up) → checks that the store serves its restart generation →
 * listens on an ephemeral port → publishes its address
 * and configuration fingerprint → gathers all of them → leaves the store (rank 0 shuts it once every
 * rank has left) → checks the fingerprints → connects the authenticated TCP mesh.
 *
 * Throws InvalidArgumentError for a bad launch environment or token; CommError code `rendezvous` when
 * the store or some rank cannot be reached in time (naming the ranks that never arrived); `auth` when
 * a peer holds another token; `generation` (GenerationMismatchError) when this process belongs to another
 * restart generation than the store's host; ConfigMismatchError (code `mismatch`), on every rank alike, when
 * the ranks' configurations differ.
 */
export async function initProcessGroup(options: InitProcessGroupOptions = {}): Promise<ProcessGroup> {
  const fingerprint = {
    chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    smallMessageBytes: options.smallMessageBytes ?? DEFAULT_SMALL_MESSAGE_BYTES,
    allreduceAlgorithm: options.allreduceAlgorithm ?? 'auto',
    broadcastAlgorithm: options.broadcastAlgorithm ?? 'auto',
    ...options.fingerprint,
  };
  const { transport } = await initTransport({ ...options, fingerprint });
  try {
    return new ProcessGroup(transport, options);
  } catch (error) {
    await transport.close();
    throw error;
  }
}

/** The rendezvous and mesh of initProcessGroup without the ProcessGroup (benchmarks of raw transport). */
export async function initTransport(options: InitTransportOptions = {}): Promise<InitializedTransport> {
  const env = options.env ?? process.env;
  const launch = resolveLaunchEnv(options, env);
  const { rank, worldSize, masterAddr, masterPort } = launch;
  const rendezvousTimeoutMs = checkTimeoutMs('rendezvousTimeoutMs', options.rendezvousTimeoutMs ?? 120_000);
  if (worldSize === 1) return { transport: new TcpTransport(0, 1, [], options.transport), launch };

  const jobToken = stretchJobToken(resolveJobToken(options.jobToken, env), jobSalt(worldSize, masterPort));
  const security = resolveTransportSecurity(options.transportSecurity, env);
  const { onWarning } = options;
  if (security === 'none' && rank === 0) onWarning?.(SECURITY_NONE_WARNING);
  const deadline = Date.now() + rendezvousTimeoutMs;
  const remaining = (): number => Math.max(1, deadline - Date.now());

  let server: StoreServer | undefined;
  let store: StoreClient | undefined;
  let listener: PeerListener | undefined;
  try {
    if (rank === 0) server = await startStore(resolveStoreBindAddress(options.storeBindAddress, env, masterAddr), masterPort, jobToken, onWarning);
    store = await StoreClient.connect({ host: masterAddr, port: masterPort, rank, jobToken, connectTimeoutMs: remaining() });
    await checkGeneration(store, rank, launch.generation, rank === 0, remaining());
    const advertise = options.advertiseAddress ?? store.localAddress;
    listener = await PeerListener.listen({ rank, worldSize, jobToken, host: options.bindAddress ?? advertise, onWarning });
    const records = await exchangePeerRecords({
      store,
      rank,
      worldSize,
      self: { host: advertise, port: listener.address.port, fingerprint: makeFingerprint(worldSize, { ...options.fingerprint, transportSecurity: security }) },
      timeoutMs: remaining(),
    });
    await leaveRendezvous(store, rank, worldSize, rank === 0, remaining());
    store.close();
    await server?.close();
    assertFingerprintsAgree(records.map((r) => r.fingerprint), rank);
    const transport = await connectTcpMesh({
      rank, worldSize, jobToken, listener, peers: records, timeoutMs: remaining(), onWarning, transport: { ...options.transport, security },
    });
    return { transport, launch };
  } catch (error) {
    listener?.close();
    store?.close();
    await server?.close();
    throw error;
  }
}

/** The variable naming the address rank 0 binds the rendezvous store to, when MASTER_ADDR is not bindable there. */
export const STORE_BIND_ADDRESS_ENV = 'LION_CUB_STORE_BIND_ADDRESS';

/**
 * Where rank 0 binds the store: `explicit`, else LION_CUB_STORE_BIND_ADDRESS of `env` (blank counts as unset),
 * else MASTER_ADDR. Overriding matters when MASTER_ADDR is a hostname that resolves to a loopback address on
 * rank 0's machine (an /etc/hosts entry), where binding it would shut out the other machines.
 */
export function resolveStoreBindAddress(explicit: string | undefined, env: NodeJS.ProcessEnv, masterAddr: string): string {
  return explicit ?? (env[STORE_BIND_ADDRESS_ENV]?.trim() || masterAddr);
}

async function startStore(host: string, port: number, jobToken: Uint8Array, onWarning?: (message: string) => void): Promise<StoreServer> {
  try {
    return await StoreServer.start({ host, port, jobToken, onWarning });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'EADDRINUSE' ? ': the port is taken (another job?); choose another MASTER_PORT'
      : code === 'EADDRNOTAVAIL' ? ': that address is not on this host; rank 0 must run on MASTER_ADDR' : '';
    throw new CommError('rendezvous', `rank 0 cannot host the rendezvous store on ${host}:${port} (${code ?? (error as Error).message})${hint}`, { op: 'rendezvous', rank: 0 }, { cause: error });
  }
}
