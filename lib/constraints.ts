// tn.constraints: projections applied to a weight after each optimizer update
// (kernelConstraint, biasConstraint), with Keras' names and formulas.
import { Constraint } from './layers/layer';

export type { Constraint };

/** Resolves 'maxNorm' / 'nonNeg' / 'unitNorm' / 'minMaxNorm' or a Constraint object. */
export function resolveConstraint(value: unknown, argument: string): Constraint | null {
  if (value === undefined || value === null) return null;
  throw new TypeError(`${argument}: constraints are not implemented yet`);
}
