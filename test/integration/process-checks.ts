// Helpers for multi-process tests: is a pid still running, and wait (bounded) until a set of pids is gone.

import { readFileSync } from 'node:fs';

/** True while `pid` exists and is not a zombie (a killed orphan stays a zombie until init reaps it). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls every 50 ms for at most `timeoutMs`; returns the pids still running at the end. */
export async function waitForExit(pids: number[], timeoutMs = 3000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isRunning);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await new Promise((r) => setTimeout(r, 50));
  }
}
