// Entry point of one `bench comm` rank (started by the launcher): joins the job, runs every case, rank 0 prints rows.
//
// argv[2] is the CommBenchConfig as JSON; RANK, WORLD_SIZE, MASTER_ADDR/PORT and the job token come from the launcher.

import { initProcessGroup } from '../../src/comm/init.js';
import { runCase } from './run-case.js';
import { encodeRow, type CommBenchConfig } from './worker-config.js';

const config = JSON.parse(process.argv[2]) as CommBenchConfig;
const pg = await initProcessGroup({ timeoutMs: config.timeoutMs });
try {
  for (const op of config.ops) {
    for (const dtype of config.dtypes) {
      for (const bytes of config.sizes) {
        const row = await runCase(pg, { op, dtype, bytes, warmup: config.warmup, iters: config.iters });
        if (row) process.stdout.write(`${encodeRow(row)}\n`);
      }
    }
  }
} finally {
  await pg.close();
}
