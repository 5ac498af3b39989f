import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineSplitter } from './line-splitter.js';

function split(chunks: Buffer[], maxLineChars?: number): string[] {
  return splitMarked(chunks, maxLineChars).map(([line]) => line);
}

/** Lines with their `cut` flag. */
function splitMarked(chunks: Buffer[], maxLineChars?: number): Array<[string, boolean]> {
  const lines: Array<[string, boolean]> = [];
  const s = new LineSplitter((l, cut) => lines.push([l, cut]), maxLineChars);
  for (const c of chunks) s.push(c);
  s.end();
  return lines;
}

test('lines come out whole however the bytes are chunked, including split UTF-8 and CRLF', () => {
  const text = 'first\r\nsecond λ→✓\n\nlast without newline';
  const bytes = Buffer.from(text, 'utf8');
  const expected = ['first', 'second λ→✓', '', 'last without newline'];
  for (let cut = 0; cut <= bytes.length; cut++) {
    assert.deepEqual(split([bytes.subarray(0, cut), bytes.subarray(cut)]), expected, `cut at ${cut}`);
  }
  assert.deepEqual(split([...bytes].map((b) => Buffer.from([b]))), expected, 'byte by byte');
});

test('any chunking of any text gives the same lines as splitting the whole text', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }).map((s) => s.replace(/[ab]/g, (c) => (c === 'a' ? '\n' : '\r'))), fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
    const bytes = Buffer.from(text, 'utf8');
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let prev = 0;
    for (const p of points) { chunks.push(bytes.subarray(prev, p)); prev = p; }
    chunks.push(bytes.subarray(prev));
    const parts = bytes.toString('utf8').split('\n');
    const last = parts.pop()!;
    // Only a line ended by "\n" loses a trailing "\r"; an unterminated last line is passed on as is.
    const whole = [...parts.map((l) => l.replace(/\r$/, '')), ...(last === '' ? [] : [last])];
    assert.deepEqual(split(chunks), whole);
  }));
});

test('a line without newline is cut at maxLineChars instead of growing forever', () => {
  assert.deepEqual(split([Buffer.from('abcdefgh'), Buffer.from('ij\nk')], 4), ['abcd', 'efgh', 'ij', 'k']);
});

test('every piece of an over-long line is marked cut, however it arrives; lines up to the limit are whole', () => {
  const expected: Array<[string, boolean]> = [['abcd', false], ['efgh', true], ['ijkl', true], ['m', true], ['nop', false]];
  const bytes = Buffer.from('abcd\nefghijklm\nnop');
  for (let cut = 0; cut <= bytes.length; cut++) {
    assert.deepEqual(splitMarked([bytes.subarray(0, cut), bytes.subarray(cut)], 4), expected, `cut at ${cut}`);
  }
  assert.deepEqual(splitMarked([...bytes].map((b) => Buffer.from([b])), 4), expected, 'byte by byte');
});
