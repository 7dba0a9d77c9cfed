// The tfjs-core ops, as functions (tn.add(a, b)); methods.ts also installs them as chainable
// Tensor methods (a.add(b)).
export * from './elementwise';
export * from './reduce';
export * from './shape';
export * from './linalg';
export * from './nn';
export * from './creation';
export * from './attention';
export type { TensorLike } from './util';
import './methods';
