// Built-in cost constants: ONE calibration of the development machine, used only when no constants file exists.
//
// These are not measurements of the machine you run on. They come from
// `lion-cub calibrate --netem 1gbit,100mbit --statistic min` on a 2-core AMD EPYC VM with Node 20 (fastest
// repeats, because that machine was shared with other work); `lion-cub model` says so whenever it falls back to
// them. Run `lion-cub calibrate` for your own. Numbers are rounded to 4 significant digits.

import type { CostConstants } from './constants.js';

export const BUILTIN_CONSTANTS: CostConstants = {
  schema: 'lion-cub/cost-constants@1',
  origin: 'builtin',
  createdAt: '2026-11-25T17:15:28.793Z',
  machine: {
    cpus: 2,
    cpuModel: 'AMD EPYC',
    node: 'v20.20.2'
  },
  cores: 2,
  network: {
    alphaUs: 136.4,
    variableRoundUs: 0,
    messageUs: 10.29,
    hostNsPerByte: 1.19,
    wireEfficiency: 0.9549,
    overlapPenalty: 0,
    alphaContentionSlope: 1.872,
    transportContentionSlope: 0.4054
  },
  kernels: {
    'lion-step': 1.329,
    'lion-encode-sign': 0.837,
    'lion-apply-sign': 1.292,
    'lion-encode-quant-2': 1.748,
    'lion-encode-quant-4': 1.637,
    'lion-encode-quant-8': 1.65,
    'lion-update-vector': 1.019,
    'quantize-int8': 0.9338,
    vote: 0.01667,
    tally: 0.2311,
    'sign-of-sum-2': 0.1035,
    'sign-of-sum-4': 0.09845,
    'sign-of-sum-8': 0.07098,
    'check-int8-levels': 3.491,
    'sign-of-int8-sum': 0.09369,
    'narrow-tally': 0.4839,
    'tally-to-direction': 3.695,
    'lion-apply-direction': 1.021,
    'bf16-encode': 4.295,
    'bf16-decode': 4.857,
    'reduce-f32': 5.451,
    'reduce-bf16': 11.3,
    'reduce-int8': 3.334,
    copy: 0.1825
  },
  kernelValues: 4194000,
  statistic: 'min',
  links: [
    {
      rate: null,
      rateGbit: null,
      streamGbit: null,
      alphaUs: 136.4,
      allreduceBytes: 16780000,
      allreduceMs: 32,
      busbwGbit: 4.195
    },
    {
      rate: '1gbit',
      rateGbit: 1,
      streamGbit: 0.9539,
      alphaUs: 129.8,
      allreduceBytes: 16780000,
      allreduceMs: 140.2,
      busbwGbit: 0.9572
    },
    {
      rate: '100mbit',
      rateGbit: 0.1,
      streamGbit: 0.09559,
      alphaUs: 150.5,
      allreduceBytes: 2097000,
      allreduceMs: 173.9,
      busbwGbit: 0.0965
    }
  ]
};
