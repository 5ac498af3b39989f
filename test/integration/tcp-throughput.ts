// Measures one large send between two real processes over loopback TCP (not a test: prints a figure).
//
//   node --import tsx test/integration/tcp-throughput.ts [megabytes=256] [repeats=5]
//
// Rank 0 sends one frame of the given size to rank 1, which acknowledges with a 1-byte frame; the
// time runs from the send to the acknowledgement, so it covers the receiver's last byte. One warm-up.

import { allExit, killAll, spawnRanks } from './spawn-ranks.js';

const megabytes = Number(process.argv[2] ?? 256);
const repeats = Number(process.argv[3] ?? 5);
const ranks = await spawnRanks(2, 'throughput', undefined, {
  LION_CUB_TEST_BYTES: String(Math.round(megabytes * 2 ** 20)),
  LION_CUB_TEST_REPEATS: String(repeats),
});
try {
  const codes = await allExit(ranks, 300_000);
  if (codes.some((c) => c !== 0)) throw new Error(`workers failed: ${ranks.map((r) => r.stderr.join('')).join('\n')}`);
  const result = ranks[0].lines.at(-1) as { byteLength: number; medianSeconds: number; gbitPerSecond: number; bestGbitPerSecond: number };
  console.log(`one ${megabytes} MiB send over loopback, median of ${repeats}: ${result.gbitPerSecond.toFixed(2)} Gbit/s ` +
    `(${(result.byteLength / result.medianSeconds / 2 ** 20).toFixed(0)} MiB/s, ${(result.medianSeconds * 1000).toFixed(1)} ms; best ${result.bestGbitPerSecond.toFixed(2)} Gbit/s)`);
} finally {
  killAll(ranks);
}
