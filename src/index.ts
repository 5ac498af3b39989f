// Public API of the lion-cub package. TensorFlow.js models, workloads and the trainer are under
// `lion-cub/tfjs`, `lion-cub/workloads` and `lion-cub/train`, so that importing the core does not load TensorFlow.js.

export { LionCubError, InvalidArgumentError } from './errors.js';

// Kernel memory: where the flat buffers live so the wasm kernels run in place.
export { KernelMemory, KernelRegion } from './kernels/kernel-memory.js';
export { kernelMemory, wasmKernelsEnabled, setWasmKernelsEnabled } from './kernels/load.js';

// The optimizer and the codecs.
export * from './optim/index.js';
export * from './codec/index.js';

// Communication.
export { ProcessGroup, DEFAULT_TIMEOUT_MS, DEFAULT_SMALL_MESSAGE_BYTES } from './comm/process-group.js';
export type { ProcessGroupOptions, CallOptions, AllreduceOptions, OpStats, OpTotals, CollectiveName } from './comm/process-group.js';
export { initProcessGroup, initTransport } from './comm/init.js';
export type { InitProcessGroupOptions, InitTransportOptions } from './comm/init.js';
export { resolveLaunchEnv, DEFAULT_MASTER_PORT } from './comm/rendezvous/launch-env.js';
export type { LaunchEnv, LaunchSource } from './comm/rendezvous/launch-env.js';
export { ConfigMismatchError } from './comm/rendezvous/fingerprint.js';
export { generateJobToken, JOB_TOKEN_ENV } from './comm/transport/handshake.js';
export { TRANSPORT_SECURITY_ENV, TRANSPORT_SECURITY_MODES } from './comm/transport/security-mode.js';
export type { TransportSecurity } from './comm/transport/security-mode.js';
export { createMemoryTransports } from './comm/transport/memory-transport.js';
export type { MemoryTransport } from './comm/transport/memory-transport.js';
export { connectLoopbackMesh } from './comm/transport/tcp-loopback.js';
export type { Transport, FrameTag, TransportCounters } from './comm/transport/transport.js';
export { CommError, CommTimeoutError, PeerClosedError, ProtocolError, MismatchError, IntegrityError } from './comm/errors.js';
export type { CommErrorCode, CommErrorFields } from './comm/errors.js';
export type { DType } from './comm/codes.js';
export { predictTraffic, wireBytes } from './comm/collectives/wire-bytes.js';

// Sync strategies, and what a strategy defined outside lion-cub is built from (CONTRIBUTING.md, "Add a sync strategy").
export { createStrategy, registerStrategy, resolveStrategySpec, strategyNames, strategyInfo, validateStrategySpec } from './sync/registry.js';
export type { StrategyInfo, SyncStrategy, SyncStepStats, StrategyContext } from './sync/strategy.js';
export { choiceParam, intParam } from './sync/spec.js';
export type { ParsedSpec } from './sync/spec.js';
export { FINITE_AGREEMENT_OP, kernelOp } from './sync/step-work.js';
export type { StepWork, StepOp, KernelOp, AllreduceOp, CompressedOp } from './sync/step-work.js';
export { stepTraffic } from './sync/step-traffic.js';
export type { StepTrafficSettings } from './sync/step-traffic.js';
export { CompressedStrategy } from './sync/strategies/compressed.js';
export type { UpdateCombiner, Combined } from './sync/strategies/compressed.js';
export { Stopwatch } from './sync/stopwatch.js';
export * from './sync/collectives/index.js';
export { parseMomentumPolicy, scheduleSyncSteps } from './sync/momentum-policy.js';
export type { MomentumPolicy, MomentumPayload } from './sync/momentum-policy.js';

// Launching jobs and emulating Ethernet.
export { launch, describeFailure } from './launch/launch.js';
export type { LaunchOptions, NetemOptions } from './launch/launch.js';
export type { LaunchEvent, LaunchResult, LaunchFailure } from './launch/events.js';
export { parseRate, formatRate } from './netem/rate.js';
export { NetemUnavailableError, NetemCommandError, LinkProbeError } from './netem/errors.js';
