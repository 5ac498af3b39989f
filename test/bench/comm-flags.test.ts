import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { planCases } from '../../src/bench/comm/plan.js';
import { parseParams } from '../../src/bench/comm/sizes.js';
import type { CommBenchConfig } from '../../src/bench/comm/worker-config.js';
import { parseConfig, registerBenchComm, type BenchCommFlags } from '../../src/cli/commands/bench-comm.js';
import { InvalidArgumentError } from '../../src/errors.js';

const defaults: BenchCommFlags = { nproc: '2', op: 'allreduce', dtype: 'float32', sizes: '1K..64M', bits: '4', iters: '10', warmup: '2', timeoutMs: '120000' };

function fieldIs(field: string) {
  return (err: unknown) => err instanceof InvalidArgumentError && err.field === field;
}

/** Runs `bench comm` in-process up to its checks; every argv here is refused before any rank is launched. */
async function refuse(args: string[], field: string): Promise<void> {
  const program = new Command().exitOverride();
  registerBenchComm(program);
  await assert.rejects(program.parseAsync(['node', 'lion-cub', 'bench', 'comm', ...args]), fieldIs(field), args.join(' '));
}

test('--params takes counts and power-of-two ranges like --sizes, up to 2^28 values', () => {
  assert.deepEqual(parseParams('16M'), [16 * 2 ** 20]);
  assert.deepEqual(parseParams('1K..4K,1000'), [1000, 1024, 2048, 4096]);
  assert.deepEqual(parseParams('256M'), [2 ** 28]);
  for (const bad of ['', '0', '512M', 'many', '4K..1K']) assert.throws(() => parseParams(bad), fieldIs('--params'), bad);
});

test('flags: plain and compressed ops in one list, --bits, --params; bad values name their flag', () => {
  const config = parseConfig({ ...defaults, op: 'allreduce,vote-allreduce,pbit-allreduce', params: '1K,16M', bits: '2' }, false);
  assert.deepEqual(config.ops, ['allreduce', 'vote-allreduce', 'pbit-allreduce']);
  assert.deepEqual(config.params, [1024, 16 * 2 ** 20]);
  assert.equal(config.bits, 2);
  assert.equal(parseConfig(defaults, false).bits, 4, 'default p');
  assert.equal(parseConfig(defaults, false).params, undefined);
  assert.throws(() => parseConfig({ ...defaults, bits: '3' }, false), fieldIs('--bits'));
  assert.throws(() => parseConfig({ ...defaults, bits: '4x' }, false), fieldIs('--bits'));
  assert.throws(() => parseConfig({ ...defaults, op: 'vote-allreduce,gossip' }, false), fieldIs('--op'));
  assert.throws(() => parseConfig({ ...defaults, params: '1M' }, true), fieldIs('--params'), '--params with an explicit --sizes');
});

test('the command refuses before launching: --params with --sizes, world sizes a compressed op cannot run at', async () => {
  await refuse(['--params', '1K', '--sizes', '4K'], '--params');
  await refuse(['--op', 'int8-ring', '--nproc', '128'], '--nproc');
  await refuse(['--op', 'vote-allreduce', '--nproc', '4096'], '--nproc');
  await refuse(['--op', 'pbit-allreduce', '--bits', '8', '--nproc', String(2 ** 24)], '--nproc');
  await refuse(['--op', 'tally-allreduce', '--bits', '5'], '--bits');
});

const base: CommBenchConfig = { ops: [], dtypes: ['float32'], sizes: [1024, 4096], bits: 4, warmup: 0, iters: 1, timeoutMs: 1000 };

test('plan: ops in the given order; --params sets d of every op (plain S = d · element size)', () => {
  const cases = planCases({ ...base, ops: ['vote-allreduce', 'allreduce'], dtypes: ['float32', 'bfloat16'], params: [1000, 4096] });
  assert.deepEqual(cases, [
    { kind: 'compressed', op: 'vote-allreduce', params: 1000, bits: 4 },
    { kind: 'compressed', op: 'vote-allreduce', params: 4096, bits: 4 },
    { kind: 'plain', op: 'allreduce', dtype: 'float32', bytes: 4000 },
    { kind: 'plain', op: 'allreduce', dtype: 'float32', bytes: 16384 },
    { kind: 'plain', op: 'allreduce', dtype: 'bfloat16', bytes: 2000 },
    { kind: 'plain', op: 'allreduce', dtype: 'bfloat16', bytes: 8192 },
  ]);
});

test('plan without --params: plain ops at --sizes bytes, compressed ops at the float32-equivalent d = S/4', () => {
  const cases = planCases({ ...base, ops: ['allreduce', 'pbit-allreduce'], sizes: [2, 1024, 1026, 4096], bits: 8 });
  assert.deepEqual(cases.filter((c) => c.kind === 'plain').map((c) => c.kind === 'plain' && c.bytes), [2, 1024, 1026, 4096]);
  assert.deepEqual(cases.filter((c) => c.kind === 'compressed'), [
    { kind: 'compressed', op: 'pbit-allreduce', params: 256, bits: 8 },
    { kind: 'compressed', op: 'pbit-allreduce', params: 1024, bits: 8 },
  ], 'S = 2 codes no value; 1024 and 1026 bytes both hold 256 floats');
});
