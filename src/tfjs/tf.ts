// The single import point of TensorFlow.js: everything else in lion-cub reaches tfjs through this module.

// Re-exporting the namespace keeps the layering rule checkable by one grep
// (only src/tfjs/ names @tensorflow/*) while workloads still build models with it.
import * as tf from '@tensorflow/tfjs';

export { tf };
export type { Tensor, Scalar, Variable, LayersModel, Rank, TensorContainer } from '@tensorflow/tfjs';
