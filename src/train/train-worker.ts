// Entry point of one training worker (started by `lion-cub train` and `lion-cub bench train`): runs its rank, rank 0 streams events as JSON lines.
//
// argv[2] is a TrainWorkerPayload; RANK, WORLD_SIZE, MASTER_ADDR/PORT and the job token come from the launcher.
// Exit status: 0 done, 2 the configuration or checkpoints are at fault, 1 anything else (a peer died, …).
// It prints and sets the exit status itself because it is a process entry point, not library code.

import { LionCubError } from '../errors.js';
import { describeStall } from '../comm/activity.js';
import { rateLimitedWarnings } from '../comm/rate-limited-warnings.js';
import { runTrainingJob } from './job.js';
import { encodeError, encodeEvent, isUsageErrorCode, type TrainWorkerPayload } from './train-wire.js';

const payload = JSON.parse(process.argv[2]) as TrainWorkerPayload;
let rank: number | null = null;
try {
  await runTrainingJob({
    config: payload.config,
    outDir: payload.outDir,
    resume: payload.resume,
    processGroup: { stallWarningMs: payload.stallWarningMs, onStall: (report) => { process.stderr.write(`lion-cub: stall: ${describeStall(report)}\n`); } },
    onJoined: (info) => { rank = info.rank; },
    onEvent: (event) => {
      if (rank === 0 || (payload.stepEventsFromEveryRank && event.type === 'step')) process.stdout.write(`${encodeEvent(event)}\n`);
    },
    onWarning: rateLimitedWarnings((message) => { process.stderr.write(`lion-cub: warning: ${message}\n`); }),
  });
} catch (error) {
  // One tagged line carries everything: the launcher prints the error that started a failure once, not each rank's.
  const code = error instanceof LionCubError ? error.code : 'internal';
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : typeof error;
  const stack = error instanceof LionCubError || !(error instanceof Error) ? undefined : error.stack;
  process.stderr.write(`${encodeError({ rank, name, code, message, stack })}\n`);
  process.exitCode = isUsageErrorCode(code) ? 2 : 1;
}
