// The public surface, pinned: the names every package entry exports equal test/public-api/surface.json, every entry
// package.json offers exists, and every root export is documented. A change to the API shows up here as a diff
// of the snapshot, to be made on purpose (regenerate with `node --import tsx test/public-api/surface.ts`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { entryFiles, readSurface } from './surface.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('every package.json export maps to an entry file', () => {
  const entries = entryFiles();
  assert.deepEqual(Object.keys(entries).sort(), ['.', './costmodel', './tfjs', './train', './workloads']);
  for (const file of Object.values(entries)) assert.ok(existsSync(root + file), file);
});

test('the names of every entry equal the snapshot, and every root export has a JSDoc comment', { timeout: 120_000 }, () => {
  const surface = readSurface();
  const snapshot = JSON.parse(readFileSync(new URL('./surface.json', import.meta.url), 'utf8')) as Record<string, string[]>;
  assert.deepEqual(surface.exports, snapshot);
  assert.deepEqual(surface.undocumented, []);
  const implementationVariants = surface.exports['.'].filter((n) => /(Js|Wasm)$/.test(n));
  assert.deepEqual(implementationVariants, [], 'the root entry hides the JS and wasm halves of each kernel');
});
