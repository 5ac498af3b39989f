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

test('worker text is never trusted: malformed tagged lines, non-objects and pieces of cut lines carry nothing', () => {
  const lines = taggedJsonLine<{ step: number }>('@test-event ');
  for (const line of ['@test-event {not json', '@test-event ', '@test-event [1,2]', '@test-event 42', '@test-event null', '@test-event "text"']) {
    assert.equal(lines.decode(line), undefined, line);
  }
  const whole = lines.encode({ step: 1 });
  assert.deepEqual(lines.decode({ line: whole, cut: false }), { step: 1 });
  assert.equal(lines.decode({ line: whole, cut: true }), undefined, 'a piece of an over-long line is plain text even when it parses');
});

test('a sibling script has the extension of the module asking for it', () => {
  assert.equal(siblingScriptUrl('worker', 'file:///a/b/config.ts').href, 'file:///a/b/worker.ts');
  assert.equal(siblingScriptUrl('worker', 'file:///a/dist/b/config.js').href, 'file:///a/dist/b/worker.js');
});
