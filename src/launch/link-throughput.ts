// Measures the emulated link: one TCP stream between two rank namespaces, reported in Gbit/s.

import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../errors.js';
import { workerCommand } from './worker-command.js';
import { siblingScriptUrl } from './worker-channel.js';
import { WorkerProcess, type WorkerExit } from './worker-process.js';
import { LinkProbeError } from '../netem/errors.js';
import type { NetemTopology } from '../netem/topology.js';

export interface LinkThroughputOptions {
  /** Sending rank. Default 0. */
  fromRank?: number;
  /** Receiving rank. Default 1. */
  toRank?: number;
  /** How long the sender writes, warm-up included. Default 2000 ms. */
  durationMs?: number;
  /** Initial part of the transfer left out of the rate (slow start, the first tbf burst). Default min(500, durationMs / 4) ms. */
  warmupMs?: number;
  /** Stop earlier once this many bytes are written. Default: no byte limit. */
  maxBytes?: number;
}

export interface LinkThroughput {
  /** Application payload rate after the warm-up, in 10^9 bit/s. */
  gbit: number;
  /** Payload bytes counted in the measured window. */
  bytes: number;
  /** Length of the measured window. */
  seconds: number;
  fromRank: number;
  toRank: number;
}

/** Slack for process start-up (node + tsx can take a few seconds on a loaded 2-core machine). */
const STARTUP_ALLOWANCE_MS = 20_000;

const probeScript = fileURLToPath(siblingScriptUrl('link-throughput-probe', import.meta.url));

/**
 * gbit = 8 · bytes / seconds / 10^9, counted by the receiver from the end of the warm-up to the
 * sender's close, over one TCP connection fromRank → toRank through the switch namespace. This is the
 * single-stream ceiling benchmarks report next to collective bandwidths; with 1500-byte frames it is at
 * most 1448/1514 of the shaped rate (TCP payload per Ethernet frame).
 * Bounded: both processes are killed after durationMs + 20 s. Throws LinkProbeError if either side
 * fails or no result arrives, InvalidArgumentError for ranks outside the topology.
 */
export async function measureLinkThroughput(topology: NetemTopology, options: LinkThroughputOptions = {}): Promise<LinkThroughput> {
  const fromRank = options.fromRank ?? 0;
  const toRank = options.toRank ?? 1;
  const worldSize = topology.rankNamespaces.length;
  for (const [field, rank] of [['fromRank', fromRank], ['toRank', toRank]] as const) {
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new InvalidArgumentError(field, rank, `a rank in [0, ${worldSize - 1}]`);
  }
  if (fromRank === toRank) throw new InvalidArgumentError('toRank', toRank, 'a rank different from fromRank');
  const durationMs = options.durationMs ?? 2000;
  if (!(durationMs > 0 && durationMs <= 600_000)) throw new InvalidArgumentError('durationMs', durationMs, 'a duration in (0, 600000] ms');
  const warmupMs = options.warmupMs ?? Math.min(500, durationMs / 4);
  const maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;

  const started: WorkerProcess[] = [];
  const failures: string[] = [];
  const start = (rank: number, args: string[], onLine: (line: string) => void): WorkerProcess => {
    const worker = new WorkerProcess(
      { rank, localRank: rank, command: workerCommand(probeScript, args, topology.rankNamespaces[rank]), env: process.env },
      {
        onOutput: (stream, line) => (stream === 'stdout' ? onLine(line) : failures.push(`rank ${rank}: ${line}`)),
        onExit: (exit) => { if (exit.exitCode !== 0) failures.push(describe(exit)); },
      },
    );
    started.push(worker);
    return worker;
  };

  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await new Promise<{ bytes: number; seconds: number }>((resolve, reject) => {
      timer = setTimeout(() => reject(new LinkProbeError(`link probe rank ${fromRank} → ${toRank} gave no result within ${durationMs + STARTUP_ALLOWANCE_MS} ms${failures.length ? `: ${failures.join('; ')}` : ''}`)), durationMs + STARTUP_ALLOWANCE_MS);
      const receiver = start(toRank, ['receive', topology.addresses[toRank], String(warmupMs)], (line) => {
        const msg = parseJson(line);
        if (typeof msg?.port === 'number') {
          const sender = start(fromRank, ['send', topology.addresses[toRank], String(msg.port), String(durationMs), String(maxBytes)], () => {});
          void sender.done.then((exit) => { if (exit.exitCode !== 0) reject(new LinkProbeError(`link probe sender failed: ${failures.join('; ') || describe(exit)}`)); });
        } else if (typeof msg?.bytes === 'number' && typeof msg.seconds === 'number') {
          resolve({ bytes: msg.bytes, seconds: msg.seconds });
        }
      });
      void receiver.done.then((exit) => reject(new LinkProbeError(`link probe receiver ended without a result: ${failures.join('; ') || describe(exit)}`)));
    });
    if (!(result.seconds > 0)) throw new LinkProbeError(`link probe measured no time window (${result.bytes} bytes)`);
    return { gbit: (8 * result.bytes) / result.seconds / 1e9, bytes: result.bytes, seconds: result.seconds, fromRank, toRank };
  } finally {
    clearTimeout(timer);
    for (const w of started) w.stop('SIGKILL');
    await Promise.all(started.map((w) => w.done));
  }
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function describe(exit: WorkerExit): string {
  if (exit.spawnError) return `rank ${exit.rank} could not start: ${exit.spawnError}`;
  return `rank ${exit.rank} exited with ${exit.signal ?? `status ${exit.exitCode}`}`;
}
