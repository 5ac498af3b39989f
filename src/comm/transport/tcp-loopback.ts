// A whole TCP mesh, or one connected socket pair, inside one process over 127.0.0.1: for tests and benchmarks.

import net from 'node:net';
import { generateJobToken } from './handshake.js';
import { PeerListener, connectTcpMesh } from './tcp-mesh.js';
import type { TcpTransport, TcpTransportOptions } from './tcp-transport.js';

export interface LoopbackMeshOptions {
  /** Options of every transport. */
  transport?: TcpTransportOptions;
  /** Bound on building the mesh. Default 20000 ms. */
  timeoutMs?: number;
  onWarning?: (message: string) => void;
}

/**
 * Builds `worldSize` TcpTransports connected to each other over loopback sockets with OS-chosen ports
 * and a fresh job token, exactly as separate processes would be (same listener, dial and handshake
 * code). The caller owns the transports and must close them.
 */
export async function connectLoopbackMesh(worldSize: number, options: LoopbackMeshOptions = {}): Promise<TcpTransport[]> {
  const { transport, timeoutMs = 20_000, onWarning } = options;
  const jobToken = Buffer.from(generateJobToken());
  const listeners = await Promise.all(Array.from({ length: worldSize }, (_, rank) =>
    PeerListener.listen({ rank, worldSize, jobToken, host: '127.0.0.1', onWarning })));
  const peers = listeners.map((l) => l.address);
  const results = await Promise.allSettled(listeners.map((listener, rank) =>
    connectTcpMesh({ rank, worldSize, jobToken, listener, peers, timeoutMs, onWarning, transport })));
  const transports = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    for (const t of transports) t.destroy();
    throw failed.reason;
  }
  return transports;
}

/** A connected loopback socket pair, [dialer end, acceptor end]; `track` gets both so a test can destroy them. */
export async function loopbackPair(track: net.Socket[] = []): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const dialer = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((r) => dialer.once('connect', r));
  const acceptor = await accepted;
  server.close();
  track.push(dialer, acceptor);
  return [dialer, acceptor];
}
