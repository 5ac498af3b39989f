// Building the full TCP mesh: a listener that authenticates incoming peers, dialing the others, one transport.
//
// Who dials whom: rank r dials every lower rank and accepts every higher one, so each pair has exactly
// one connection, made by its higher rank (rank 0 only accepts, rank N−1 only dials).

import net from 'node:net';
import { InvalidArgumentError } from '../../errors.js';
import { CommError, ProtocolError } from '../errors.js';
import { authenticate, type AuthenticatedConnection } from './handshake.js';
import { HandshakeGate, type HandshakeGateOptions } from './handshake-gate.js';
import { dialWithRetry } from './tcp-dial.js';
import { TcpTransport, type TcpTransportOptions } from './tcp-transport.js';

/** Where a rank accepts peer connections. */
export interface PeerAddress {
  host: string;
  port: number;
}

export interface PeerListenerOptions {
  rank: number;
  worldSize: number;
  /** HMAC key of the job (resolveJobToken). */
  jobToken: Uint8Array;
  /** Address to bind, e.g. "127.0.0.1" or "0.0.0.0". */
  host: string;
  /** Port to bind; 0 (default) lets the OS choose. */
  port?: number;
  /** Bound on each incoming handshake. Default 10000 ms. */
  handshakeTimeoutMs?: number;
  /** Caps on connections still in their handshake (defaults 64 in total, 8 per source address). */
  handshakeGate?: HandshakeGateOptions;
  /** Rejected connections (wrong token, garbage, unexpected rank) are reported here; the job goes on. */
  onWarning?: (message: string) => void;
}

/**
 * Accepts and authenticates connections from higher ranks as soon as it listens, before the mesh is
 * assembled (peers may dial early), and holds them until `takePeers`. Connections that fail the
 * handshake or claim a rank that should not dial this one are closed and reported via `onWarning`.
 */
export class PeerListener {
  private readonly accepted = new Map<number, AuthenticatedConnection>();
  private readonly inHandshake = new Set<net.Socket>();
  private readonly gate: HandshakeGate;
  private waiter: (() => void) | null = null;
  private closed = false;

  private constructor(
    private readonly server: net.Server,
    private readonly options: PeerListenerOptions,
    /** The bound address (port filled in when 0 was asked for). */
    readonly address: PeerAddress,
  ) {
    this.gate = new HandshakeGate(options.handshakeGate);
    server.on('connection', (socket) => this.onConnection(socket));
  }

  /** Binds and starts accepting. Rejects with the OS error (EADDRINUSE, EADDRNOTAVAIL...) when binding fails. */
  static listen(options: PeerListenerOptions): Promise<PeerListener> {
    const server = net.createServer({ pauseOnConnect: false, noDelay: true });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host, () => {
        server.off('error', reject);
        server.on('error', (error) => options.onWarning?.(`peer listener of rank ${options.rank}: ${error.message}`));
        const { port } = server.address() as net.AddressInfo;
        resolve(new PeerListener(server, options, { host: options.host, port }));
      });
    });
  }

  /**
   * Waits until every rank in `ranks` has connected and passed the handshake, then hands their
   * connections over. Rejects at `deadline` with CommError code `rendezvous` naming the ranks that
   * never connected.
   */
  async takePeers(ranks: readonly number[], deadline: number): Promise<AuthenticatedConnection[]> {
    const started = Date.now();
    const missing = (): number[] => ranks.filter((r) => !this.accepted.has(r));
    while (missing().length > 0) {
      const left = deadline - Date.now();
      if (this.closed || left <= 0) {
        throw new CommError('rendezvous', `ranks ${missing().join(', ')} did not connect to rank ${this.options.rank} within ${Date.now() - started} ms`, {
          op: 'connect', rank: this.options.rank, elapsedMs: Date.now() - started,
        });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
      this.waiter = null;
    }
    return ranks.map((r) => {
      const connection = this.accepted.get(r)!;
      this.accepted.delete(r);
      return connection;
    });
  }

  /** Stops accepting; destroys connections still in their handshake or never taken. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    for (const socket of this.inHandshake) socket.destroy();
    for (const connection of this.accepted.values()) discard(connection);
    this.accepted.clear();
    this.waiter?.();
  }

  private onConnection(socket: net.Socket): void {
    const { rank, worldSize, jobToken, handshakeTimeoutMs = 10_000, onWarning = () => {} } = this.options;
    if (this.closed) {
      socket.destroy();
      return;
    }
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const release = this.gate.admit(socket);
    if (typeof release === 'string') {
      onWarning(`rank ${rank} refused a connection from ${remote}: ${release}`);
      socket.destroy();
      return;
    }
    this.inHandshake.add(socket);
    authenticate(socket, { side: 'acceptor', role: 'peer', acceptRoles: ['peer'], rank, jobToken, timeoutMs: handshakeTimeoutMs }).then(
      (connection) => {
        release();
        this.inHandshake.delete(socket);
        const peer = connection.peerRank;
        if (this.closed || peer <= rank || peer >= worldSize || this.accepted.has(peer)) {
          onWarning(`rank ${rank} refused an authenticated connection from ${remote} claiming rank ${peer}: ` +
            (this.closed ? 'the mesh is already complete' : `only ranks ${rank + 1}..${worldSize - 1} dial rank ${rank}, once each`));
          discard(connection);
          return;
        }
        this.accepted.set(peer, connection);
        this.waiter?.();
      },
      (error: CommError) => {
        release();
        this.inHandshake.delete(socket);
        onWarning(`rank ${rank} rejected a connection from ${remote}: ${error.message}`);
      },
    );
  }
}

export interface ConnectMeshOptions {
  rank: number;
  worldSize: number;
  jobToken: Uint8Array;
  /** This rank's listener, already accepting (its address was published to the other ranks). */
  listener: PeerListener;
  /** Listening address of every rank, indexed by rank (this rank's entry is not used). */
  peers: readonly PeerAddress[];
  /** Bound on assembling the whole mesh. Default 60000 ms. */
  timeoutMs?: number;
  /** Bound on each handshake. Default 10000 ms. */
  handshakeTimeoutMs?: number;
  onWarning?: (message: string) => void;
  transport?: TcpTransportOptions;
}

/**
 * Dials every lower rank, takes every higher rank from the listener, closes the listener (no one
 * else can join afterwards) and returns the transport. On any failure every socket opened so far is
 * destroyed and the error is rethrown: CommError code `rendezvous` (a rank unreachable or missing at
 * the deadline), `auth` (a peer at a published address does not hold the token) or `protocol` (the
 * address of rank j answered as another rank).
 */
export async function connectTcpMesh(options: ConnectMeshOptions): Promise<TcpTransport> {
  const { rank, worldSize, jobToken, listener, peers, timeoutMs = 60_000, handshakeTimeoutMs = 10_000, onWarning, transport } = options;
  if (peers.length !== worldSize) throw new InvalidArgumentError('peers', `${peers.length} addresses`, `one address per rank (${worldSize})`);
  const deadline = Date.now() + timeoutMs;
  const lower = Array.from({ length: rank }, (_, j) => j);
  const higher = Array.from({ length: worldSize - rank - 1 }, (_, k) => rank + 1 + k);
  const stop = new AbortController();
  const dials = lower.map((peer) => dialPeer(rank, peer, peers[peer], jobToken, deadline, handshakeTimeoutMs, stop.signal));
  try {
    const [outgoing, incoming] = await Promise.all([Promise.all(dials), listener.takePeers(higher, deadline)]);
    listener.close();
    return new TcpTransport(rank, worldSize, [...outgoing, ...incoming], { onWarning, ...transport });
  } catch (error) {
    // Stop the other dials and drop whatever connected, so a failed setup leaves no socket behind.
    stop.abort(error);
    listener.close();
    for (const result of await Promise.allSettled(dials)) {
      if (result.status === 'fulfilled') discard(result.value);
    }
    throw error;
  }
}

function discard(connection: AuthenticatedConnection): void {
  connection.adopt();
  connection.socket.on('error', () => {});
  connection.socket.destroy();
}

async function dialPeer(rank: number, peer: number, address: PeerAddress, jobToken: Uint8Array, deadline: number, handshakeTimeoutMs: number, signal: AbortSignal): Promise<AuthenticatedConnection> {
  const socket = await dialWithRetry({
    host: address.host,
    port: address.port,
    deadline,
    what: `rank ${peer}`,
    fields: { op: 'connect', rank, peer },
    signal,
  });
  const connection = await authenticate(socket, { side: 'dialer', role: 'peer', acceptRoles: ['peer'], rank, jobToken, timeoutMs: handshakeTimeoutMs });
  if (connection.peerRank !== peer) {
    discard(connection);
    throw new ProtocolError(`the address published by rank ${peer} (${address.host}:${address.port}) answered as rank ${connection.peerRank}`, { op: 'connect', rank, peer });
  }
  return connection;
}
