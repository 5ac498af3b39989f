// Bytes one step of a strategy puts on the wire, from its StepWork and the collectives' exact traffic formulas.

import { predictTraffic, wireBytes } from '../comm/collectives/wire-bytes.js';
import { DEFAULT_CHUNK_BYTES } from '../comm/collectives/context.js';
import { DTYPE_BYTES } from '../comm/codes.js';
import { DEFAULT_SMALL_MESSAGE_BYTES } from '../comm/process-group.js';
import { FRAME_HEADER_BYTES } from '../comm/transport/frame.js';
import { int8RingTraffic, type Int8RingTrafficSettings } from './collectives/int8-ring.js';
import { pbitAllreduceTraffic } from './collectives/pbit-allreduce.js';
import { tallyAllreduceTraffic } from './collectives/tally-allreduce.js';
import { addTraffic, zeroTraffic, type WireTraffic } from './collectives/traffic.js';
import { voteAllgatherTraffic } from './collectives/vote-allgather.js';
import { voteAllreduceTraffic } from './collectives/vote-allreduce.js';
import type { StepOp, StepWork } from './step-work.js';

/** The group settings that change messages and algorithm choice; each must equal the ProcessGroup's option. */
export type StepTrafficSettings = Int8RingTrafficSettings;

/** Traffic of one collective call of a step on `rank`; kernels send nothing. */
export function opTraffic(op: StepOp, worldSize: number, rank: number, settings: StepTrafficSettings = {}): WireTraffic {
  switch (op.kind) {
    case 'kernel': return zeroTraffic();
    case 'allreduce': return allreduceTraffic(op.count, DTYPE_BYTES[op.dtype], worldSize, rank, settings);
    case 'vote-allreduce': return voteAllreduceTraffic(worldSize, rank, op.numValues, settings);
    case 'vote-allgather': return voteAllgatherTraffic(worldSize, rank, op.numValues, settings);
    case 'tally-allreduce': return tallyAllreduceTraffic(worldSize, rank, op.numValues, settings);
    case 'pbit-allreduce': return pbitAllreduceTraffic(worldSize, rank, op.numValues, op.bits, settings);
    case 'int8-ring': return int8RingTraffic(worldSize, rank, op.numValues, settings);
  }
}

/**
 * Bytes and messages `rank` sends and receives in one step of `work` on `worldSize` ranks (momentum sync not
 * included: its policy decides when it runs). Zero for one rank.
 */
export function stepTraffic(work: StepWork, worldSize: number, rank: number, settings: StepTrafficSettings = {}): WireTraffic {
  if (worldSize === 1) return zeroTraffic();
  return [...work.encode, ...work.comm, ...work.decode].reduce((sum, op) => addTraffic(sum, opTraffic(op, worldSize, rank, settings)), zeroTraffic());
}

function allreduceTraffic(count: number, elementBytes: number, worldSize: number, rank: number, settings: StepTrafficSettings): WireTraffic {
  if (worldSize === 1 || count === 0) return zeroTraffic();
  const chosen = settings.allreduceAlgorithm ?? 'auto';
  const small = count * elementBytes <= (settings.smallMessageBytes ?? DEFAULT_SMALL_MESSAGE_BYTES);
  const algorithm = chosen === 'ring' || (chosen === 'auto' && !small) ? 'allreduce-ring' : 'allreduce-recursive-doubling';
  const t = predictTraffic({ algorithm, worldSize, rank, count, elementBytes, chunkBytes: settings.chunkBytes ?? DEFAULT_CHUNK_BYTES });
  const bytes = wireBytes(t, settings.headerBytes ?? FRAME_HEADER_BYTES);
  return { messagesSent: t.messagesSent, messagesReceived: t.messagesReceived, ...bytes };
}
