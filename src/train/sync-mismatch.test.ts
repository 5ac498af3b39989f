// Ranks that name different sync strategies or strategy options (e.g. cub-pbit's tie) are refused at rendezvous.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigMismatchError } from '../comm/rendezvous/fingerprint.js';
import { freePort } from '../comm/test-support/free-port.js';
import { generateJobToken, JOB_TOKEN_ENV } from '../comm/transport/handshake.js';
import { initBackend } from '../tfjs/backend.js';
import { runTrainingJob } from './job.js';
import { tinyConfig } from './test-support/ranks.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

test('cub-pbit ranks that disagree on tie fail at rendezvous with a ConfigMismatchError on every rank', async () => {
  const port = String(await freePort());
  const token = generateJobToken();
  const syncs = ['cub-pbit:bits=4,quant=l1,tie=parity', 'cub-pbit:bits=4,quant=l1,tie=owner'];
  const results = await Promise.allSettled([0, 1].map((rank) => runTrainingJob({
    config: tinyConfig({ sync: syncs[rank] }),
    processGroup: { env: { RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port, [JOB_TOKEN_ENV]: token }, rendezvousTimeoutMs: 10_000 },
  })));
  for (const result of results) {
    assert.equal(result.status, 'rejected');
    const error = (result as PromiseRejectedResult).reason as ConfigMismatchError;
    assert.ok(error instanceof ConfigMismatchError, String(error));
    assert.ok(error.differences.some((d) => d.field === 'trainConfig'), error.message);
  }
});
