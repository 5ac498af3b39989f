// Benchmark cases for the quant codec kernels.

import type { CodecBenchCase } from './case.js';

export const quantKernelCases: CodecBenchCase[] = [];
