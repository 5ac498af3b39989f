// wasm module "quant": the p-bit and int8 quantisation kernels (statistics, quantise+pack, sign of summed codes).
//
// Every pointer argument is a byte offset into the shared kernel memory.

export { sumAbs, sumSquares, maxAbs, lionSumAbs, lionSumSquares, lionMaxAbs } from './quant/scale';
export { quantRange, lionQuantRange, stochasticRange, lionStochasticRange, lionQuantRangeStaged, lionStochasticRangeStaged } from './quant/pack';
export { signOfSumPacked, signOfInt8Sum } from './quant/sum';
