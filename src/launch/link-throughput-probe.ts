// Process run inside a rank namespace by measureLinkThroughput: one side of a single TCP stream.
//
//   receive <addr> <warmupMs>                      listen on <addr>:0, print {"port":P}, count one connection,
//                                                  print {"bytes":B,"seconds":S} for the part after the warm-up
//   send <addr> <port> <durationMs> <maxBytes>     connect and write until the time or byte budget is spent
//
// Command-line arguments are read here because this file is a process entry point, not library code.

import net from 'node:net';

const CHUNK_BYTES = 1 << 20;

function receive(addr: string, warmupMs: number): void {
  const server = net.createServer((socket) => {
    server.close();
    let bytes = 0;
    let firstAt = 0;
    let markAt = 0;
    let bytesAtMark = 0;
    socket.on('data', (chunk: Buffer) => {
      const now = performance.now();
      if (firstAt === 0) firstAt = now;
      bytes += chunk.length;
      // Slow start and the initial tbf burst are excluded: only the steady state is the link's rate.
      if (markAt === 0 && now - firstAt >= warmupMs) {
        markAt = now;
        bytesAtMark = bytes;
      }
    });
    socket.on('end', () => {
      const endAt = performance.now();
      const from = markAt !== 0 && endAt - markAt > 0 ? { at: markAt, bytes: bytesAtMark } : { at: firstAt, bytes: 0 };
      process.stdout.write(`${JSON.stringify({ bytes: bytes - from.bytes, seconds: (endAt - from.at) / 1000, totalBytes: bytes })}\n`);
      socket.destroy();
    });
  });
  server.listen(0, addr, () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as net.AddressInfo).port })}\n`);
  });
}

function send(addr: string, port: number, durationMs: number, maxBytes: number): void {
  const chunk = Buffer.alloc(CHUNK_BYTES, 0x5a);
  const socket = net.connect(port, addr, () => {
    const deadline = performance.now() + durationMs;
    let sent = 0;
    const pump = (): void => {
      while (performance.now() < deadline && sent < maxBytes) {
        const n = Math.min(CHUNK_BYTES, maxBytes - sent);
        sent += n;
        if (!socket.write(n === CHUNK_BYTES ? chunk : chunk.subarray(0, n))) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end();
    };
    pump();
  });
  socket.on('error', (err) => {
    process.stderr.write(`throughput probe: ${err.message}\n`);
    process.exitCode = 1;
  });
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'receive') receive(rest[0], Number(rest[1]));
else if (mode === 'send') send(rest[0], Number(rest[1]), Number(rest[2]), Number(rest[3]));
else {
  process.stderr.write(`throughput probe: unknown mode ${JSON.stringify(mode)}\n`);
  process.exitCode = 2;
}
