// Checks that a parsed results file has the BenchTrainReport shape, naming the first bad field.

import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../../../errors.js';
import { TRANSPORT_SECURITY_MODES, type TransportSecurity } from '../../../comm/transport/security-mode.js';
import type { BenchTrainReport, EvalPoint, OverSeeds, PairedVsLion, SeedOutcome, Spread, StrategyRun, TrainCurvePoint } from './types.js';

type Obj = Record<string, unknown>;

function object(value: unknown, field: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError(field, value, 'an object');
  return value as Obj;
}

function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(field, value, 'an array');
  return value;
}

function str(o: Obj, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new InvalidArgumentError(`${path}.${key}`, v, 'a string');
  return v;
}

function num(o: Obj, key: string, path: string): number {
  const v = o[key];
  // JSON has no NaN/Infinity; a non-finite number here means the file was not produced by JSON.stringify of real figures.
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`${path}.${key}`, v, 'a finite number');
  return v;
}

function numOrNull(o: Obj, key: string, path: string): number | null {
  if (o[key] === null) return null;
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`${path}.${key}`, v, 'a finite number or null');
  return v;
}

function curvePoint(value: unknown, path: string): TrainCurvePoint {
  const o = object(value, path);
  return { step: num(o, 'step', path), wallSeconds: num(o, 'wallSeconds', path), loss: num(o, 'loss', path) };
}

function evalPoint(value: unknown, path: string): EvalPoint {
  const o = object(value, path);
  return { step: num(o, 'step', path), wallSeconds: num(o, 'wallSeconds', path), loss: num(o, 'loss', path), accuracy: num(o, 'accuracy', path) };
}

function strategyRun(value: unknown, path: string): StrategyRun {
  const o = object(value, path);
  return {
    sync: str(o, 'sync', path),
    rate: str(o, 'rate', path),
    linkGbit: numOrNull(o, 'linkGbit', path),
    stepMsMedian: num(o, 'stepMsMedian', path),
    computeMs: num(o, 'computeMs', path),
    // Reports written before the field existed price the median compute.
    computeMsSlowest: o.computeMsSlowest === undefined ? num(o, 'computeMs', path) : num(o, 'computeMsSlowest', path),
    // Per-rank lists: absent in reports written before they were measured.
    ...optionalNumbers(o, 'computeMsPerRank', path),
    ...optionalNumbers(o, 'computeCpuMsPerRank', path),
    ...optionalNumbers(o, 'stepCpuMsPerRank', path),
    ...optionalNumbers(o, 'dataCpuMsPerRank', path),
    ...optionalNumbers(o, 'syncCpuMsPerRank', path),
    ...optionalNumbers(o, 'otherCpuMsPerRank', path),
    encodeMs: num(o, 'encodeMs', path),
    commMs: num(o, 'commMs', path),
    decodeMs: num(o, 'decodeMs', path),
    codecMs: num(o, 'codecMs', path),
    bytesSentPerStep: num(o, 'bytesSentPerStep', path),
    numParams: num(o, 'numParams', path),
    finalLoss: num(o, 'finalLoss', path),
    finalMetric: num(o, 'finalMetric', path),
    speedupVsLion: numOrNull(o, 'speedupVsLion', path),
    speedupVsBf16: numOrNull(o, 'speedupVsBf16', path),
    timeToTargetSeconds: numOrNull(o, 'timeToTargetSeconds', path),
    speedupToTargetVsLion: numOrNull(o, 'speedupToTargetVsLion', path),
    predictedStepMs: numOrNull(o, 'predictedStepMs', path),
    curve: array(o.curve, `${path}.curve`).map((p, i) => curvePoint(p, `${path}.curve[${i}]`)),
    evals: array(o.evals, `${path}.evals`).map((p, i) => evalPoint(p, `${path}.evals[${i}]`)),
    // Present only for runs over several seeds.
    ...(o.overSeeds === undefined ? {} : { overSeeds: overSeeds(o.overSeeds, `${path}.overSeeds`) }),
    ...(o.pairedVsLion === undefined ? {} : { pairedVsLion: o.pairedVsLion === null ? null : pairedVsLion(o.pairedVsLion, `${path}.pairedVsLion`) }),
  };
}

function spread(value: unknown, path: string): Spread {
  const o = object(value, path);
  return { mean: num(o, 'mean', path), min: num(o, 'min', path), max: num(o, 'max', path) };
}

function overSeeds(value: unknown, path: string): OverSeeds {
  const o = object(value, path);
  const seeds = array(o.seeds, `${path}.seeds`).map((v, i): SeedOutcome => {
    const where = `${path}.seeds[${i}]`;
    const s = object(v, where);
    return { seed: num(s, 'seed', where), finalLoss: num(s, 'finalLoss', where), finalMetric: num(s, 'finalMetric', where) };
  });
  return { seeds, finalLoss: spread(o.finalLoss, `${path}.finalLoss`), finalMetric: spread(o.finalMetric, `${path}.finalMetric`) };
}

function pairedVsLion(value: unknown, path: string): PairedVsLion {
  const o = object(value, path);
  const metricDiff = object(o.metricDiff, `${path}.metricDiff`);
  return {
    seeds: num(o, 'seeds', path),
    metricDiff: { ...spread(metricDiff, `${path}.metricDiff`), sd: num(metricDiff, 'sd', `${path}.metricDiff`) },
    lossDiff: spread(o.lossDiff, `${path}.lossDiff`),
    higher: num(o, 'higher', path),
    equal: num(o, 'equal', path),
    lower: num(o, 'lower', path),
  };
}

function machine(value: unknown, path: string): BenchTrainReport['machine'] {
  const o = object(value, path);
  const extra: Record<string, string | number | boolean | null> = {};
  for (const [key, v] of Object.entries(o)) {
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new InvalidArgumentError(`${path}.${key}`, v, 'a string, number, boolean or null');
    }
    extra[key] = v;
  }
  return {
    ...extra,
    cpus: num(o, 'cpus', path),
    cpuModel: str(o, 'cpuModel', path),
    node: str(o, 'node', path),
    platform: str(o, 'platform', path),
    totalMemGiB: num(o, 'totalMemGiB', path),
  };
}

/**
 * Returns `value` as a BenchTrainReport after checking every field the renderer reads (unknown extra fields
 * are dropped). Throws InvalidArgumentError naming the first bad field, e.g. `report.runs[2].commMs`.
 */
export function parseBenchTrainReport(value: unknown, field = 'report'): BenchTrainReport {
  const o = object(value, field);
  const report: BenchTrainReport = {
    workload: str(o, 'workload', field),
    nproc: num(o, 'nproc', field),
    steps: num(o, 'steps', field),
    seed: num(o, 'seed', field),
    machine: machine(o.machine, `${field}.machine`),
    createdAt: str(o, 'createdAt', field),
    command: str(o, 'command', field),
    runs: array(o.runs, `${field}.runs`).map((r, i) => strategyRun(r, `${field}.runs[${i}]`)),
  };
  if (o.seeds !== undefined) report.seeds = array(o.seeds, `${field}.seeds`).map((_, i) => num(o.seeds as Obj, String(i), `${field}.seeds`));
  if (o.transportSecurity !== undefined) {
    const mode = str(o, 'transportSecurity', field);
    if (!(TRANSPORT_SECURITY_MODES as readonly string[]).includes(mode)) throw new InvalidArgumentError(`${field}.transportSecurity`, mode, `one of ${TRANSPORT_SECURITY_MODES.join(', ')}`);
    report.transportSecurity = mode as TransportSecurity;
  }
  if (o.modelError !== undefined) {
    const m = object(o.modelError, `${field}.modelError`);
    report.modelError = { maxAbsRelError: num(m, 'maxAbsRelError', `${field}.modelError`), points: num(m, 'points', `${field}.modelError`) };
  }
  return report;
}

/** Reads and checks a results file written by `lion-cub bench train`. Throws InvalidArgumentError for bad JSON or shape. */
export async function readBenchTrainReport(path: string): Promise<BenchTrainReport> {
  const text = await readFile(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(path, `${text.slice(0, 40)}…`, `a JSON results file (${(err as Error).message})`);
  }
  return parseBenchTrainReport(parsed, path);
}

/** `{ [key]: numbers }` when `o[key]` is present (a list of numbers, else InvalidArgumentError naming it), `{}` when absent. */
function optionalNumbers(o: Record<string, unknown>, key: string, path: string): Record<string, number[]> {
  if (o[key] === undefined) return {};
  const where = `${path}.${key}`;
  return { [key]: array(o[key], where).map((_, i) => num(o[key] as Record<string, unknown>, String(i), where)) };
}
