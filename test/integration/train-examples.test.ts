// Runs the examples on 2 workers through `lion-cub run` with tiny settings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runNode } from './run-node.js';

const cliMain = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

/** `lion-cub run --nproc 2 <example> …args`; resolves to rank 0's final JSON object. */
function runExample(name: string, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    runNode(['--import', 'tsx', cliMain, 'run', '--nproc', '2', example(name), ...args]).then(({ status, stdout, stderr }) => {
      if (status !== 0) return reject(new Error(`${name} exited with ${status}: ${stderr}`));
      const line = stdout.split('\n').find((l) => l.startsWith('[rank 0] {"final":true'));
      if (!line) return reject(new Error(`${name} printed no final object:\n${stdout}\n${stderr}`));
      resolve(JSON.parse(line.slice('[rank 0] '.length)) as Record<string, unknown>);
    }, reject);
  });
}

const TINY = ['--workload', 'synthetic', '--workload-options', '{"numParams":2000,"numExamples":256,"inputSize":12,"numClasses":4}', '--batch', '16', '--lr', '0.01'];

test('examples/custom-loop.ts trains on 2 workers', async () => {
  const final = await runExample('custom-loop.ts', [...TINY, '--steps', '20']);
  assert.equal(final.steps, 20);
  assert.ok((final.accuracy as number) > 0.4, `accuracy ${final.accuracy} (4 classes: chance is 0.25)`);
});

test('examples/fit.ts trains through model.fit and through model.fitDataset on 2 workers', async () => {
  for (const extra of [[], ['--dataset']]) {
    const final = await runExample('fit.ts', ['--steps', '15', '--batch', '32', '--lr', '1e-3', ...extra]);
    assert.equal(final.steps, 15);
    assert.ok((final.accuracy as number) > 0.3, `accuracy ${final.accuracy} after 15 steps (chance is 0.1)`);
  }
});
