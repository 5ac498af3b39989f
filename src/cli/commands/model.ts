// `lion-cub model`: predicted step time and speedups per strategy from the cost model; sweeps; checks against bench rows.

import { Command, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { InvalidArgumentError } from '../../errors.js';
import {
  BUILTIN_CONSTANTS, collectiveModelError, compareStrategies, defaultConstantsPath, describeCall, formatLinkGbit,
  measuredFromBenchRows, parseConstants, parseLinkGbit, SWEEP_LINKS, SWEEP_WORLD_SIZES,
  type CostConstants, type MomentumSyncOptions, type StrategyComparison, type UnsupportedStrategy,
} from '../../costmodel/index.js';
import { parseMomentumPolicy } from '../../sync/momentum-policy.js';
import { printTable } from '../table.js';

export interface ModelFlags {
  params?: string;
  nproc?: string;
  link?: string;
  computeMs: string;
  constants?: string;
  sweep?: boolean;
  json?: boolean;
  ranksPerHost: string;
  cores: string;
  momentumSync?: string;
  momentumFraction: string;
  totalSteps: string;
  layers: string;
  validate?: string;
  measured: string;
  /** commander's --no-burst sets false. */
  burst?: boolean;
}

export function registerModel(program: Command): void {
  program
    .command('model')
    .description('predict the step time of every sync strategy from the calibrated α–β–γ cost model')
    .option('--params <count>', 'parameters d (e.g. 124M, 1.5B, 4194304; k/M/B are powers of ten)')
    .option('--nproc <n>', 'world size N')
    .option('--link <rate>', 'link rate per NIC (e.g. 100mbit, 10gbit, 400gbit); "loopback" = this machine unshaped')
    .addOption(new Option('--compute-ms <ms>', 'time of a step outside the sync strategy (forward, backward); measure with --sync noop').default('0'))
    .option('--constants <file>', 'constants file from `lion-cub calibrate` (default: the file calibrate writes)')
    .option('--sweep', `table over N = ${SWEEP_WORLD_SIZES[0]}…${SWEEP_WORLD_SIZES[SWEEP_WORLD_SIZES.length - 1]} and links ${SWEEP_LINKS.join(', ')}`)
    .option('--json', 'one JSON object per line')
    .addOption(new Option('--ranks-per-host <k>', 'ranks sharing one host (CPU contention κ = ranks/cores)').default('1'))
    .addOption(new Option('--cores <c>', 'cores of a host, with --ranks-per-host').default('1'))
    .option('--momentum-sync <policy>', 'momentum sync of the compressed strategies, as in train (every:K, schedule:k, layers:GLOB, adaptive:T, @bf16)')
    .addOption(new Option('--momentum-fraction <f>', 'fraction of the parameters one momentum sync covers').default('1'))
    .addOption(new Option('--total-steps <t>', 'steps a schedule:k momentum policy is averaged over').default('10000'))
    .addOption(new Option('--layers <l>', 'parameter tensors (adaptive momentum statistics)').default('1'))
    .option('--validate <rows.jsonl>', 'compare the model with `bench comm --json` rows (collective time alone); --link names their rate')
    .option('--no-burst', 'with --validate: price shaped rows without the emulator\'s tbf burst (as a real NIC)')
    .addOption(new Option('--measured <statistic>', 'with --validate: each row\'s median time or its fastest iteration (min)').default('median'))
    .action((flags: ModelFlags) => {
      runModel(flags, (text) => process.stdout.write(text), (text) => process.stderr.write(text));
    });
}

/** Parses "124M", "1.5B", "4194304", "16k" (decimal multiples). Throws InvalidArgumentError (--params). */
export function parseParams(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMbBgG]?)\s*$/.exec(text);
  const scale = m ? ({ '': 1, k: 1e3, m: 1e6, b: 1e9, g: 1e9 } as Record<string, number>)[m[2].toLowerCase()] : NaN;
  const exact = m ? Number(m[1]) * scale : NaN;
  // 1.1M is 1100000.0000000002 in binary: a count within 1e-6 of an integer is that integer.
  const value = Math.abs(exact - Math.round(exact)) < 1e-6 ? Math.round(exact) : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > 1e12) throw new InvalidArgumentError('--params', text, 'a parameter count such as 124M, 1.5B or 4194304 (k, M, B = 10^3, 10^6, 10^9)');
  return value;
}

function positive(flag: string, text: string, integer: boolean, min = 1): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(flag, text, `${integer ? 'an integer' : 'a number'} >= ${min}`);
  return n;
}

function parseLink(text: string): number | null {
  return text.trim().toLowerCase() === 'loopback' ? null : parseLinkGbit(text, '--link');
}

/** Constants from --constants, else the default file, else the built-in defaults (with a warning on `warn`). */
export function loadConstants(path: string | undefined, warn: (text: string) => void): CostConstants {
  const file = path ?? defaultConstantsPath(process.env, homedir());
  if (path !== undefined && !existsSync(path)) throw new InvalidArgumentError('--constants', path, 'an existing constants file (write one with `lion-cub calibrate --out FILE`)');
  if (existsSync(file)) return parseConstants(readFileSync(file, 'utf8'), file);
  warn(`lion-cub: no constants file at ${file}; using the BUILT-IN DEFAULTS (${BUILTIN_CONSTANTS.machine.cpuModel}, ${BUILTIN_CONSTANTS.createdAt.slice(0, 10)}), not measurements of this machine. Run \`lion-cub calibrate\` for your own.\n`);
  return BUILTIN_CONSTANTS;
}

/** The whole command: checks flags, then prints a table or JSON lines. Throws InvalidArgumentError for bad flags. */
export function runModel(flags: ModelFlags, out: (text: string) => void, warn: (text: string) => void): void {
  const computeMs = positive('--compute-ms', flags.computeMs, false, 0);
  const host = { ranksPerHost: positive('--ranks-per-host', flags.ranksPerHost, true), cores: positive('--cores', flags.cores, true) };
  const momentum: MomentumSyncOptions | undefined = flags.momentumSync === undefined ? undefined : {
    policy: parseMomentumPolicy(flags.momentumSync),
    syncedFraction: positive('--momentum-fraction', flags.momentumFraction, false, 0),
    totalSteps: positive('--total-steps', flags.totalSteps, true),
    numLayers: positive('--layers', flags.layers, true),
  };
  if (momentum && !(momentum.syncedFraction! > 0 && momentum.syncedFraction! <= 1)) throw new InvalidArgumentError('--momentum-fraction', flags.momentumFraction, 'a fraction in (0, 1]');
  if (flags.validate !== undefined) {
    if (!existsSync(flags.validate)) throw new InvalidArgumentError('--validate', flags.validate, 'a file of `lion-cub bench comm --json` rows');
    const constants = loadConstants(flags.constants, warn);
    if (flags.measured !== 'median' && flags.measured !== 'min') throw new InvalidArgumentError('--measured', flags.measured, 'median or min');
    validate(readFileSync(flags.validate, 'utf8'), flags.link === undefined ? undefined : parseLink(flags.link), flags.measured, flags.burst !== false, constants, flags.json === true, out);
    return;
  }
  if (flags.params === undefined) throw new InvalidArgumentError('--params', undefined, 'the parameter count d, e.g. --params 124M');
  const numParams = parseParams(flags.params);
  if (!flags.sweep) {
    if (flags.nproc === undefined) throw new InvalidArgumentError('--nproc', undefined, 'the world size N (or --sweep)');
    if (flags.link === undefined) throw new InvalidArgumentError('--link', undefined, 'the link rate, e.g. --link 10gbit (or --sweep)');
  }
  const N = flags.nproc === undefined ? 1 : positive('--nproc', flags.nproc, true);
  const link = flags.link === undefined ? null : parseLink(flags.link);
  const constants = loadConstants(flags.constants, warn);
  const base = { numParams, computeMs, constants, host, momentum };
  if (!flags.sweep) {
    const rows = compareStrategies({ ...base, N, linkGbit: link });
    if (flags.json) for (const r of rows) out(`${JSON.stringify({ N, linkGbit: link, ...r, constants: constants.origin })}\n`);
    else {
      out(`d = ${numParams}, N = ${N}, link ${link === null ? 'loopback' : formatLinkGbit(link)}, compute ${computeMs} ms, κ = ${Math.max(1, host.ranksPerHost / host.cores)}, constants: ${constants.origin} (${constants.createdAt})\n`);
      printTable(rows.map(tableRow), { write: (t: string) => { out(t); return true; } } as NodeJS.WritableStream);
    }
    return;
  }
  const grid = SWEEP_WORLD_SIZES.flatMap((n) => SWEEP_LINKS.map((l) => ({ N: n, link: l, rows: compareStrategies({ ...base, N: n, linkGbit: parseLinkGbit(l) }) })));
  if (flags.json) {
    for (const g of grid) for (const r of g.rows) out(`${JSON.stringify({ N: g.N, ...r, phases: undefined, link: g.link, constants: constants.origin })}\n`);
    return;
  }
  const stream = { write: (t: string) => { out(t); return true; } } as NodeJS.WritableStream;
  out(`d = ${numParams}, compute ${computeMs} ms, constants: ${constants.origin} (${constants.createdAt}). Step time, ms:\n`);
  printTable(grid.map((g) => ({ N: g.N, link: g.link, ...Object.fromEntries(g.rows.map((r) => [r.strategy, 'unsupported' in r ? '-' : fmtMs(r.stepMs)])) })), stream);
  out('\nSpeedup over lion (fp32 gradient allreduce) / over lion-bf16:\n');
  printTable(grid.map((g) => ({
    N: g.N, link: g.link,
    ...Object.fromEntries(g.rows.filter((r) => !['lion', 'noop'].includes(r.strategy)).map((r) => [r.strategy, 'unsupported' in r ? '-' : `${r.speedupVsLion.toFixed(2)}/${r.speedupVsBf16.toFixed(2)}`])),
  })), stream);
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

function tableRow(r: StrategyComparison | UnsupportedStrategy): Record<string, string | number> {
  if ('unsupported' in r) return { strategy: r.strategy, 'step ms': '-', 'compute ms': '', 'codec ms': '', 'comm ms': '', 'bytes/rank': '', 'vs lion': '', 'vs bf16': r.unsupported };
  return {
    strategy: r.strategy, 'step ms': fmtMs(r.stepMs), 'compute ms': fmtMs(r.computeMs), 'codec ms': fmtMs(r.codecMs), 'comm ms': fmtMs(r.commMs),
    'bytes/rank': Math.round(r.bytesPerRank), 'vs lion': r.speedupVsLion.toFixed(2), 'vs bf16': r.speedupVsBf16.toFixed(2),
  };
}

function validate(text: string, link: number | null | undefined, statistic: 'median' | 'min', burst: boolean, constants: CostConstants, json: boolean, out: (t: string) => void): void {
  const { points, skipped } = measuredFromBenchRows(text, { linkGbit: link, statistic, emulatorBurst: burst });
  const report = collectiveModelError(points, constants);
  if (json) {
    for (const p of report.points) out(`${JSON.stringify({ call: describeCall(p.point.call), N: p.point.N, linkGbit: p.point.linkGbit, measuredMs: p.measuredMs, predictedMs: p.predictedMs, relativeError: p.relativeError, regime: p.regime })}\n`);
    out(`${JSON.stringify({ points: report.points.length, maxAbsError: report.maxAbsError, meanAbsError: report.meanAbsError, byRegime: report.byRegime, skipped })}\n`);
    return;
  }
  const stream = { write: (t: string) => { out(t); return true; } } as NodeJS.WritableStream;
  printTable(report.points.map((p) => ({
    collective: describeCall(p.point.call), N: p.point.N, link: p.point.linkGbit === null ? 'loopback' : formatLinkGbit(p.point.linkGbit),
    'measured ms': fmtMs(p.measuredMs), 'model ms': fmtMs(p.predictedMs), error: `${(100 * p.relativeError).toFixed(1)}%`, regime: p.regime ?? '',
  })), stream);
  out(`${report.points.length} points (${statistic} times; constants from ${constants.statistic}s, ${constants.createdAt}), max |error| ${(100 * report.maxAbsError).toFixed(1)}%, mean |error| ${(100 * report.meanAbsError).toFixed(1)}% (κ = N/${constants.cores} cores); by regime: ${Object.entries(report.byRegime ?? {}).map(([k, v]) => `${k} ${v.points} points, max ${(100 * v.maxAbsError).toFixed(1)}%`).join('; ')}${skipped.length ? `; skipped ${skipped.length}: ${skipped.map((s) => `${s.op} (${s.reason})`).join(', ')}` : ''}\n`);
}
