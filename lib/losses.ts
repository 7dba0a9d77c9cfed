// Loss names (TensorFlow.js camelCase and Keras snake_case) and their native codes
// (native/cpu/loss.h). A loss is computed together with its gradient in one native call.
import { expected } from './errors';

export const LOSS_CODES = {
  meanSquaredError: 0,
  meanAbsoluteError: 1,
  binaryCrossentropy: 2,
  categoricalCrossentropy: 3,
  sparseCategoricalCrossentropy: 4,
} as const;

export type LossIdentifier = keyof typeof LOSS_CODES;

const ALIASES: Record<string, LossIdentifier> = {
  mse: 'meanSquaredError',
  MSE: 'meanSquaredError',
  mean_squared_error: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  MAE: 'meanAbsoluteError',
  mean_absolute_error: 'meanAbsoluteError',
  binary_crossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
};

export interface ResolvedLoss {
  name: LossIdentifier;
  code: number;
  /** Targets are class indices (int32) rather than a tensor shaped like the output. */
  sparse: boolean;
  /** The output activation this loss fuses with (Note [Fused output activation]). */
  fusesWith: 'sigmoid' | 'softmax' | null;
}

export function resolveLoss(value: unknown): ResolvedLoss {
  const name = typeof value === 'string' ? (ALIASES[value] ?? value) : undefined;
  if (name === undefined || !(name in LOSS_CODES)) {
    throw new TypeError(expected(`a loss (one of ${Object.keys(LOSS_CODES).map((k) => `'${k}'`).join(', ')})`, 'loss', value));
  }
  const id = name as LossIdentifier;
  return {
    name: id,
    code: LOSS_CODES[id],
    sparse: id === 'sparseCategoricalCrossentropy',
    fusesWith: id === 'binaryCrossentropy' ? 'sigmoid' : id === 'meanSquaredError' || id === 'meanAbsoluteError' ? null : 'softmax',
  };
}
