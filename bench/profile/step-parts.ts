// Where the steps of a `bench train --cpu-prof` run went, per rank: ms per step in the compressed step's parts.
//
// usage: npx tsx bench/profile/step-parts.ts DIR STEPS
//   DIR: one run's profile folder (DIR/rank-R.cpuprofile, as `bench train --cpu-prof` writes it), STEPS: its --steps.
//
// Samples count from the first to the last one taken inside `syncStep` (start-up excluded); the parts after the
// step's first await run from the microtask queue, so they are matched by their own names, not under syncStep. A sample counts for
// every part named on its stack, so parts nest (`encode` includes `scale`; `comm js` includes `seal`). V8 samples
// wall time: a rank taken off the CPU is charged to the function it was in, so under load every part grows; compare
// parts and runs of one bench invocation, not absolute figures across machines.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { CpuProfile, ProfileNode } from './cpu-profile.js';

/** Each part: a pattern matched against "functionName path" of every frame of a sample's stack. */
export const STEP_PARTS: readonly (readonly [string, RegExp])[] = [
  ['compute (forward+backward)', /^computeGradients /],
  ['encode', /^(encodeQuant|encodeSign) .*optim\/lion/],
  ['  scale pass (p-bit)', /^segmentScale /],
  ['apply / Lion step', /^(applySignCode|stepIfFinite) /],
  ['finiteness pass', /^allFinite .*global-norm/],
  ['vote / sum of codes', /^(voteSigns|signOfSumPacked) /],
  ['slice copies', /^(fill|stack) .*flagged-slices/],
  ['comm js (collectives + transport)', /^(exchangePairwise|pump|onStreamRead|writevGeneric) /],
  ['  seal (record layer)', /^next .*record-layer/],
  ['  cipher update', /^update node:internal\/crypto\/cipher/],
  ['garbage collector', /^\(garbage collector\)/],
  ['idle (waiting)', /^\(idle\)/],
];

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${lineNumber + 1}`;
}

/** ms per step of every part in one profile, plus the window length per step (`window`). */
export function stepParts(profile: CpuProfile, steps: number): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stacks = new Map<number, string[]>();
  const stackOf = (id: number): string[] => {
    let stack = stacks.get(id);
    if (stack) return stack;
    stack = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(frameName(byId.get(at)!));
    stacks.set(id, stack);
    return stack;
  };
  const inSync = profile.samples.map((id) => stackOf(id).some((f) => f.startsWith('syncStep ')));
  const first = inSync.indexOf(true);
  const last = inSync.lastIndexOf(true);
  const ms = new Map<string, number>([['window', 0]]);
  for (let i = Math.max(0, first); i <= last; i++) {
    // timeDeltas[i + 1] is the time until the next sample: the time this sample stands for.
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    ms.set('window', ms.get('window')! + dt);
    const stack = stackOf(profile.samples[i]);
    for (const [part, pattern] of STEP_PARTS) if (stack.some((f) => pattern.test(f))) ms.set(part, (ms.get(part) ?? 0) + dt);
  }
  for (const [part, total] of ms) ms.set(part, total / steps);
  return ms;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, stepsText] = process.argv.slice(2);
  const steps = Number(stepsText);
  if (!dir || !(steps > 0)) {
    process.stderr.write('usage: npx tsx bench/profile/step-parts.ts DIR STEPS\n');
    process.exit(2);
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  const perRank = files.map((f) => stepParts(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile, steps));
  process.stdout.write(`${dir}: ms per step (sampled wall time), ${files.map((f) => f.replace('.cpuprofile', '')).join(' / ')}\n`);
  for (const part of ['window', ...STEP_PARTS.map(([p]) => p)]) {
    const values = perRank.map((m) => m.get(part) ?? 0);
    process.stdout.write(`${part.padEnd(36)} ${values.map((v) => v.toFixed(1).padStart(7)).join(' ')}\n`);
  }
}
