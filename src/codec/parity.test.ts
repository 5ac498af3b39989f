import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parityBit, parityWord } from './parity.js';

test('parityWord holds parityBit of each of the 32 values of any word', () => {
  for (const step of [0, 1, 2, 7, 1000001]) {
    const word = parityWord(step) >>> 0;
    for (let w = 0; w < 3; w++) {
      for (let j = 0; j < 32; j++) {
        assert.equal((word >>> j) & 1, parityBit(32 * w + j, step), `step ${step} word ${w} bit ${j}`);
      }
    }
  }
});

test('the parity rule flips every step, so a value stuck at zero oscillates instead of drifting', () => {
  assert.equal(parityBit(5, 0) + parityBit(5, 1), 1);
  assert.equal(parityBit(0, 0), 0, 'step 0: even indices vote positive');
  assert.equal(parityBit(1, 0), 1, 'step 0: odd indices vote negative');
});
