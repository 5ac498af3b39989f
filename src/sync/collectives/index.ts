// Public surface of the compressed collectives: 1-bit and p-bit allreduce, the two baselines, vote tallies.

export { CollectiveStateError, type AgreedCode, type RunOptions } from './compressed-collective.js';
export { VoteAllreduce, voteAllreduceTraffic, type VoteAllreduceRunOptions } from './vote-allreduce.js';
export { PbitAllreduce, pbitAllreduceTraffic, type PbitAllreduceRunOptions } from './pbit-allreduce.js';
export { Int8Ring, int8RingTraffic, type Int8RingRunOptions, type Int8RingTrafficSettings } from './int8-ring.js';
export { VoteAllgather, voteAllgatherTraffic, type VoteAllgatherRunOptions } from './vote-allgather.js';
export { TallyAllreduce, tallyAllreduceTraffic, tallyBytes, type TallyArray, type TallyAllreduceRunOptions } from './tally-allreduce.js';
export type { MeasuredTraffic, TrafficSettings, WireTraffic } from './traffic.js';
export { UnitSlices } from './unit-slices.js';
