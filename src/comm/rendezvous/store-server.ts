// The rendezvous key-value store served by rank 0: set, get, add, wait over authenticated TCP connections.

import net from 'node:net';
import type { CommError } from '../errors.js';
import { FrameDecoder } from '../transport/frame-decoder.js';
import type { FrameHeader } from '../transport/frame.js';
import { authenticate } from '../transport/handshake.js';
import { decodeRequest, encodeF64, encodeReply, type StoreReply, type StoreRequest } from './store-protocol.js';

export interface StoreServerOptions {
  /** Address to bind (e.g. "127.0.0.1", or "0.0.0.0" so other hosts reach it). */
  host: string;
  /** Port to bind; 0 lets the OS choose. */
  port: number;
  /** HMAC key of the job: clients without it are refused. */
  jobToken: Uint8Array;
  /** Largest request payload (bytes); a larger one closes that client's connection. Default 1 MiB. */
  maxMessageBytes?: number;
  /** Cap on the total bytes of keys and values held. Default 64 MiB. */
  maxStoredBytes?: number;
  /** Bound on each client handshake. Default 10000 ms. */
  handshakeTimeoutMs?: number;
  /** Refused or broken client connections; the store keeps serving the others. */
  onWarning?: (message: string) => void;
}

interface Waiter {
  keys: string[];
  timer: NodeJS.Timeout;
  client: net.Socket;
  /** Answers with the value(s): all keys are present. */
  done(): void;
  /** Answers with a timeout naming the missing keys. */
  expire(): void;
}

/**
 * A small in-memory store in the spirit of torch.distributed's TCPStore.
 *
 * set(key, value) overwrites; get(key, timeoutMs) answers once the key exists; add(key, delta) is an
 * atomic counter stored as decimal text (so `get` of a counter returns e.g. "3"); wait(keys, timeoutMs)
 * answers once all keys exist, or with the keys still missing at the timeout. Requests of one
 * client are served in order of arrival; a single-threaded event loop makes each one atomic.
 */
export class StoreServer {
  private readonly data = new Map<string, Uint8Array>();
  private storedBytes = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly clients = new Set<net.Socket>();
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly server: net.Server,
    private readonly options: StoreServerOptions,
    /** The bound address (port filled in when 0 was asked for). */
    readonly address: { host: string; port: number },
  ) {
    server.on('connection', (socket) => this.onConnection(socket));
  }

  /** Binds host:port and serves. Rejects with the OS error (EADDRINUSE...) when binding fails. */
  static start(options: StoreServerOptions): Promise<StoreServer> {
    const server = net.createServer({ noDelay: true });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        server.on('error', (error) => options.onWarning?.(`rendezvous store: ${error.message}`));
        const { port } = server.address() as net.AddressInfo;
        resolve(new StoreServer(server, options, { host: options.host, port }));
      });
    });
  }

  /**
   * Stops listening, answers every pending wait/get with a timeout naming the keys still missing (so
   * the ranks waiting learn who never arrived rather than just losing the store), ends every client
   * connection and clears the timers. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    for (const w of [...this.waiters]) {
      clearTimeout(w.timer);
      w.expire();
    }
    this.waiters.clear();
    for (const c of this.clients) {
      c.end();
      // A client that does not close its end must not keep this process alive.
      setTimeout(() => c.destroy(), 1000).unref();
    }
    this.closing = new Promise((resolve) => this.server.close(() => resolve()));
    return this.closing;
  }

  private onConnection(socket: net.Socket): void {
    const { jobToken, handshakeTimeoutMs = 10_000, maxMessageBytes = 2 ** 20, onWarning = () => {} } = this.options;
    if (this.closing !== null) {
      socket.destroy();
      return;
    }
    this.clients.add(socket);
    socket.on('close', () => {
      this.clients.delete(socket);
      for (const w of this.waiters) {
        if (w.client === socket) {
          clearTimeout(w.timer);
          this.waiters.delete(w);
        }
      }
    });
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    authenticate(socket, { side: 'acceptor', role: 'store-server', acceptRoles: ['store-client'], rank: 0, jobToken, timeoutMs: handshakeTimeoutMs }).then(
      (connection) => {
        const drop = (reason: string): void => {
          onWarning(`rendezvous store dropped client rank ${connection.peerRank} (${remote}): ${reason}`);
          socket.destroy();
        };
        socket.on('error', (error) => drop(error.message));
        connection.adopt();
        let payload: Uint8Array | null = null;
        const decoder = new FrameDecoder({
          onHeader: (h) => (payload = new Uint8Array(h.payloadLength)),
          onPayloadPiece: () => {},
          onFrameEnd: (h) => this.onRequest(socket, h, payload!),
        }, maxMessageBytes);
        const feed = (chunk: Uint8Array): void => {
          try {
            decoder.push(chunk);
          } catch (error) {
            drop((error as CommError).message);
          }
        };
        socket.on('data', feed);
        if (connection.leftover.byteLength > 0) feed(connection.leftover);
        socket.resume();
      },
      (error: CommError) => onWarning(`rendezvous store refused a connection from ${remote}: ${error.message}`),
    );
  }

  private onRequest(client: net.Socket, header: FrameHeader, payload: Uint8Array): void {
    const request = decodeRequest(header.op, payload);
    const reply = (r: StoreReply): void => {
      if (!client.destroyed) client.write(encodeReply(r, header.seq, 0));
    };
    switch (request.kind) {
      case 'set': {
        const error = this.put(request.key, request.value);
        reply(error ?? { status: 'ok', body: new Uint8Array(0) });
        break;
      }
      case 'add': {
        const current = this.data.get(request.key);
        const text = current === undefined ? '0' : Buffer.from(current).toString('utf8');
        const value = Number(text);
        if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value + request.delta)) {
          reply({ status: 'error', message: `add: key "${request.key}" holds ${JSON.stringify(text.slice(0, 40))}, not an integer counter (or the sum leaves the safe-integer range)` });
          break;
        }
        const error = this.put(request.key, Buffer.from(String(value + request.delta), 'utf8'));
        reply(error ?? { status: 'ok', body: encodeF64(value + request.delta) });
        break;
      }
      case 'get':
        this.whenPresent(client, [request.key], request.timeoutMs, reply, () => ({ status: 'ok', body: this.data.get(request.key)! }));
        break;
      case 'wait':
        this.whenPresent(client, request.keys, request.timeoutMs, reply, () => ({ status: 'ok', body: new Uint8Array(0) }));
        break;
    }
  }

  private put(key: string, value: Uint8Array): StoreReply | null {
    const { maxStoredBytes = 64 * 2 ** 20 } = this.options;
    const old = this.data.get(key);
    const delta = value.byteLength + (old === undefined ? Buffer.byteLength(key) : -old.byteLength);
    if (this.storedBytes + delta > maxStoredBytes) {
      return { status: 'error', message: `the rendezvous store is full (${maxStoredBytes} bytes, maxStoredBytes)` };
    }
    this.storedBytes += delta;
    this.data.set(key, Uint8Array.from(value));
    for (const w of this.waiters) {
      if (w.keys.every((k) => this.data.has(k))) w.done();
    }
    return null;
  }

  private whenPresent(client: net.Socket, keys: string[], timeoutMs: number, reply: (r: StoreReply) => void, answer: () => StoreReply): void {
    if (keys.every((k) => this.data.has(k))) {
      reply(answer());
      return;
    }
    const waiter: Waiter = {
      keys,
      client,
      timer: setTimeout(() => waiter.expire(), timeoutMs),
      done: () => {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        reply(answer());
      },
      expire: () => {
        this.waiters.delete(waiter);
        reply({ status: 'timeout', missingKeys: keys.filter((k) => !this.data.has(k)) });
      },
    };
    this.waiters.add(waiter);
  }
}
