// Accumulates the phases of one step (encode, communication, decode) for SyncStepStats.

/** A part of a step a Stopwatch times. */
export type Phase = 'encodeMs' | 'commMs' | 'decodeMs';

/** Adds up a step's encode, communication and decode time for SyncStepStats. */
export class Stopwatch {
  encodeMs = 0;
  commMs = 0;
  decodeMs = 0;

  /** Runs `fn`, adding its duration to `phase`. */
  time<T>(phase: Phase, fn: () => T): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      this[phase] += performance.now() - start;
    }
  }

  async timeAsync<T>(phase: Phase, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this[phase] += performance.now() - start;
    }
  }
}
