// Example: data-parallel training with lion-cub's custom loop (Trainer), alone or as one of N workers.
//
//   npx tsx examples/custom-loop.ts                                   one process
//   npx lion-cub run --nproc 2 examples/custom-loop.ts --steps 50     two workers on this machine
//
// Options: --workload mnist-mlp|synthetic|char-gpt, --workload-options JSON, --sync SPEC, --steps N, --batch B, --lr R.
// Rank 0 prints a line every 10 steps, the evaluations, and a final JSON object.

import { parseArgs } from 'node:util';
import { initProcessGroup } from 'lion-cub';
import { initBackend } from 'lion-cub/tfjs';
import { resolveTrainConfig, Trainer } from 'lion-cub/train';

const { values } = parseArgs({
  options: {
    workload: { type: 'string', default: 'mnist-mlp' },
    'workload-options': { type: 'string', default: '{"hiddenUnits":[256]}' },
    sync: { type: 'string', default: 'lion' },
    steps: { type: 'string', default: '100' },
    batch: { type: 'string', default: '64' },
    lr: { type: 'string', default: '3e-4' },
  },
});

await initBackend(); // before any tensor exists
const group = await initProcessGroup(); // RANK/WORLD_SIZE/MASTER_ADDR from the launcher; alone: rank 0 of 1
const config = resolveTrainConfig({
  workload: values.workload,
  workloadOptions: JSON.parse(values['workload-options']!) as Record<string, unknown>,
  sync: values.sync,
  steps: Number(values.steps),
  batchSize: Number(values.batch),
  lr: Number(values.lr),
  evalEvery: 50,
});
const trainer = await Trainer.create({ config, group });
const log = (text: string): void => { if (group.rank === 0) console.log(text); };
trainer.on('start', (e) => log(`${e.workload}: ${e.numParams} parameters, ${e.worldSize} worker(s), ${e.strategy}`));
trainer.on('step', (e) => { if (e.step % 10 === 0) log(`step ${e.step}/${e.totalSteps} loss ${e.loss.toFixed(4)} (${e.stepMs.toFixed(0)} ms, ${e.sync.bytesSent} bytes sent)`); });
trainer.on('eval', (e) => log(`test accuracy ${e.accuracy.toFixed(4)} at step ${e.step}`));
try {
  const done = await trainer.run();
  log(JSON.stringify({ final: true, steps: done.steps, accuracy: done.finalEval.accuracy, loss: done.finalEval.loss, stepMsMedian: done.stepMsMedian }));
} finally {
  trainer.dispose();
  await group.close();
}
