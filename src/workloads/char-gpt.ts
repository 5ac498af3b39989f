// Workload `char-gpt`: next-character prediction on Node's API docs with a small dense transformer.
//
// Split: the first (1 − testFraction) of the corpus characters train, the rest test
// (a contiguous tail, so no test window overlaps a training window). Loss and
// metric are per character: cross-entropy in nats and next-character accuracy.

import { createCharGpt, charGptParamCount, type CharGptShape } from './char-gpt-model.js';
import { encodeText, readCorpus, VOCAB_SIZE, windowDataset } from './text-corpus.js';
import { classifierLoss, classifierMetric, evaluateClassifier } from './classification.js';
import type { Workload } from './workload.js';
import { InvalidArgumentError } from '../errors.js';

export interface CharGptOptions {
  /** Characters of context T; default 64. */
  contextLength: number;
  /** Default 128. */
  modelDim: number;
  /** Default 4. */
  numHeads: number;
  /** Default 2. */
  numLayers: number;
  /** Default 4. */
  mlpRatio: number;
  /** Weight-initialisation seed; default 0. Must match on every rank. */
  seed: number;
  /** A text file or a folder of .md/.txt files; default Node's API docs (text-corpus.ts). */
  corpusPath?: string;
  /** Use only the first `maxChars` characters of the corpus (quick runs and tests); default all. */
  maxChars?: number;
  /** Fraction of the corpus held out at its end for testing; default 0.1. */
  testFraction: number;
}

export const CHAR_GPT_DEFAULTS: CharGptOptions = {
  contextLength: 64, modelDim: 128, numHeads: 4, numLayers: 2, mlpRatio: 4, seed: 0, testFraction: 0.1,
};

function resolve(options: Partial<CharGptOptions> = {}): CharGptOptions {
  const o = { ...CHAR_GPT_DEFAULTS, ...options };
  if (!(o.testFraction > 0 && o.testFraction < 1)) throw new InvalidArgumentError('testFraction', o.testFraction, 'a number strictly between 0 and 1');
  if (o.maxChars !== undefined && (!Number.isInteger(o.maxChars) || o.maxChars < 2)) throw new InvalidArgumentError('maxChars', o.maxChars, 'an integer ≥ 2');
  if (!Number.isInteger(o.seed)) throw new InvalidArgumentError('seed', o.seed, 'an integer');
  return o;
}

/** The model shape the options describe (vocabulary fixed by text-corpus.ts). */
export function charGptShape(options: Partial<CharGptOptions> = {}): CharGptShape {
  const o = resolve(options);
  return { vocabSize: VOCAB_SIZE, contextLength: o.contextLength, modelDim: o.modelDim, numHeads: o.numHeads, numLayers: o.numLayers, mlpRatio: o.mlpRatio };
}

/** Parameter count for the options (default 429,921). */
export function charGptParamCountFor(options: Partial<CharGptOptions> = {}): number {
  return charGptParamCount(charGptShape(options));
}

export const charGpt: Workload<CharGptOptions> = {
  name: 'char-gpt',
  createModel(options) {
    return createCharGpt(charGptShape(options), resolve(options).seed);
  },
  loadData(options) {
    const o = resolve(options);
    const corpus = readCorpus(o.corpusPath);
    const text = o.maxChars !== undefined ? corpus.text.slice(0, o.maxChars) : corpus.text;
    const tokens = encodeText(text);
    const split = Math.floor(tokens.length * (1 - o.testFraction));
    return {
      train: windowDataset('char-gpt/train', tokens.subarray(0, split), o.contextLength),
      test: windowDataset('char-gpt/test', tokens.subarray(split), o.contextLength),
      description: `${tokens.length} characters from ${corpus.source} (${corpus.numFiles} files): first ${split} train, last ${tokens.length - split} test, windows of ${o.contextLength}`,
    };
  },
  loss: classifierLoss,
  metric: classifierMetric,
  evaluate: evaluateClassifier,
};
