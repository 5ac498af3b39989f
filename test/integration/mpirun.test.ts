// `mpirun -np 4 lion-cub train` with Debian's Open MPI: the workers read OMPI_COMM_WORLD_* and train to the end.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/comm/test-support/free-port.js';
import { generateJobToken } from '../../src/comm/transport/handshake.js';
import { runProcess } from './run-node.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cliMain = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const hasMpirun = spawnSync('mpirun', ['--version'], { stdio: 'ignore' }).status === 0;
// CI installs openmpi-bin (.ci/run), so there a missing mpirun is a failure, not a skip.
const skip = hasMpirun || process.env.CI ? false : 'mpirun is not installed (apt-get install openmpi-bin; CI installs it)';

test('mpirun -np 4 (as root, oversubscribed) trains a tiny run to completion on 4 ranks', { skip }, async () => {
  const env = {
    ...process.env, RANK: undefined, WORLD_SIZE: undefined,
    OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_rmaps_base_oversubscribe: '1',
    MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(await freePort()), LION_CUB_JOB_TOKEN: generateJobToken(),
  };
  const args = ['-np', '4', '-x', 'MASTER_ADDR', '-x', 'MASTER_PORT', '-x', 'LION_CUB_JOB_TOKEN', process.execPath, '--import', 'tsx', cliMain, 'train',
    '--workload', 'synthetic', '--workload-options', '{"numParams":2000,"inputSize":12,"numClasses":4,"numExamples":256}', '--batch', '16', '--lr', '0.01', '--steps', '3', '--json'];
  const run = await runProcess('mpirun', args, { cwd: repo, env });
  assert.equal(run.status, 0, run.stderr);
  const final = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { final: boolean; steps: number; worldSize: number };
  assert.deepEqual([final.final, final.steps, final.worldSize], [true, 3, 4]);
});
