// Test support: a real etcd (Debian's etcd-server), one member or a cluster, on free loopback ports with temporary
// data directories, started for a test and killed after it; optionally serving TLS with client certificates.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync as readPem, rmSync } from 'node:fs';
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

export interface EtcdMember {
  /** `127.0.0.1:PORT` of this member's client URL. */
  readonly endpoint: string;
  readonly process: ChildProcess;
  /** SIGKILLs this member (if still running). */
  kill(): Promise<void>;
}

export interface EtcdServer {
  /** Every member's `127.0.0.1:PORT`, comma-separated: what --rdzv-endpoint takes. */
  readonly endpoint: string;
  readonly members: readonly EtcdMember[];
  /** PEM files of the CA and of a certificate valid as server and client, when started with `tls`. */
  readonly certificates?: TestCertificates;
  /** SIGKILLs every member and removes the data directories. */
  stop(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 30_000;

/**
 * Starts `members` etcd members (default 1) forming one cluster on free 127.0.0.1 ports and resolves once each
 * reports healthy. With `tls`, clients must speak TLS and present a certificate signed by the test CA
 * (`certificates`, made with openssl).
 */
export async function startEtcd(options: { tls?: boolean; members?: number } = {}): Promise<EtcdServer> {
  const root = mkdtempSync(join(tmpdir(), 'lion-cub-etcd-'));
  const certificates = options.tls ? makeTestCertificates(root) : undefined;
  const ports = [];
  for (let i = 0; i < (options.members ?? 1); i++) ports.push({ name: `m${i}`, client: await freePort(), peer: await freePort() });
  const initialCluster = ports.map((p) => `${p.name}=http://127.0.0.1:${p.peer}`).join(',');
  const tlsArgs = certificates
    ? ['--cert-file', certificates.cert, '--key-file', certificates.key, '--trusted-ca-file', certificates.ca, '--client-cert-auth']
    : [];
  const started = ports.map((p) => {
    const client = `${certificates ? 'https' : 'http'}://127.0.0.1:${p.client}`;
    const peer = `http://127.0.0.1:${p.peer}`;
    const dataDir = join(root, p.name);
    mkdirSync(dataDir);
    const member = startMember([
      '--name', p.name, '--data-dir', dataDir,
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', initialCluster,
      '--logger', 'zap', '--log-level', 'error', ...tlsArgs,
    ], `127.0.0.1:${p.client}`);
    return { member, healthy: member.healthy(client, certificates) };
  });
  const members = started.map((s) => s.member);
  const stop = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.kill()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(started.map((s) => s.healthy));
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint: members.map((m) => m.endpoint).join(','), members, certificates, stop };
}

function startMember(args: string[], endpoint: string): EtcdMember & { healthy(url: string, certificates?: TestCertificates): Promise<void> } {
  const child = spawn(ETCD_BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    endpoint,
    process: child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async healthy(url, certificates) {
      const deadline = Date.now() + HEALTH_TIMEOUT_MS;
      while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}) before it was healthy: ${stderr}`);
        }
        if (await reportsHealthy(`${url}/health`, certificates)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`etcd at ${url} was not healthy within ${HEALTH_TIMEOUT_MS} ms: ${stderr}`);
    },
  };
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
