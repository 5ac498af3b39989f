// Runs a commander program and turns lion-cub errors into one clear line and a non-zero exit.

import { Command, CommanderError } from 'commander';
import { LionCubError } from '../errors.js';

/** Exit status for errors caused by user input (bad flags, config). */
export const EXIT_USAGE = 2;
/** Exit status for runtime failures (a peer died, a timeout, I/O). */
export const EXIT_FAILURE = 1;

export async function runCli(program: Command, argv: string[]): Promise<void> {
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (or help/version output).
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    if (err instanceof LionCubError) {
      process.stderr.write(`lion-cub: ${err.message} [${err.code}]\n`);
      process.exitCode = err.code === 'invalid_argument' ? EXIT_USAGE : EXIT_FAILURE;
      return;
    }
    throw err;
  }
}
