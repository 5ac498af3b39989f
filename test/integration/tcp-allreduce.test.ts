// Four real processes join through launcher variables (torchrun style) and run allreduces over TCP.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { allExit, killAll, spawnRanks } from './spawn-ranks.js';

it('4 processes initialise from the environment and allreduce correctly', async () => {
  const ranks = await spawnRanks(4, 'allreduce');
  try {
    const codes = await allExit(ranks, 90_000);
    ranks.forEach((r, rank) => {
      assert.equal(codes[rank], 0, `rank ${rank} exited ${codes[rank]}: ${JSON.stringify(r.lines)} ${r.stderr.join('')}`);
      assert.deepEqual(r.lines.at(-1), { rank, ok: true, checked: [1, 1000, 300_001] });
    });
  } finally {
    killAll(ranks);
  }
});
