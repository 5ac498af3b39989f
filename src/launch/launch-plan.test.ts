import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { planLaunch, workerEnv, checkPort } from './launch-plan.js';
import { jobTokenForLaunch } from './job-token.js';
import { resolveJobToken } from '../comm/transport/handshake.js';

test('ranks are nodeRank·nproc + localRank and the world is nnodes·nproc', () => {
  const plan = planLaunch({ nproc: 4, nnodes: 3, nodeRank: 2 });
  assert.deepEqual(plan.ranks, [8, 9, 10, 11]);
  assert.equal(plan.worldSize, 12);
  assert.deepEqual(planLaunch({ nproc: 2 }).ranks, [0, 1]);
});

test('workerEnv sets the torchrun variables and the job token', () => {
  const plan = planLaunch({ nproc: 2, nnodes: 2, nodeRank: 1 });
  const env = workerEnv({ plan, localRank: 1, masterAddr: '10.0.0.1', masterPort: 29500, jobToken: 'abc' });
  assert.deepEqual(env, {
    RANK: '3', WORLD_SIZE: '4', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', GROUP_RANK: '1',
    MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29500', LION_CUB_JOB_TOKEN: 'abc',
  });
});

test('bad counts are rejected naming the field', () => {
  for (const [input, field] of [
    [{ nproc: 0 }, 'nproc'], [{ nproc: 1.5 }, 'nproc'], [{ nproc: 2, nnodes: 0 }, 'nnodes'],
    [{ nproc: 2, nnodes: 2, nodeRank: 2 }, 'nodeRank'], [{ nproc: 2, nodeRank: -1 }, 'nodeRank'],
  ] as const) {
    assert.throws(() => planLaunch(input), (err: unknown) => err instanceof InvalidArgumentError && err.field === field);
  }
  assert.throws(() => checkPort('masterPort', 70000), InvalidArgumentError);
  assert.equal(checkPort('masterPort', 1), 1);
});

test('job token: given one is kept, a single node gets a fresh one, several nodes must pass one', () => {
  assert.equal(jobTokenForLaunch('a-shared-secret-of-some-length', 4), 'a-shared-secret-of-some-length');
  const a = jobTokenForLaunch(undefined, 1);
  const b = jobTokenForLaunch('', 1);
  assert.ok(a.length >= 16);
  assert.notEqual(a, b);
  assert.throws(() => jobTokenForLaunch(undefined, 2), (err: unknown) => err instanceof InvalidArgumentError && /same on every node/.test(err.message));
  assert.throws(() => jobTokenForLaunch('short', 1), (err: unknown) => err instanceof InvalidArgumentError && err.field === 'LION_CUB_JOB_TOKEN');
});

test('job token: a given token the ranks would refuse as guessable is refused by the launcher with the same error', () => {
  for (const weak of ['correcthorsebatt', 'x'.repeat(40), 'abababababababababab1']) {
    assert.throws(() => resolveJobToken(undefined, { LION_CUB_JOB_TOKEN: weak }), InvalidArgumentError);
    assert.throws(
      () => jobTokenForLaunch(weak, 1),
      (err: unknown) => err instanceof InvalidArgumentError && err.field === 'LION_CUB_JOB_TOKEN' && /cannot be guessed/.test(err.message),
      weak,
    );
  }
  const strong = 'Yq3-v9Lm2+Wz7pK8';
  assert.equal(jobTokenForLaunch(strong, 2), strong);
  assert.equal(resolveJobToken(undefined, { LION_CUB_JOB_TOKEN: strong }).toString(), strong);
});
