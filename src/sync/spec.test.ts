import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choiceParam, intParam, parseSpec, rejectUnknownParams } from './spec.js';
import { InvalidArgumentError } from '../errors.js';

test('parses a name with key=value parameters', () => {
  const spec = parseSpec('cub-pbit:bits=4,quant=l1', '--sync');
  assert.equal(spec.name, 'cub-pbit');
  assert.equal(intParam(spec, 'bits', '--sync', 2, 2, 8), 4);
  assert.equal(choiceParam(spec, 'quant', '--sync', 'sign', ['sign', 'l1'] as const), 'l1');
  assert.equal(intParam(parseSpec('lion', '--sync'), 'bits', '--sync', 4, 2, 8), 4);
});

test('malformed specs and parameters are typed errors', () => {
  assert.throws(() => parseSpec(':bits=4', '--sync'), InvalidArgumentError);
  assert.throws(() => parseSpec('cub:bits', '--sync'), InvalidArgumentError);
  assert.throws(() => parseSpec('cub:bits=4,bits=2', '--sync'), InvalidArgumentError);
  assert.throws(() => intParam(parseSpec('c:bits=3.5', 'f'), 'bits', 'f', 4, 2, 8), InvalidArgumentError);
  assert.throws(() => choiceParam(parseSpec('c:quant=l7', 'f'), 'quant', 'f', 'l1', ['l1'] as const), InvalidArgumentError);
  assert.throws(() => rejectUnknownParams(parseSpec('c:bitz=4', 'f'), 'f', ['bits']), /parameters among bits/);
});
