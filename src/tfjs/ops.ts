// Small tensor helpers that work around wasm-backend kernel bugs found in tfjs 4.22.

import { tf, type Tensor } from './tf.js';

/**
 * One-hot float32 rows: out[..., c] = 1 where indices[...] = c, else 0; indices outside
 * [0, depth) give all-zero rows. The wasm OneHot kernel ignores a float32 `dtype`
 * and writes int32 bit patterns into the float buffer (1 reads as 1.4e-45), so the
 * one-hot is built as int32 and cast.
 */
export function oneHotFloat(indices: Tensor, depth: number): Tensor {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(indices, 'int32'), depth), 'float32'));
}
