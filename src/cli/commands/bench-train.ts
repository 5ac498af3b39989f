// `lion-cub bench train`: trains one workload with every strategy at every emulated link rate and reports speedups.

import { Command, Option } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { WARMUP_STEPS, type RepeatedRun } from '../../bench/train/aggregate.js';
import { planBenchTrain, type BenchTrainFlags } from '../bench-train-flags.js';
import { BASELINES, UNSHAPED, type BenchTrainPlan } from '../../bench/train/plan.js';
import { writeReport, type BenchTrainReport } from '../../bench/train/report/index.js';
import { loadCalibratedConstants, predictRow, reportModelError } from '../../bench/train/predict.js';
import { runBenchTrain } from '../../bench/train/run-bench.js';
import { LionCubError } from '../../errors.js';
import { strategyNames } from '../../sync/registry.js';
import { workloadNames } from '../../workloads/registry.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../run-cli.js';
import { printTable } from '../table.js';
import { interruptedExitStatus, onInterrupt } from '../interrupt.js';
import { transportSecurityOption } from '../transport-security-flag.js';
import { HEARTBEAT_TIMEOUT_HELP } from '../resilience-flags.js';
import type { TransportSecurity } from '../../comm/transport/security-mode.js';
import type { PairedVsLion, Spread } from '../../bench/train/report/types.js';


const HELP = `
Baselines ${BASELINES.join(', ')} always run first; --no-baselines runs only the --sync list. A strategy spec with
options keeps its commas (--sync cub-pbit:bits=4,quant=l1,cub-1bit): an item key=value continues the spec before it.
Per-step times are medians over the steps after the first ${WARMUP_STEPS} (warm-up). Speedups compare with lion and
lion-bf16 at the same rate; time-to-target is cumulative training time (evaluations excluded) until the test metric
first reaches lion's final test metric, read at the --eval-every points. --repeat R keeps the run with the median
step time and records the min/max (stepMsMin, stepMsMax in results.json). --seeds S1,S2,… runs every strategy once
per seed (each --repeat times): final loss and test metric become mean [min..max] over the seeds, and every
strategy's test metric is compared with lion's on the same seeds (mean difference ± sd, seeds above/equal/below).`;

export function registerBenchTrain(program: Command): void {
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench');
  bench
    .command('train')
    .description('end-to-end training of one workload with every strategy at every link rate: step-time breakdown, accuracy, speedups')
    .option('--workload <name|path>', `one of ${workloadNames().join(', ')}, or a workload module file (./my-workload.js) (default as lion-cub train)`)
    .option('--workload-options <json>', 'workload options as JSON, e.g. \'{"numParams":65536}\'')
    .addOption(new Option('--nproc <n>', 'local workers per run').default('4'))
    .addOption(new Option('--sync <list>', `comma list of strategies (${strategyNames().join(', ')}) besides the baselines`).default(''))
    .option('--no-baselines', `do not add the baselines (${BASELINES.join(', ')})`)
    .addOption(new Option('--netem <rates>', `comma list of link rates, e.g. 100mbit,1gbit,10gbit,${UNSHAPED} (${UNSHAPED}: unshaped loopback; others need root and iproute2)`).default(UNSHAPED))
    .addOption(new Option('--steps <n>', 'optimizer steps per run').default('300'))
    .addOption(new Option('--repeat <r>', 'runs per (strategy, rate); the median one is reported').default('1'))
    .option('--eval-every <k>', 'evaluate the test metric every k steps (0: only at the end)')
    .option('--batch <n>', 'global batch over all workers')
    .option('--lr <rate>', 'peak learning rate')
    .option('--momentum-sync <policy>', 'momentum policy of the compressed strategies, as lion-cub train takes it (default none)')
    .option('--wd <λ>', 'decoupled weight decay (default as lion-cub train)')
    .option('--seed <n>', 'seed of weights, data order and strategy randomness')
    .option('--seeds <list>', 'comma list of seeds (e.g. 1,2,3,4,5): every strategy runs once per seed; reports each seed, the mean/min/max and the difference to lion seed by seed')
    .option('--out <dir>', 'directory for results.json, index.html and the charts (required)')
    .option('--json', 'one JSON object per (strategy, rate) on stdout instead of the table')
    .addOption(transportSecurityOption())
    .option('--heartbeat-timeout <seconds>', `${HEARTBEAT_TIMEOUT_HELP}; raise it on a heavily loaded machine, where one long step or collective can keep a busy rank silent`)
    .option('--cpu-prof <dir>', 'write a V8 CPU profile of every rank of every run to <dir>/<sync>-<rate>-<run>/rank-<r>.cpuprofile')
    .addHelpText('after', HELP)
    .action(async (flags: BenchTrainFlags) => {
      process.exitCode = await benchTrain(flags);
    });
}

async function benchTrain(flags: BenchTrainFlags): Promise<number> {
  let plan: BenchTrainPlan;
  try {
    plan = planBenchTrain(flags);
  } catch (error) {
    return reportError(error, EXIT_USAGE);
  }
  const interrupt = onInterrupt();
  const outDir = resolve(plan.outDir);
  const resultsPath = join(outDir, 'results.json');
  const saveResults = async (report: BenchTrainReport): Promise<void> => {
    await mkdir(outDir, { recursive: true });
    await writeFile(resultsPath, `${JSON.stringify(report, null, 2)}\n`);
  };
  try {
    // Without calibrated constants (`lion-cub calibrate`) the rows keep predictedStepMs null.
    const constants = loadCalibratedConstants();
    const outcome = await runBenchTrain(plan, {
      predict: constants ? (run) => predictRow(run, plan.nproc, constants) : undefined,
      // Saved after every finished pair, so even a killed benchmark leaves what it measured.
      onPartial: saveResults,
      signal: interrupt.signal,
      cpuProfileDir: flags.cpuProf === undefined ? undefined : resolve(flags.cpuProf),
      command: ['lion-cub', ...process.argv.slice(2)].join(' '),
      onLog: (rank, line) => process.stderr.write(`[rank ${rank}] ${line}\n`),
      onTrainEvent: (event, p) => {
        // About ten lines per run: enough to see a long run advance without flooding a log.
        if (event.type !== 'step' || event.step % Math.max(1, Math.round(event.totalSteps / 10)) !== 0) return;
        process.stderr.write(`lion-cub:   ${p.sync} at ${p.rate}: step ${event.step}/${event.totalSteps}, ${event.stepMs.toFixed(1)} ms (compute ${event.computeMs.toFixed(1)}, comm ${event.sync.commMs.toFixed(1)}), loss ${event.loss.toFixed(4)}\n`);
      },
      onProgress: (p) => {
        const what = `${p.sync} at ${p.rate}${p.seed === undefined ? '' : ` seed ${p.seed}`}${plan.repeat > 1 ? ` (run ${p.repetition}/${plan.repeat})` : ''}`;
        if (p.run) process.stderr.write(`lion-cub: ${what}: ${p.run.stepMsMedian.toFixed(1)} ms/step, test metric ${p.run.finalMetric.toFixed(4)}\n`);
        else process.stderr.write(`lion-cub: training ${what} …\n`);
      },
    });
    if (constants) {
      const error = reportModelError(outcome.report, constants);
      if (error) outcome.report.modelError = error;
    }
    await saveResults(outcome.report);
    if (outcome.runs.length > 0) await writeReport(outcome.report, outDir);
    printRuns(outcome.runs, plan.json, plan.transportSecurity);
    process.stderr.write(`lion-cub: wrote ${resultsPath}${outcome.runs.length > 0 ? ` and ${join(outDir, 'index.html')}` : ''}\n`);
    if (outcome.failure) {
      const f = outcome.failure;
      process.stderr.write(`lion-cub: bench train stopped at ${f.sync} at ${f.rate}: ${f.message}; ${outcome.runs.length} finished run(s) were written\n`);
      return f.interrupted ? interruptedExitStatus(interrupt.signal.reason, EXIT_FAILURE) : EXIT_FAILURE;
    }
    return 0;
  } catch (error) {
    return reportError(error, EXIT_FAILURE);
  } finally {
    interrupt.dispose();
  }
}

/** The --json objects (one per row, each with the transport security it ran under) or the table. */
export function printRuns(runs: readonly RepeatedRun[], json: boolean, transportSecurity: TransportSecurity, out: NodeJS.WritableStream = process.stdout): void {
  if (json) {
    for (const r of runs) {
      const { curve: _curve, evals: _evals, stepTimings: _stepTimings, ...row } = r;
      out.write(`${JSON.stringify({ ...row, transportSecurity })}\n`);
    }
    return;
  }
  const fixed = (v: number | null, digits: number): string => (v === null ? '-' : v.toFixed(digits));
  const perRank = (values: readonly number[] | undefined): string => values?.map((ms) => ms.toFixed(1)).join('/') ?? '';
  printTable(runs.map((r) => ({
    sync: r.sync,
    rate: r.rate,
    'link Gbit/s': fixed(r.linkGbit, 3),
    'step ms': fixed(r.stepMsMedian, 1),
    ...(r.repeats > 1 ? { 'min..max': `${r.stepMsMin.toFixed(1)}..${r.stepMsMax.toFixed(1)}` } : {}),
    'compute ms': fixed(r.computeMs, 1),
    'compute ms per rank': perRank(r.computeMsPerRank),
    'compute CPU ms per rank': perRank(r.computeCpuMsPerRank),
    'step CPU ms per rank': perRank(r.stepCpuMsPerRank),
    'data CPU ms per rank': perRank(r.dataCpuMsPerRank),
    'strategy CPU ms per rank': perRank(r.syncCpuMsPerRank),
    'other CPU ms per rank': perRank(r.otherCpuMsPerRank),
    'comm ms': fixed(r.commMs, 1),
    'codec ms': fixed(r.codecMs, 2),
    'kB sent/step': fixed(r.bytesSentPerStep / 1e3, 1),
    ...(r.overSeeds
      ? { 'final loss': spreadText(r.overSeeds.finalLoss, 4), 'test metric': spreadText(r.overSeeds.finalMetric, 4), 'metric - lion, paired': pairedText(r.pairedVsLion) }
      : { 'final loss': fixed(r.finalLoss, 4), 'test metric': fixed(r.finalMetric, 4) }),
    'x lion': fixed(r.speedupVsLion, 2),
    'x bf16': fixed(r.speedupVsBf16, 2),
    'to target s': fixed(r.timeToTargetSeconds, 1),
    'x lion to target': fixed(r.speedupToTargetVsLion, 2),
  })), out);
}

/** `mean [min..max]` over the seeds. */
function spreadText(s: Spread, digits: number): string {
  return `${s.mean.toFixed(digits)} [${s.min.toFixed(digits)}..${s.max.toFixed(digits)}]`;
}

/** `+0.0010 ±0.0021 (2/1/2)`: mean difference to lion ± sd over the seeds, seeds above/equal/below lion. */
function pairedText(p: PairedVsLion | null | undefined): string {
  if (!p) return '-';
  const signed = (v: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
  return `${signed(p.metricDiff.mean)} ±${p.metricDiff.sd.toFixed(4)} (${p.higher}/${p.equal}/${p.lower})`;
}

function reportError(error: unknown, exitCode: number): number {
  if (!(error instanceof LionCubError)) throw error;
  process.stderr.write(`lion-cub: ${error.message} [${error.code}]\n`);
  return error.code === 'invalid_argument' ? EXIT_USAGE : exitCode;
}
