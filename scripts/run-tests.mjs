// Runs every *.test.ts under src/, test/ and bench/ with node's built-in test runner
// (TypeScript loaded through tsx). Extra arguments are passed through, e.g.
// `npm test -- --test-name-pattern=vote` or a list of files.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out = out.concat(find(p));
    else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const explicitFiles = args.filter((a) => a.endsWith('.ts'));
const flags = args.filter((a) => !a.endsWith('.ts'));
const files = explicitFiles.length > 0 ? explicitFiles : [...find('src'), ...find('test'), ...find('bench')].sort();
const result = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', ...flags, ...files,
], { stdio: 'inherit' });
process.exit(result.status ?? 1);
