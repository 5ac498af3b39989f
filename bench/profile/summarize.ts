// Prints where a V8 CPU profile (.cpuprofile, as `--cpu-prof` writes it) spent its time: self time per function.
//
// usage: npx tsx bench/profile/summarize.ts FILE.cpuprofile [TOP]

import { readFileSync } from 'node:fs';

import type { CpuProfile } from './cpu-profile.js';

/** Self time (ms) per function name + location, largest first, and the profile's total time. */
export function selfTimes(profile: CpuProfile): { totalMs: number; rows: { name: string; ms: number }[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(src|bench|node_modules)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    ms.set(key, (ms.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const rows = [...ms].map(([name, t]) => ({ name, ms: t })).sort((a, b) => b.ms - a.ms);
  return { totalMs: (profile.endTime - profile.startTime) / 1000, rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = '25'] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: npx tsx bench/profile/summarize.ts FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  const { totalMs, rows } = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  process.stdout.write(`${file}: ${totalMs.toFixed(0)} ms profiled\n`);
  for (const r of rows.slice(0, Number(top))) {
    process.stdout.write(`${r.ms.toFixed(1).padStart(10)} ms ${(100 * r.ms / totalMs).toFixed(1).padStart(5)} %  ${r.name}\n`);
  }
}
