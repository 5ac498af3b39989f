// Finds a TCP port nobody listens on, for the rendezvous of a single-node job.

import net from 'node:net';

/**
 * Binds port 0 on `host`, reads the port the kernel chose, and releases it. Another process could take
 * the port before rank 0 binds it; with ephemeral ports handed out in rotation that window is small
 * and the failure is loud (rank 0 cannot listen), never silent.
 */
export function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
