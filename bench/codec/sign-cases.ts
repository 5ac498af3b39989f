// Benchmark cases for the sign codec kernels.

import type { CodecBenchCase } from './case.js';

export const signKernelCases: CodecBenchCase[] = [];
