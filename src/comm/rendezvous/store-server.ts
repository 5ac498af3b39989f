// The rendezvous key-value store served by rank 0: set, get, add, wait over authenticated TCP connections.

import { createHash } from 'node:crypto';
import net from 'node:net';
import { MAX_TIMER_MS } from '../../errors.js';
import { ProtocolError, type CommError } from '../errors.js';
import { FrameDecoder } from '../transport/frame-decoder.js';
import type { FrameHeader } from '../transport/frame.js';
import { authenticate } from '../transport/handshake.js';
import { HandshakeGate, type HandshakeGateOptions } from '../transport/handshake-gate.js';
import { openRecordChannel, type RecordChannel } from '../transport/record-channel.js';
import { decodeRequest, encodeCasResult, encodeF64, encodeReply, type StoreReply, type StoreRequest } from './store-protocol.js';

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
  /** Pending get/wait requests one client may hold; more are answered with an error. Default 64. */
  maxWaitersPerClient?: number;
  /** Reply bytes queued for a client that does not read them before the store stops reading its requests. Default 4 MiB. */
  maxQueuedReplyBytes?: number;
  /** Caps on connections still in their handshake (defaults 64 in total, 8 per source address). */
  handshakeGate?: HandshakeGateOptions;
  /** Refused or broken client connections; the store keeps serving the others. */
  onWarning?: (message: string) => void;
}

/** One authenticated client connection. */
interface Client {
  socket: net.Socket;
  /** The rank the client proved in the handshake: every request must carry it as its sender. */
  rank: number;
  channel: RecordChannel;
  waiters: number;
  /**
   * Requests read while the client's unread replies are over the cap, served once they drain. Reading
   * is paused meanwhile, so this holds at most the rest of one socket chunk.
   */
  backlog: Array<{ seq: number; request: StoreRequest }>;
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
 * set(key, value) overwrites; cas(key, expected digest, value) writes only over the expected value; get(key, timeoutMs) answers once the key exists; add(key, delta) is an
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
  private readonly gate: HandshakeGate;

  private constructor(
    private readonly server: net.Server,
    private readonly options: StoreServerOptions,
    /** The bound address (port filled in when 0 was asked for). */
    readonly address: { host: string; port: number },
  ) {
    this.gate = new HandshakeGate(options.handshakeGate);
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

  /** Reply bytes written but not yet taken by the kernel, over all clients (diagnostics, tests). */
  get queuedReplyBytes(): number {
    let bytes = 0;
    for (const c of this.clients) bytes += c.writableLength;
    return bytes;
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
    const release = this.gate.admit(socket);
    if (typeof release === 'string') {
      onWarning(`rendezvous store refused a connection from ${remote}: ${release}`);
      socket.destroy();
      return;
    }
    authenticate(socket, { side: 'acceptor', role: 'store-server', acceptRoles: ['store-client'], rank: 0, jobToken, timeoutMs: handshakeTimeoutMs }).then(
      (connection) => {
        release();
        const rank = connection.peerRank;
        const drop = (reason: string): void => {
          if (socket.destroyed) return;
          onWarning(`rendezvous store dropped client rank ${rank} (${remote}): ${reason}`);
          socket.destroy();
        };
        socket.on('error', (error) => drop(error.message));
        connection.adopt();
        let payload: Uint8Array | null = null;
        const decoder = new FrameDecoder({
          onHeader: (h) => {
            if (h.sender !== rank) throw new ProtocolError(`a request claims sender rank ${h.sender}, but the connection authenticated as rank ${rank}`);
            return (payload = new Uint8Array(h.payloadLength));
          },
          onPayloadPiece: () => {},
          onFrameEnd: (h) => this.admit(client, h, payload!),
        }, maxMessageBytes);
        // The store's connections always carry encrypted records: their mode is not configurable, so
        // ranks whose transport security differs still meet here and learn of it from the fingerprints.
        const channel = openRecordChannel(connection, 'encrypt', (bytes) => decoder.push(bytes), `client rank ${rank}`, { op: 'rendezvous', rank: 0, peer: rank });
        const client: Client = { socket, rank, channel, waiters: 0, backlog: [] };
        const feed = (chunk: Uint8Array): void => {
          try {
            channel.feed(chunk);
          } catch (error) {
            drop((error as CommError).message);
          }
        };
        socket.on('data', feed);
        socket.on('end', () => {
          try {
            channel.end();
          } catch (error) {
            drop((error as CommError).message);
          }
        });
        // A client that does not read its replies stops being read, so its replies cannot pile up here.
        socket.on('drain', () => this.serveBacklog(client));
        if (connection.leftover.byteLength > 0) feed(connection.leftover);
        socket.resume();
      },
      (error: CommError) => {
        release();
        onWarning(`rendezvous store refused a connection from ${remote}: ${error.message}`);
      },
    );
  }

  /** Serves a request now, or queues it while the client's replies are not being read. */
  private admit(client: Client, header: FrameHeader, payload: Uint8Array): void {
    const request = decodeRequest(header.op, payload); // a malformed request throws: the client is dropped
    if (client.backlog.length > 0 || this.repliesBlocked(client)) {
      client.socket.pause();
      client.backlog.push({ seq: header.seq, request });
      return;
    }
    this.onRequest(client, header.seq, request);
  }

  private serveBacklog(client: Client): void {
    while (client.backlog.length > 0 && !this.repliesBlocked(client)) {
      const { seq, request } = client.backlog.shift()!;
      this.onRequest(client, seq, request);
    }
    if (client.backlog.length === 0 && !this.repliesBlocked(client)) client.socket.resume();
  }

  private repliesBlocked(client: Client): boolean {
    const { maxQueuedReplyBytes = 4 * 2 ** 20 } = this.options;
    return client.socket.writableLength > maxQueuedReplyBytes;
  }

  private onRequest(client: Client, seq: number, request: StoreRequest): void {
    const { socket } = client;
    const reply = (r: StoreReply): void => {
      if (socket.destroyed) return;
      client.channel.write([encodeReply(r, seq, 0)]);
      if (this.repliesBlocked(client)) socket.pause();
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
      case 'cas': {
        // Atomic like every request: the event loop serves one at a time.
        const current = this.data.get(request.key);
        const matches = request.expected === undefined ? current === undefined
          : current !== undefined && createHash('sha256').update(current).digest().equals(request.expected);
        const error = matches ? this.put(request.key, request.value) : null;
        reply(error ?? { status: 'ok', body: encodeCasResult(matches, this.data.get(request.key)) });
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

  private whenPresent(client: Client, keys: string[], timeoutMs: number, reply: (r: StoreReply) => void, answer: () => StoreReply): void {
    const { maxWaitersPerClient = 64 } = this.options;
    if (keys.every((k) => this.data.has(k))) {
      reply(answer());
      return;
    }
    if (client.waiters >= maxWaitersPerClient) {
      reply({ status: 'error', message: `client rank ${client.rank} already has ${maxWaitersPerClient} pending get/wait requests (maxWaitersPerClient)` });
      return;
    }
    client.waiters++;
    const waiter: Waiter = {
      keys,
      client: client.socket,
      // The wire allows up to 2^32 − 1 ms; a timer above MAX_TIMER_MS would expire at once.
      timer: setTimeout(() => waiter.expire(), Math.min(timeoutMs, MAX_TIMER_MS)),
      done: () => {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        client.waiters--;
        reply(answer());
      },
      expire: () => {
        this.waiters.delete(waiter);
        client.waiters--;
        reply({ status: 'timeout', missingKeys: keys.filter((k) => !this.data.has(k)) });
      },
    };
    this.waiters.add(waiter);
  }
}
