// Table tests of launch parameter resolution: option > torchrun > Open MPI > PMI > Slurm, and the errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeLaunchOf, resolveLaunchEnv, type LaunchEnv, type LaunchOptions } from './launch-env.js';

const M = { MASTER_ADDR: '10.0.0.1' };

describe('resolveLaunchEnv', () => {
  const table: Array<[string, LaunchOptions, NodeJS.ProcessEnv, Partial<LaunchEnv>]> = [
    ['nothing set: a single process', {}, {}, { rank: 0, worldSize: 1, localRank: undefined, masterAddr: '127.0.0.1', masterPort: 29500, source: 'single' }],
    ['torchrun', {}, { RANK: '2', WORLD_SIZE: '4', LOCAL_RANK: '0', MASTER_ADDR: 'node0', MASTER_PORT: '1234' }, { rank: 2, worldSize: 4, localRank: 0, masterAddr: 'node0', masterPort: 1234, source: 'torchrun' }],
    ['torchrun default port', {}, { RANK: '1', WORLD_SIZE: '2', ...M }, { masterPort: 29500, localRank: undefined }],
    ['explicit beats torchrun, field by field', { rank: 3, masterPort: 7000 }, { RANK: '1', WORLD_SIZE: '4', LOCAL_RANK: '1', ...M }, { rank: 3, worldSize: 4, localRank: 1, masterPort: 7000, source: 'torchrun' }],
    ['explicit rank and size', { rank: 1, worldSize: 2, masterAddr: 'h' }, {}, { rank: 1, worldSize: 2, masterAddr: 'h', source: 'explicit' }],
    ['torchrun beats Open MPI', {}, { RANK: '1', WORLD_SIZE: '2', OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '8', ...M }, { rank: 1, worldSize: 2, source: 'torchrun' }],
    ['Open MPI', {}, { OMPI_COMM_WORLD_RANK: '5', OMPI_COMM_WORLD_SIZE: '8', OMPI_COMM_WORLD_LOCAL_RANK: '1', PMI_RANK: '0', PMI_SIZE: '2', ...M }, { rank: 5, worldSize: 8, localRank: 1, source: 'openmpi' }],
    ['PMI', {}, { PMI_RANK: '1', PMI_SIZE: '3', SLURM_PROCID: '0', SLURM_NTASKS: '9', ...M }, { rank: 1, worldSize: 3, localRank: undefined, source: 'pmi' }],
    ['Slurm with LION_CUB_MASTER_ADDR', {}, { SLURM_PROCID: '3', SLURM_NTASKS: '4', SLURM_LOCALID: '1', LION_CUB_MASTER_ADDR: 'head' }, { rank: 3, worldSize: 4, localRank: 1, masterAddr: 'head', source: 'slurm' }],
    ['LION_CUB_MASTER_ADDR/PORT beat MASTER_ADDR/PORT', {}, { RANK: '0', WORLD_SIZE: '2', MASTER_ADDR: 'a', LION_CUB_MASTER_ADDR: 'b', MASTER_PORT: '1', LION_CUB_MASTER_PORT: '2' }, { masterAddr: 'b', masterPort: 2 }],
    ['the masterAddr option beats both', { masterAddr: 'c' }, { RANK: '0', WORLD_SIZE: '2', MASTER_ADDR: 'a', LION_CUB_MASTER_ADDR: 'b' }, { masterAddr: 'c' }],
    ['one process needs no master', {}, { RANK: '0', WORLD_SIZE: '1' }, { masterAddr: '127.0.0.1', source: 'torchrun' }],
    ['whitespace around numbers is fine', {}, { RANK: ' 1 ', WORLD_SIZE: '2\n', ...M }, { rank: 1, worldSize: 2 }],
  ];
  for (const [name, explicit, env, expected] of table) {
    it(name, () => {
      const got = resolveLaunchEnv(explicit, env);
      for (const [k, v] of Object.entries(expected)) assert.equal(got[k as keyof LaunchEnv], v, `${name}: ${k}`);
    });
  }

  const errors: Array<[string, LaunchOptions, NodeJS.ProcessEnv, string, RegExp?]> = [
    ['rank >= world size', {}, { RANK: '4', WORLD_SIZE: '4', ...M }, 'RANK', /below the world size 4/],
    ['non-integer rank', {}, { RANK: '1.5', WORLD_SIZE: '4', ...M }, 'RANK', /"1.5"/],
    ['negative size', {}, { RANK: '0', WORLD_SIZE: '-2', ...M }, 'WORLD_SIZE'],
    ['zero size', {}, { RANK: '0', WORLD_SIZE: '0', ...M }, 'WORLD_SIZE', /at least 1/],
    ['empty rank', {}, { RANK: '', WORLD_SIZE: '2', ...M }, 'RANK'],
    ['missing size', {}, { RANK: '0', ...M }, 'WORLD_SIZE'],
    ['missing Open MPI rank', {}, { OMPI_COMM_WORLD_SIZE: '2', ...M }, 'OMPI_COMM_WORLD_RANK'],
    ['missing master', {}, { SLURM_PROCID: '0', SLURM_NTASKS: '2' }, 'MASTER_ADDR', /LION_CUB_MASTER_ADDR/],
    ['bad port', {}, { RANK: '0', WORLD_SIZE: '2', ...M, MASTER_PORT: 'http' }, 'MASTER_PORT'],
    ['port out of range', {}, { RANK: '0', WORLD_SIZE: '2', ...M, MASTER_PORT: '70000' }, 'MASTER_PORT', /1\.\.65535/],
    ['local rank >= size', {}, { SLURM_PROCID: '0', SLURM_NTASKS: '2', SLURM_LOCALID: '2', ...M }, 'SLURM_LOCALID'],
    ['explicit rank without a size', { rank: 0 }, {}, 'worldSize'],
    ['explicit rank out of range', { rank: 2, worldSize: 2 }, {}, 'rank'],
    ['explicit non-integer', { rank: 0.5, worldSize: 2 }, {}, 'rank'],
  ];
  for (const [name, explicit, env, field, message] of errors) {
    it(`names ${field} when ${name}`, () => {
      assert.throws(() => resolveLaunchEnv(explicit, env), (e: Error & { code: string; field: string }) => {
        assert.equal(e.code, 'invalid_argument');
        assert.equal(e.field, field);
        if (message) assert.match(e.message, message);
        return true;
      });
    });
  }
});

// Each system's own variables, as it sets them, fed whole to the resolution.
describe('launch environments as each system sets them', () => {
  it('srun -n 4 over node[1-2]: rank, size, local rank from Slurm, MASTER_ADDR defaults to the first host', () => {
    const env = {
      SLURM_PROCID: '3', SLURM_NTASKS: '4', SLURM_LOCALID: '1', SLURM_NODEID: '1', SLURM_JOB_NODELIST: 'node[1-2]', SLURM_NODELIST: 'node[1-2]',
      SLURM_JOB_ID: '42', SLURM_STEP_NUM_TASKS: '4', SLURM_TASKS_PER_NODE: '2(x2)',
    };
    assert.deepEqual(pick(resolveLaunchEnv({}, env)), { rank: 3, worldSize: 4, localRank: 1, masterAddr: 'node1', source: 'slurm' });
    assert.equal(resolveLaunchEnv({}, { ...env, SLURM_JOB_NODELIST: 'a[01-03],b7' }).masterAddr, 'a01');
    assert.equal(resolveLaunchEnv({}, { ...env, MASTER_ADDR: 'head' }).masterAddr, 'head', 'a given MASTER_ADDR wins');
    assert.throws(() => resolveLaunchEnv({}, { ...env, SLURM_JOB_NODELIST: 'node[2-1]' }), { field: 'SLURM_JOB_NODELIST' });
  });

  it('torchrun --nproc-per-node 2 --nnodes 2 (second node, after one restart): the torchrun variables', () => {
    const env = {
      RANK: '3', LOCAL_RANK: '1', GROUP_RANK: '1', ROLE_RANK: '3', LOCAL_WORLD_SIZE: '2', WORLD_SIZE: '4', ROLE_WORLD_SIZE: '4', ROLE_NAME: 'default',
      MASTER_ADDR: 'node0', MASTER_PORT: '29500', TORCHELASTIC_RESTART_COUNT: '1', TORCHELASTIC_MAX_RESTARTS: '3', TORCHELASTIC_RUN_ID: 'none',
      TORCHELASTIC_USE_AGENT_STORE: 'True', OMP_NUM_THREADS: '1',
    };
    const got = resolveLaunchEnv({}, env);
    assert.deepEqual(pick(got), { rank: 3, worldSize: 4, localRank: 1, masterAddr: 'node0', source: 'torchrun' });
    assert.equal(got.generation, 1);
    assert.equal(resolveLaunchEnv({}, { ...env, TORCHELASTIC_RESTART_COUNT: undefined }).generation, 0);
    assert.throws(() => resolveLaunchEnv({}, { ...env, TORCHELASTIC_RESTART_COUNT: 'x' }), { field: 'TORCHELASTIC_RESTART_COUNT' });
  });

  it('a Kubernetes Indexed Job: the pod index is the rank, the manifest gives WORLD_SIZE and pod 0\'s name', () => {
    const env = { JOB_COMPLETION_INDEX: '2', WORLD_SIZE: '4', MASTER_ADDR: 'lion-cub-0.lion-cub', MASTER_PORT: '29500', HOSTNAME: 'lion-cub-2', KUBERNETES_SERVICE_HOST: '10.96.0.1' };
    assert.deepEqual(pick(resolveLaunchEnv({}, env)), { rank: 2, worldSize: 4, localRank: undefined, masterAddr: 'lion-cub-0.lion-cub', source: 'kubernetes' });
    assert.throws(() => resolveLaunchEnv({}, { ...env, JOB_COMPLETION_INDEX: '4' }), { field: 'JOB_COMPLETION_INDEX' });
    assert.equal(resolveLaunchEnv({}, { ...env, RANK: '1' }).source, 'torchrun', 'a launcher inside the pod wins');
  });

  it('a Kubeflow PyTorchJob with one process per pod: RANK and WORLD_SIZE are process values', () => {
    const env = { MASTER_ADDR: 'train-master-0', MASTER_PORT: '23456', WORLD_SIZE: '3', RANK: '2', PET_NPROC_PER_NODE: '1', PET_NNODES: '3', PET_NODE_RANK: '2', PET_MASTER_ADDR: 'train-master-0', PET_MASTER_PORT: '23456' };
    assert.equal(nodeLaunchOf(env), undefined);
    assert.deepEqual(pick(resolveLaunchEnv({}, env)), { rank: 2, worldSize: 3, localRank: undefined, masterAddr: 'train-master-0', source: 'torchrun' });
  });

  it('a Kubeflow PyTorchJob with PET_NPROC_PER_NODE = 4: RANK is the pod\'s rank, so the pod starts its 4 workers', () => {
    const env = { MASTER_ADDR: 'train-master-0', MASTER_PORT: '23456', WORLD_SIZE: '2', RANK: '1', PET_NPROC_PER_NODE: '4', PET_NNODES: '2', PET_NODE_RANK: '1', PET_MASTER_ADDR: 'train-master-0', PET_MASTER_PORT: '23456' };
    const node = nodeLaunchOf(env)!;
    assert.deepEqual(node, { nproc: 4, nnodes: 2, nodeRank: 1, masterAddr: 'train-master-0', masterPort: 23456 });
    // The workers it starts (ranks nodeRank·nproc + LOCAL_RANK = 4..7, launch-plan.ts) carry process ranks and LOCAL_RANK.
    const worker = { ...env, RANK: '6', WORLD_SIZE: '8', LOCAL_RANK: '2', LOCAL_WORLD_SIZE: '4', GROUP_RANK: '1' };
    assert.deepEqual(pick(resolveLaunchEnv({}, worker)), { rank: 6, worldSize: 8, localRank: 2, masterAddr: 'train-master-0', source: 'torchrun' });
    assert.throws(() => resolveLaunchEnv({}, env), { field: 'PET_NPROC_PER_NODE' }, 'the pod process itself is no rank');
    assert.throws(() => nodeLaunchOf({ ...env, PET_NNODES: '1:3' }), { field: 'PET_NNODES' });
    assert.throws(() => nodeLaunchOf({ ...env, PET_NODE_RANK: '2' }), { field: 'PET_NODE_RANK' });
  });
});

function pick(e: LaunchEnv): Pick<LaunchEnv, 'rank' | 'worldSize' | 'localRank' | 'masterAddr' | 'source'> {
  return { rank: e.rank, worldSize: e.worldSize, localRank: e.localRank, masterAddr: e.masterAddr, source: e.source };
}
