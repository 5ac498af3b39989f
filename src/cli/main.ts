#!/usr/bin/env node
// Entry point of the `lion-cub` command: registers the subcommands; each lives in commands/<name>.ts.

import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerBench } from './commands/bench.js';
import { runCli } from './run-cli.js';

const pkg = JSON.parse(readFileSync(new URL(packageJsonPath(), import.meta.url), 'utf8')) as { version: string };

function packageJsonPath(): string {
  // src/cli/main.ts (tsx) and dist/src/cli/main.js (compiled) sit at different depths.
  return import.meta.url.includes('/dist/') ? '../../../package.json' : '../../package.json';
}

const program = new Command()
  .name('lion-cub')
  .description('Communication-efficient data-parallel training with the Lion optimizer')
  .version(pkg.version);

registerBench(program);
(await import('./commands/bench-comm.js')).registerBenchComm(program);
(await import('./commands/bench-train.js')).registerBenchTrain(program);
(await import('./commands/bench-compute.js')).registerBenchCompute(program);
(await import('./commands/run.js')).registerRun(program);
(await import('./commands/netem.js')).registerNetem(program);
(await import('./commands/train.js')).registerTrain(program);
(await import('./commands/model.js')).registerModel(program);
(await import('./commands/calibrate.js')).registerCalibrate(program);

await runCli(program, process.argv);
