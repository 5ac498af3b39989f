// Turns Ctrl-C (SIGINT) and SIGTERM into an AbortSignal for the duration of a long-running command.

export interface Interrupt {
  /** Aborted with the signal's name ('SIGINT' or 'SIGTERM') when one arrives. */
  readonly signal: AbortSignal;
  /** Removes the handlers; call it in a finally block. */
  dispose(): void;
}

/** While installed, SIGINT and SIGTERM abort `signal` instead of killing the process, so the command can clean up. */
export function onInterrupt(): Interrupt {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => controller.abort(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
