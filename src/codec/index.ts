// Everything the codec module offers the rest of lion-cub (sign codes, votes, quantisers, sums, fused Lion encoders); src/index.ts chooses the public part.

export { parityWord, parityBit } from './parity.js';
export { packSigns, unpackSigns } from './sign-code.js';
export { signCodeWords } from './sign-code-checks.js';
export { voteSigns, tallySigns, MAX_VOTE_VECTORS } from './vote.js';
export { lionEncodeSign, lionApplySign, lionStepSign } from './lion-sign.js';
export type { LionApplyHyperparams, LionStepHyperparams, ValueRange } from './lion-sign.js';
export { quantize, quantizeJs, lionEncodeQuant, lionEncodeQuantJs } from './quant.js';
export { QUANT_METHODS, defaultLevels, packedWordCount, wholeVector } from './quant-options.js';
export type { QuantMethod, QuantBits, QuantizeOptions, Int8QuantizeOptions, Segment as CodecSegment } from './quant-options.js';
export { packSigned, unpackSigned } from './pbit-pack.js';
export { sumPacked, signOfSumPacked, maxSummableVectors } from './pbit-sum.js';
export { quantizeInt8, signOfInt8Sum, int8Levels, int8LevelsFor } from './int8-quant.js';
export { mix32, streamKey, counterBits, counterUniform } from './counter-hash.js';
