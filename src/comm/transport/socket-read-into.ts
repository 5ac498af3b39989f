// Switches an already-connected Node socket to reads into buffers chosen per read (Node's `onread` mode).
//
// net.Socket's documented `onread: { buffer: () => Uint8Array, callback }` option makes libuv read straight
// into the buffer the function returns, with no Buffer allocated per read and no 'data' events. Node only
// takes it when the socket object is constructed, and accepted sockets are constructed by net.Server, so
// this sets the same three per-socket fields the constructor sets (found by their symbol descriptions) and
// installs the first buffer on the handle as the constructor's handle setup does. Node's own read path
// (onStreamRead) then behaves exactly as for a socket created with `onread`: after each read it calls the
// callback, then the buffer function for the next read; pause()/resume() and 'end'/'error'/'close' work.
// When the internals are not as expected (another Node version), nothing is changed and null is returned:
// the caller keeps 'data' events.

import type { Socket } from 'node:net';

/** Control over a socket in read-into mode. */
export interface ReadInto {
  /**
   * Makes `buffer` the target of the next read at once. The handle keeps the last buffer it was given until
   * its next read completes; call this when that buffer must not be written any more (its owner gave it up).
   */
  replaceTarget(buffer: Uint8Array): void;
}

interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

/**
 * Puts `socket` in read-into mode: each read fills (the start of) `next()`'s buffer and then `filled(n)` is
 * called with the byte count. `next` is called once now and after every read. The socket must be connected,
 * with no data buffered in its readable state (read it out first) and no 'data' listener. Returns null, and
 * changes nothing, when this Node's socket internals do not offer the mode.
 */
export function readInto(socket: Socket, next: () => Uint8Array, filled: (n: number) => void): ReadInto | null {
  const fields = socket as unknown as Record<symbol, unknown> & { _handle?: Partial<UserBufferHandle> | null };
  const symbols = Object.getOwnPropertySymbols(socket);
  const symbol = (description: string): symbol | undefined => symbols.find((s) => s.description === description);
  const kBuffer = symbol('kBuffer');
  const kBufferCb = symbol('kBufferCb');
  const kBufferGen = symbol('kBufferGen');
  const handle = fields._handle;
  if (kBuffer === undefined || kBufferCb === undefined || kBufferGen === undefined) return null;
  if (fields[kBuffer] !== null || handle == null || typeof handle.useUserBuffer !== 'function') return null;
  if (socket.readableLength > 0 || socket.listenerCount('data') > 0) return null;
  const useUserBuffer = (buffer: Uint8Array): void => {
    // The handle keeps only a raw pointer; the socket field keeps the memory alive, as Node's own code does.
    fields[kBuffer] = buffer;
    handle.useUserBuffer!.call(handle, buffer);
  };
  fields[kBufferCb] = (n: number): undefined => {
    filled(n);
    return undefined; // anything but false: keep reading (backpressure pauses the socket explicitly)
  };
  fields[kBufferGen] = next;
  useUserBuffer(next());
  return { replaceTarget: useUserBuffer };
}
