// `lion-cub train`: validates the run, starts --nproc local workers (or joins the job it runs in), shows progress, summarises.

import { Command, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { nodeLaunchOf, resolveLaunchEnv, type LaunchEnv, type NodeLaunch } from '../../comm/rendezvous/launch-env.js';
import { InvalidArgumentError, LionCubError } from '../../errors.js';
import { describeFailure, launch } from '../../launch/launch.js';
import { JOB_TOKEN_ENV } from '../../launch/launch-plan.js';
import { formatRate } from '../../netem/rate.js';
import { strategyNames } from '../../sync/registry.js';
import { DEFAULT_STEPS, LR_SCHEDULES, TRAIN_BACKENDS, TRAIN_DEFAULTS } from '../../train/config.js';
import type { DoneEvent, StartEvent, TrainEvent } from '../../train/events.js';
import { runTrainingJob } from '../../train/job.js';
import { rateLimitedWarnings } from '../../comm/rate-limited-warnings.js';
import { transportSecurityEnv, transportSecurityOption } from '../transport-security-flag.js';
import { workloadNames } from '../../workloads/registry.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../run-cli.js';
import { DEFAULT_NPROC, parseTrainInvocation, type TrainFlags, type TrainInvocation } from '../train-flags.js';
import { preflightCheckpoints } from '../../train/checkpoint-preflight.js';
import { ProgressRenderer } from '../train-progress.js';
import { describeFailureOrigin, describeTrainFailure } from '../train-failure.js';
import { describeSummary, trainSummary } from '../train-summary.js';
import { decodeError, decodeEvent, isUsageErrorCode, trainWorkerScriptUrl, type TrainWorkerPayload, type WorkerErrorReport } from '../../train/train-wire.js';
import { interruptedExitStatus, onInterrupt } from '../interrupt.js';
import { describeStall } from '../../comm/activity.js';
import { addResilienceOptions, parseResilienceFlags, type Resilience, type ResilienceFlags } from '../resilience-flags.js';
import { addElasticOptions, parseElasticFlags, type ElasticFlags } from '../elastic-flags.js';
import { describeElasticEvent } from '../elastic-lines.js';
import type { ElasticOptions } from '../../launch/launch.js';

export function registerTrain(program: Command): void {
  const d = TRAIN_DEFAULTS;
  const command = program
    .command('train')
    .description('train a workload with data-parallel Lion on --nproc local workers, or as one rank of the job this process was launched in')
    .option('--config <file>', 'JSON file of options (keys as in config.json\'s "config", plus nproc, out, netem); flags override it')
    .option('--workload <name|path>', `one of ${workloadNames().join(', ')}, or a workload module file (./my-workload.js) (default ${d.workload})`)
    .option('--workload-options <json>', 'workload options as JSON, e.g. \'{"hiddenUnits":[512]}\'')
    .option('--nproc <n>', `local workers to start (default ${DEFAULT_NPROC}); inside a job the job's size is used`)
    .option('--sync <strategy>', `sync strategy: ${strategyNames().join(', ')}, optionally name:key=value,… (default cub-pbit)`)
    .option('--momentum-sync <policy>', 'none, every:K, schedule:k, layers:GLOB or adaptive:T, optionally @bf16 (default none)')
    .option('--steps <n>', `optimizer steps (default ${DEFAULT_STEPS})`)
    .option('--epochs <n>', 'passes over the training set instead of --steps')
    .option('--batch <n>', `global batch over all workers (default ${d.batchSize})`)
    .option('--lr <rate>', `peak learning rate (default ${d.lr})`)
    .addOption(new Option('--lr-schedule <name>', `learning-rate schedule after warm-up (default ${d.lrSchedule})`).choices([...LR_SCHEDULES]))
    .option('--warmup-steps <n>', 'linear warm-up steps (default 0)')
    .option('--min-lr <rate>', 'final rate of the cosine schedule (default 0)')
    .option('--beta1 <b>', `Lion β1 (default ${d.beta1})`)
    .option('--beta2 <b>', `Lion β2 (default ${d.beta2})`)
    .option('--wd <lambda>', `decoupled weight decay (default ${d.weightDecay})`)
    .option('--wd-exclude <globs>', 'comma-separated parameter names/globs without weight decay (default: every vector, i.e. biases and norm gains)')
    .option('--clip <norm>', 'clip gradients to this global L2 norm (default off)')
    .option('--seed <n>', `seed of weights, data order and strategy randomness (default ${d.seed})`)
    .option('--eval-every <k>', `evaluate on the full test set every k steps, 0 = only at the end (default ${d.evalEvery})`)
    .option('--eval-batch <n>', `examples per evaluation forward pass, the longest stretch between two heartbeats during evaluation (default ${d.evalBatchSize})`)
    .option('--checkpoint-every <k>', 'checkpoint every k steps into --out/checkpoints (default 0: only at the end)')
    .option('--batch-accuracy', 'also report each training batch\'s accuracy (one more forward pass per step)')
    .addOption(new Option('--backend <name>', `TF.js backend (default ${d.backend})`).choices([...TRAIN_BACKENDS]))
    .option('--timeout-ms <ms>', `time limit of one collective (default ${d.timeoutMs})`)
    .option('--max-consecutive-skips <n>', `end the run after this many steps in a row are skipped for a NaN or ±∞ gradient (default ${d.maxConsecutiveSkips})`)
    .option('--resume', 'continue the run in --out from its newest checkpoint')
    .option('--netem <rate>', 'each worker in its own network namespace, every NIC shaped to RATE (e.g. 1gbit); needs root and iproute2')
    .addOption(transportSecurityOption())
    .option('--out <dir>', 'run directory: config.json, metrics.jsonl, checkpoints/ (default: write nothing)')
    .option('--json', 'one JSON object per step (and evaluation) on stdout, then a summary object with final: true')
    .option('--nnodes <MIN:MAX>', 'elastic job over MIN to MAX nodes meeting at --rdzv-endpoint, --nproc workers each');
  addElasticOptions(command);
  addResilienceOptions(command, { stall: true })
    .action(async (flags: TrainFlags & ResilienceFlags & ElasticFlags) => {
      process.exitCode = await trainCommand(flags);
    });
}

async function trainCommand(flags: TrainFlags & ResilienceFlags & ElasticFlags): Promise<number> {
  let invocation: TrainInvocation;
  let resilience: Resilience;
  let job: LaunchEnv;
  let node: NodeLaunch | undefined;
  let elastic: ElasticOptions | undefined;
  try {
    invocation = parseTrainInvocation(flags);
    resilience = parseResilienceFlags(flags);
    elastic = parseElasticFlags(flags);
    if (flags.nnodes !== undefined && !elastic) {
      throw new InvalidArgumentError('--nnodes', flags.nnodes, 'MIN:MAX with --rdzv-endpoint host:port (static multi-node jobs: lion-cub run --nnodes N --node-rank R, or a launcher)');
    }
    // A pod of a Kubeflow PyTorchJob with PET_NPROC_PER_NODE > 1 starts its node's workers like `--nproc` would.
    node = nodeLaunchOf(process.env);
    if (node) invocation = { ...invocation, nproc: node.nproc };
    job = node ? { ...resolveLaunchEnv({}, {}), rank: node.nodeRank } : resolveLaunchEnv({}, process.env);
    if (job.source !== 'single' && invocation.nprocGiven && invocation.nproc !== job.worldSize) {
      throw new InvalidArgumentError('--nproc', invocation.nproc, `nothing, or the size of the job this process runs in (${job.worldSize}, from the ${job.source} variables)`);
    }
    if (job.source !== 'single' && invocation.netem !== null) {
      throw new InvalidArgumentError('--netem', invocation.netem, 'no emulated network inside an existing job (the job\'s launcher placed the processes already)');
    }
    const worldSize = job.source === 'single' ? invocation.nproc * (node?.nnodes ?? 1) : job.worldSize;
    if (elastic && (job.source !== 'single' || node)) throw new InvalidArgumentError('--nnodes', flags.nnodes, 'no elastic launch inside a job another launcher started');
    // An elastic node does not know the world size before its round; its workers run the full checks.
    if (job.rank === 0 && !elastic) await preflightCheckpoints(invocation.config, invocation.outDir, invocation.resume, worldSize);
  } catch (error) {
    return reportError(error, null);
  }
  if (flags.sync === undefined && flags.config === undefined && invocation.config.sync === 'lion' && !strategyNames().includes('cub-pbit')) {
    process.stderr.write('lion-cub: cub-pbit is not available in this build; training with --sync lion\n');
  }
  return job.source === 'single' ? runParent(invocation, resilience, node, elastic) : runMember(invocation, resilience);
}

/** Starts the workers through the launcher and renders rank 0's events. */
async function runParent(inv: TrainInvocation, resilience: Resilience, node?: NodeLaunch, elastic?: ElasticOptions): Promise<number> {
  const view = new RunView(inv.json);
  const errors = new Map<number, WorkerErrorReport>();
  const payload: TrainWorkerPayload = { config: inv.config, outDir: inv.outDir, resume: inv.resume, stallWarningMs: resilience.stallWarningMs };
  const interrupt = onInterrupt();
  try {
    const result = await launch({
      nproc: inv.nproc,
      ...(node && { nnodes: node.nnodes, nodeRank: node.nodeRank, masterAddr: node.masterAddr, masterPort: node.masterPort }),
      elastic,
      script: fileURLToPath(trainWorkerScriptUrl()),
      args: [JSON.stringify(payload)],
      jobToken: process.env[JOB_TOKEN_ENV],
      env: transportSecurityEnv(inv.transportSecurity),
      netem: inv.netem === null ? undefined : { rate: inv.netem },
      heartbeatTimeoutMs: resilience.heartbeatTimeoutMs,
      maxRestarts: resilience.maxRestarts,
      signal: interrupt.signal,
      onEvent: (event) => {
        if (event.type === 'output') {
          const trainEvent = event.rank === 0 && event.stream === 'stdout' ? decodeEvent(event) : undefined;
          if (trainEvent) return view.event(trainEvent);
          const report = event.stream === 'stderr' ? decodeError(event) : undefined;
          if (report) return void errors.set(event.rank, report);
          process.stderr.write(`[rank ${event.rank}] ${event.line}\n`);
        } else if (event.type === 'restarting') {
          view.finish();
          process.stderr.write(`lion-cub: ${describeFailureOrigin(event.failure, errors)}; every worker was stopped, restarting the job as generation ${event.generation} (restart ${event.restart} of at most ${event.maxRestarts})\n`);
          errors.clear();
        } else if (event.type === 'rendezvous-open' || event.type === 'rendezvous-warning' || event.type === 'round' || event.type === 'membership-change') {
          view.finish();
          if (event.type === 'round') errors.clear();
          process.stderr.write(`lion-cub: ${describeElasticEvent(event)}\n`);
        } else if (event.type === 'netem-ready') {
          process.stderr.write(`lion-cub: emulated network: ${event.addresses.length} workers, every NIC shaped to ${formatRate(event.rateBitsPerSec)}\n`);
        }
      },
    });
    view.finish();
    if (!result.ok) {
      const failure = result.failure!;
      if (failure.kind === 'interrupted') {
        process.stderr.write(`lion-cub: ${describeFailure(failure)}\n`);
        return interruptedExitStatus(failure.reason, EXIT_FAILURE);
      }
      const { lines, cause } = describeTrainFailure(failure, errors, result.restarts.length);
      for (const line of lines) process.stderr.write(`${line}\n`);
      return cause && isUsageErrorCode(cause.code) ? EXIT_USAGE : EXIT_FAILURE;
    }
    const finalRound = result.rounds?.at(-1);
    if (finalRound && finalRound.nodeRank !== 0) {
      process.stderr.write(`lion-cub: this node's workers finished generation ${finalRound.generation} (world size ${finalRound.worldSize}); node 0 prints the summary\n`);
      return 0;
    }
    return view.summarise();
  } finally {
    interrupt.dispose();
  }
}

/** Runs this process's rank of an existing job; rank 0 renders. */
async function runMember(inv: TrainInvocation, resilience: Resilience): Promise<number> {
  const view = new RunView(inv.json);
  let rank: number | null = null;
  try {
    await runTrainingJob({
      config: inv.config, outDir: inv.outDir, resume: inv.resume,
      processGroup: {
        transportSecurity: inv.transportSecurity,
        stallWarningMs: resilience.stallWarningMs,
        onStall: (report) => { process.stderr.write(`lion-cub: stall: ${describeStall(report)}\n`); },
      },
      onJoined: (info) => { rank = info.rank; },
      onEvent: (event) => { if (rank === 0) view.event(event); },
      onWarning: rateLimitedWarnings((message) => { process.stderr.write(`lion-cub: warning: ${rank === null ? '' : `rank ${rank}: `}${message}\n`); }),
    });
  } catch (error) {
    view.finish();
    return reportError(error, rank);
  }
  view.finish();
  return rank === 0 ? view.summarise() : 0;
}

/** Progress while running, then the summary (text or the final JSON object). */
class RunView {
  private readonly renderer: ProgressRenderer;
  private start: StartEvent | undefined;
  private done: DoneEvent | undefined;

  constructor(private readonly json: boolean) {
    this.renderer = new ProgressRenderer({
      mode: json ? 'json' : process.stdout.isTTY ? 'tty' : 'plain',
      out: process.stdout,
      log: json ? process.stderr : process.stdout,
      columns: process.stdout.columns,
    });
  }

  event(event: TrainEvent): void {
    if (event.type === 'start') this.start = event;
    if (event.type === 'done') this.done = event;
    this.renderer.event(event);
  }

  finish(): void {
    this.renderer.finish();
  }

  summarise(): number {
    if (!this.start || !this.done) {
      process.stderr.write('lion-cub: the workers finished without reporting a result\n');
      return EXIT_FAILURE;
    }
    const summary = trainSummary(this.start, this.done);
    if (this.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else for (const line of describeSummary(summary)) process.stdout.write(`${line}\n`);
    return 0;
  }
}

function reportError(error: unknown, rank: number | null): number {
  if (!(error instanceof LionCubError)) throw error;
  process.stderr.write(`lion-cub: ${rank === null ? '' : `rank ${rank}: ${error.name}: `}${error.message} [${error.code}]\n`);
  return isUsageErrorCode(error.code) ? EXIT_USAGE : EXIT_FAILURE;
}
