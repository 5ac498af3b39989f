// Runs one compressed collective on every rank of an in-process group and checks what all of them share (test code).

import assert from 'node:assert/strict';
import type { ProcessGroup } from '../../../comm/process-group.js';
import type { MeasuredTraffic, TrafficSettings, WireTraffic } from '../traffic.js';

interface Collective<S extends TrafficSettings = TrafficSettings> {
  readonly lastTraffic: MeasuredTraffic | undefined;
  predictTraffic(settings?: S): WireTraffic;
  dispose(): void;
}

/**
 * Builds one collective per rank, runs `run` on all ranks at once, and returns the results (copied, since a
 * result may be a view of the collective's own buffer) and the collectives (still usable; dispose them).
 */
export async function runOnRanks<C extends Collective<never>, R extends ArrayLike<number>>(
  groups: readonly ProcessGroup[],
  make: (group: ProcessGroup) => C,
  run: (collective: C, rank: number) => Promise<R>,
): Promise<{ results: number[][]; collectives: C[] }> {
  const collectives = groups.map(make);
  const results = await Promise.all(collectives.map(async (c, rank) => Array.from(await run(c, rank))));
  return { results, collectives };
}

/** Every rank got the same array, equal to `expected`. */
export function assertAllEqual(results: readonly number[][], expected: ArrayLike<number>, what: string): void {
  const want = Array.from(expected);
  results.forEach((got, rank) => {
    if (got.length !== want.length || got.some((v, i) => v !== want[i])) {
      const i = got.findIndex((v, k) => v !== want[k]);
      assert.fail(`${what}: rank ${rank} differs from the reference (length ${got.length} vs ${want.length}, first difference at ${i}: ${got[i]} vs ${want[i]})`);
    }
  });
}

/** Each rank's measured traffic of its last run equals its prediction, message for message and byte for byte. */
export function assertTrafficPredicted<S extends TrafficSettings>(collectives: readonly Collective<S>[], settings: S, what: string): void {
  collectives.forEach((c, rank) => {
    const measured = c.lastTraffic;
    assert.ok(measured, `${what}: rank ${rank} has no traffic record`);
    const { messagesSent, messagesReceived, bytesSent, bytesReceived } = measured;
    assert.deepEqual({ messagesSent, messagesReceived, bytesSent, bytesReceived }, c.predictTraffic(settings), `${what}: rank ${rank}`);
  });
}
