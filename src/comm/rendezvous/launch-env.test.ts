// Table tests of launch parameter resolution: option > torchrun > Open MPI > PMI > Slurm, and the errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveLaunchEnv, type LaunchEnv, type LaunchOptions } from './launch-env.js';

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
