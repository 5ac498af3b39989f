// Tagged JSON lines round-trip and ignore other output; sibling scripts keep their module's extension.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siblingScriptUrl, taggedJsonLine } from './worker-channel.js';

test('a tagged line carries its value and other lines carry nothing', () => {
  const lines = taggedJsonLine<{ step: number; loss: number }>('@test-event ');
  const line = lines.encode({ step: 3, loss: 0.5 });
  assert.ok(line.startsWith('@test-event {'));
  assert.ok(!line.includes('\n'));
  assert.deepEqual(lines.decode(line), { step: 3, loss: 0.5 });
  assert.equal(lines.decode('step 3, loss 0.5'), undefined);
  assert.equal(taggedJsonLine('@other ').decode(line), undefined);
});

test('a sibling script has the extension of the module asking for it', () => {
  assert.equal(siblingScriptUrl('worker', 'file:///a/b/config.ts').href, 'file:///a/b/worker.ts');
  assert.equal(siblingScriptUrl('worker', 'file:///a/dist/b/config.js').href, 'file:///a/dist/b/worker.js');
});
