// One rank of a multi-process job for the integration tests: joins via launcher variables, runs a scenario, prints JSON lines.
//
// Run by the tests as `node --import tsx test/integration/tcp-worker.ts` with RANK, WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT, LION_CUB_JOB_TOKEN and LION_CUB_TEST_SCENARIO (allreduce | kill | throughput) set.

import { CommError } from '../../src/comm/errors.js';
import { initProcessGroup, initTransport } from '../../src/comm/init.js';

function report(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function describeError(e: unknown): Record<string, unknown> {
  const c = e as CommError;
  return { name: c?.name, code: c?.code, peer: c?.peer, rank: c?.rank, op: c?.op, message: c?.message };
}

/** Element i of rank r's input: small integers, so float sums are exact. */
const input = (n: number, rank: number): Float32Array => Float32Array.from({ length: n }, (_, i) => ((i % 97) + 1) * (rank + 1));

async function allreduceScenario(): Promise<void> {
  const group = await initProcessGroup({ timeoutMs: 30_000, rendezvousTimeoutMs: 30_000 });
  const n = group.worldSize;
  const rankSum = (n * (n + 1)) / 2;
  const checked: number[] = [];
  for (const length of [1, 1000, 300_001]) {
    const out = await group.allreduce(input(length, group.rank));
    for (let i = 0; i < length; i++) {
      if (out[i] !== ((i % 97) + 1) * rankSum) throw new Error(`allreduce of ${length}: element ${i} is ${out[i]}`);
    }
    checked.push(length);
  }
  report({ rank: group.rank, ok: true, checked });
  await group.close();
}

async function killScenario(): Promise<void> {
  // The group timeout is long on purpose: survivors must fail because the peer vanished, not by timing out.
  const group = await initProcessGroup({ timeoutMs: 60_000, rendezvousTimeoutMs: 30_000 });
  const buf = new Float32Array(4 * 1024 * 1024);
  for (let iteration = 0; iteration < 10_000; iteration++) {
    report({ rank: group.rank, iteration, startedAt: Date.now() });
    try {
      buf.fill(1);
      await group.allreduce(buf);
    } catch (error) {
      report({ rank: group.rank, failedAt: Date.now(), error: describeError(error) });
      await group.close();
      return;
    }
  }
  report({ rank: group.rank, ok: true });
  await group.close();
}

async function throughputScenario(): Promise<void> {
  const { transport } = await initTransport({ rendezvousTimeoutMs: 30_000 });
  const byteLength = Number(process.env.LION_CUB_TEST_BYTES ?? 256 * 2 ** 20);
  const repeats = Number(process.env.LION_CUB_TEST_REPEATS ?? 5);
  const buf = new Uint8Array(byteLength).fill(7);
  const tag = (part: number) => ({ op: 1, seq: 0, part, dtype: 6 });
  const ack = new Uint8Array(1);
  const seconds: number[] = [];
  for (let r = 0; r < repeats + 1; r++) {
    const start = process.hrtime.bigint();
    if (transport.rank === 0) {
      await transport.send(1, tag(2 * r), buf);
      await transport.recv(1, tag(2 * r + 1), ack); // the time includes the receiver's last byte
    } else {
      await transport.recv(0, tag(2 * r), buf);
      await transport.send(0, tag(2 * r + 1), ack);
    }
    if (r > 0) seconds.push(Number(process.hrtime.bigint() - start) / 1e9); // r = 0 warms up
  }
  seconds.sort((a, b) => a - b);
  const median = seconds[Math.floor(seconds.length / 2)];
  report({ rank: transport.rank, byteLength, repeats, medianSeconds: median, gbitPerSecond: (byteLength * 8) / median / 1e9, bestGbitPerSecond: (byteLength * 8) / seconds[0] / 1e9 });
  await transport.close();
}

const scenarios: Record<string, () => Promise<void>> = { allreduce: allreduceScenario, kill: killScenario, throughput: throughputScenario };
const scenario = scenarios[process.env.LION_CUB_TEST_SCENARIO ?? ''];
if (scenario === undefined) {
  process.stderr.write(`unknown LION_CUB_TEST_SCENARIO ${process.env.LION_CUB_TEST_SCENARIO}\n`);
  process.exit(2);
}
scenario().then(
  () => process.exit(0),
  (error) => {
    report({ rank: Number(process.env.RANK), error: describeError(error) });
    process.exit(1);
  },
);
