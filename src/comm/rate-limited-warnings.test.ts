// Tests of the rate-limited warning sink.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { rateLimitedWarnings } from './rate-limited-warnings.js';

it('passes a burst per window, then counts what it held back', () => {
  let clock = 0;
  const out: string[] = [];
  const warn = rateLimitedWarnings((m) => out.push(m), { burst: 2, windowMs: 1000, now: () => clock });
  for (let i = 0; i < 500; i++) warn(`refused ${i}`);
  assert.deepEqual(out, ['refused 0', 'refused 1']);
  clock = 1000;
  warn('later');
  assert.deepEqual(out.slice(2), ['498 more warnings suppressed in the last 1 s or more', 'later']);
});
