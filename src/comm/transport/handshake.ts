// The authenticated connection handshake: mutual HMAC-SHA256 challenge-response over the job token.
//
// Every TCP connection of a job (peer links and rendezvous store clients) starts with it, so a process
// that does not hold the job token can neither join the mesh nor inject frames. Wire layout and the
// reasoning behind the order of messages: docs/wire-format.md, "Handshake".

import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { InvalidArgumentError } from '../../errors.js';
import { CommError, CommTimeoutError, PeerClosedError, ProtocolError } from '../errors.js';
import { PROTOCOL_VERSION } from './frame.js';
import { tokenWeakness } from './job-key.js';
import { RECORD_CIPHER, RECORD_IV_BYTES, RECORD_KEY_BYTES, type DirectionKeys, type RecordKeys } from './record-layer.js';
import type { TransportSecurity } from './security-mode.js';

/** Environment variable holding the job token shared by every rank. */
export const JOB_TOKEN_ENV = 'LION_CUB_JOB_TOKEN';

/** Shortest accepted token, in characters: shorter secrets are too easy to guess. */
export const MIN_JOB_TOKEN_LENGTH = 16;

/** What each end of a connection is. The acceptor of peer links is a peer; store clients dial a store server. */
export type HandshakeRole = 'peer' | 'store-client' | 'store-server';

const ROLE_CODES: Readonly<Record<HandshakeRole, number>> = { peer: 1, 'store-client': 2, 'store-server': 3 };

/** "LCHS" read as a little-endian uint32. */
const HELLO_MAGIC = 0x5348434c;
/** magic u32, version u16, role u8, reserved u8, rank i32, nonce 32 bytes. */
export const HELLO_BYTES = 44;
export const PROOF_BYTES = 32;
const NONCE_BYTES = 32;

/** A fresh job token for a launcher to hand to every rank: 256 random bits, base64url (43 characters). */
export function generateJobToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What a job token must be, in the words of every refusal (launcher and ranks alike). */
export const JOB_TOKEN_EXPECTATION =
  `a random secret that cannot be guessed, at least ${MIN_JOB_TOKEN_LENGTH} characters, the same on every node ` +
  `(e.g. export ${JOB_TOKEN_ENV}=$(openssl rand -hex 16) and use that value on all nodes; ` +
  'on a single node lion-cub run and train generate one when it is unset)';

/**
 * Refuses a job token that the handshake would not accept: missing, shorter than MIN_JOB_TOKEN_LENGTH
 * characters, or easy to guess (tokenWeakness). Throws InvalidArgumentError naming `field` (the option or
 * variable the token came from). The one check shared by the launcher, which refuses a user's token
 * before starting any worker, and every rank (resolveJobToken).
 */
export function checkJobToken(field: string, token: string | undefined): string {
  if (token === undefined || token.length < MIN_JOB_TOKEN_LENGTH) {
    throw new InvalidArgumentError(field, token === undefined ? '(unset)' : `a ${token.length}-character token`, JOB_TOKEN_EXPECTATION);
  }
  const weakness = tokenWeakness(token);
  if (weakness !== null) throw new InvalidArgumentError(field, `a token with ${weakness}`, JOB_TOKEN_EXPECTATION);
  return token;
}

/**
 * The job token: `explicit` when given, else the LION_CUB_JOB_TOKEN variable of `env` (stretch it
 * with job-key.ts before use), checked by checkJobToken.
 */
export function resolveJobToken(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): Buffer {
  const [field, token] = explicit !== undefined ? ['jobToken', explicit] : [JOB_TOKEN_ENV, env[JOB_TOKEN_ENV]];
  return Buffer.from(checkJobToken(field, token), 'utf8');
}

export interface HandshakeOptions {
  /** The dialer connected; the acceptor accepted. The acceptor proves itself only after the dialer has. */
  side: 'dialer' | 'acceptor';
  /** What this end is. */
  role: HandshakeRole;
  /** Roles accepted from the other end; any other is a ProtocolError. */
  acceptRoles: readonly HandshakeRole[];
  /** This process's rank, or -1 when it has none yet. */
  rank: number;
  /** The HMAC key (resolveJobToken). */
  jobToken: Uint8Array;
  /** Bound on the whole exchange. */
  timeoutMs: number;
  /**
   * Bound on the other end's HELLO, the first message: a short one keeps idle strangers from holding an
   * acceptor's handshake slot. Default 3000 ms for the acceptor; the dialer waits `timeoutMs`.
   */
  helloTimeoutMs?: number;
}

/** A socket that passed the handshake, paused, with the facts the other end proved. */
export interface AuthenticatedConnection {
  socket: Socket;
  peerRank: number;
  peerRole: HandshakeRole;
  /** Bytes that followed the handshake in the last chunk read: the start of the frame stream. */
  leftover: Uint8Array;
  /**
   * Hands the socket to its owner: removes the error listener that held it since the handshake and
   * returns the error seen meanwhile, if any. The owner must attach its own 'error' listener first.
   */
  adopt(): Error | undefined;
  /**
   * This connection's record keys for `mode` (one per direction), derived with HKDF-SHA256 from the
   * job key, both HELLOs (roles, ranks, nonces) and the mode: fresh for every connection.
   */
  recordKeys(mode: Exclude<TransportSecurity, 'none'>): RecordKeys;
}

/**
 * Runs the handshake on a connected socket.
 *
 * dialer → HELLO_d; acceptor → HELLO_a (both at once); dialer → PROOF_d; acceptor checks it, then
 * → PROOF_a; dialer checks it. PROOF_x = HMAC-SHA256(token, label_x ‖ HELLO_d ‖ HELLO_a) with a label per
 * side, so a proof can neither be reflected back nor replayed on another connection (fresh nonces).
 *
 * Resolves with the socket paused. Rejects, after destroying the socket, with CommError code `auth`
 * (wrong proof, or the other end hung up mid-handshake, which is how a wrong token looks from the
 * dialer), `protocol` (not a lion-cub hello, another protocol version, unexpected role), `timeout`,
 * or `peer_closed` (socket error).
 */
export function authenticate(socket: Socket, options: HandshakeOptions): Promise<AuthenticatedConnection> {
  const { side, role, acceptRoles, rank, jobToken, timeoutMs, helloTimeoutMs = side === 'acceptor' ? 3000 : timeoutMs } = options;
  const ownHello = encodeHello(role, rank);
  const fields = { op: 'handshake', rank: rank >= 0 ? rank : undefined };
  return new Promise((resolve, reject) => {
    let pending: Buffer = Buffer.alloc(0);
    let peerHello: Buffer | null = null;
    let settled = false;

    const finish = (error: CommError | null, result?: AuthenticatedConnection): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(helloTimer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      if (error !== null) {
        socket.on('error', () => {}); // the destroy below may still surface a late error
        socket.destroy();
        reject(error);
      } else {
        resolve(result!);
      }
    };
    const onEnd = (): void => {
      finish(new CommError('auth', `the other end (${describeRemote(socket)}) closed the connection during the handshake: wrong job token, or not a lion-cub endpoint`, fields));
    };
    const onError = (error: Error): void => {
      finish(new PeerClosedError(`connection to ${describeRemote(socket)} failed during the handshake: ${error.message}`, fields, { cause: error }));
    };
    const onData = (chunk: Buffer): void => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      try {
        advance();
      } catch (error) {
        finish(error as CommError);
      }
    };
    const advance = (): void => {
      if (peerHello === null) {
        if (pending.length < HELLO_BYTES) return;
        peerHello = Buffer.from(pending.subarray(0, HELLO_BYTES));
        clearTimeout(helloTimer);
        pending = pending.subarray(HELLO_BYTES);
        checkHello(peerHello, acceptRoles, socket);
        if (side === 'dialer') socket.write(proof(jobToken, 'dialer', ownHello, peerHello));
      }
      if (pending.length < PROOF_BYTES) return;
      const got = pending.subarray(0, PROOF_BYTES);
      const leftover = pending.subarray(PROOF_BYTES);
      const proverSide = side === 'dialer' ? 'acceptor' : 'dialer';
      const [dialerHello, acceptorHello] = side === 'dialer' ? [ownHello, peerHello] : [peerHello, ownHello];
      const expected = proof(jobToken, proverSide, dialerHello, acceptorHello);
      if (!timingSafeEqual(got, expected)) {
        throw new CommError('auth', `${describeRemote(socket)} failed the job-token check: it does not hold this job's token`, fields);
      }
      if (side === 'acceptor') socket.write(proof(jobToken, 'acceptor', dialerHello, acceptorHello));
      socket.pause();
      let parkedError: Error | undefined;
      const park = (error: Error): void => { parkedError ??= error; };
      socket.on('error', park);
      finish(null, {
        socket,
        peerRank: peerHello.readInt32LE(8),
        peerRole: roleName(peerHello[6])!,
        leftover,
        adopt: () => {
          socket.off('error', park);
          return parkedError;
        },
        recordKeys: (mode) => deriveRecordKeys(jobToken, side, dialerHello, acceptorHello, mode),
      });
    };
    const timer = setTimeout(() => {
      finish(new CommTimeoutError(`handshake with ${describeRemote(socket)} did not complete within ${timeoutMs} ms`, fields));
    }, timeoutMs);
    const helloTimer = setTimeout(() => {
      // Timers run before socket reads in an event-loop turn: after a long synchronous stretch the hello may
      // be waiting unread, so look once more after this turn's reads before refusing.
      setImmediate(() => {
        if (peerHello === null) finish(new CommTimeoutError(`${describeRemote(socket)} sent no lion-cub hello within ${helloTimeoutMs} ms`, fields));
      });
    }, Math.min(helloTimeoutMs, timeoutMs));

    socket.setNoDelay(true);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    socket.write(ownHello);
  });
}

function encodeHello(role: HandshakeRole, rank: number): Buffer {
  const b = Buffer.alloc(HELLO_BYTES);
  b.writeUInt32LE(HELLO_MAGIC, 0);
  b.writeUInt16LE(PROTOCOL_VERSION, 4);
  b[6] = ROLE_CODES[role];
  b.writeInt32LE(rank, 8);
  randomBytes(NONCE_BYTES).copy(b, 12);
  return b;
}

function checkHello(hello: Buffer, acceptRoles: readonly HandshakeRole[], socket: Socket): void {
  const remote = describeRemote(socket);
  if (hello.readUInt32LE(0) !== HELLO_MAGIC) {
    throw new ProtocolError(`${remote} did not start with a lion-cub handshake (bad magic)`, { op: 'handshake' });
  }
  const version = hello.readUInt16LE(4);
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError(`${remote} speaks protocol version ${version}, this build speaks ${PROTOCOL_VERSION}: run the same lion-cub version everywhere`, { op: 'handshake' });
  }
  const role = roleName(hello[6]);
  if (role === undefined || !acceptRoles.includes(role)) {
    throw new ProtocolError(`${remote} introduced itself as ${role ?? `role ${hello[6]}`}, expected ${acceptRoles.join(' or ')}`, { op: 'handshake' });
  }
}

function proof(key: Uint8Array, prover: 'dialer' | 'acceptor', dialerHello: Uint8Array, acceptorHello: Uint8Array): Buffer {
  return createHmac('sha256', key)
    .update(`lion-cub handshake v${PROTOCOL_VERSION} ${prover} proof`)
    .update(dialerHello)
    .update(acceptorHello)
    .digest();
}

function deriveRecordKeys(key: Uint8Array, side: 'dialer' | 'acceptor', dialerHello: Uint8Array, acceptorHello: Uint8Array, mode: TransportSecurity): RecordKeys {
  const salt = Buffer.concat([dialerHello, acceptorHello]);
  const directionBytes = RECORD_KEY_BYTES + RECORD_IV_BYTES;
  const okm = Buffer.from(hkdfSync('sha256', key, salt, `lion-cub records v${PROTOCOL_VERSION} ${RECORD_CIPHER} ${mode}`, 2 * directionBytes));
  const direction = (at: number): DirectionKeys => ({ key: okm.subarray(at, at + RECORD_KEY_BYTES), iv: okm.subarray(at + RECORD_KEY_BYTES, at + directionBytes) });
  const dialerToAcceptor = direction(0);
  const acceptorToDialer = direction(directionBytes);
  return side === 'dialer' ? { send: dialerToAcceptor, receive: acceptorToDialer } : { send: acceptorToDialer, receive: dialerToAcceptor };
}

function roleName(code: number): HandshakeRole | undefined {
  return (Object.keys(ROLE_CODES) as HandshakeRole[]).find((r) => ROLE_CODES[r] === code);
}

function describeRemote(socket: Socket): string {
  return socket.remoteAddress !== undefined ? `${socket.remoteAddress}:${socket.remotePort}` : 'the remote end';
}
