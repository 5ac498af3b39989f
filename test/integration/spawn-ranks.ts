// Starts N real worker processes of tcp-worker.ts with launcher variables and collects their JSON output lines.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/comm/test-support/free-port.js';
import { generateJobToken } from '../../src/comm/transport/handshake.js';

export const WORKER = fileURLToPath(new URL('./tcp-worker.ts', import.meta.url));

export interface Rank {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  stderr: string[];
}

export { freePort } from '../../src/comm/test-support/free-port.js';

/** Spawns `worldSize` workers running `scenario`; `onLine` sees every JSON line as it arrives. */
export async function spawnRanks(worldSize: number, scenario: string, onLine: (rank: number, line: Record<string, unknown>) => void = () => {}, extraEnv: NodeJS.ProcessEnv = {}): Promise<Rank[]> {
  const masterPort = await freePort();
  const jobToken = generateJobToken();
  return Array.from({ length: worldSize }, (_, rank) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: {
        ...process.env,
        ...extraEnv,
        RANK: String(rank),
        WORLD_SIZE: String(worldSize),
        LOCAL_RANK: String(rank),
        MASTER_ADDR: '127.0.0.1',
        MASTER_PORT: String(masterPort),
        LION_CUB_JOB_TOKEN: jobToken,
        LION_CUB_TEST_SCENARIO: scenario,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r: Rank = { child, lines: [], stderr: [], exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      partial += text;
      let newline: number;
      while ((newline = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, newline);
        partial = partial.slice(newline + 1);
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          r.lines.push(parsed);
          onLine(rank, parsed);
        } catch {
          r.stderr.push(line);
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => r.stderr.push(text));
    return r;
  });
}

/** Kills every rank still running (cleanup in `finally`). */
export function killAll(ranks: readonly Rank[]): void {
  for (const r of ranks) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
}

/** Resolves with the exit codes, or rejects (after killing everyone) when `ms` passes first. */
export async function allExit(ranks: readonly Rank[], ms: number): Promise<Array<number | null>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      killAll(ranks);
      reject(new Error(`ranks still running after ${ms} ms; stderr:\n${ranks.map((r, i) => `[${i}] ${r.stderr.join('')}`).join('\n')}`));
    }, ms);
  });
  try {
    return await Promise.race([Promise.all(ranks.map((r) => r.exited)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
