import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { formatRate, parseRate } from './rate.js';

test('rates use tc decimal units, any case, fractions allowed', () => {
  assert.equal(parseRate('100mbit'), 100e6);
  assert.equal(parseRate('1gbit'), 1e9);
  assert.equal(parseRate('10GBIT'), 10e9);
  assert.equal(parseRate('2.5gbit'), 2.5e9);
  assert.equal(parseRate('1500kbit'), parseRate('1.5mbit'));
  assert.equal(parseRate('1000000bit'), 1e6);
});

test('malformed or out-of-range rates name the flag and the accepted form', () => {
  for (const bad of ['', '1g', '100', 'fast', '-1gbit', '100mbps', '0mbit', '999kbit', '101gbit']) {
    assert.throws(() => parseRate(bad), (err: unknown) => err instanceof InvalidArgumentError && err.field === '--netem' && /100mbit, 1gbit/.test(err.message), bad);
  }
});

test('formatRate picks the largest unit', () => {
  assert.equal(formatRate(1e9), '1gbit');
  assert.equal(formatRate(2.5e9), '2.5gbit');
  assert.equal(formatRate(50e6), '50mbit');
  assert.equal(formatRate(1500e3), '1.5mbit');
});
