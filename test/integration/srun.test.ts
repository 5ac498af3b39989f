// `srun -n 4 lion-cub train` on a one-node Slurm cluster the test starts (munged, slurmctld, slurmd from Debian's
// slurm-wlm and munge): ranks from SLURM_PROCID/SLURM_NTASKS, MASTER_ADDR from the first host of SLURM_JOB_NODELIST.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateJobToken } from '../../src/comm/transport/handshake.js';
import { freePort } from '../../src/comm/test-support/free-port.js';
import { runProcess } from './run-node.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cliMain = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const skip = ['slurmctld', 'slurmd', 'srun', 'munged', 'runuser'].every(has) && process.getuid?.() === 0
  ? false : 'needs root and Debian\'s slurm-wlm and munge (apt-get install slurm-wlm munge)';

test('srun -n 4 trains a tiny run to completion on a one-node Slurm cluster, MASTER_ADDR from the node list', { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lion-cub-slurm-'));
  const daemons: ChildProcess[] = [];
  let startedMunged = false;
  try {
    for (const sub of ['state', 'spool']) await mkdir(join(dir, sub));
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    const conf = join(dir, 'slurm.conf');
    await writeFile(conf, [
      'ClusterName=lioncub', `SlurmctldHost=${hostname()}`, 'SlurmUser=root', 'SlurmdUser=root', `SlurmctldPort=${ctldPort}`, `SlurmdPort=${dPort}`,
      'AuthType=auth/munge', `StateSaveLocation=${dir}/state`, `SlurmdSpoolDir=${dir}/spool`, `SlurmctldPidFile=${dir}/ctld.pid`, `SlurmdPidFile=${dir}/d.pid`,
      'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'SchedulerType=sched/builtin', 'SelectType=select/cons_tres', 'SelectTypeParameters=CR_Core',
      'ReturnToService=2', 'SlurmdParameters=config_overrides', `NodeName=${hostname()} CPUs=4 State=UNKNOWN`,
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE', '',
    ].join('\n'));
    const env = { ...process.env, SLURM_CONF: conf, RANK: undefined, WORLD_SIZE: undefined, MASTER_ADDR: undefined };
    // munged may already run (the package may start it); then it is left alone, else it is stopped at the end.
    if (spawnSync('pgrep', ['-x', 'munged']).status !== 0) {
      await mkdir('/run/munge', { recursive: true });
      spawnSync('chown', ['munge:munge', '/run/munge']);
      startedMunged = spawnSync('runuser', ['-u', 'munge', '--', 'munged']).status === 0;
    }
    for (const daemon of ['slurmctld', 'slurmd']) {
      daemons.push(spawn(daemon, ['-D'], { env, stdio: 'ignore' }));
      await new Promise((r) => setTimeout(r, 1500));
    }
    let ready = false;
    for (let i = 0; i < 40 && !ready; i++) {
      ready = /idle/.test(spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' }).stdout ?? '');
      if (!ready) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(ready, 'the node came up idle');
    const train = await runProcess('srun', ['-n', '4', process.execPath, '--import', 'tsx', cliMain, 'train', '--workload', 'synthetic',
      '--workload-options', '{"numParams":2000,"inputSize":12,"numClasses":4,"numExamples":256}', '--batch', '16', '--lr', '0.01', '--steps', '3', '--json'],
    { cwd: repo, env: { ...env, LION_CUB_JOB_TOKEN: generateJobToken(), MASTER_PORT: String(await freePort()) }, timeoutMs: 170_000 });
    assert.equal(train.status, 0, train.stderr);
    const final = JSON.parse(train.stdout.trim().split('\n').at(-1)!) as { final: boolean; steps: number; worldSize: number };
    assert.deepEqual([final.final, final.steps, final.worldSize], [true, 3, 4]);
  } finally {
    for (const d of daemons) d.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
    if (startedMunged) {
      const pid = Number(readFileSync('/run/munge/munged.pid', 'utf8'));
      if (pid > 0) process.kill(pid, 'SIGTERM');
    }
    await rm(dir, { recursive: true, force: true });
  }
});
