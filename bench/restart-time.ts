// `bench/restart-time.ts`: how long a 2-worker `lion-cub train` takes to come back from a SIGKILLed worker under
// --max-restarts (kill → first step of the restarted job), and to report a SIGSTOPped worker (stop → the launcher's
// report, at the default 15 s heartbeat timeout).
//
// Run: npx tsx bench/restart-time.ts [--kills 5] [--stops 3] [--json]
// Bounded: each trial is one tiny training run, killed after 180 s at the latest.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { childRanks } from '../test/integration/process-checks.js';

const cliMain = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const TINY = ['--workload', 'synthetic', '--workload-options', '{"numParams":2000,"inputSize":12,"numClasses":4,"numExamples":256}', '--batch', '16', '--lr', '0.01', '--nproc', '2', '--json'];

interface Trial { ms: number; detail: string }

/**
 * Starts `lion-cub train`, signals rank 1 with `signal` once rank 0 reports step `atStep`, and resolves with the time
 * from the signal until `done(line)` first holds for a line of the CLI's stdout or stderr.
 */
function trial(args: string[], signal: NodeJS.Signals, atStep: number, done: (line: string, afterSignal: boolean) => boolean): Promise<Trial> {
  return new Promise((resolve, reject) => {
    const cli = spawn(process.execPath, ['--import', 'tsx', cliMain, 'train', ...TINY, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RANK: undefined, WORLD_SIZE: undefined } });
    let signalledAt: number | undefined;
    let finished = false;
    const limit = setTimeout(() => cli.kill('SIGKILL'), 180_000);
    const onLine = (line: string): void => {
      if (finished) return;
      const record = line.startsWith('{') ? JSON.parse(line) as { type?: string; step?: number } : undefined;
      if (signalledAt === undefined && record?.type === 'step' && record.step! >= atStep) {
        const pid = childRanks(cli.pid!).get(1);
        if (pid === undefined) return;
        signalledAt = performance.now();
        process.kill(pid, signal);
        return;
      }
      if (signalledAt !== undefined && done(line, true)) {
        finished = true;
        resolve({ ms: performance.now() - signalledAt, detail: line.slice(0, 200) });
        cli.kill('SIGKILL');
      }
    };
    for (const stream of [cli.stdout, cli.stderr]) {
      let pending = '';
      stream.on('data', (d: Buffer) => {
        pending += d.toString();
        const lines = pending.split('\n');
        pending = lines.pop()!;
        lines.forEach(onLine);
      });
    }
    cli.on('error', reject);
    cli.on('close', () => {
      clearTimeout(limit);
      if (!finished) reject(new Error(`the run ended before the ${signal} trial finished`));
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { kills: { type: 'string', default: '5' }, stops: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } } });
  const kills: Trial[] = [];
  for (let i = 0; i < Number(values.kills); i++) {
    const out = await mkdtemp(join(tmpdir(), 'lion-cub-restart-bench-'));
    try {
      let restarted = false;
      kills.push(await trial(['--steps', '100000', '--checkpoint-every', '50', '--max-restarts', '1', '--out', out], 'SIGKILL', 120, (line) => {
        // Training again: the first step record after the restart record.
        if (line.startsWith('{"type":"restart"')) restarted = true;
        return restarted && line.startsWith('{"type":"step"');
      }));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
    if (!values.json) process.stderr.write(`kill ${i + 1}: ${(kills.at(-1)!.ms / 1000).toFixed(2)} s\n`);
  }
  const stops: Trial[] = [];
  for (let i = 0; i < Number(values.stops); i++) {
    stops.push(await trial(['--steps', '100000'], 'SIGSTOP', 20, (line) => /sent no heartbeat/.test(line)));
    if (!values.json) process.stderr.write(`stop ${i + 1}: ${(stops.at(-1)!.ms / 1000).toFixed(2)} s\n`);
  }
  const summary = {
    killToTrainingMs: kills.map((t) => Math.round(t.ms)), killToTrainingMedianMs: kills.length ? Math.round(median(kills.map((t) => t.ms))) : null,
    stopToReportMs: stops.map((t) => Math.round(t.ms)), stopToReportMedianMs: stops.length ? Math.round(median(stops.map((t) => t.ms))) : null,
    stopReport: stops[0]?.detail ?? null,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(`SIGKILL of rank 1 → first step of the restarted job (2 workers, tiny model, --max-restarts 1): median ${(summary.killToTrainingMedianMs! / 1000).toFixed(2)} s over ${kills.length}\n`);
    if (stops.length) process.stdout.write(`SIGSTOP of rank 1 → launcher's report (default --heartbeat-timeout 15): median ${(summary.stopToReportMedianMs! / 1000).toFixed(2)} s over ${stops.length}\n  ${summary.stopReport}\n`);
  }
}

await main();
