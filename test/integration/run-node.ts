// Test support: runs node with arguments in a child process, collecting its output; never hangs.

import { spawn } from 'node:child_process';

export interface NodeOutcome { status: number | null; stdout: string; stderr: string }

/** `node …args` in `cwd` without launcher variables; killed after `timeoutMs` (default 3 minutes). */
export function runNode(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<NodeOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RANK: undefined, WORLD_SIZE: undefined } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}
