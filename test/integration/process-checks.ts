// Helpers for multi-process tests: is a pid running, wait (bounded) until pids are gone, which child runs which rank.

import { readdirSync, readFileSync } from 'node:fs';

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

/** RANK → pid of the running children of `pid` that were started with a RANK variable (from /proc; Linux only). */
export function childRanks(pid: number): Map<number, number> {
  const ranks = new Map<number, number>();
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return ranks;
  }
  for (const task of tasks) {
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
      try {
        const env = readFileSync(`/proc/${child}/environ`, 'utf8').split('\0');
        const rank = env.find((v) => v.startsWith('RANK='));
        if (rank !== undefined && isRunning(child)) ranks.set(Number(rank.slice(5)), child);
      } catch {
        // The child exited while being looked at.
      }
    }
  }
  return ranks;
}
