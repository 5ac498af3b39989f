// `lion-cub calibrate`: measures the cost model's constants on this machine, writes and prints the constants file.

import { Command, Option } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { calibrate } from '../../bench/calibrate/calibrate.js';
import { parseCount } from '../../bench/harness.js';
import { InvalidArgumentError } from '../../errors.js';
import { defaultConstantsPath } from '../../costmodel/constants-path.js';
import { serializeConstants } from '../../costmodel/constants-file.js';
import { parseRate } from '../../netem/rate.js';
import { printTable } from '../table.js';
import { onInterrupt } from '../interrupt.js';

interface CalibrateFlags {
  netem?: string;
  out?: string;
  kernelValues: string;
  repeats: string;
  statistic: string;
  quiet?: boolean;
}

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('measure the cost model\'s constants here (latency, per-byte and per-message host cost, link efficiency, kernel speeds)')
    .option('--netem <rates>', 'also measure through emulated links, comma-separated tc rates (e.g. 1gbit,100mbit; needs root and iproute2)')
    .option('--out <file>', 'where to write the constants (default $LION_CUB_CONSTANTS, else ~/.cache/lion-cub/cost-constants.json)')
    .addOption(new Option('--kernel-values <count>', 'values per kernel call (e.g. 4M)').default('4M'))
    .addOption(new Option('--repeats <n>', 'timed repeats per kernel and per collective').default('7'))
    .addOption(new Option('--statistic <s>', 'constants from each timing\'s median or its fastest repeat (min: for a machine busy with other work)').default('median'))
    .option('--quiet', 'no progress lines on stderr')
    .action(async (flags: CalibrateFlags) => {
      const options = checkCalibrateFlags(flags);
      const out = flags.out ?? defaultConstantsPath(process.env, homedir());
      const interrupt = onInterrupt();
      try {
        const result = await calibrate({
          ...options,
          signal: interrupt.signal,
          onProgress: flags.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
        });
        const text = serializeConstants(result.constants);
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, text);
        if (!flags.quiet) {
          const net = result.constants.network;
          process.stderr.write(`\nα ${net.alphaUs.toFixed(1)} µs, δ ${net.variableRoundUs.toFixed(1)} µs/variable round, o ${net.messageUs.toFixed(2)} µs/message, h ${net.hostNsPerByte.toFixed(3)} ns/byte, η ${net.wireEfficiency.toFixed(3)}, φ ${net.overlapPenalty.toFixed(2)}, contention slopes s_α ${net.alphaContentionSlope.toFixed(2)} s_h ${net.transportContentionSlope.toFixed(2)}${options.netem.length ? '' : ' (η and φ are defaults: no --netem link measured)'}\n`);
          printTable(result.constants.links.map((l) => ({
            link: l.rate ?? 'loopback', 'stream Gbit/s': l.streamGbit?.toFixed(3) ?? '-', 'α µs': l.alphaUs.toFixed(1),
            'allreduce B': l.allreduceBytes, 'ms': l.allreduceMs.toFixed(2), 'busbw Gbit/s': l.busbwGbit.toFixed(3),
          })), process.stderr);
          process.stderr.write(`wrote ${out}\n`);
        }
        process.stdout.write(text);
      } finally {
        interrupt.dispose();
      }
    });
}

/** Checks the flags before anything runs. Throws InvalidArgumentError naming the flag. */
export function checkCalibrateFlags(flags: Omit<CalibrateFlags, 'statistic'> & { statistic?: string }): { netem: string[]; kernelValues: number; repeats: number; statistic: 'median' | 'min' } {
  const netem = flags.netem === undefined ? [] : flags.netem.split(',').map((s) => s.trim());
  for (const rate of netem) parseRate(rate, '--netem');
  const kernelValues = parseCount(flags.kernelValues);
  if (!Number.isInteger(kernelValues) || kernelValues < 1024 || kernelValues > 64 * 2 ** 20) {
    throw new InvalidArgumentError('--kernel-values', flags.kernelValues, 'a count from 1K to 64M, e.g. 4M');
  }
  const repeats = Number(flags.repeats);
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 101) throw new InvalidArgumentError('--repeats', flags.repeats, 'an integer from 1 to 101');
  const statistic = flags.statistic ?? 'median';
  if (statistic !== 'median' && statistic !== 'min') throw new InvalidArgumentError('--statistic', statistic, 'median or min');
  return { netem, kernelValues, repeats, statistic };
}
