// Public surface of the workloads: models, datasets, sharding.

export type { Batch, Dataset, WorkloadData, EvalResult, EvaluateOptions, MetricCounts, Workload } from './workload.js';
export { getWorkload, registerWorkload, workloadNames } from './registry.js';
export { loadWorkload, isWorkloadModulePath, workloadModuleRef } from './module.js';
export type { WorkloadModuleRef } from './module.js';
export { classifierWorkload, classifierLoss, classifierMetric, evaluateClassifier, softmaxCrossEntropy, correctCount } from './classification.js';
export { arrayDataset } from './array-dataset.js';
export type { LabeledArrays } from './array-dataset.js';
export { mnistMlp, mnistMlpParamCount, MNIST_MLP_DEFAULTS } from './mnist-mlp.js';
export type { MnistMlpOptions } from './mnist-mlp.js';
export { charGpt, charGptParamCountFor, charGptShape, CHAR_GPT_DEFAULTS } from './char-gpt.js';
export type { CharGptOptions } from './char-gpt.js';
export { synthetic, syntheticHiddenWidth, SYNTHETIC_DEFAULTS } from './synthetic.js';
export type { SyntheticOptions } from './synthetic.js';
export { DistributedSampler, shardRange } from './sharding.js';
export type { DistributedSamplerOptions } from './sharding.js';
export { diffDataPositions, orderDigest, SEEDED_FISHER_YATES, NATURAL_ORDER } from './data-position.js';
export type { DataPosition, DataPositionDifference } from './data-position.js';
export { SeededRandom, permutation, deriveSeed } from './random.js';
export { withSeed } from './seeded.js';
export { encodeText, decodeTokens, readCorpus, VOCAB_SIZE, NODE_API_DOCS_DIR } from './text-corpus.js';
