// char-gpt: vocabulary, windows, parameter count, causality, wasm gradients equal to cpu, and a training step.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../tfjs/tf.js';
import { initBackend } from '../tfjs/backend.js';
import { FlatParams } from '../tfjs/flat-params.js';
import { countParams } from '../tfjs/model.js';
import { charGpt, charGptParamCountFor } from './char-gpt.js';
import { decodeTokens, encodeText, NODE_API_DOCS_DIR, readCorpus, VOCAB_SIZE, windowDataset } from './text-corpus.js';
import { InvalidArgumentError, LionCubError } from '../errors.js';

const TINY = { contextLength: 8, modelDim: 16, numHeads: 2, numLayers: 1, mlpRatio: 2 };
const TEXT = 'The quick brown fox jumps over the lazy dog.\nPack my box with five dozen liquor jugs.\n'.repeat(8);

before(async () => { await initBackend({ backend: 'wasm', fallbackToCpu: false }); });

function withCorpusFile<T>(text: string, body: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'char-gpt-'));
  try {
    const path = join(dir, 'corpus.txt');
    writeFileSync(path, text);
    return body(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the 97-symbol vocabulary round-trips ASCII and newlines and folds everything else into one token', () => {
  const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('') + '\n';
  const tokens = encodeText(ascii);
  assert.equal(new Set(tokens).size, 96);
  assert.ok(Math.max(...tokens) < VOCAB_SIZE);
  assert.equal(decodeTokens(tokens), ascii);
  assert.deepEqual(Array.from(encodeText('\té€')), [96, 96, 96]);
});

test('windows give x = T characters and y = the same characters shifted by one', () => {
  const tokens = encodeText('abcdefghijk');
  const ds = windowDataset('t', tokens, 4);
  assert.equal(ds.numExamples, 2);
  const { x, y } = ds.batch([1, 0]);
  assert.equal(decodeTokens(x.dataSync()), 'efghabcd');
  assert.equal(decodeTokens(y.dataSync()), 'fghibcde');
  tf.dispose([x, y]);
  assert.throws(() => ds.batch([2]), InvalidArgumentError);
});

test('the parameter count formula matches the built model; the default has 429,921 parameters', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  assert.equal(charGptParamCountFor(), 429921);
  const model = charGpt.createModel(TINY);
  assert.equal(countParams(model), charGptParamCountFor(TINY));
  model.dispose();
  assert.throws(() => charGpt.createModel({ ...TINY, numHeads: 3 }), InvalidArgumentError);
});

test('attention is causal: changing a later character never changes earlier logits', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  const model = charGpt.createModel(TINY);
  const a = Array.from(encodeText('abcdefgh'));
  const b = [...a];
  b[5] = encodeText('Z')[0];
  const logits = (ids: number[]) => tf.tidy(() => model.apply(tf.tensor2d(ids, [1, 8], 'int32'), false).dataSync());
  const la = logits(a);
  const lb = logits(b);
  const perStep = VOCAB_SIZE;
  assert.deepEqual(lb.subarray(0, 5 * perStep), la.subarray(0, 5 * perStep));
  assert.notDeepEqual(lb.subarray(5 * perStep), la.subarray(5 * perStep));
  // Shorter sequences than the context use the first positions only.
  assert.deepEqual(tf.tidy(() => model.apply(tf.tensor2d(a.slice(0, 3), [1, 3], 'int32'), false).shape), [1, 3, VOCAB_SIZE]);
  model.dispose();
});

test('every op has a gradient on wasm: wasm gradients equal cpu gradients of the same step', async () => {
  const gradsOn = async (backend: 'wasm' | 'cpu') => {
    await initBackend({ backend, fallbackToCpu: false });
    const model = charGpt.createModel({ ...TINY, numLayers: 2 });
    const data = withCorpusFile(TEXT, (corpusPath) => charGpt.loadData({ ...TINY, corpusPath }));
    const batch = data.train.batch([0, 3, 5]);
    const result = new FlatParams(model.variables).gradients(() => charGpt.loss(model, batch));
    tf.dispose([batch.x, batch.y]);
    model.dispose();
    return result;
  };
  const wasm = await gradsOn('wasm');
  const cpu = await gradsOn('cpu');
  assert.ok(Math.abs(wasm.loss - cpu.loss) < 1e-4, `loss ${wasm.loss} vs ${cpu.loss}`);
  let maxAbs = 0;
  for (const g of cpu.grads) maxAbs = Math.max(maxAbs, Math.abs(g));
  assert.ok(maxAbs > 0);
  for (let i = 0; i < cpu.grads.length; i++) {
    if (!(Math.abs(wasm.grads[i] - cpu.grads[i]) <= 1e-3 * maxAbs)) assert.fail(`gradient ${i}: wasm ${wasm.grads[i]} vs cpu ${cpu.grads[i]}`);
  }
});

test('SGD steps lower the loss and leave the tensor count unchanged', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  const model = charGpt.createModel(TINY);
  const data = withCorpusFile(TEXT, (corpusPath) => charGpt.loadData({ ...TINY, corpusPath }));
  const batch = data.train.batch([0, 1, 2, 3]);
  const flat = new FlatParams(model.variables);
  const params = flat.read();
  const grads = new Float32Array(flat.numParams);
  const first = flat.gradients(() => charGpt.loss(model, batch), grads).loss;
  assert.ok(Math.abs(first - Math.log(VOCAB_SIZE)) < 0.5, `initial loss ${first} near ln 97`);
  const tensors = tf.memory().numTensors;
  let last = first;
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < params.length; j++) params[j] -= 0.5 * grads[j];
    flat.write(params);
    last = flat.gradients(() => charGpt.loss(model, batch), grads).loss;
  }
  assert.equal(tf.memory().numTensors, tensors);
  assert.ok(last < first, `loss ${first} → ${last}`);
  const evaluation = charGpt.evaluate(model, data.test, { batchSize: 4 });
  assert.equal(evaluation.numTargets, data.test.numExamples * TINY.contextLength);
  assert.equal(tf.memory().numTensors, tensors);
  tf.dispose([batch.x, batch.y]);
  model.dispose();
});

test('the split holds out the tail of the text; bad options and missing corpora are typed errors', () => {
  const data = withCorpusFile(TEXT, (corpusPath) => charGpt.loadData({ ...TINY, corpusPath, testFraction: 0.25 }));
  const split = Math.floor(TEXT.length * 0.75);
  assert.equal(data.train.numExamples, Math.floor((split - 1) / 8));
  assert.equal(data.test.numExamples, Math.floor((TEXT.length - split - 1) / 8));
  assert.throws(() => charGpt.loadData({ testFraction: 1 }), InvalidArgumentError);
  assert.throws(() => readCorpus('/nonexistent/corpus.txt'), (e: unknown) => e instanceof LionCubError && e.code === 'corpus_missing');
});

test('the default corpus is Node\'s API documentation', { skip: !existsSync(NODE_API_DOCS_DIR) && `${NODE_API_DOCS_DIR} not installed` }, () => {
  const corpus = readCorpus();
  assert.ok(corpus.numFiles > 20 && corpus.text.length > 1_000_000, `${corpus.numFiles} files, ${corpus.text.length} chars`);
  assert.match(corpus.text, /require\('node:fs'\)|import .* from 'node:fs'/);
  const data = charGpt.loadData({ maxChars: 100_000 });
  assert.equal(data.train.numExamples, Math.floor((90_000 - 1) / 64));
});
