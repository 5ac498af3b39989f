// The resume-point rules: every rank's newest common step, and the elastic rule that lets new ranks join.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseResumePoint, newestCommonStep, type ListedCheckpoint } from './common-checkpoint.js';

test('newest step every rank holds', () => {
  assert.equal(newestCommonStep([[4, 6], [6, 4], [4, 6]]), 6);
  assert.equal(newestCommonStep([[6, 4], [4], [4, 6]]), 4, 'one rank missing step 6 moves every rank back');
  assert.equal(newestCommonStep([[2]]), 2);
});

test('no step in common', () => {
  assert.equal(newestCommonStep([[4], [6]]), undefined);
  assert.equal(newestCommonStep([]), undefined);
  assert.equal(newestCommonStep([[], []]), undefined);
});

/** Files of steps written by a world of `w` ranks (intact unless listed in `damaged`). */
function files(w: number, steps: number[], damaged: number[] = []): ListedCheckpoint[] {
  return steps.map((step) => ({ step, intact: !damaged.includes(step), worldSize: w }));
}

test('same world, every rank with files: the newest step all hold intact (crash mid-save, damaged file)', () => {
  assert.deepEqual(chooseResumePoint([files(2, [4, 6]), files(2, [4, 6])]), { step: 6, worldSize: 2, holders: [0, 1] });
  assert.deepEqual(chooseResumePoint([files(3, [4, 6]), files(3, [2, 4]), files(3, [4, 6])]), { step: 4, worldSize: 3, holders: [0, 1, 2] });
  assert.deepEqual(chooseResumePoint([files(2, [4, 6]), files(2, [4, 6], [6])]), { step: 4, worldSize: 2, holders: [0, 1] });
  assert.equal(chooseResumePoint([files(2, [6]), files(2, [6], [6])]), undefined, 'the only common step is damaged on rank 1');
  assert.equal(chooseResumePoint([files(2, [4]), files(2, [6])]), undefined);
  assert.equal(chooseResumePoint([[], []]), undefined);
  assert.equal(chooseResumePoint([]), undefined);
});

test('a rank that holds nothing (a new node) does not block the resume, at any world size', () => {
  // 4 → 5: rank 4 is new. 4 → 4 with rank 2 replaced by an empty node. 2 → 4: ranks 2 and 3 are new.
  assert.deepEqual(chooseResumePoint([files(4, [4, 6]), files(4, [4, 6]), files(4, [4, 6]), files(4, [4, 6]), []]), { step: 6, worldSize: 4, holders: [0, 1, 2, 3] });
  assert.deepEqual(chooseResumePoint([files(4, [4, 6]), files(4, [4, 6]), [], files(4, [4, 6])]), { step: 6, worldSize: 4, holders: [0, 1, 3] });
  assert.deepEqual(chooseResumePoint([files(2, [8]), files(2, [8]), [], []]), { step: 8, worldSize: 2, holders: [0, 1] });
  // Only rank 1 holds anything: it alone decides.
  assert.deepEqual(chooseResumePoint([[], files(2, [8])]), { step: 8, worldSize: 2, holders: [1] });
});

test('4 → 3: the shrunk job resumes from what ranks 0..2 hold (rank 3\'s files are not needed)', () => {
  assert.deepEqual(chooseResumePoint([files(4, [4, 6]), files(4, [4, 6]), files(4, [6, 8])]), { step: 6, worldSize: 4, holders: [0, 1, 2] });
});

test('3 → 4: files rank 3 kept from an older 4-rank world do not block newer 3-rank checkpoints', () => {
  const three = files(3, [15, 20]);
  assert.deepEqual(chooseResumePoint([three, three, three, files(4, [5, 10])]), { step: 20, worldSize: 3, holders: [0, 1, 2] });
  // But a rank of the writing world that holds files must hold the step: rank 2 only got to 15.
  assert.deepEqual(chooseResumePoint([three, three, files(3, [10, 15]), files(4, [5, 10])]), { step: 15, worldSize: 3, holders: [0, 1, 2] });
});

test('ranks that disagree on the world size of one step never resume from it', () => {
  // Step 10 was written by a 4-rank world on rank 0 and a 3-rank world on rank 1 (another run's leftovers).
  assert.deepEqual(chooseResumePoint([files(4, [5, 10]), [...files(4, [5]), ...files(3, [10])]]), { step: 5, worldSize: 4, holders: [0, 1] });
});
