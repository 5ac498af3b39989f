// A connected pair of loopback TCP sockets for tests of what runs over one connection.

import net from 'node:net';

/** A connected loopback pair, [dialer end, acceptor end]; `track` gets both so the test can destroy them. */
export async function loopbackPair(track: net.Socket[]): Promise<[net.Socket, net.Socket]> {
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
