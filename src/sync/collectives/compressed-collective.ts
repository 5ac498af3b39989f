// What every compressed collective shares: argument checks, one run at a time, kernel buffers, measured traffic.

import type { CollectiveName, OpStats, ProcessGroup } from '../../comm/process-group.js';
import { checkStep, InvalidArgumentError, LionCubError } from '../../errors.js';
import type { KernelRegion } from '../../kernels/kernel-memory.js';
import { kernelMemory } from '../../kernels/load.js';
import { zeroTraffic, type MeasuredTraffic } from './traffic.js';

/** Options of one run. */
export interface RunOptions {
  /** Time limit of each ProcessGroup call the run makes (default: the group's). */
  timeoutMs?: number;
}

/** Result of a run that also agreed on finiteness (runAgreeing of the vote and p-bit allreduce). */
export interface AgreedCode {
  /** The combined 1-bit code (see the collective's run). */
  code: Uint32Array;
  /** True on every rank exactly when every rank's gradient was finite. */
  allFinite: boolean;
}

/**
 * Thrown by run() while another run of the same instance is still in flight (its buffers are in use), and
 * by run() after dispose(). Code `collective_busy` or `collective_disposed`.
 */
export class CollectiveStateError extends LionCubError {
  constructor(code: 'collective_busy' | 'collective_disposed', message: string) {
    super(code, message);
  }
}

/** Records the group calls of one run as they complete. */
export type PhaseRecorder = <T>(op: CollectiveName, call: Promise<T>) => Promise<T>;

/**
 * Base of the compressed collectives. Buffer rules, shared by all of them:
 * - buffers that a ProcessGroup call reads or writes while the run awaits live in ordinary memory, so a
 *   grow of the kernel memory during the await (which detaches every view of it) cannot touch them;
 * - kernel-memory buffers are only used synchronously between awaits, through views taken right there.
 */
export abstract class CompressedCollective {
  readonly worldSize: number;
  readonly rank: number;
  private readonly regions: KernelRegion[] = [];
  private running = false;
  private disposed = false;
  private last: MeasuredTraffic | undefined;

  protected constructor(readonly group: ProcessGroup, readonly numValues: number, private readonly name: string) {
    if (!Number.isSafeInteger(numValues) || numValues < 0) {
      throw new InvalidArgumentError('numValues', numValues, 'a non-negative integer, the number of values of the update vector');
    }
    this.worldSize = group.worldSize;
    this.rank = group.rank;
  }

  /** Traffic of the last completed run (undefined before the first). Frame headers included. */
  get lastTraffic(): MeasuredTraffic | undefined {
    return this.last && { ...this.last, phases: this.last.phases.map((p) => ({ ...p })) };
  }

  /**
   * Releases the kernel buffers. Idempotent. A run in flight still makes all its group calls (so peers are not
   * left waiting), then releases them and rejects with CollectiveStateError (`collective_disposed`); later runs
   * reject the same way.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.running) this.releaseRegions();
  }

  /** Allocates a kernel buffer owned by this instance (released by dispose). */
  protected allocRegion(byteLength: number): KernelRegion {
    const region = kernelMemory.alloc(byteLength);
    this.regions.push(region);
    return region;
  }

  /** Throws InvalidArgumentError unless `array` is a `kind` of exactly `length` elements. */
  protected checkArray(field: string, array: unknown, kind: { name: string; prototype: object }, length: number, what: string): void {
    if (!(array instanceof (kind as unknown as new () => object))) {
      throw new InvalidArgumentError(field, array, `a ${kind.name} of ${length} elements (${what})`);
    }
    const actual = (array as { length: number }).length;
    if (actual !== length) throw new InvalidArgumentError(`${field}.length`, actual, `${length} (${what})`);
  }

  /** Checks a run's 1-bit `code` (W words), `step` and optional `output` (W words); throws InvalidArgumentError. */
  protected checkSignCodeArgs(code: unknown, words: number, step: unknown, output: unknown): void {
    this.checkArray('code', code, Uint32Array, words, `⌈${this.numValues}/32⌉ words of the 1-bit code`);
    checkStep(step);
    if (output !== undefined) this.checkArray('output', output, Uint32Array, words, 'words of the voted code');
  }

  /**
   * Runs `body` as this instance's only run in flight, recording the traffic of every group call it makes.
   * Checks happen before any communication, so a rejected argument never leaves peers half-way into a run.
   */
  protected async exclusive<T>(body: (phase: PhaseRecorder) => Promise<T>): Promise<T> {
    if (this.disposed) throw new CollectiveStateError('collective_disposed', `${this.name}.run: the collective was disposed; create a new one`);
    if (this.running) {
      throw new CollectiveStateError('collective_busy', `${this.name}.run: the previous run has not finished; await it before starting the next`);
    }
    this.running = true;
    const phases: OpStats[] = [];
    const phase: PhaseRecorder = async (op, call) => {
      const value = await call;
      // The group records a call before resolving it, and the next queued call cannot finish before this
      // continuation runs, so lastOp is this call.
      const stats = this.group.lastOp;
      if (stats?.op === op) phases.push(stats);
      return value;
    };
    try {
      const result = await body(phase);
      // The run went through all its group calls (stopping half-way would leave the peers waiting), but its
      // buffers, the default output among them, are released now.
      if (this.disposed) throw new CollectiveStateError('collective_disposed', `${this.name}.run: the collective was disposed during the run`);
      const total: MeasuredTraffic = { ...zeroTraffic(), elapsedMs: 0, phases };
      for (const p of phases) {
        total.messagesSent += p.messagesSent;
        total.messagesReceived += p.messagesReceived;
        total.bytesSent += p.bytesSent;
        total.bytesReceived += p.bytesReceived;
        total.elapsedMs += p.elapsedMs;
      }
      this.last = total;
      return result;
    } finally {
      this.running = false;
      if (this.disposed) this.releaseRegions();
    }
  }

  private releaseRegions(): void {
    for (const region of this.regions) kernelMemory.release(region);
    this.regions.length = 0;
  }
}

/** The bytes of `words[start, start + length)`, sharing memory. */
export function wordBytes(words: Uint32Array, start: number, length: number): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset + 4 * start, 4 * length);
}

/** Copies `blocks[q]` to byte offset `offsetOf(q)` of `dst`: the received blocks, stacked or put back in place. */
export function placeBlocks(dst: Uint8Array, blocks: readonly Uint8Array[], offsetOf: (q: number) => number): void {
  for (let q = 0; q < blocks.length; q++) dst.set(blocks[q], offsetOf(q));
}
