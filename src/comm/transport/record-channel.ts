// One authenticated connection's byte stream through the record layer: sealed writes, verified reads.

import type { CommErrorFields } from '../errors.js';
import type { AuthenticatedConnection } from './handshake.js';
import { RecordOpener, RecordSealer } from './record-layer.js';
import type { TransportSecurity } from './security-mode.js';

/** Writes and reads of one connection, with records in `encrypt`/`integrity` mode and plain bytes in `none`. */
export interface RecordChannel {
  /** Writes `pieces` in order, corked into one writev; `written` runs once the last byte is in the kernel. */
  write(pieces: Uint8Array[], written?: (error?: Error | null) => void): void;
  /** Feeds a chunk read from the socket; verified bytes go to `deliver`. Throws IntegrityError. */
  feed(chunk: Uint8Array): void;
  /** The socket ended: throws IntegrityError when it ended inside a record. */
  end(): void;
}

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
): RecordChannel {
  const { socket } = connection;
  const sealer = mode === 'none' ? null : new RecordSealer(mode, connection.recordKeys(mode).send);
  const opener = mode === 'none' ? null : new RecordOpener(mode, connection.recordKeys(mode).receive, deliver, sender, fields);
  return {
    write(pieces, written) {
      const buffers = sealer === null ? pieces : sealer.seal(pieces);
      socket.cork();
      buffers.forEach((buffer, i) => socket.write(buffer, i === buffers.length - 1 ? written : undefined));
      socket.uncork();
    },
    feed: opener === null ? deliver : (chunk) => opener.push(chunk),
    end() {
      opener?.end();
    },
  };
}
