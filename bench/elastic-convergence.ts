// `bench/elastic-convergence.ts`: how far a run resumed on 4 → 3 → 4 workers ends from the same run uninterrupted on
// 4 workers (final test loss and accuracy), per seed; the figures behind test/integration/elastic.test.ts's tolerance.
// The workers are in-process ranks over memory transports (the same Trainer as `lion-cub train`, without the start-up).
//
// Run: npx tsx bench/elastic-convergence.ts [--seeds 1,2,3] [--sync cub-pbit] [--lr 0.003] [--json]
// Bounded: 80 steps of a 3,019-parameter model per run, three runs per seed.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/tfjs/backend.js';
import { resolveTrainConfig } from '../src/train/config.js';
import type { EvalEvent } from '../src/train/events.js';
import { withRanks } from '../src/train/test-support/ranks.js';
import { Trainer } from '../src/train/trainer.js';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '1,2,3' }, sync: { type: 'string', default: 'cub-pbit' }, lr: { type: 'string', default: '0.003' }, json: { type: 'boolean', default: false } } });
const STEPS = 80;
/** (world size, last step) of each segment of the elastic run; the integration test uses the same. */
const SEGMENTS: ReadonlyArray<[number, number]> = [[4, 18], [3, 49], [4, STEPS]];

await initBackend({ backend: 'wasm' });

async function run(worldSize: number, steps: number, outDir: string, resume: boolean, seed: number): Promise<EvalEvent> {
  const config = resolveTrainConfig({
    workload: 'synthetic', workloadOptions: { numParams: 3000, inputSize: 16, numClasses: 4, numExamples: 960 },
    sync: values.sync, batchSize: 24, lr: Number(values.lr), steps, evalEvery: 0, checkpointEvery: 10, seed,
  });
  const finals = await withRanks(worldSize, async (group) => {
    const trainer = await Trainer.create({ config, group, outDir, resume });
    try { return (await trainer.run()).finalEval; } finally { trainer.dispose(); }
  });
  return finals[0];
}

const rows = [];
for (const seed of values.seeds.split(',').map(Number)) {
  const root = await mkdtemp(join(tmpdir(), 'lion-cub-elastic-bench-'));
  try {
    const whole = await run(4, STEPS, join(root, 'whole'), false, seed);
    let elastic: EvalEvent | undefined;
    for (const [i, [worldSize, steps]] of SEGMENTS.entries()) elastic = await run(worldSize, steps, join(root, 'elastic'), i > 0, seed);
    rows.push({ seed, wholeLoss: whole.loss, wholeAccuracy: whole.accuracy, elasticLoss: elastic!.loss, elasticAccuracy: elastic!.accuracy, lossChange: elastic!.loss / whole.loss - 1, accuracyChange: elastic!.accuracy - whole.accuracy });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
if (values.json) {
  for (const row of rows) console.log(JSON.stringify(row));
} else {
  console.log(`${values.sync}, lr ${values.lr}, ${STEPS} steps, batch 24; 4 workers uninterrupted vs 4 → 3 → 4 (changes after steps 18 and 49)`);
  console.log('seed | loss (4) | loss (4→3→4) | change | accuracy (4) | accuracy (4→3→4) | change');
  for (const r of rows) {
    console.log(`${r.seed} | ${r.wholeLoss.toFixed(4)} | ${r.elasticLoss.toFixed(4)} | ${(100 * r.lossChange).toFixed(1)} % | ${r.wholeAccuracy.toFixed(4)} | ${r.elasticAccuracy.toFixed(4)} | ${r.accuracyChange >= 0 ? '+' : ''}${r.accuracyChange.toFixed(4)}`);
  }
}
