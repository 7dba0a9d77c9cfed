// Activation names as TensorFlow.js / Keras spell them, mapped to the native codes in
// native/cpu/elementwise.h (keep both lists in step).
import { expected } from './errors';

export const ACTIVATION_CODES = {
  linear: 0,
  relu: 1,
  sigmoid: 2,
  tanh: 3,
  softmax: 4,
  leakyRelu: 5,
  elu: 6,
  selu: 7,
  gelu: 8,
  softplus: 9,
  relu6: 10,
  softsign: 11,
  swish: 12,
} as const;

export type ActivationIdentifier = keyof typeof ACTIVATION_CODES;

// Keras' snake_case spellings are accepted too.
const ALIASES: Record<string, ActivationIdentifier> = { leaky_relu: 'leakyRelu', silu: 'swish' };

/** Default alpha per activation (leakyRelu's negative slope is Keras 3's 0.2; elu's alpha is 1). */
export const ACTIVATION_DEFAULT_ALPHA: Partial<Record<ActivationIdentifier, number>> = { leakyRelu: 0.2, elu: 1 };

export interface ResolvedActivation {
  name: ActivationIdentifier;
  code: number;
  alpha: number;
}

export function resolveActivation(value: unknown, argument = 'activation'): ResolvedActivation {
  const v = value === undefined || value === null ? 'linear' : value;
  const name = typeof v === 'string' ? (ALIASES[v] ?? v) : v;
  if (typeof name !== 'string' || !(name in ACTIVATION_CODES)) {
    throw new TypeError(expected(`one of ${Object.keys(ACTIVATION_CODES).map((k) => `'${k}'`).join(', ')}`, argument, value));
  }
  const id = name as ActivationIdentifier;
  return { name: id, code: ACTIVATION_CODES[id], alpha: ACTIVATION_DEFAULT_ALPHA[id] ?? 0 };
}

/** Whether the activation's backward needs its input (else its output suffices). */
export function backwardUsesInput(name: ActivationIdentifier): boolean {
  return !['linear', 'relu', 'sigmoid', 'tanh', 'softmax'].includes(name);
}

/**
 * 'sigmoid' or 'softmax' when a layer ending in this activation can hand the loss its logits
 * (Note [Fused output activation] in native/cpu/loss.h), else null.
 */
export function fusableOutputActivation(activation: ResolvedActivation): 'sigmoid' | 'softmax' | null {
  const a = activation.name;
  return a === 'sigmoid' || a === 'softmax' ? a : null;
}
