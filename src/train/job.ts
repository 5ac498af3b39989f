// One rank of a training job from start to end: backend, joining the job, the run, its files, and cleanup.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { initProcessGroup, type InitProcessGroupOptions } from '../comm/init.js';
import { resolveLaunchEnv } from '../comm/rendezvous/launch-env.js';
import type { ProcessGroup } from '../comm/process-group.js';
import { initBackend, type BackendInfo } from '../tfjs/backend.js';
import type { TrainConfig } from './config.js';
import type { DoneEvent, TrainEvent } from './events.js';
import { canonicalJson } from './fingerprint.js';
import { MetricsWriter } from './metrics.js';
import { makePrivateDir, writeFileAtomic } from './private-files.js';
import { Trainer } from './trainer.js';

export interface TrainJobOptions {
  /** A resolved configuration, the same on every rank. */
  config: TrainConfig;
  /** Run directory: checkpoints, and (written by rank 0) config.json and metrics.jsonl. None: nothing is written. */
  outDir?: string | null;
  resume?: boolean;
  /** Extra options for initProcessGroup (launcher variables come from `env`, default process.env). */
  processGroup?: Omit<InitProcessGroupOptions, 'timeoutMs' | 'fingerprint'>;
  /** Every event of this rank. */
  onEvent?: (event: TrainEvent) => void;
  /** Called once the group is up, before the model is built (e.g. to know the rank early). */
  onJoined?: (info: { rank: number; worldSize: number; backend: BackendInfo }) => void;
  signal?: AbortSignal;
  /** Things worth telling a person that do not stop the run (e.g. a damaged checkpoint resume stepped back from). */
  onWarning?: (message: string) => void;
}

export interface TrainJobResult {
  rank: number;
  worldSize: number;
  backend: BackendInfo;
  done: DoneEvent;
}

/**
 * Runs this process's rank of a job: initBackend(config.backend), initProcessGroup (rank, world size and
 * rendezvous from the launcher variables; a process with none runs alone), Trainer.create + run, then closes
 * the group. The ranks' configurations are compared at rendezvous (a ConfigMismatchError before any data
 * flows). With `outDir`, rank 0 writes config.json (the resolved configuration and what the run resolved it to)
 * and appends every event to metrics.jsonl. Rejects with what failed: InvalidArgumentError, CheckpointError,
 * CommError, NonFiniteGradientError, LionCubError `aborted`.
 */
export async function runTrainingJob(options: TrainJobOptions): Promise<TrainJobResult> {
  const { config, outDir = null } = options;
  // A job its launcher restarted (TORCHELASTIC_RESTART_COUNT ≥ 1) continues from the newest checkpoint every
  // rank holds intact, or from step 0 when the failure came before the first one.
  const launchEnv = resolveLaunchEnv(options.processGroup, options.processGroup?.env ?? process.env);
  const restart = launchEnv.generation > 0 ? { generation: launchEnv.generation, cause: launchEnv.restartCause ?? null } : undefined;
  const resume = restart && outDir !== null ? 'latest-if-any' : options.resume ?? false;
  const backend = await initBackend({ backend: config.backend });
  const group: ProcessGroup = await initProcessGroup({
    onWarning: options.onWarning,
    ...options.processGroup,
    timeoutMs: config.timeoutMs,
    // The workload fields are also compared by themselves so that a disagreement names the module.
    fingerprint: {
      workload: config.workload,
      workloadSha256: config.workloadSha256,
      trainConfig: createHash('sha256').update(canonicalJson({ config, resume })).digest('hex'),
    },
  });
  try {
    options.onJoined?.({ rank: group.rank, worldSize: group.worldSize, backend });
    const trainer = await Trainer.create({ config, group, outDir, resume, restart, signal: options.signal, onWarning: options.onWarning });
    let metrics: MetricsWriter | undefined;
    try {
      if (options.onEvent) trainer.onAny(options.onEvent);
      if (outDir !== null && group.rank === 0) {
        await makePrivateDir(outDir);
        await writeFileAtomic(join(outDir, 'config.json'), [`${JSON.stringify(runDescription(trainer, backend), null, 2)}\n`]);
        const writer = new MetricsWriter(join(outDir, 'metrics.jsonl'), { append: resume !== false });
        metrics = writer;
        trainer.onAny((event) => writer.write(event));
      }
      const done = await trainer.run();
      return { rank: group.rank, worldSize: group.worldSize, backend, done };
    } finally {
      metrics?.close();
      trainer.dispose();
    }
  } finally {
    await group.close();
  }
}

/** config.json: the resolved configuration plus what it resolved to on this machine. */
function runDescription(trainer: Trainer, backend: BackendInfo): Record<string, unknown> {
  return {
    config: trainer.config,
    worldSize: trainer.worldSize,
    strategy: trainer.synced.strategy.name,
    numParams: trainer.numParams,
    totalSteps: trainer.totalSteps,
    stepsPerEpoch: trainer.sampler.stepsPerEpoch,
    localBatchSize: trainer.sampler.localBatchSize,
    data: trainer.data.description,
    backend,
    trajectory: trainer.trajectory,
    trajectoryHash: trainer.trajectoryHash,
    node: process.version,
  };
}
