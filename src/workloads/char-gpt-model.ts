// A small decoder-only transformer built from dense tfjs ops only, so every op has a gradient kernel on the wasm backend.
//
// Deliberate choices for the wasm backend (environment notes): the token
// embedding is a one-hot matmul rather than a gather (gather's gradient needs
// UnsortedSegmentSum, which wasm lacks); causality is an additive mask rather
// than a band-part op; GELU is the tanh form built from fast elementwise ops.

import { tf, type Tensor, type Variable } from '../tfjs/tf.js';
import { makeVariable, type NamedVariable, type TrainableModel } from '../tfjs/model.js';
import { oneHotFloat } from '../tfjs/ops.js';
import { SeededRandom } from './random.js';
import { constant, glorotUniform, normal } from './init.js';
import { InvalidArgumentError } from '../errors.js';

export interface CharGptShape {
  vocabSize: number;
  /** Longest sequence the model accepts (T): size of the learned position table. */
  contextLength: number;
  /** Model width d. */
  modelDim: number;
  /** Attention heads; must divide modelDim. */
  numHeads: number;
  numLayers: number;
  /** MLP hidden width = mlpRatio · modelDim. */
  mlpRatio: number;
}

const LAYER_NORM_EPSILON = 1e-5;
const EMBEDDING_STD = 0.02;
/** Added to attention scores of future positions; exp of it is exactly 0 in float32. */
const MASKED_SCORE = -1e9;

/**
 * Parameter count: V·d + T·d + L·(2·2d + 4·(d² + d) + 2·r·d² + r·d + d) + 2d + d·V + V.
 */
export function charGptParamCount(s: CharGptShape): number {
  const d = s.modelDim;
  const hidden = s.mlpRatio * d;
  const perLayer = 4 * d + 4 * (d * d + d) + (d * hidden + hidden) + (hidden * d + d);
  return s.vocabSize * d + s.contextLength * d + s.numLayers * perLayer + 2 * d + d * s.vocabSize + s.vocabSize;
}

function validate(s: CharGptShape): void {
  for (const field of ['vocabSize', 'contextLength', 'modelDim', 'numHeads', 'numLayers', 'mlpRatio'] as const) {
    if (!Number.isInteger(s[field]) || s[field] < 1) throw new InvalidArgumentError(field, s[field], 'a positive integer');
  }
  if (s.modelDim % s.numHeads !== 0) throw new InvalidArgumentError('numHeads', s.numHeads, `a divisor of modelDim (${s.modelDim})`);
}

/** Builds the model with weights drawn from SeededRandom(seed, variable index): identical on every rank. */
export function createCharGpt(shape: CharGptShape, seed: number): TrainableModel {
  validate(shape);
  const { vocabSize: v, contextLength: ctx, modelDim: d, numLayers, numHeads } = shape;
  const hidden = shape.mlpRatio * d;
  const variables: NamedVariable[] = [];
  const add = (name: string, dims: number[], values: (rng: SeededRandom) => Float32Array): Variable => {
    const variable = makeVariable(values(new SeededRandom(seed, variables.length)), dims);
    variables.push({ name, variable });
    return variable;
  };
  const matrix = (name: string, rows: number, cols: number) => add(name, [rows, cols], (rng) => glorotUniform(rows, cols, rng));
  const vector = (name: string, n: number, value: number) => add(name, [n], () => constant(n, value));

  const tokenEmbedding = add('token_embedding', [v, d], (rng) => normal(v * d, EMBEDDING_STD, rng));
  const positionEmbedding = add('position_embedding', [ctx, d], (rng) => normal(ctx * d, EMBEDDING_STD, rng));
  const layers = Array.from({ length: numLayers }, (_, l) => ({
    ln1Gain: vector(`block${l}/ln1/gain`, d, 1), ln1Bias: vector(`block${l}/ln1/bias`, d, 0),
    wq: matrix(`block${l}/attn/wq`, d, d), bq: vector(`block${l}/attn/bq`, d, 0),
    wk: matrix(`block${l}/attn/wk`, d, d), bk: vector(`block${l}/attn/bk`, d, 0),
    wv: matrix(`block${l}/attn/wv`, d, d), bv: vector(`block${l}/attn/bv`, d, 0),
    wo: matrix(`block${l}/attn/wo`, d, d), bo: vector(`block${l}/attn/bo`, d, 0),
    ln2Gain: vector(`block${l}/ln2/gain`, d, 1), ln2Bias: vector(`block${l}/ln2/bias`, d, 0),
    w1: matrix(`block${l}/mlp/w1`, d, hidden), b1: vector(`block${l}/mlp/b1`, hidden, 0),
    w2: matrix(`block${l}/mlp/w2`, hidden, d), b2: vector(`block${l}/mlp/b2`, d, 0),
  }));
  const lnFinalGain = vector('ln_final/gain', d, 1);
  const lnFinalBias = vector('ln_final/bias', d, 0);
  const headW = matrix('head/w', d, v);
  const headB = vector('head/b', v, 0);

  const masks = new Map<number, Float32Array>();
  const causalMask = (t: number): Tensor => {
    let m = masks.get(t);
    if (!m) {
      m = new Float32Array(t * t);
      for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) m[i * t + j] = MASKED_SCORE;
      masks.set(t, m);
    }
    return tf.tensor2d(m, [t, t]);
  };

  const headDim = d / numHeads;
  const apply = (x: Tensor): Tensor => tf.tidy(() => {
    if (x.rank !== 2) throw new InvalidArgumentError('char-gpt input rank', x.rank, '2 ([batch, time] token ids)');
    const [b, t] = x.shape;
    if (t > ctx) throw new InvalidArgumentError('char-gpt sequence length', t, `at most contextLength (${ctx})`);
    const rows = b * t;
    const oneHot = oneHotFloat(x.reshape([rows]), v);
    const positions = t === ctx ? positionEmbedding : tf.slice(positionEmbedding, [0, 0], [t, d]);
    let h: Tensor = tf.add(tf.matMul(oneHot, tokenEmbedding).reshape([b, t, d]), positions).reshape([rows, d]);
    const mask = causalMask(t);
    const heads = (y: Tensor) => y.reshape([b, t, numHeads, headDim]).transpose([0, 2, 1, 3]);
    for (const p of layers) {
      const a = layerNorm(h, p.ln1Gain, p.ln1Bias);
      const q = heads(dense(a, p.wq, p.bq));
      const k = heads(dense(a, p.wk, p.bk));
      const val = heads(dense(a, p.wv, p.bv));
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim)), mask);
      const attended = tf.matMul(tf.softmax(scores), val).transpose([0, 2, 1, 3]).reshape([rows, d]);
      h = tf.add(h, dense(attended, p.wo, p.bo));
      const m = layerNorm(h, p.ln2Gain, p.ln2Bias);
      h = tf.add(h, dense(gelu(dense(m, p.w1, p.b1)), p.w2, p.b2));
    }
    return dense(layerNorm(h, lnFinalGain, lnFinalBias), headW, headB).reshape([b, t, v]);
  });

  return {
    variables,
    apply: (x) => apply(x),
    dispose: () => { for (const { variable } of variables) variable.dispose(); },
  };
}

function dense(x: Tensor, w: Tensor, bias: Tensor): Tensor {
  return tf.add(tf.matMul(x, w), bias);
}

/** y = (x − mean) / √(var + ε) · gain + bias over the last axis. */
function layerNorm(x: Tensor, gain: Tensor, bias: Tensor): Tensor {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON))), gain), bias);
}

/**
 * GELU, tanh form: 0.5·x·(1 + tanh(u)) with u = √(2/π)·(x + 0.044715·x³), computed as the
 * identical x·σ(2u) (since 1 + tanh(u) = 2σ(2u)) and x³ as x·x·x: on the wasm backend
 * Tanh and Pow are 4× and 20× slower than Sigmoid and Mul (measured on 512K elements).
 */
function gelu(x: Tensor): Tensor {
  const cube = tf.mul(tf.mul(x, x), x);
  const twiceInner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), 2 * Math.sqrt(2 / Math.PI));
  return tf.mul(x, tf.sigmoid(twiceInner));
}
