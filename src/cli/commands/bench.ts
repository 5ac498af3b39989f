// `lion-cub bench …`: the benchmark subcommands. Each prints a table, or JSON lines with --json.

import { Command, Option } from 'commander';
import { runCodecBench } from '../../bench/codec/index.js';
import { machineInfo, parseCount } from '../../bench/harness.js';
import { InvalidArgumentError } from '../../errors.js';
import { printTable } from '../table.js';

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('measure kernels, collectives and training');

  bench
    .command('codec')
    .description('time the codec and optimizer kernels against a plain memory copy')
    .addOption(new Option('--values <count>', 'values per kernel call (e.g. 16M, 1048576)').default('16M'))
    .addOption(new Option('--repeats <n>', 'timed repeats per kernel').default('11'))
    .addOption(new Option('--kernel <names>', 'comma-separated kernels to run (default: all)'))
    .option('--json', 'one JSON object per line')
    .action((opts: { values: string; repeats: string; kernel?: string; json?: boolean }) => {
      const numValues = parseCount(opts.values);
      if (!Number.isInteger(numValues) || numValues < 1) throw new InvalidArgumentError('--values', opts.values, 'a positive count such as 16M or 1000000');
      const repeats = Number(opts.repeats);
      if (!Number.isInteger(repeats) || repeats < 1) throw new InvalidArgumentError('--repeats', opts.repeats, 'a positive integer');
      const kernels = opts.kernel ? opts.kernel.split(',').map((s) => s.trim()).filter(Boolean) : [];
      const machine = machineInfo();
      const rows = [];
      for (const row of runCodecBench({ numValues, repeats, kernels })) {
        if (opts.json) process.stdout.write(`${JSON.stringify({ ...row, machine })}\n`);
        else rows.push(row);
      }
      if (!opts.json) {
        process.stdout.write(`machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}\n`);
        printTable(rows.map((r) => ({
          kernel: r.kernel, path: r.path, numValues: r.numValues,
          'min ms': r.minMs.toFixed(2), 'median ms': r.medianMs.toFixed(2), 'max ms': r.maxMs.toFixed(2),
          'x copy': r.vsCopy.toFixed(2), 'Gval/s': r.gValuesPerSec.toFixed(2),
        })));
      }
    });
}
