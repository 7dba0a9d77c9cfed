// The tfjs-core ops, as functions (tn.add(a, b)); methods.ts also installs them as chainable
// Tensor methods (a.add(b)).
export * from './elementwise';
export * from './reduce';
export * from './shape';
export * from './linalg';
export * from './nn';
export * from './rnn';
export { conv2d, conv1d, conv2dTranspose, maxPool, avgPool, batchNorm } from './conv';
export * as fused from './fused';
export * from './creation';
export * from './random';
export * from './attention';
export type { TensorLike } from './util';
import './methods';
export { dense } from './dense';
export { losses, metrics, Reduction, softmaxCrossEntropyWithLogits, sigmoidCrossEntropyWithLogits } from './loss';
export { TensorBuffer, buffer } from './buffer';
