// Turns Ctrl-C (SIGINT), SIGTERM and a closed terminal (SIGHUP) into an AbortSignal for the duration of a long-running command.

/** The signals that stop a command gracefully: workers are stopped in order and emulated networks deleted. */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface Interrupt {
  /** Aborted with the signal's name ('SIGINT', 'SIGTERM' or 'SIGHUP') when one arrives. */
  readonly signal: AbortSignal;
  /** Removes the handlers; call it in a finally block. */
  dispose(): void;
}

/** While installed, the INTERRUPT_SIGNALS abort `signal` instead of killing the process, so the command can clean up. */
export function onInterrupt(): Interrupt {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    // After a hang-up the terminal may be gone: a failed write must not end the process before it has cleaned up.
    if (signal === 'SIGHUP') for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
    controller.abort(signal);
  };
  for (const name of INTERRUPT_SIGNALS) process.on(name, onSignal);
  return {
    signal: controller.signal,
    dispose() {
      for (const name of INTERRUPT_SIGNALS) process.off(name, onSignal);
    },
  };
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** Exit status of a command stopped by `reason` (an abort reason), as a shell reports it: 128 + the signal's number. */
export function interruptedExitStatus(reason: unknown, otherwise: number): number {
  const number = typeof reason === 'string' ? SIGNAL_NUMBERS[reason] : undefined;
  return number === undefined ? otherwise : 128 + number;
}
