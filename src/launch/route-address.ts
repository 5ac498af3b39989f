// This machine's address on the route to a host: what other nodes can dial to reach this node's workers.

import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';

/**
 * Connects a UDP socket toward host (no packet is sent) and reads the local address the kernel chose. Rejects with
 * the resolver's or socket's error when the host does not resolve or has no route.
 */
export function routeAddressTo(host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.connect(9, host, () => {
      const { address } = socket.address();
      socket.close();
      resolve(address);
    });
  });
}
