// Public API of the lion-cub package (pinned by test/public-api/surface.test.ts). TensorFlow.js models, workloads,
// the trainer and the cost model are under `lion-cub/tfjs`, `lion-cub/workloads`, `lion-cub/train` and
// `lion-cub/costmodel`, so that importing the core does not load TensorFlow.js. Implementation variants (the JS
// and wasm halves of each kernel), hashes and numerics helpers stay internal: each kernel below picks its path.

// Errors: every error thrown on purpose is a LionCubError with a stable code (docs/errors.md).
export { LionCubError, InvalidArgumentError } from './errors.js';
export type { LionCubErrorCode } from './errors.js';
export { CommError, CommTimeoutError, PeerClosedError, ProtocolError, MismatchError, IntegrityError } from './comm/errors.js';
export type { CommErrorCode, CommErrorFields } from './comm/errors.js';
export { ConfigMismatchError } from './comm/rendezvous/fingerprint.js';
export { KernelViewError } from './kernels/kernel-memory.js';
export { NetemUnavailableError, NetemCommandError, LinkProbeError } from './netem/errors.js';

// Kernel memory: where the flat buffers live so the wasm kernels run in place.
export { KernelMemory, KernelRegion } from './kernels/kernel-memory.js';
export { kernelMemory, wasmKernelsEnabled, setWasmKernelsEnabled } from './kernels/load.js';

// The optimizer: Lion on flat buffers, its optax-style composition, parameter layouts, schedules.
export { createLion } from './optim/lion.js';
export type { CreateLionOptions, Lion, LionState, LionStepReport, LionStepPlan, PlanStepOptions } from './optim/lion.js';
export { LION_DEFAULTS } from './optim/lion-options.js';
export type { LionOptions } from './optim/lion-options.js';
export { createParamLayout, layoutFromLengths, layoutFromShapes, findSegment, segmentView } from './optim/param-layout.js';
export type { Segment, ParamLayout } from './optim/param-layout.js';
export { constantSchedule, linearWarmupSchedule, warmupCosineSchedule, learningRateAt } from './optim/schedules.js';
export type { LearningRateSchedule, LinearWarmupOptions, WarmupCosineOptions } from './optim/schedules.js';
export type { WeightDecayMask } from './optim/weight-decay-mask.js';
export { globalNorm } from './optim/global-norm.js';
export {
  updatesFromGradients, applyUpdates, chain, clipByGlobalNorm, scaleByLion, addDecayedWeights, scaleByLearningRate, composedLion,
} from './optim/transforms.js';
export type { Updates, GradientTransformation, ScaleByLionState, ScaleByLearningRateState } from './optim/transforms.js';

// Codecs an update combiner encodes with: 1-bit sign codes, p-bit quantisers, the fused Lion encoders.
export { packSigns, unpackSigns } from './codec/sign-code.js';
export { signCodeWords } from './codec/sign-code-checks.js';
export { MAX_VOTE_VECTORS } from './codec/vote.js';
export { lionEncodeSign, lionApplySign } from './codec/lion-sign.js';
export type { LionApplyHyperparams, ValueRange } from './codec/lion-sign.js';
export { quantize, lionEncodeQuant } from './codec/quant.js';
export { QUANT_METHODS, packedWordCount } from './codec/quant-options.js';
export type { QuantMethod, QuantBits, QuantizeOptions } from './codec/quant-options.js';

// Communication: process groups, transports, rendezvous from the environment.
export { ProcessGroup, DEFAULT_TIMEOUT_MS } from './comm/process-group.js';
export type { ProcessGroupOptions, CallOptions, AllreduceOptions, OpStats, OpTotals, CollectiveName } from './comm/process-group.js';
export { initProcessGroup, initTransport } from './comm/init.js';
export type { InitProcessGroupOptions, InitTransportOptions } from './comm/init.js';
export { resolveLaunchEnv, DEFAULT_MASTER_PORT } from './comm/rendezvous/launch-env.js';
export type { LaunchEnv, LaunchSource } from './comm/rendezvous/launch-env.js';
export { generateJobToken, JOB_TOKEN_ENV } from './comm/transport/handshake.js';
export { TRANSPORT_SECURITY_ENV, TRANSPORT_SECURITY_MODES } from './comm/transport/security-mode.js';
export type { TransportSecurity } from './comm/transport/security-mode.js';
export { createMemoryTransports } from './comm/transport/memory-transport.js';
export type { MemoryTransport } from './comm/transport/memory-transport.js';
export { connectLoopbackMesh } from './comm/transport/tcp-loopback.js';
export type { Transport, FrameTag, TransportCounters } from './comm/transport/transport.js';
export type { DType } from './comm/codes.js';

// Sync strategies, and what a strategy defined outside lion-cub is built from (CONTRIBUTING.md, "Add a sync strategy").
export { createStrategy, registerStrategy, resolveStrategySpec, strategyNames, strategyInfo, validateStrategySpec } from './sync/registry.js';
export type { StrategyInfo, SyncStrategy, SyncStepStats, StrategyContext } from './sync/strategy.js';
export { choiceParam, intParam } from './sync/spec.js';
export type { ParsedSpec } from './sync/spec.js';
export { compressedStepWork, kernelOp } from './sync/step-work.js';
export type { StepWork, StepOp, KernelOp, AllreduceOp, CompressedOp, CompressedStepParts } from './sync/step-work.js';
export { stepTraffic } from './sync/step-traffic.js';
export type { StepTrafficSettings } from './sync/step-traffic.js';
export { CompressedStrategy } from './sync/strategies/compressed.js';
export type { UpdateCombiner, Combined } from './sync/strategies/compressed.js';
export { Stopwatch } from './sync/stopwatch.js';
export { VoteAllreduce, PbitAllreduce, Int8Ring, VoteAllgather, TallyAllreduce, CollectiveStateError } from './sync/collectives/index.js';
export type { AgreedCode, RunOptions, VoteAllreduceRunOptions, PbitAllreduceRunOptions, Int8RingRunOptions, VoteAllgatherRunOptions } from './sync/collectives/index.js';
export type { TallyArray, TallyAllreduceRunOptions, WireTraffic } from './sync/collectives/index.js';
export { parseMomentumPolicy } from './sync/momentum-policy.js';
export type { MomentumPolicy, MomentumPayload } from './sync/momentum-policy.js';

// Launching jobs and emulating Ethernet.
export { launch, describeFailure } from './launch/launch.js';
export type { LaunchOptions, NetemOptions } from './launch/launch.js';
export type { LaunchEvent, LaunchResult, LaunchFailure } from './launch/events.js';
export { parseRate, formatRate } from './netem/rate.js';
