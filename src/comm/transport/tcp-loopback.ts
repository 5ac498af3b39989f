// A whole TCP mesh inside one process over 127.0.0.1: for tests and benchmarks of code that runs on a Transport.

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
