// Test support: runs a command (node, mpirun) in a child process, collecting its output; never hangs.

import { spawn } from 'node:child_process';

export interface NodeOutcome { status: number | null; stdout: string; stderr: string }

/** `node …args` in `cwd` without launcher variables; killed after `timeoutMs` (default 3 minutes). */
export function runNode(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<NodeOutcome> {
  return runProcess(process.execPath, args, options);
}

/**
 * `command …args` in `cwd` with this process's environment minus RANK and WORLD_SIZE, plus `env`; killed after
 * `timeoutMs` (default 3 minutes).
 */
export function runProcess(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<NodeOutcome> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, RANK: undefined, WORLD_SIZE: undefined, ...options.env };
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}
