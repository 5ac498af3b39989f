// Reading and writing the constants file: JSON text in, checked CostConstants out, typed errors naming the bad field.

import { LionCubError } from '../errors.js';
import { CONSTANTS_SCHEMA, type CostConstants, type LinkCalibration } from './constants.js';
import { KERNEL_NAMES, type KernelCosts } from './kernels.js';

/**
 * A constants file that cannot be used: not JSON, another schema, or a field missing or out of range.
 * `field` is the JSON path of the first problem ("network.alphaUs", "kernels.vote", "links[1].rateGbit").
 */
export class ConstantsFileError extends LionCubError {
  readonly field: string;
  readonly source: string;
  constructor(source: string, field: string, problem: string, options?: { cause?: unknown }) {
    super('invalid_constants', `${source}: ${field}: ${problem}; run \`lion-cub calibrate\` to write a new constants file`, options);
    this.field = field;
    this.source = source;
  }
}

type Obj = Record<string, unknown>;

/** Parses and checks a constants file's text. `source` (a path) names the file in errors. Throws ConstantsFileError. */
export function parseConstants(text: string, source = 'constants file'): CostConstants {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConstantsFileError(source, '(file)', `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return validateConstants(value, source);
}

/** Checks a parsed value field by field and returns it typed. Throws ConstantsFileError at the first problem. */
export function validateConstants(value: unknown, source = 'constants'): CostConstants {
  const fail = (field: string, problem: string): never => { throw new ConstantsFileError(source, field, problem); };
  const root = object(value, '(root)', fail);
  if (root.schema !== CONSTANTS_SCHEMA) fail('schema', `expected "${CONSTANTS_SCHEMA}", got ${JSON.stringify(root.schema)}`);
  if (root.origin !== 'calibrated' && root.origin !== 'builtin') fail('origin', `expected "calibrated" or "builtin", got ${JSON.stringify(root.origin)}`);
  if (typeof root.createdAt !== 'string') fail('createdAt', 'expected an ISO time string');
  if (root.statistic !== 'median' && root.statistic !== 'min') fail('statistic', `expected "median" or "min", got ${JSON.stringify(root.statistic)}`);
  const machine = object(root.machine, 'machine', fail);
  if (typeof machine.cpuModel !== 'string' || typeof machine.node !== 'string') fail('machine', 'expected { cpus, cpuModel, node }');
  const net = object(root.network, 'network', fail);
  const kernels = object(root.kernels, 'kernels', fail);
  const missing = KERNEL_NAMES.filter((k) => !(k in kernels));
  if (missing.length) fail(`kernels.${missing[0]}`, `missing (a calibration must time ${missing.join(', ')})`);
  const unknown = Object.keys(kernels).filter((k) => !(KERNEL_NAMES as string[]).includes(k));
  if (unknown.length) fail(`kernels.${unknown[0]}`, `unknown kernel (known: ${KERNEL_NAMES.join(', ')})`);
  const costs = {} as KernelCosts;
  for (const k of KERNEL_NAMES) costs[k] = num(kernels[k], `kernels.${k}`, 0, Infinity, fail);
  if (!Array.isArray(root.links)) fail('links', 'expected an array of link calibrations');
  const links = (root.links as unknown[]).map((l, i) => link(l, `links[${i}]`, fail));
  return {
    schema: CONSTANTS_SCHEMA,
    origin: root.origin as CostConstants['origin'],
    createdAt: root.createdAt as string,
    machine: { cpus: num(machine.cpus, 'machine.cpus', 1, Infinity, fail), cpuModel: machine.cpuModel as string, node: machine.node as string },
    cores: num(root.cores, 'cores', 1, Infinity, fail),
    network: {
      alphaUs: num(net.alphaUs, 'network.alphaUs', 0, Infinity, fail),
      variableRoundUs: num(net.variableRoundUs, 'network.variableRoundUs', 0, Infinity, fail),
      messageUs: num(net.messageUs, 'network.messageUs', 0, Infinity, fail),
      hostNsPerByte: num(net.hostNsPerByte, 'network.hostNsPerByte', 0, Infinity, fail),
      wireEfficiency: positiveUpTo1(net.wireEfficiency, 'network.wireEfficiency', fail),
      overlapPenalty: num(net.overlapPenalty, 'network.overlapPenalty', 0, 1, fail),
      alphaContentionSlope: num(net.alphaContentionSlope, 'network.alphaContentionSlope', 0, Infinity, fail),
      transportContentionSlope: num(net.transportContentionSlope, 'network.transportContentionSlope', 0, Infinity, fail),
    },
    kernels: costs,
    kernelValues: num(root.kernelValues, 'kernelValues', 1, Infinity, fail),
    statistic: root.statistic as CostConstants['statistic'],
    links,
    ...(root.measurements === undefined ? {} : { measurements: root.measurements }),
  };
}

/** Pretty JSON of the constants, newline-terminated (the file `lion-cub calibrate` writes and prints). */
export function serializeConstants(c: CostConstants): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}

function link(value: unknown, at: string, fail: (f: string, p: string) => never): LinkCalibration {
  const l = object(value, at, fail);
  const nullable = (v: unknown, f: string): number | null => (v === null ? null : num(v, f, 0, Infinity, fail));
  if (l.rate !== null && typeof l.rate !== 'string') fail(`${at}.rate`, 'expected a rate such as "1gbit", or null for loopback');
  const rateGbit = nullable(l.rateGbit, `${at}.rateGbit`);
  if ((l.rate === null) !== (rateGbit === null)) fail(`${at}.rateGbit`, 'must be null exactly when rate is null');
  if (rateGbit === 0) fail(`${at}.rateGbit`, 'expected a positive rate');
  return {
    rate: l.rate as string | null,
    rateGbit,
    streamGbit: nullable(l.streamGbit, `${at}.streamGbit`),
    alphaUs: num(l.alphaUs, `${at}.alphaUs`, 0, Infinity, fail),
    allreduceBytes: num(l.allreduceBytes, `${at}.allreduceBytes`, 0, Infinity, fail),
    allreduceMs: num(l.allreduceMs, `${at}.allreduceMs`, 0, Infinity, fail),
    busbwGbit: num(l.busbwGbit, `${at}.busbwGbit`, 0, Infinity, fail),
  };
}

function object(value: unknown, at: string, fail: (f: string, p: string) => never): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(at, 'expected an object');
  return value as Obj;
}

function num(value: unknown, at: string, min: number, max: number, fail: (f: string, p: string) => never): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(at, `expected a finite number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function positiveUpTo1(value: unknown, at: string, fail: (f: string, p: string) => never): number {
  const v = num(value, at, 0, 1, fail);
  if (v === 0) fail(at, 'expected a fraction in (0, 1]');
  return v;
}
