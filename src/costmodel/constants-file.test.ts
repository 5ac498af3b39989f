// The constants file: a round trip keeps every field; each kind of damage is a ConstantsFileError naming its field.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LionCubError } from '../errors.js';
import { BUILTIN_CONSTANTS } from './builtin-constants.js';
import { alphaUsFor } from './constants.js';
import { ConstantsFileError, parseConstants, serializeConstants, validateConstants } from './constants-file.js';
import { testConstants } from './test-support/constants.js';

const good = {
  ...testConstants(),
  links: [
    { rate: null, rateGbit: null, streamGbit: null, alphaUs: 40, allreduceBytes: 1024, allreduceMs: 1, busbwGbit: 2 },
    { rate: '1gbit', rateGbit: 1, streamGbit: 0.95, alphaUs: 90, allreduceBytes: 1024, allreduceMs: 2, busbwGbit: 0.9 },
    { rate: '100mbit', rateGbit: 0.1, streamGbit: 0.095, alphaUs: 110, allreduceBytes: 1024, allreduceMs: 20, busbwGbit: 0.09 },
  ],
};

function damaged(edit: (c: Record<string, any>) => void): string {
  const copy = JSON.parse(JSON.stringify(good));
  edit(copy);
  return JSON.stringify(copy);
}

function rejects(text: string, field: string): void {
  assert.throws(() => parseConstants(text, 'c.json'), (e: unknown) => {
    assert.ok(e instanceof ConstantsFileError && e instanceof LionCubError);
    assert.equal(e.code, 'invalid_constants');
    assert.equal(e.field, field);
    assert.match(e.message, /^c\.json: /);
    assert.match(e.message, /lion-cub calibrate/);
    return true;
  });
}

test('serialize then parse gives the same constants', () => {
  assert.deepEqual(parseConstants(serializeConstants(good)), good);
});

test('each kind of damage names its field', () => {
  rejects('{not json', '(file)');
  rejects('[]', '(root)');
  rejects(damaged((c) => { c.schema = 'lion-cub/cost-constants@0'; }), 'schema');
  rejects(damaged((c) => { c.origin = 'guessed'; }), 'origin');
  rejects(damaged((c) => { delete c.kernels.vote; }), 'kernels.vote');
  rejects(damaged((c) => { c.kernels.voet = 1; }), 'kernels.voet');
  rejects(damaged((c) => { c.kernels['lion-step'] = -1; }), 'kernels.lion-step');
  rejects(damaged((c) => { c.network.alphaUs = 'fast'; }), 'network.alphaUs');
  rejects(damaged((c) => { c.network.wireEfficiency = 1.2; }), 'network.wireEfficiency');
  rejects(damaged((c) => { c.network.wireEfficiency = 0; }), 'network.wireEfficiency');
  rejects(damaged((c) => { c.network.overlapPenalty = 2; }), 'network.overlapPenalty');
  rejects(damaged((c) => { c.cores = 0; }), 'cores');
  rejects(damaged((c) => { c.links = {}; }), 'links');
  rejects(damaged((c) => { c.links[1].rateGbit = null; }), 'links[1].rateGbit');
  rejects(damaged((c) => { c.links[2].busbwGbit = null; }), 'links[2].busbwGbit');
});

test('validateConstants takes a parsed object', () => {
  assert.deepEqual(validateConstants(JSON.parse(JSON.stringify(good))), good);
});

test('α: the link measured at that rate, else the median of shaped links, else loopback', () => {
  const c = validateConstants(JSON.parse(JSON.stringify(good)));
  assert.equal(alphaUsFor(c, 1), 90);
  assert.equal(alphaUsFor(c, 0.1), 110);
  assert.equal(alphaUsFor(c, 400), 100);
  assert.equal(alphaUsFor(c, null), c.network.alphaUs);
  assert.equal(alphaUsFor({ ...c, links: [] }, 400), c.network.alphaUs);
});

test('the built-in defaults are a valid constants file labelled builtin', () => {
  assert.deepEqual(validateConstants(JSON.parse(serializeConstants(BUILTIN_CONSTANTS))), BUILTIN_CONSTANTS);
  assert.equal(BUILTIN_CONSTANTS.origin, 'builtin');
});
