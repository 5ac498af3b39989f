// Dialing a TCP endpoint that may not be listening yet: bounded per attempt, retried with backoff until a deadline.

import net from 'node:net';
import { CommError, type CommErrorFields } from '../errors.js';
import { sleep } from '../sleep.js';

export interface DialOptions {
  host: string;
  port: number;
  /** Absolute time (Date.now() scale) after which no new attempt starts. */
  deadline: number;
  /** What is being dialed, for the error message, e.g. "the rendezvous store (rank 0)". */
  what: string;
  /** Fields of the error thrown at the deadline. */
  fields?: CommErrorFields;
  /** First pause between attempts; doubles up to maxRetryDelayMs. Defaults 25 and 500 ms. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Gives up early (rejecting with the signal's reason) when aborted. */
  signal?: AbortSignal;
}

/**
 * Connects to host:port, retrying refused or unreachable attempts until `deadline` (the other process
 * may start later). Resolves with the connected socket. Rejects with CommError code `rendezvous`
 * naming `what`, the address, the time spent and the last error when the deadline passes.
 */
export async function dialWithRetry(options: DialOptions): Promise<net.Socket> {
  const { host, port, deadline, what, fields = {}, retryDelayMs = 25, maxRetryDelayMs = 500, signal } = options;
  const started = Date.now();
  let delay = retryDelayMs;
  let lastError: Error | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      return await connectOnce(host, port, left, signal);
    } catch (error) {
      signal?.throwIfAborted();
      lastError = error as Error;
    }
    const pause = Math.min(delay, deadline - Date.now());
    if (pause <= 0) break;
    await sleep(pause, signal);
    delay = Math.min(delay * 2, maxRetryDelayMs);
  }
  throw new CommError(
    'rendezvous',
    `could not connect to ${what} at ${host}:${port} within ${Date.now() - started} ms` +
      (lastError ? ` (last error: ${(lastError as NodeJS.ErrnoException).code ?? lastError.message})` : ''),
    { ...fields, elapsedMs: Date.now() - started },
    { cause: lastError },
  );
}

/** One connection attempt, abandoned after `timeoutMs` or when `signal` aborts. */
function connectOnce(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const giveUp = (error: unknown): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    };
    const onAbort = (): void => giveUp(signal!.reason);
    const onError = (error: Error): void => giveUp(error);
    const timer = setTimeout(() => giveUp(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
