import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tbfArgs, tbfParams } from './tbf.js';

test('the bucket holds two 64 KiB GSO packets at low rates, rate·1 ms in between, and at most 1 MiB', () => {
  assert.equal(tbfParams(50e6).burstBytes, 128 * 1024);
  assert.equal(tbfParams(1e9).burstBytes, 128 * 1024);
  assert.equal(tbfParams(4e9).burstBytes, 500_000);
  assert.equal(tbfParams(10e9).burstBytes, 1024 * 1024);
  for (const rate of [1e6, 50e6, 1e9, 4e9, 100e9]) {
    const p = tbfParams(rate);
    assert.equal(p.limitBytes, 4 * p.burstBytes);
  }
});

test('tc arguments spell the rate in bits and sizes in bytes', () => {
  assert.deepEqual(tbfArgs(tbfParams(1e9)), ['tbf', 'rate', '1000000000bit', 'burst', '131072', 'limit', '524288']);
});
