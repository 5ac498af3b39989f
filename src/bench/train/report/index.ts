// Public surface of the bench train report: the results schema, reading it back, and writing the report directory.

export type { BenchTrainReport, EvalPoint, StrategyRun, TrainCurvePoint } from './types.js';
export { parseBenchTrainReport, readBenchTrainReport } from './validate.js';
export { writeReport, writeReportFromFile, type WriteReportOptions, type WrittenReport } from './write-report.js';
export { buildCharts } from './charts.js';
export type { ChartDef, ChartResult, SkippedChart } from './chart-common.js';
export { headlines } from './headline.js';
