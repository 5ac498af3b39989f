import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { jobIdFor, parseNamespaceName, rankAddress, rankNamespaceName, switchNamespaceName } from './names.js';

test('namespace names carry the owner pid and round-trip through the parser', () => {
  const job = jobIdFor(4242, 7);
  assert.deepEqual(parseNamespaceName(switchNamespaceName(job)), { ownerPid: 4242, jobId: 'lc4242x7' });
  assert.deepEqual(parseNamespaceName(rankNamespaceName(job, 12)), { ownerPid: 4242, jobId: 'lc4242x7' });
  for (const foreign of ['lcproto-r0', 'docker0', 'lc12-sw', 'lc1x2-r', 'xlc1x2-sw', 'lc1x2-sw-extra']) {
    assert.equal(parseNamespaceName(foreign), undefined, foreign);
  }
});

test('rank addresses are consecutive hosts of 198.18.0.0/15, crossing octets', () => {
  assert.equal(rankAddress(0), '198.18.0.1');
  assert.equal(rankAddress(254), '198.18.0.255');
  assert.equal(rankAddress(255), '198.18.1.0');
  assert.equal(rankAddress(999), '198.18.3.232');
  assert.throws(() => rankAddress(1000), InvalidArgumentError);
});
