// The one base error class of lion-cub and the catalogue of its codes, the user-input error, and the check every time
// limit goes through; subsystems derive their own errors.

/**
 * Every code a LionCubError can carry, grouped by where it comes from; docs/errors.md says what each means and
 * what to do. Subsystems narrow it: CommError's CommErrorCode, CheckpointError's CheckpointErrorCode.
 */
export const LION_CUB_ERROR_CODES = [
  // Input and state
  'invalid_argument', 'invalid_state', 'aborted',
  // Wasm kernels
  'kernels_missing', 'kernel_abort', 'kernel_view_detached',
  // Communication (CommError)
  'timeout', 'peer_closed', 'protocol', 'mismatch', 'auth', 'integrity', 'generation', 'closed', 'rendezvous',
  // Compressed collectives and sync strategies
  'collective_busy', 'collective_disposed', 'payload_disposed',
  // Training
  'non_finite_gradient', 'non_scalar_loss', 'backend_unavailable', 'fit_callback_missing', 'fit_optimizer_missing',
  // Checkpoints (CheckpointError)
  'checkpoint_corrupt', 'checkpoint_version', 'checkpoint_mismatch', 'checkpoint_missing', 'checkpoint_exists',
  // Data sets
  'dataset_missing', 'dataset_corrupt', 'corpus_missing',
  // Launching and network emulation
  'tsx_missing', 'netem_unavailable', 'netem_failed', 'link_probe_failed',
  // Cost model
  'invalid_constants', 'calibration_failed',
] as const;

/** A stable error code (see LION_CUB_ERROR_CODES and docs/errors.md). */
export type LionCubErrorCode = (typeof LION_CUB_ERROR_CODES)[number];

/** Base class of every error lion-cub throws on purpose. `code` is stable and safe to switch on (docs/errors.md). */
export class LionCubError extends Error {
  readonly code: LionCubErrorCode;
  constructor(code: LionCubErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A value supplied by the user (option, flag, file, buffer length) is invalid.
 * `field` names what was wrong, `value` is what was given; the message says what to do.
 */
export class InvalidArgumentError extends LionCubError {
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, expectation: string) {
    super('invalid_argument', `${field}: got ${formatValue(value)}, expected ${expectation}`);
    this.field = field;
    this.value = value;
  }
}

/** The longest delay a Node timer can hold (about 24.8 days): a longer one fires at once instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A time limit in milliseconds given by a user (option, flag, config): a number > 0 (>= 0 with `allowZero`),
 * cut to MAX_TIMER_MS, so that a huge value or Infinity means "as long as a timer can wait" instead of "now".
 * Throws InvalidArgumentError naming `field` for anything else (NaN, negative, not a number).
 */
export function checkTimeoutMs(field: string, value: unknown, options: { allowZero?: boolean } = {}): number {
  const valid = typeof value === 'number' && (options.allowZero ? value >= 0 : value > 0);
  if (!valid) throw new InvalidArgumentError(field, value, `a number of milliseconds ${options.allowZero ? '>= 0' : '> 0'} (limits above ${MAX_TIMER_MS} are cut to it)`);
  return Math.min(value, MAX_TIMER_MS);
}

/**
 * A training step index (the parity rule's tie-break, stochastic rounding streams, learning-rate schedules): a
 * non-negative safe integer. Throws InvalidArgumentError naming `field` otherwise.
 */
export function checkStep(step: unknown, field = 'step'): asserts step is number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw new InvalidArgumentError(field, step, 'a non-negative integer (the training step)');
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(length ${(value as unknown as { length: number }).length})`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
