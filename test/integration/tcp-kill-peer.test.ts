// Kills one of four real processes in the middle of an allreduce: every survivor must fail fast, naming it.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { allExit, killAll, spawnRanks, type Rank } from './spawn-ranks.js';

const VICTIM = 2;
/** Far below the group's 60 s collective timeout: detection must come from the lost connection. */
const DETECTION_BOUND_MS = 15_000;

it('a killed rank is reported by every other rank within the bound, by name', async () => {
  let killedAt = 0;
  let ranks: Rank[] = [];
  ranks = await spawnRanks(4, 'kill', (rank, line) => {
    // Kill the victim once it has entered its third allreduce: it is mid-collective with everyone.
    if (rank === VICTIM && line.iteration === 2 && killedAt === 0) {
      setTimeout(() => {
        killedAt = Date.now();
        ranks[VICTIM].child.kill('SIGKILL');
      }, 20);
    }
  });
  try {
    const codes = await allExit(ranks, 120_000);
    assert.ok(killedAt > 0, 'the victim was killed');
    assert.equal(ranks[VICTIM].child.signalCode, 'SIGKILL');
    for (const [rank, r] of ranks.entries()) {
      if (rank === VICTIM) continue;
      assert.equal(codes[rank], 0, `rank ${rank}: ${r.stderr.join('')}`);
      const failure = r.lines.find((l) => l.error !== undefined) as { failedAt: number; error: { code: string; peer: number; message: string } } | undefined;
      assert.ok(failure, `rank ${rank} reported no failure: ${JSON.stringify(r.lines.slice(-3))}`);
      // A victim killed between records is a lost connection; killed while sending a record, its stream ends
      // the way a cut in transit does, which the record layer reports as integrity, naming both causes.
      if (failure.error.code !== 'peer_closed') {
        assert.equal(failure.error.code, 'integrity', failure.error.message);
        assert.match(failure.error.message, new RegExp(`connection from rank ${VICTIM} ended in the middle of a record: that process died while sending`));
      }
      assert.equal(failure.error.peer, VICTIM, failure.error.message);
      assert.match(failure.error.message, new RegExp(`rank ${VICTIM}`));
      assert.ok(failure.failedAt - killedAt < DETECTION_BOUND_MS, `rank ${rank} took ${failure.failedAt - killedAt} ms`);
    }
  } finally {
    killAll(ranks);
  }
});
