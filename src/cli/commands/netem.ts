// `lion-cub netem cleanup`: deletes network namespaces left behind by lion-cub jobs that died.

import { Command } from 'commander';
import { sweepStaleNamespaces } from '../../netem/sweep.js';
import { checkNetemSupport } from '../../netem/commands.js';
import { EXIT_FAILURE } from '../run-cli.js';

export function registerNetem(program: Command): void {
  const netem = program.command('netem').description('manage the emulated networks of `run --netem`');
  netem
    .command('cleanup')
    .description('delete lc<pid>x<n>-* namespaces whose job is no longer running')
    .option('--all', 'also delete the namespaces of running jobs')
    .action(async (flags: { all?: boolean }) => {
      await checkNetemSupport();
      const result = await sweepStaleNamespaces({ all: flags.all === true });
      process.stdout.write(`deleted ${result.deleted.length} namespace(s)${result.deleted.length ? `: ${result.deleted.join(' ')}` : ''}\n`);
      if (result.kept.length > 0) process.stdout.write(`kept ${result.kept.length} of running jobs (use --all to delete them too)\n`);
      if (result.failed.length > 0) {
        process.stderr.write(`lion-cub: could not delete ${result.failed.join(' ')}\n`);
        process.exitCode = EXIT_FAILURE;
      }
    });
}
