// Entry point of one `bench comm` rank (started by the launcher): joins the job, runs every case, rank 0 prints rows.
//
// argv[2] is the CommBenchConfig as JSON; RANK, WORLD_SIZE, MASTER_ADDR/PORT and the job token come from the launcher.

import { initProcessGroup } from '../../comm/init.js';
import { rateLimitedWarnings } from '../../comm/rate-limited-warnings.js';
import { planCases } from './plan.js';
import { runCase } from './run-case.js';
import { runCompressedCase } from './run-compressed-case.js';
import { encodeRow, type CommBenchConfig } from './worker-config.js';

const config = JSON.parse(process.argv[2]) as CommBenchConfig;
const pg = await initProcessGroup({ timeoutMs: config.timeoutMs, onWarning: rateLimitedWarnings((m) => process.stderr.write(`lion-cub: warning: ${m}\n`)) });
try {
  const { warmup, iters } = config;
  for (const c of planCases(config)) {
    const row = c.kind === 'plain'
      ? await runCase(pg, { op: c.op, dtype: c.dtype, bytes: c.bytes, warmup, iters })
      : await runCompressedCase(pg, { op: c.op, params: c.params, bits: c.bits, warmup, iters });
    if (row) process.stdout.write(`${encodeRow(row)}\n`);
  }
} finally {
  await pg.close();
}
