import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { orderRates, orderStrategies, rateLabel, strategyColors, strategyFamily } from './palette.js';

const KNOWN = ['lion', 'lion-bf16', 'noop', 'cub-1bit', 'cub-pbit:bits=2', 'cub-pbit:bits=4,quant=l1', 'cub-int8', 'dlion-mavo', 'dlion-avg', 'my-own', 'other:x=1'];

test('baselines come first in the legend, variants of a family stay together', () => {
  assert.deepEqual(orderStrategies(['cub-pbit:bits=4', 'noop', 'lion-bf16', 'cub-1bit', 'lion', 'cub-pbit:bits=2', 'zzz', 'dlion-mavo']), [
    'lion', 'lion-bf16', 'dlion-mavo', 'cub-1bit', 'cub-pbit:bits=2', 'cub-pbit:bits=4', 'noop', 'zzz',
  ]);
  assert.equal(strategyFamily('cub-pbit:bits=4,quant=l1'), 'cub-pbit');
  assert.equal(strategyFamily('lion'), 'lion');
});

test('a strategy gets the same color whatever the order or repetition of the runs', () => {
  fc.assert(
    fc.property(fc.shuffledSubarray(KNOWN, { minLength: 1 }), fc.array(fc.nat(), { maxLength: 5 }), (subset, repeats) => {
      const a = strategyColors(subset);
      const withRepeats = [...subset, ...repeats.map((i) => subset[i % subset.length])].reverse();
      const b = strategyColors(withRepeats);
      assert.deepEqual(a, b);
      assert.equal(a.domain.length, new Set(subset).size);
      assert.equal(a.dashes.length, a.domain.length);
    }),
  );
});

test('distinct strategies get distinct colors (up to the palette size)', () => {
  fc.assert(
    fc.property(fc.shuffledSubarray(KNOWN, { minLength: 1 }), (subset) => {
      const { range } = strategyColors(subset);
      assert.equal(new Set(range).size, range.length);
    }),
  );
});

test('rates sort slowest first with unshaped last, and read as units', () => {
  assert.deepEqual(orderRates(['none', '10gbit', '100mbit', '1gbit', '100mbit']), ['100mbit', '1gbit', '10gbit', 'none']);
  assert.equal(rateLabel('100mbit'), '100 Mbit/s');
  assert.equal(rateLabel('2.5gbit'), '2.5 Gbit/s');
  assert.equal(rateLabel('none'), 'unshaped');
  assert.equal(rateLabel('weird'), 'weird');
});
