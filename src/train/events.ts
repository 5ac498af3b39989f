// The typed events a training run emits; the library never prints, callers decide how to show them.

import type { SyncStepStats } from '../sync/strategy.js';

/** Emitted once, after setup (and after restoring a checkpoint), before the first step. */
export interface StartEvent {
  type: 'start';
  rank: number;
  worldSize: number;
  workload: string;
  /** The strategy's canonical spec. */
  strategy: string;
  numParams: number;
  totalSteps: number;
  stepsPerEpoch: number;
  /** Examples per step on this rank. */
  localBatchSize: number;
  /** Steps already done when this run started (0 unless resumed). */
  startStep: number;
  /** The checkpoint file resumed from, or null. */
  resumedFrom: string | null;
  /** sha256 of the run's trajectory (fingerprint.ts). */
  trajectoryHash: string;
}

/** One optimizer step on this rank. */
export interface StepEvent {
  type: 'step';
  /** Steps completed, counting this one (1 … totalSteps). */
  step: number;
  totalSteps: number;
  /** 0-based epoch the batch came from. */
  epoch: number;
  /** Mean loss of this rank's part of the global batch, before the update. */
  loss: number;
  /** Accuracy of this rank's batch before the update (only with batchAccuracy, else null). */
  accuracy: number | null;
  /** Wall time of the whole step: batch, gradients, strategy, writing parameters back. */
  stepMs: number;
  /** Forward + backward into the flat gradient. */
  computeMs: number;
  /**
   * CPU time (user + system, process.cpuUsage) this rank's process spent during the compute phase and during the
   * whole step. Unlike wall time, it does not grow when other processes share the cores.
   */
  computeCpuMs: number;
  stepCpuMs: number;
  /** CPU time spent assembling this rank's batch (copying its examples into input tensors) and freeing it afterwards. */
  dataCpuMs: number;
  /**
   * CPU time of the strategy's step and writing the parameters back: encode, communication and decode of the
   * compressed strategies; the finiteness check and the Lion update (plus the allreduce for lion, lion-bf16) of the
   * others. What is left of stepCpuMs after compute, data and this is bookkeeping (and the batch-accuracy pass).
   */
  syncCpuMs: number;
  /** What the strategy reported: learning rate, encode/comm/decode times, bytes on the wire. */
  sync: SyncStepStats;
}

/** Loss and accuracy on the FULL test set; every rank reports the same numbers. */
export interface EvalEvent {
  type: 'eval';
  /** Steps completed when evaluated. */
  step: number;
  loss: number;
  accuracy: number;
  /** Targets evaluated over all ranks (examples, or characters for language models). */
  numTargets: number;
  evalMs: number;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  /** This rank's file. */
  path: string;
  byteLength: number;
  saveMs: number;
}

export interface DoneEvent {
  type: 'done';
  /** Steps completed in total (including those before a resume). */
  steps: number;
  /** Steps run by this invocation. */
  stepsRun: number;
  /** Seconds from the first step of this invocation to the end (evaluations and checkpoints included). */
  wallSeconds: number;
  /** Median step time over this invocation's steps. */
  stepMsMedian: number;
  /** Mean bytes this rank sent per step (frame headers included). */
  bytesSentPerStep: number;
  /** The final full-test-set evaluation. */
  finalEval: EvalEvent;
  /** Loss of the last training batch on this rank. */
  lastTrainLoss: number | null;
  /** Steps of this invocation skipped because some rank's gradient (or loss) was NaN or ±∞. */
  skippedSteps: number;
}

/** Emitted before `start` by a run the launcher restarted after a failure (generation ≥ 1). */
export interface RestartEvent {
  type: 'restart';
  /** Restart generation: 1 for the first restart. */
  generation: number;
  /** The launcher's description of the failure, when it gave one. */
  cause: string | null;
  /** The step training continues from (0 when no checkpoint was held by every rank). */
  step: number;
  /** The checkpoint file restored, or null. */
  resumedFrom: string | null;
}

/**
 * Emitted before `start` when a resume restored a checkpoint written by other ranks: another world size, or some
 * ranks holding none (elastic-restore.ts has the rule).
 */
export interface ElasticResumeEvent {
  type: 'elastic-resume';
  /** The step training continues from. */
  step: number;
  /** World size of the job that wrote the checkpoint. */
  fromWorldSize: number;
  toWorldSize: number;
  /** The rank whose checkpointed parameters every rank took. */
  paramsFrom: number;
  /** Ranks that held no checkpoint of the step (new ones). */
  ranksWithoutCheckpoint: number[];
  /** The momentum rule applied to every rank: the mean of the momenta the old ranks saved. */
  momentumRule: 'mean-of-saved';
  /** Old ranks whose saved momentum went into the mean. */
  momentaFrom: number[];
  /** They were bit-identical (lion, lion-bf16), so every rank has that momentum exactly. */
  momentaIdentical: boolean;
  /** Kept across the change; the per-rank part is what changes. Null from restoreFitState without a DistributedSampler. */
  globalBatchSize: number | null;
  /** This rank's examples per step now (null as globalBatchSize). */
  localBatchSize: number | null;
}

export type TrainEvent = StartEvent | StepEvent | EvalEvent | CheckpointEvent | DoneEvent | RestartEvent | ElasticResumeEvent;
export type TrainEventType = TrainEvent['type'];
export type TrainEventOf<K extends TrainEventType> = Extract<TrainEvent, { type: K }>;

/** A minimal typed event emitter: listeners by event type, plus listeners for every event. */
export class TrainEvents {
  private readonly byType = new Map<TrainEventType, Array<(event: TrainEvent) => void>>();
  private readonly all: Array<(event: TrainEvent) => void> = [];

  /** Calls `listener` for every event of `type`. Returns a function that removes it. */
  on<K extends TrainEventType>(type: K, listener: (event: TrainEventOf<K>) => void): () => void {
    const list = this.byType.get(type) ?? [];
    list.push(listener as (event: TrainEvent) => void);
    this.byType.set(type, list);
    return () => { list.splice(list.indexOf(listener as (event: TrainEvent) => void), 1); };
  }

  /** Calls `listener` for every event. Returns a function that removes it. */
  onAny(listener: (event: TrainEvent) => void): () => void {
    this.all.push(listener);
    return () => { this.all.splice(this.all.indexOf(listener), 1); };
  }

  /** Delivers synchronously, in registration order; a throwing listener propagates to the emitter's caller. */
  emit(event: TrainEvent): void {
    for (const l of this.byType.get(event.type) ?? []) l(event);
    for (const l of this.all) l(event);
  }
}
