// Long synchronous work of a training worker, cut into pieces with a turn of the event loop between them.
//
// A worker's heartbeats (src/launch/heartbeat.ts) are written by a timer on its main thread, so a stretch that never
// returns to the event loop sends none, and one longer than --heartbeat-timeout gets a healthy worker stopped as
// hung. Work done in pieces (evaluation passes, …) awaits `pause()` between them; a stopped or frozen worker still
// sends nothing, since it reaches no pause.

/** Longest run of pieces between two turns of the event loop: half the shortest heartbeat interval (100 ms). */
export const YIELD_EVERY_MS = 50;

export class YieldPoint {
  private last = performance.now();

  constructor(private readonly everyMs = YIELD_EVERY_MS) {}

  /**
   * When `everyMs` have passed since the last turn, resolves after one full turn of the event loop (timers, so a
   * due heartbeat, and I/O callbacks run); otherwise at once, so short pieces cost nothing.
   */
  async pause(): Promise<void> {
    if (performance.now() - this.last < this.everyMs) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.last = performance.now();
  }
}
