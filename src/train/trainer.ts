// The custom data-parallel training loop: shard → gradients → strategy.step → parameters back into the model.
//
// Per step t (0-based, the same on every rank):
//   1. (epoch, s) = sampler.position(t); this rank's examples = its slice of global batch s of that epoch;
//   2. loss and ∂loss/∂θ of those examples into the flat gradient buffer (FlatParams.gradients);
//   3. await strategy.step(params, grads): the strategy communicates and applies the update to the flat params;
//   4. the flat params are written back into the model's variables.
// Nothing else is random: with the same seed the run is the same, step for step, and a run resumed from a
// checkpoint (parameters, this rank's momentum, step) continues exactly as if never interrupted.

import type { ProcessGroup } from '../comm/process-group.js';
import { InvalidArgumentError, LionCubError } from '../errors.js';
import type { TrainableModel } from '../tfjs/model.js';
import { tf } from '../tfjs/tf.js';
import { loadWorkload } from '../workloads/module.js';
import { DistributedSampler } from '../workloads/sharding.js';
import type { Workload, WorkloadData } from '../workloads/workload.js';
import { totalStepsOf, type TrainConfig } from './config.js';
import { checkpointDir } from './checkpoint-store.js';
import { ensureFreshOutput, restoreLatest, restoreLatestIfAny, saveRankCheckpoint } from './trainer-checkpoints.js';
import type { ElasticRestore } from './elastic-restore.js';
import { elasticResumeEvent } from './elastic-resume-report.js';
import { evaluateSharded } from './evaluate.js';
import { TrainEvents, type CheckpointEvent, type DoneEvent, type EvalEvent, type RestartEvent, type StartEvent, type StepEvent, type TrainEvent, type TrainEventOf, type TrainEventType } from './events.js';
import { trajectoryHash, trajectoryOf, type Trajectory } from './fingerprint.js';
import { lionOptionsFor } from './lion-setup.js';
import { median } from '../stats.js';
import { SyncedParams } from './synced-params.js';

export interface TrainerOptions {
  /** A resolved configuration (resolveTrainConfig). */
  config: TrainConfig;
  /** This rank's process group (initProcessGroup, or memory transports in tests). */
  group: ProcessGroup;
  /** Run directory: checkpoints go to <outDir>/checkpoints. Without it no checkpoint is written. */
  outDir?: string | null;
  /** Continue from the newest checkpoint all ranks hold in <outDir>/checkpoints. */
  resume?: boolean | 'latest-if-any';
  /** Set when the launcher restarted the job after a failure: the run emits a `restart` event before `start`. */
  restart?: { generation: number; cause: string | null };
  /** Use this workload object instead of loading config.workload (a built-in name or a module path). */
  workload?: Workload<object>;
  /** Stops the run between steps (the promise of run() rejects with code `aborted`). */
  signal?: AbortSignal;
  /** Called with things worth telling a person that do not stop the run (e.g. a damaged checkpoint resume stepped back from). */
  onWarning?: (message: string) => void;
}

/**
 * One rank's training run. Create with `await Trainer.create(options)` after `initBackend()`; subscribe with
 * `on`/`onAny`; `await run()`; `dispose()`. Every rank of the group must run the same configuration.
 */
export class Trainer {
  readonly config: TrainConfig;
  readonly group: ProcessGroup;
  readonly workload: Workload<object>;
  readonly model: TrainableModel;
  readonly data: WorkloadData;
  readonly sampler: DistributedSampler;
  readonly synced: SyncedParams;
  readonly totalSteps: number;
  readonly trajectory: Trajectory;
  readonly trajectoryHash: string;
  private readonly events = new TrainEvents();
  private readonly outDir: string | null;
  private readonly signal: AbortSignal | undefined;
  readonly onWarning: ((message: string) => void) | undefined;
  private resumedFrom: string | null = null;
  private elasticRestore: ElasticRestore | null = null;
  /** Resumes across a change of world size (elastic-restore.ts): the sampler keeps the global batch. */
  readonly elastic = true;
  private readonly restart: TrainerOptions['restart'];
  private lastCheckpointStep = -1;

  private constructor(options: TrainerOptions & { workload: Workload<object> }) {
    const { config, group } = options;
    this.config = config;
    this.group = group;
    this.outDir = options.outDir ?? null;
    this.signal = options.signal;
    this.onWarning = options.onWarning;
    this.restart = options.restart;
    if (config.checkpointEvery > 0 && this.outDir === null) {
      throw new InvalidArgumentError('outDir', null, `an output directory (outDir / --out) to write checkpoints to, because checkpointEvery is ${config.checkpointEvery}`);
    }
    this.workload = options.workload;
    const workloadOptions = { ...config.workloadOptions, seed: config.seed };
    this.data = this.workload.loadData(workloadOptions);
    this.sampler = new DistributedSampler({
      numExamples: this.data.train.numExamples, globalBatchSize: config.batchSize, worldSize: group.worldSize, rank: group.rank, seed: config.seed,
    });
    this.totalSteps = totalStepsOf(config, this.sampler.stepsPerEpoch);
    this.model = this.workload.createModel(workloadOptions);
    try {
      const segments = this.model.variables.map((v) => ({ name: v.name, shape: v.variable.shape }));
      this.synced = new SyncedParams({
        variables: this.model.variables, group, sync: config.sync, momentumSync: config.momentumSync, seed: config.seed,
        lion: lionOptionsFor(config, segments, this.totalSteps), maxConsecutiveSkips: config.maxConsecutiveSkips,
      });
    } catch (error) {
      this.model.dispose();
      throw error;
    }
    this.trajectory = trajectoryOf({ config, worldSize: group.worldSize, totalSteps: this.totalSteps, numParams: this.synced.numParams, strategy: this.synced.strategy.name });
    this.trajectoryHash = trajectoryHash(this.trajectory);
  }

  /**
   * Loads the workload (importing a workload module), builds model, data, optimizer and strategy; with `resume`,
   * restores the newest checkpoint all ranks hold ('latest-if-any': or starts from step 0 when they hold none in
   * common, for a restarted job). Throws InvalidArgumentError for bad settings (a workload
   * module that changed since the configuration was resolved or exports no workload, a batch larger than the
   * data, a weight-decay glob matching nothing, …), CheckpointError when resuming fails or when not resuming into a directory that already
   * holds checkpoints (it would be overwritten), CommError when peers fail during the resume agreement.
   */
  static async create(options: TrainerOptions): Promise<Trainer> {
    const workload = options.workload ?? await loadWorkload(options.config.workload, options.config.workloadSha256);
    const trainer = new Trainer({ ...options, workload });
    try {
      if (trainer.outDir !== null) {
        const dir = checkpointDir(trainer.outDir);
        const restored = options.resume === 'latest-if-any' ? await restoreLatestIfAny(trainer, dir)
          : options.resume ? await restoreLatest(trainer, dir)
            : await ensureFreshOutput(dir).then(() => null);
        trainer.resumedFrom = restored?.path ?? null;
        trainer.elasticRestore = restored?.elastic ?? null;
        if (restored) trainer.lastCheckpointStep = trainer.step;
      } else if (options.resume) {
        throw new InvalidArgumentError('outDir', null, 'the output directory (outDir / --out) of the run to resume');
      }
      // No rank may write a checkpoint before every rank has looked at the directory (a fast rank under `noop`
      // could otherwise make a slow one see its fresh file as an old run's).
      if (trainer.worldSize > 1) await trainer.group.barrier();
    } catch (error) {
      trainer.dispose();
      throw error;
    }
    return trainer;
  }

  get rank(): number { return this.group.rank; }
  get worldSize(): number { return this.group.worldSize; }
  get numParams(): number { return this.synced.numParams; }
  /** Optimizer steps completed so far. */
  get step(): number { return this.synced.step; }

  on<K extends TrainEventType>(type: K, listener: (event: TrainEventOf<K>) => void): () => void {
    return this.events.on(type, listener);
  }

  onAny(listener: (event: TrainEvent) => void): () => void {
    return this.events.onAny(listener);
  }

  /**
   * Runs the remaining steps, evaluating every evalEvery steps and checkpointing every checkpointEvery steps,
   * then evaluates (and checkpoints, with an output directory) at the end. Resolves to the `done` event.
   * Steps whose gradient (or loss) is NaN/∞ on some rank are skipped on every rank and counted (`skipped` in step
   * events, `skippedSteps` in the done event). Rejects with a CommError when a peer fails, NonFiniteGradientError
   * (`non_finite_gradient`) after maxConsecutiveSkips skipped steps in a row, `aborted` when the signal fires.
   */
  async run(): Promise<DoneEvent> {
    const startStep = this.step;
    if (this.restart) this.emit({ type: 'restart', ...this.restart, step: startStep, resumedFrom: this.resumedFrom } satisfies RestartEvent);
    if (this.elasticRestore) {
      this.emit(elasticResumeEvent(this.elasticRestore, this.sampler));
    }
    this.emit({
      type: 'start', rank: this.rank, worldSize: this.worldSize, workload: this.workload.name, strategy: this.synced.strategy.name,
      numParams: this.numParams, totalSteps: this.totalSteps, stepsPerEpoch: this.sampler.stepsPerEpoch,
      localBatchSize: this.sampler.localBatchSize, startStep, resumedFrom: this.resumedFrom, trajectoryHash: this.trajectoryHash,
    } satisfies StartEvent);
    const startedAt = performance.now();
    const stepTimes: number[] = [];
    let bytesSent = 0;
    let lastTrainLoss: number | null = null;
    while (this.step < this.totalSteps) {
      if (this.signal?.aborted) throw new LionCubError('aborted', `training stopped at step ${this.step} of ${this.totalSteps}`);
      const event = await this.trainStep();
      stepTimes.push(event.stepMs);
      bytesSent += event.sync.bytesSent;
      lastTrainLoss = event.loss;
      const done = this.step;
      if (done < this.totalSteps && this.config.evalEvery > 0 && done % this.config.evalEvery === 0) await this.evaluate();
      if (done < this.totalSteps && this.outDir !== null && this.config.checkpointEvery > 0 && done % this.config.checkpointEvery === 0) await this.checkpoint();
    }
    const finalEval = await this.evaluate();
    if (this.outDir !== null && this.lastCheckpointStep !== this.step) await this.checkpoint();
    const stepsRun = this.step - startStep;
    const done: DoneEvent = {
      type: 'done', steps: this.step, stepsRun, wallSeconds: (performance.now() - startedAt) / 1000,
      stepMsMedian: stepTimes.length ? median(stepTimes) : 0, bytesSentPerStep: stepsRun ? bytesSent / stepsRun : 0, finalEval, lastTrainLoss,
      skippedSteps: this.synced.skippedSteps,
    };
    this.emit(done);
    return done;
  }

  /** One optimizer step on this rank's shard of the next global batch; emits and returns its `step` event. */
  async trainStep(): Promise<StepEvent> {
    const t = this.step;
    const { epoch, step: s } = this.sampler.position(t);
    const startedAt = performance.now();
    const cpuAtStart = process.cpuUsage();
    const batch = this.data.train.batch(this.sampler.localBatch(epoch, s));
    let dataCpuMs = cpuMsSince(cpuAtStart);
    let loss: number;
    let computeMs: number;
    let computeCpuMs: number;
    let accuracy: number | null = null;
    try {
      const computeStart = performance.now();
      const cpuAtCompute = process.cpuUsage();
      loss = this.synced.computeGradients(() => this.workload.loss(this.model, batch));
      computeMs = performance.now() - computeStart;
      computeCpuMs = cpuMsSince(cpuAtCompute);
      if (this.config.batchAccuracy) {
        const counts = this.workload.metric(this.model, batch);
        accuracy = counts.count > 0 ? counts.correct / counts.count : null;
      }
    } finally {
      const cpuAtDispose = process.cpuUsage();
      tf.dispose([batch.x, batch.y]);
      dataCpuMs += cpuMsSince(cpuAtDispose);
    }
    // A non-finite loss makes every rank skip the step, exactly like a non-finite gradient (docs/strategies.md).
    if (!Number.isFinite(loss) && this.numParams > 0) this.synced.markGradientsNonFinite();
    const cpuAtSync = process.cpuUsage();
    const sync = await this.synced.syncStep();
    const syncCpuMs = cpuMsSince(cpuAtSync);
    const event: StepEvent = {
      type: 'step', step: this.step, totalSteps: this.totalSteps, epoch, loss, accuracy,
      stepMs: performance.now() - startedAt, computeMs, computeCpuMs, stepCpuMs: cpuMsSince(cpuAtStart), dataCpuMs, syncCpuMs, sync,
    };
    this.emit(event);
    return event;
  }

  /** Loss and accuracy on the full test set, split across ranks; emits and returns an `eval` event. */
  async evaluate(): Promise<EvalEvent> {
    const startedAt = performance.now();
    const result = await evaluateSharded({ group: this.group, workload: this.workload, model: this.model, dataset: this.data.test, batchSize: this.config.evalBatchSize });
    const event: EvalEvent = { type: 'eval', step: this.step, loss: result.loss, accuracy: result.accuracy, numTargets: result.numTargets, evalMs: performance.now() - startedAt };
    this.emit(event);
    return event;
  }

  /** Writes this rank's checkpoint of the current step (all ranks must call it together); emits a `checkpoint` event. */
  async checkpoint(): Promise<CheckpointEvent> {
    if (this.outDir === null) throw new InvalidArgumentError('outDir', null, 'an output directory (outDir / --out) for checkpoint()');
    const startedAt = performance.now();
    const saved = await saveRankCheckpoint(this, checkpointDir(this.outDir));
    this.lastCheckpointStep = this.step;
    const event: CheckpointEvent = { type: 'checkpoint', step: this.step, path: saved.path, byteLength: saved.byteLength, saveMs: performance.now() - startedAt };
    this.emit(event);
    return event;
  }

  /** A copy of the current flat parameters. */
  params(): Float32Array {
    return this.synced.params.slice();
  }

  /** A copy of this rank's momentum. */
  momentum(): Float32Array {
    return this.synced.momentum.slice();
  }

  /** Frees the model's variables, the optimizer state and the flat buffers. Does not close the group. */
  dispose(): void {
    this.synced?.dispose();
    this.model.dispose();
  }

  private emit(event: TrainEvent): void {
    this.events.emit(event);
  }
}

/** User + system CPU time of this process since `start` (a process.cpuUsage() value), in ms. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}
