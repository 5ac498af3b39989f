// Test support: a real single-member etcd (Debian's etcd-server) on free loopback ports with a temporary data
// directory, started for a test and killed after it; optionally serving TLS with client certificates.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync as readPem, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../test-support/free-port.js';
import { makeTestCertificates, type TestCertificates } from './test-certificates.js';

/** The etcd binary: ETCD_BINARY when set, else `etcd` on PATH (Debian installs /usr/bin/etcd). */
export const ETCD_BINARY = process.env.ETCD_BINARY ?? 'etcd';

export const hasEtcd = spawnSync(ETCD_BINARY, ['--version'], { stdio: 'ignore' }).status === 0;

/** node:test `skip` value: false when etcd can run; CI installs etcd-server (.ci/run), so there it never skips. */
export const skipWithoutEtcd: string | false = hasEtcd || process.env.CI
  ? false
  : 'etcd is not installed (apt-get install etcd-server; CI installs it)';

export interface EtcdServer {
  /** `127.0.0.1:PORT`, what --rdzv-endpoint takes. */
  readonly endpoint: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** PEM files of the CA and of a certificate valid as server and client, when started with `tls`. */
  readonly certificates?: TestCertificates;
  /** SIGKILLs etcd (if still running) and removes its data directory. */
  stop(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 30_000;

/**
 * Starts etcd on two free 127.0.0.1 ports and resolves once its /health endpoint reports healthy. With `tls`, clients
 * must speak TLS and present a certificate signed by the test CA (`certificates`, made with openssl).
 */
export async function startEtcd(options: { tls?: boolean } = {}): Promise<EtcdServer> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'lion-cub-etcd-'));
  const certificates = options.tls ? makeTestCertificates(dataDir) : undefined;
  const client = `${certificates ? 'https' : 'http'}://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const tlsArgs = certificates
    ? ['--cert-file', certificates.cert, '--key-file', certificates.key, '--trusted-ca-file', certificates.ca, '--client-cert-auth']
    : [];
  const child = spawn(ETCD_BINARY, [
    '--name', 'test', '--data-dir', dataDir,
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `test=${peer}`,
    '--logger', 'zap', '--log-level', 'error', ...tlsArgs,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(client, child, () => stderr, certificates);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint: `127.0.0.1:${clientPort}`, port: clientPort, process: child, certificates, stop };
}

async function waitHealthy(url: string, child: ChildProcess, stderr: () => string, certificates?: TestCertificates): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}) before it was healthy: ${stderr()}`);
    }
    if (await reportsHealthy(`${url}/health`, certificates)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd at ${url} was not healthy within ${HEALTH_TIMEOUT_MS} ms: ${stderr()}`);
}

function reportsHealthy(url: string, certificates?: TestCertificates): Promise<boolean> {
  const tls = certificates ? { ca: readPem(certificates.ca), cert: readPem(certificates.cert), key: readPem(certificates.key) } : {};
  const get = url.startsWith('https:') ? https.get : http.get;
  return new Promise((resolve) => {
    const req = get(url, { ...tls, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve(/"health":\s*"true"/.test(body)));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
