// FrameReceiver options for tests: the limits the receiver tests share, callbacks that ignore events unless overridden.

import type { FrameReceiverOptions } from '../frame-receiver.js';

/** Rank 1 receiving from rank 0, 1 MiB frame and pending limits, 1 KiB control frames; `overrides` win. */
export function receiverOptions(overrides: Partial<FrameReceiverOptions> = {}): FrameReceiverOptions {
  return {
    rank: 1,
    peer: 0,
    maxFrameBytes: 1 << 20,
    maxPendingBytes: 1 << 20,
    maxControlBytes: 1024,
    onControl: () => {},
    onPressure: () => {},
    onDataFrame: () => {},
    onFatal: () => {},
    ...overrides,
  };
}
