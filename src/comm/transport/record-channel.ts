// One authenticated connection's byte stream through the record layer: sealed writes, verified reads.

import type { Socket } from 'node:net';
import type { CommErrorFields } from '../errors.js';
import type { AuthenticatedConnection } from './handshake.js';
import { RecordOpener, RecordSealer, type RecordSequence } from './record-layer.js';
import type { TransportSecurity } from './security-mode.js';
import { readInto } from './socket-read-into.js';

/** Writes and reads of one connection, with records in `encrypt`/`integrity` mode and plain bytes in `none`. */
export interface RecordChannel {
  /**
   * Writes the bytes of `pieces` (not empty) after everything written before; `written` runs once the last
   * byte is in the kernel. The pieces are read until then, so they must stay unchanged until `written`.
   */
  write(pieces: Uint8Array[], written?: (error?: Error | null) => void): void;
  /**
   * Writes `last` (if given) and then ends the socket, after every earlier write, or, with
   * `dropUnstarted`, after the earlier writes already partly on the wire only (for an abort: the peer
   * still sees whole frames, and the abort does not wait behind data nobody will use).
   */
  finish(last?: Uint8Array[], dropUnstarted?: boolean): void;
  /** Feeds a chunk read from the socket; verified bytes go to `deliver`. Throws IntegrityError. */
  feed(chunk: Uint8Array): void;
  /** The socket ended: throws IntegrityError when it ended inside a record. */
  end(): void;
  /** What checks incoming records (null in `none`), for a reader that places verified bytes itself. */
  readonly opener: RecordOpener | null;
}

export interface RecordChannelOptions {
  /**
   * Seal records only as the socket takes them (at most RECORDS_AHEAD waiting in Node's write queue) rather
   * than all at once. Sealing then overlaps the wire, and ciphertext is written while still in cache and dies
   * young. Off for a writer that measures its backlog with `socket.writableLength` (the rendezvous store).
   */
  paced?: boolean;
}

/**
 * Sealed records a paced channel keeps in Node's write queue: one going to the kernel, one ready behind it
 * (`integrity`: whole messages, see pacedWrites).
 */
export const RECORDS_AHEAD = 2;

/**
 * The channel of `connection` in `mode`. `deliver` receives the verified bytes in order; `sender` and
 * `fields` name the other end in an IntegrityError.
 */
export function openRecordChannel(
  connection: AuthenticatedConnection,
  mode: TransportSecurity,
  deliver: (bytes: Uint8Array) => void,
  sender: string,
  fields: CommErrorFields,
  options: RecordChannelOptions = {},
): RecordChannel {
  const { socket } = connection;
  const opener = mode === 'none' ? null : new RecordOpener(mode, connection.recordKeys(mode).receive, deliver, sender, fields);
  const writeCorked = (buffers: Uint8Array[], written?: (error?: Error | null) => void): void => {
    socket.cork();
    buffers.forEach((buffer, i) => socket.write(buffer, i === buffers.length - 1 ? written : undefined));
    socket.uncork();
  };
  const read = {
    opener,
    feed: opener === null ? deliver : (chunk: Uint8Array) => opener.push(chunk),
    end: () => opener?.end(),
  };
  if (mode === 'none') {
    return { ...read, write: writeCorked, finish: (last) => { if (last !== undefined) writeCorked(last); socket.end(); } };
  }
  const sealer = new RecordSealer(mode, connection.recordKeys(mode).send);
  if (options.paced !== true) {
    const writeAll = (pieces: Uint8Array[], written?: (error?: Error | null) => void): void => {
      const records = sealer.seal(pieces);
      records.forEach((record, i) => writeCorked(record, i === records.length - 1 ? written : undefined));
    };
    return { ...read, write: writeAll, finish: (last) => { if (last !== undefined) writeAll(last); socket.end(); } };
  }
  return { ...read, ...pacedWrites(socket, sealer, writeCorked, mode === 'integrity') };
}

interface QueuedMessage {
  records: RecordSequence;
  written?: (error?: Error | null) => void;
  started: boolean;
}

/**
 * Writes that seal a record only when fewer than RECORDS_AHEAD sealed ones wait for the kernel. With
 * `wholeMessages` (`integrity`: its records are views of the caller's bytes plus a tag, nothing to keep small) a
 * write takes every record of a message, one corked writev per frame instead of one per record.
 */
function pacedWrites(
  socket: AuthenticatedConnection['socket'],
  sealer: RecordSealer,
  writeCorked: (buffers: Uint8Array[], written?: (error?: Error | null) => void) => void,
  wholeMessages: boolean,
): Pick<RecordChannel, 'write' | 'finish'> {
  const queue: QueuedMessage[] = [];
  let ahead = 0;
  let ending = false;
  let ended = false;
  const pump = (): void => {
    while (ahead < RECORDS_AHEAD && queue.length > 0 && !socket.destroyed) {
      const message = queue[0];
      message.started = true;
      const record = message.records.next()!;
      while (wholeMessages && !message.records.done) record.push(...message.records.next()!);
      const last = message.records.done;
      if (last) queue.shift();
      ahead++;
      writeCorked(record, (error) => {
        ahead--;
        if (last) message.written?.(error);
        if (!error) pump();
      });
    }
    if (ending && !ended && queue.length === 0) {
      ended = true;
      socket.end();
    }
  };
  return {
    write(pieces, written) {
      queue.push({ records: sealer.records(pieces), written, started: false });
      pump();
    },
    finish(last, dropUnstarted = false) {
      if (dropUnstarted) queue.splice(queue[0]?.started === true ? 1 : 0);
      if (last !== undefined) queue.push({ records: sealer.records(last), started: false });
      ending = true;
      pump();
    },
  };
}

/** Bytes of the one buffer every read of an `encrypt` link lands in (what Node reads per call by default). */
export const REUSED_READ_BYTES = 64 * 1024;

/**
 * For `encrypt`: makes every read of `socket` land in one reused buffer and passes it to `feed`, instead of
 * Node allocating a new buffer per read. Safe only because an `encrypt` opener consumes a chunk within the
 * call (it decrypts into new buffers and keeps no view of it). First hands `feed` what the socket's stream
 * has already buffered. Returns false, changing nothing, in other modes or when this Node's sockets do not
 * offer read-into mode; the caller then listens to 'data'.
 */
export function readThroughReusedBuffer(socket: Socket, mode: TransportSecurity, feed: (chunk: Uint8Array) => void): boolean {
  if (mode !== 'encrypt' || socket.listenerCount('data') > 0) return false;
  for (let chunk: Buffer | null = socket.read(); chunk !== null; chunk = socket.read()) feed(chunk);
  const buffer = new Uint8Array(REUSED_READ_BYTES);
  return readInto(socket, () => buffer, (n) => feed(buffer.subarray(0, n))) !== null;
}
