// Holds the dependency direction of architecture.md: maths and communication never reach up into training or TF.js.

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
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    specs.push(m[1] ?? m[2]);
  }
  return specs;
}

/** Top-level folder under src/ that an import resolves to, or the package name for bare imports. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const resolved = relative(srcDir, join(file, '..', spec));
  return resolved.split('/')[0].replace(/\.(js|ts)$/, '');
}

const rules: Record<string, { allowed: string[] }> = {
  optim: { allowed: ['optim', 'errors', 'kernels', 'random'] },
  codec: { allowed: ['codec', 'errors', 'kernels', 'random'] },
  kernels: { allowed: ['kernels', 'errors'] },
  comm: { allowed: ['comm', 'errors', 'random'] },
};

test('optim, codec, kernels and comm import only what architecture.md allows, and never @tensorflow', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(srcDir)) {
    const area = relative(srcDir, file).split('/')[0];
    for (const spec of importsOf(file)) {
      if (spec.startsWith('@tensorflow/') && area !== 'tfjs') violations.push(`${relative(srcDir, file)} imports ${spec}`);
      const rule = rules[area];
      if (!rule || !spec.startsWith('.')) continue;
      const to = target(file, spec);
      if (!rule.allowed.includes(to)) violations.push(`${relative(srcDir, file)} imports ${spec} (${area} must not depend on ${to})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the import scanner sees relative and package imports', () => {
  const here = fileURLToPath(import.meta.url);
  assert.ok(importsOf(here).includes('node:test'));
  assert.equal(target(join(srcDir, 'codec', 'x.ts'), '../optim/lion.js'), 'optim');
});
