// `lion-cub run`: starts the workers of a job on this node, prefixes their output with the rank, and exits with their outcome.

import { Command, Option } from 'commander';
import { checkTimeoutMs, InvalidArgumentError } from '../../errors.js';
import { describeFailure, launch } from '../../launch/launch.js';
import { JOB_TOKEN_ENV } from '../../launch/launch-plan.js';
import { transportSecurityEnv, transportSecurityFromFlag, transportSecurityOption } from '../transport-security-flag.js';
import { RESTART_COUNT_ENV } from '../../comm/rendezvous/launch-env.js';
import type { LaunchEvent } from '../../launch/events.js';
import { formatRate, parseRate } from '../../netem/rate.js';
import { EXIT_FAILURE } from '../run-cli.js';
import { interruptedExitStatus, onInterrupt } from '../interrupt.js';
import { addResilienceOptions, parseResilienceFlags, type ResilienceFlags } from '../resilience-flags.js';
import { addElasticOptions, parseElasticFlags, type ElasticFlags } from '../elastic-flags.js';
import { describeElasticEvent } from '../elastic-lines.js';

interface RunFlags extends ResilienceFlags, ElasticFlags {
  nproc: string;
  nnodes: string;
  nodeRank?: string;
  masterAddr?: string;
  masterPort?: string;
  netem?: string;
  measureLink?: boolean;
  transportSecurity?: string;
  graceMs: string;
}

export function registerRun(program: Command): void {
  // Options after the script belong to the script, which commander only allows with positional options.
  program.enablePositionalOptions();
  const command = program
    .command('run')
    .description('start --nproc workers of a job on this node (torchrun-style RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)')
    .requiredOption('--nproc <n>', 'workers on this node')
    .addOption(new Option('--nnodes <k|MIN:MAX>', 'nodes in the job; MIN:MAX for an elastic job (with --rdzv-endpoint)').default('1'))
    .option('--node-rank <r>', 'index of this node in [0, nnodes) (static launches; default 0)')
    .option('--master-addr <addr>', 'address of node 0 (default 127.0.0.1 on one node)')
    .option('--master-port <port>', 'rendezvous port (default: a free port on one node)')
    .option('--netem <rate>', 'run each rank in its own network namespace behind a switch, every NIC shaped to RATE (e.g. 100mbit, 1gbit); needs root and iproute2')
    .option('--measure-link', 'with --netem: measure the single-stream throughput of the emulated link before starting')
    .addOption(transportSecurityOption())
    .addOption(new Option('--grace-ms <ms>', 'time between SIGTERM and SIGKILL when stopping workers').default('5000'));
  addElasticOptions(command);
  addResilienceOptions(command, { stall: false })
    .argument('<script>', 'worker script (.js, .mjs, or .ts through tsx)')
    .argument('[args...]', 'arguments passed to every worker')
    .passThroughOptions()
    .addHelpText('after', `\nOn several nodes, set ${JOB_TOKEN_ENV} to the same secret on every node (e.g. $(openssl rand -hex 16)); on one node a fresh token is generated unless it is set.`)
    .action(async (script: string, args: string[], flags: RunFlags) => {
      process.exitCode = await runCommand(script, args, flags);
    });
}

async function runCommand(script: string, args: string[], flags: RunFlags): Promise<number> {
  // Checked here too so the message names the flag rather than the library option.
  if (flags.netem !== undefined) parseRate(flags.netem, '--netem');
  const resilience = parseResilienceFlags(flags);
  const elastic = parseElasticFlags(flags);
  if (elastic) {
    for (const [flag, value] of [['--node-rank', flags.nodeRank], ['--master-addr', flags.masterAddr], ['--master-port', flags.masterPort]] as const) {
      if (value !== undefined) throw new InvalidArgumentError(flag, value, 'nothing with an elastic launch: the rendezvous assigns node ranks and the master address');
    }
  }
  const interrupt = onInterrupt();
  try {
    const result = await launch({
      nproc: parseInteger('--nproc', flags.nproc),
      ...(elastic ? { elastic } : {
        nnodes: parseInteger('--nnodes', flags.nnodes),
        nodeRank: parseInteger('--node-rank', flags.nodeRank ?? '0'),
        masterAddr: flags.masterAddr,
        masterPort: flags.masterPort === undefined ? undefined : parseInteger('--master-port', flags.masterPort),
      }),
      script,
      args,
      jobToken: process.env[JOB_TOKEN_ENV],
      env: transportSecurityEnv(transportSecurityFromFlag(flags.transportSecurity)),
      netem: flags.netem === undefined ? undefined : { rate: flags.netem, measureLink: flags.measureLink === true },
      stopGraceMs: checkTimeoutMs('--grace-ms', parseInteger('--grace-ms', flags.graceMs), { allowZero: true }),
      heartbeatTimeoutMs: resilience.heartbeatTimeoutMs,
      maxRestarts: resilience.maxRestarts,
      signal: interrupt.signal,
      onEvent: printEvent,
    });
    if (result.ok) return 0;
    const failure = result.failure!;
    const restarts = result.restarts.length > 0 ? ` (after ${result.restarts.length} restart${result.restarts.length > 1 ? 's' : ''})` : '';
    process.stderr.write(`lion-cub: ${describeFailure(failure)}${failure.kind === 'interrupted' || failure.kind === 'rendezvous' ? '' : `; the other workers were stopped${restarts}`}\n`);
    return failure.kind === 'interrupted' ? interruptedExitStatus(failure.reason, EXIT_FAILURE) : EXIT_FAILURE;
  } finally {
    interrupt.dispose();
  }
}

function printEvent(event: LaunchEvent): void {
  switch (event.type) {
    case 'output':
      (event.stream === 'stdout' ? process.stdout : process.stderr).write(`[rank ${event.rank}] ${event.line}\n`);
      break;
    case 'netem-ready':
      process.stderr.write(`lion-cub: emulated network ${event.jobId}: ${event.addresses.length} ranks (${event.addresses[0]}…), every NIC shaped to ${formatRate(event.rateBitsPerSec)}`
        + `${event.linkGbit === undefined ? '' : `, measured single stream ${event.linkGbit.toFixed(3)} Gbit/s`}\n`);
      break;
    case 'restarting':
      process.stderr.write(`lion-cub: ${describeFailure(event.failure)}; every worker was stopped, restarting them as generation ${event.generation} (restart ${event.restart} of at most ${event.maxRestarts}; ${RESTART_COUNT_ENV}=${event.generation})\n`);
      break;
    case 'rendezvous-open':
    case 'rendezvous-warning':
    case 'round':
    case 'membership-change':
      process.stderr.write(`lion-cub: ${describeElasticEvent(event)}\n`);
      break;
    case 'netem-removed':
      if (event.leftover.length > 0) process.stderr.write(`lion-cub: could not delete namespaces ${event.leftover.join(', ')}; run \`lion-cub netem cleanup\`\n`);
      break;
    default:
      break;
  }
}

function parseInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) throw new InvalidArgumentError(flag, text, 'a non-negative integer');
  return value;
}
