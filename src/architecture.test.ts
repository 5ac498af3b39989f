// Holds the dependency direction (CONTRIBUTING.md, "Layout") for every folder of src/, and keeps test code out of product code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const srcDir = fileURLToPath(new URL('.', import.meta.url));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  const pattern = /(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(pattern)) specs.push(m[1] ?? m[2] ?? m[3]);
  return specs;
}

/** Top-level folder under src/ that an import resolves to, or the package name for bare imports. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const resolved = relative(srcDir, join(file, '..', spec));
  return resolved.split('/')[0].replace(/\.(js|ts)$/, '');
}

/**
 * Which top-level folders (or root files) each one may import, bottom layer first. Tests and test-support follow
 * their folder's rule. `random` (seeded data), `stats` (medians) and `errors` sit below everything.
 */
const rules: Record<string, string[]> = {
  errors: [],
  random: [],
  stats: [],
  kernels: ['errors'],
  codec: ['errors', 'random', 'kernels'],
  optim: ['errors', 'random', 'kernels', 'codec'],
  comm: ['errors', 'random', 'kernels'],
  netem: ['errors'],
  launch: ['errors', 'comm', 'netem'],
  sync: ['errors', 'random', 'kernels', 'codec', 'optim', 'comm'],
  costmodel: ['errors', 'stats', 'codec', 'comm', 'netem', 'sync'],
  tfjs: ['errors', 'random', 'kernels'],
  workloads: ['errors', 'tfjs'],
  train: ['errors', 'stats', 'kernels', 'optim', 'comm', 'launch', 'sync', 'tfjs', 'workloads'],
  bench: ['errors', 'stats', 'random', 'kernels', 'codec', 'optim', 'comm', 'netem', 'launch', 'sync', 'costmodel', 'tfjs', 'workloads', 'train'],
  cli: ['errors', 'codec', 'comm', 'netem', 'launch', 'sync', 'costmodel', 'workloads', 'train', 'bench'],
  index: ['errors', 'kernels', 'codec', 'optim', 'comm', 'netem', 'launch', 'sync'],
  architecture: [],
  types: [],
};

const isTestCode = (path: string) => /\.test\.ts$/.test(path) || path.split('/').includes('test-support');

test('every folder imports only the layers below it, and only tfjs imports @tensorflow', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(srcDir)) {
    const path = relative(srcDir, file);
    const area = path.split('/')[0].replace(/(\.test)?\.ts$/, '');
    const allowed = rules[area];
    if (!allowed) {
      violations.push(`${path}: ${area} has no rule in architecture.test.ts`);
      continue;
    }
    for (const spec of importsOf(file)) {
      if (spec.startsWith('@tensorflow/') && area !== 'tfjs') violations.push(`${path} imports ${spec}`);
      if (!spec.startsWith('.')) continue;
      const to = target(file, spec);
      if (to !== area && !allowed.includes(to)) violations.push(`${path} imports ${spec} (${area} must not depend on ${to})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('product code never imports tests, test-support or node:test, so the package ships no test code', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(srcDir)) {
    const path = relative(srcDir, file);
    if (isTestCode(path)) continue;
    for (const spec of importsOf(file)) {
      if (spec === 'node:test' || (spec.startsWith('.') && isTestCode(relative(srcDir, join(file, '..', spec))))) {
        violations.push(`${path} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('the import scanner sees relative and package imports', () => {
  const here = fileURLToPath(import.meta.url);
  assert.ok(importsOf(here).includes('node:test'));
  assert.equal(target(join(srcDir, 'codec', 'x.ts'), '../optim/lion.js'), 'optim');
  assert.ok(isTestCode('sync/test-support/reference.ts') && isTestCode('codec/vote.test.ts') && !isTestCode('sync/spec.ts'));
});
