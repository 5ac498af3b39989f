// The package as a user gets it: `npm pack`, installed into a fresh project, running the "Train your own
// model" guide's two examples on 2 workers: train, save, reload, resume, and the resumed result equal to an
// uninterrupted run.
//
// The tarball's files are unpacked into <project>/node_modules/lion-cub exactly as npm would place them; its
// dependencies are this checkout's node_modules (a symlink), so the test needs no network. dist/ must be built
// (npm ci and npm run build do it).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { appendFile, copyFile, mkdir, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkpointDir, checkpointFileName, loadCheckpoint } from '../../src/train/checkpoint-store.js';
import { runNode } from './run-node.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const examplesDir = join(repo, 'examples', 'your-own-model');
const EXAMPLES = ['make-blobs.mjs', 'fit-own-data.mjs', 'my-workload.mjs'];
let project = '';
let cli = '';

async function succeed(args: string[]): Promise<string> {
  const outcome = await runNode(args, { cwd: project });
  assert.equal(outcome.status, 0, `node ${args.join(' ')} exited with ${outcome.status}:\n${outcome.stdout}\n${outcome.stderr}`);
  return outcome.stdout;
}

/** The last JSON line with final: true (rank 0's, prefixed by `lion-cub run`). */
function finalObject(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').map((l) => l.replace(/^\[rank 0\] /, '')).filter((l) => l.startsWith('{"final":true')).pop();
  assert.ok(line, `no final object in:\n${stdout}`);
  return JSON.parse(line) as Record<string, unknown>;
}

/** Every rank's parameters and momentum in `outDir`'s checkpoint of `step` are the same in both runs. */
async function assertSameCheckpoints(a: string, b: string, step: number): Promise<void> {
  for (const rank of [0, 1]) {
    const x = await loadCheckpoint(join(checkpointDir(a), checkpointFileName(step, rank)));
    const y = await loadCheckpoint(join(checkpointDir(b), checkpointFileName(step, rank)));
    assert.deepEqual(y.params, x.params, `rank ${rank} parameters at step ${step}`);
    assert.deepEqual(y.momentum, x.momentum, `rank ${rank} momentum at step ${step}`);
  }
}

before(async () => {
  assert.ok(existsSync(join(repo, 'dist', 'src', 'cli', 'main.js')), 'dist/ is missing: run `npm run build` first');
  const newestSource = Math.max(...(await readdir(join(repo, 'src'), { recursive: true }))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('test-support')).map((f) => statSync(join(repo, 'src', f)).mtimeMs));
  assert.ok(statSync(join(repo, 'dist', 'src', 'index.js')).mtimeMs >= newestSource - 1000, 'dist/ is older than src/: run `npm run build:ts` first');
  project = await mkdtemp(join(tmpdir(), 'lion-cub-user-'));
  const { stdout } = await promisify(execFile)('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
  const tarball = join(project, (JSON.parse(stdout) as Array<{ filename: string }>)[0].filename);
  const installed = join(project, 'node_modules', 'lion-cub');
  await mkdir(installed, { recursive: true });
  await promisify(execFile)('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  await symlink(join(repo, 'node_modules'), join(installed, 'node_modules'), 'dir');
  for (const name of EXAMPLES) await copyFile(join(examplesDir, name), join(project, name));
  cli = join(installed, 'dist', 'src', 'cli', 'main.js');
  await succeed(['make-blobs.mjs', 'data.csv', '300']);
});

after(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

test('the packed package holds the compiled library, the wasm kernels and the docs, and no tests or sources', async () => {
  const installed = join(project, 'node_modules', 'lion-cub');
  for (const file of ['dist/src/index.js', 'dist/src/tfjs/index.js', 'dist/src/train/index.js', 'dist/src/workloads/index.js', 'docs/your-own-model.md', 'README.md']) {
    assert.ok(existsSync(join(installed, file)), `${file} is in the package`);
  }
  const kernels = (await readdir(join(repo, 'build'))).filter((f) => f.endsWith('.wasm'));
  assert.ok(kernels.length > 0);
  for (const kernel of kernels) assert.ok(existsSync(join(installed, 'build', kernel)), `build/${kernel} is in the package`);
  const files = await readdir(installed, { recursive: true });
  assert.deepEqual(files.filter((f) => !f.startsWith('node_modules') && (/\.test\.js$/.test(f) || f.startsWith('src/'))), []);
});

test('the guide shows each example file in full', async () => {
  const guide = await readFile(join(repo, 'docs', 'your-own-model.md'), 'utf8');
  for (const name of EXAMPLES) assert.ok(guide.includes(await readFile(join(examplesDir, name), 'utf8')), `docs/your-own-model.md contains ${name} verbatim`);
});

test('fit on your own data, 2 workers: saved, reloaded and resumed equals the uninterrupted run; the seed decides the weights', async () => {
  const fit = (steps: number, runDir: string, seed = 0): Promise<string> => succeed([cli, 'run', '--nproc', '2', 'fit-own-data.mjs', '--data', 'data.csv', '--steps', String(steps), '--batch', '16', '--seed', String(seed), '--run-dir', runDir]);
  const straight = finalObject(await fit(12, 'fit-straight'));
  const first = finalObject(await fit(6, 'fit-split'));
  assert.ok(existsSync(join(project, 'fit-split', 'model', 'model.json')) && existsSync(join(project, 'fit-split', 'model', 'weights.bin')));
  const resumed = finalObject(await fit(12, 'fit-split'));
  assert.deepEqual([first.step, resumed.resumedFrom, resumed.step, straight.step], [6, 6, 12, 12]);
  assert.equal(resumed.weightsSha256, straight.weightsSha256, 'resumed weights equal the uninterrupted run\'s');
  await assertSameCheckpoints(join(project, 'fit-straight'), join(project, 'fit-split'), 12);
  assert.ok((straight.trainAccuracy as number) > 0.5, `train accuracy ${straight.trainAccuracy} (3 classes)`);
  const otherSeed = finalObject(await fit(6, 'fit-seed-1', 1));
  assert.notEqual(otherSeed.weightsSha256, first.weightsSha256, 'another seed, other weights');
});

test('lion-cub train --workload ./my-workload.mjs, 2 workers: resumed equals uninterrupted, the seed decides the run, a changed module is refused by name', async () => {
  const base = ['train', '--workload', './my-workload.mjs', '--workload-options', '{"dataFile":"data.csv","hiddenUnits":16}', '--nproc', '2', '--batch', '16', '--lr', '3e-3', '--eval-every', '0', '--json'];
  const straight = finalObject(await succeed([cli, ...base, '--steps', '12', '--out', 'train-straight']));
  await succeed([cli, ...base, '--steps', '6', '--out', 'train-split']);
  const resumed = finalObject(await succeed([cli, ...base, '--steps', '12', '--out', 'train-split', '--resume']));
  assert.equal(resumed.steps, 12);
  assert.equal(resumed.loss, straight.loss);
  assert.equal(resumed.accuracy, straight.accuracy);
  await assertSameCheckpoints(join(project, 'train-straight'), join(project, 'train-split'), 12);

  const config = JSON.parse(await readFile(join(project, 'train-split', 'config.json'), 'utf8')) as { config: { workload: string; workloadSha256: string } };
  assert.equal(config.config.workload, join(project, 'my-workload.mjs'));
  assert.equal(config.config.workloadSha256, createHash('sha256').update(await readFile(join(project, 'my-workload.mjs'))).digest('hex'));

  await succeed([cli, ...base, '--steps', '6', '--seed', '1', '--out', 'train-seed-1']);
  const seed0 = await loadCheckpoint(join(checkpointDir(join(project, 'train-split')), checkpointFileName(6, 0)));
  const seed1 = await loadCheckpoint(join(checkpointDir(join(project, 'train-seed-1')), checkpointFileName(6, 0)));
  assert.notDeepEqual(seed1.params, seed0.params, 'another seed, another run');

  await appendFile(join(project, 'my-workload.mjs'), '// edited\n');
  const refused = await runNode([cli, ...base, '--steps', '18', '--out', 'train-split', '--resume'], { cwd: project });
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /workloadSha256/);
});
