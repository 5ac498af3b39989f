// Public surface of the TensorFlow.js adapter.

export { tf } from './tf.js';
export type { Tensor, Scalar, Variable, LayersModel } from './tf.js';
export { initBackend, activeBackend, wasmBinaryDirectory, BACKEND_NAMES } from './backend.js';
export type { BackendName, BackendOptions, BackendInfo } from './backend.js';
export { installTransposedMatMulOverride, uninstallTransposedMatMulOverride, transposedMatMulOverrideInstalled } from './matmul-override.js';
export { FlatParams, layoutOf } from './flat-params.js';
export type { ParamSegment, FlatGradientResult } from './flat-params.js';
export { fromLayersModel, countParams, makeVariable } from './model.js';
export type { NamedVariable, TrainableModel } from './model.js';
export { oneHotFloat } from './ops.js';
import { registerFileSystemRouter } from './file-io.js';
export { fileSystemHandler, registerFileSystemRouter, MODEL_JSON_FILENAME, WEIGHTS_BINARY_FILENAME } from './file-io.js';

// model.save('file://dir') and tf.loadLayersModel('file://dir/model.json') work once lion-cub/tfjs is imported.
registerFileSystemRouter();
