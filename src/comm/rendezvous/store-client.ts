// The client of the rendezvous store: connects (retrying until rank 0 is up), authenticates, sends requests.

import type { Socket } from 'node:net';
import { MAX_TIMER_MS } from '../../errors.js';
import { CommError, CommTimeoutError, PeerClosedError, type CommErrorFields } from '../errors.js';
import { FrameDecoder } from '../transport/frame-decoder.js';
import { CONTROL_OPS, FRAME_HEADER_BYTES } from '../transport/frame.js';
import { authenticate } from '../transport/handshake.js';
import { openRecordChannel, type RecordChannel } from '../transport/record-channel.js';
import { dialWithRetry } from '../transport/tcp-dial.js';
import { checkKey, decodeCasResult, decodeF64, decodeReply, encodeRequest, type StoreReply, type StoreRequest } from './store-protocol.js';

/** A wait or get on the store timed out; `missingKeys` are the keys that never appeared. */
export class StoreTimeoutError extends CommTimeoutError {
  readonly missingKeys: readonly string[];
  constructor(message: string, missingKeys: readonly string[], fields: CommErrorFields) {
    super(message, fields);
    this.missingKeys = missingKeys;
  }
}

export interface StoreClientOptions {
  host: string;
  port: number;
  /** This process's rank (sent in the handshake and in request headers). */
  rank: number;
  /** HMAC key of the job. */
  jobToken: Uint8Array;
  /** Keep retrying the connection this long: rank 0 may start later. */
  connectTimeoutMs: number;
  /** Bound on the handshake. Default 10000 ms. */
  handshakeTimeoutMs?: number;
  /** Bound on set and add requests. Default 30000 ms. */
  requestTimeoutMs?: number;
  /** Largest reply payload accepted (bytes). Default 1 MiB. */
  maxMessageBytes?: number;
}

interface Pending {
  resolve(reply: StoreReply): void;
  reject(error: CommError): void;
  timer: NodeJS.Timeout;
}

/** Extra time the client grants the server to answer a timed wait/get before giving up itself. */
const SERVER_GRACE_MS = 5000;

/** A connection to the rendezvous store. Requests may overlap; each is answered by id. */
export class StoreClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: CommError | null = null;
  /** Set once the handshake is done: requests and replies travel as encrypted records. */
  private channel: RecordChannel | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly options: StoreClientOptions,
  ) {}

  /**
   * Dials the store until `connectTimeoutMs` passes, then authenticates. Rejects with CommError code
   * `rendezvous` when the store cannot be reached in time, or the handshake's error (`auth` when
   * rank 0 holds another token).
   */
  static async connect(options: StoreClientOptions): Promise<StoreClient> {
    const { host, port, rank, jobToken, connectTimeoutMs, handshakeTimeoutMs = 10_000, maxMessageBytes = 2 ** 20 } = options;
    const socket = await dialWithRetry({
      host,
      port,
      deadline: Date.now() + connectTimeoutMs,
      what: 'the rendezvous store (hosted by rank 0; check MASTER_ADDR/MASTER_PORT and that rank 0 started)',
      fields: { op: 'rendezvous', rank, peer: 0 },
    });
    const connection = await authenticate(socket, { side: 'dialer', role: 'store-client', acceptRoles: ['store-server'], rank, jobToken, timeoutMs: handshakeTimeoutMs });
    const client = new StoreClient(socket, options);
    let payload: Uint8Array | null = null;
    const decoder = new FrameDecoder({
      onHeader: (h) => (payload = new Uint8Array(h.payloadLength)),
      onPayloadPiece: () => {},
      onFrameEnd: (h) => {
        if (h.op !== CONTROL_OPS.storeReply) throw new CommError('protocol', `store sent op ${h.op}, expected a reply`, { op: 'rendezvous', rank });
        client.onReply(h.seq, decodeReply(payload!));
      },
    }, maxMessageBytes);
    // Always encrypted, whatever the transport security of the peer links (see store-server.ts).
    const channel = openRecordChannel(connection, 'encrypt', (bytes) => decoder.push(bytes), 'the rendezvous store (rank 0)', { op: 'rendezvous', rank, peer: 0 });
    client.channel = channel;
    const feed = (chunk: Uint8Array): void => {
      try {
        channel.feed(chunk);
      } catch (error) {
        client.fail(error as CommError);
        socket.destroy();
      }
    };
    socket.on('end', () => {
      try {
        channel.end();
      } catch (error) {
        client.fail(error as CommError);
      }
    });
    socket.on('error', (error) => client.fail(new PeerClosedError(`connection to the rendezvous store failed: ${error.message}`, { op: 'rendezvous', rank, peer: 0 }, { cause: error })));
    socket.on('close', () => client.fail(new PeerClosedError('the rendezvous store (rank 0) closed the connection', { op: 'rendezvous', rank, peer: 0 })));
    socket.on('data', feed);
    const parked = connection.adopt();
    if (parked !== undefined) client.fail(new PeerClosedError(`connection to the rendezvous store failed: ${parked.message}`, { op: 'rendezvous', rank, peer: 0 }));
    if (connection.leftover.byteLength > 0) feed(connection.leftover);
    socket.resume();
    return client;
  }

  /** This end's IP address on the route to the store: what other ranks can dial to reach this host. */
  get localAddress(): string {
    const address = this.socket.localAddress ?? '127.0.0.1';
    return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  }

  /** Stores `value` (a string is stored as UTF-8) under `key`, replacing any earlier value. */
  async set(key: string, value: string | Uint8Array): Promise<void> {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    await this.request({ kind: 'set', key, value: bytes }, this.requestTimeoutMs());
  }

  /** The value of `key`, waiting up to `timeoutMs` for it to be set. Throws StoreTimeoutError. */
  async get(key: string, timeoutMs: number): Promise<Uint8Array> {
    return this.request({ kind: 'get', key, timeoutMs }, timeoutMs + SERVER_GRACE_MS);
  }

  /** Atomically adds `delta` (an integer) to the counter `key` (0 when unset) and returns the new value. */
  async add(key: string, delta: number): Promise<number> {
    return decodeF64(await this.request({ kind: 'add', key, delta }, this.requestTimeoutMs()));
  }

  /**
   * Stores `value` under `key` only if the current value's SHA-256 is `expected` (undefined: only if `key` is unset).
   * Returns whether it wrote and the value stored now (undefined when unset).
   */
  async compareAndSet(key: string, expected: Uint8Array | undefined, value: Uint8Array): Promise<{ written: boolean; value: Uint8Array | undefined }> {
    return decodeCasResult(await this.request({ kind: 'cas', key, expected, value }, this.requestTimeoutMs()));
  }

  /** Resolves once every key in `keys` is set; throws StoreTimeoutError naming the missing ones after `timeoutMs`. */
  async wait(keys: readonly string[], timeoutMs: number): Promise<void> {
    if (keys.length === 0) return;
    await this.request({ kind: 'wait', keys: [...keys], timeoutMs }, timeoutMs + SERVER_GRACE_MS);
  }

  /** Closes the connection; pending requests reject with code `closed`. */
  close(): void {
    this.fail(new CommError('closed', 'the store client was closed', { op: 'rendezvous', rank: this.options.rank }));
    this.socket.destroy();
  }

  private requestTimeoutMs(): number {
    return this.options.requestTimeoutMs ?? 30_000;
  }

  private request(request: StoreRequest, clientTimeoutMs: number): Promise<Uint8Array> {
    if (this.failure !== null) return Promise.reject(this.failure);
    try {
      if (request.kind === 'wait') request.keys.forEach(checkKey); else checkKey(request.key);
    } catch (error) {
      return Promise.reject(error);
    }
    const { rank, maxMessageBytes = 2 ** 20 } = this.options;
    const frame = encodeRequest(request, this.nextId, rank);
    if (frame.length - FRAME_HEADER_BYTES > maxMessageBytes) {
      return Promise.reject(new CommError('protocol', `store ${request.kind} of ${frame.length - FRAME_HEADER_BYTES} bytes is over the ${maxMessageBytes}-byte message cap`, { op: 'rendezvous', rank }));
    }
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    const started = Date.now();
    return new Promise<StoreReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CommTimeoutError(`the rendezvous store did not answer a ${request.kind} within ${clientTimeoutMs} ms`, { op: 'rendezvous', rank, peer: 0 }));
      }, Math.min(clientTimeoutMs, MAX_TIMER_MS)); // the server's limit plus its grace may pass what a timer holds
      this.pending.set(id, { resolve, reject, timer });
      this.channel!.write([frame]);
    }).then((reply) => {
      if (reply.status === 'ok') return reply.body;
      const fields = { op: 'rendezvous', rank, elapsedMs: Date.now() - started };
      if (reply.status === 'timeout') {
        throw new StoreTimeoutError(`store ${request.kind} timed out; still missing: ${reply.missingKeys.join(', ')}`, reply.missingKeys, fields);
      }
      throw new CommError('rendezvous', `the rendezvous store refused a ${request.kind}: ${reply.message}`, fields);
    });
  }

  private onReply(id: number, reply: StoreReply): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return; // its client-side timer already gave up
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(reply);
  }

  private fail(error: CommError): void {
    if (this.failure !== null) return;
    this.failure = error;
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
    this.pending.clear();
  }
}
