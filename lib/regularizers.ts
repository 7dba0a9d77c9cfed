// tn.regularizers: penalties on weights (kernelRegularizer, biasRegularizer) and on layer
// outputs (activityRegularizer), with Keras' names and formulas. Each penalty is a scalar
// built from engine ops, so it has a gradient; training adds it to the loss (and to the
// reported loss, as Keras does).
//
//   L1    l1 * sum(|x|)                       (default l1 = 0.01)
//   L2    l2 * sum(x^2)                       (default l2 = 0.01)
//   L1L2  l1 * sum(|x|) + l2 * sum(x^2)       (defaults 0.01 and 0.01, as tfjs' l1l2 and
//                                              Keras' 'l1_l2' string; a term whose factor is
//                                              0 is left out, as Keras does)
import { describe, expected } from './errors';
import type { Regularizer } from './layers/layer';
import { abs, add, mul, square, sum } from './ops';
import { Tensor, checkTensor, scalar } from './tensor';

export type { Regularizer };

const DEFAULT_FACTOR = 0.01;

/** Keras' validate_float_arg: a finite number >= 0. */
function checkFactor(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(expected('a finite number >= 0', argument, value));
  }
  return value;
}

function checkKeys(args: object | undefined, known: readonly string[], what: string): void {
  if (args === undefined || args === null) return;
  if (typeof args !== 'object' || Array.isArray(args)) throw new TypeError(expected(`an object {${known.join(', ')}}`, what, args));
  for (const key of Object.keys(args)) {
    if (!known.includes(key)) throw new TypeError(`${what}: unknown option '${key}'; the options are ${known.join(', ')}`);
  }
}

function factorOf(args: Record<string, unknown> | undefined, key: string, what: string, fallback: number): number {
  const v = args?.[key];
  return v === undefined || v === null ? fallback : checkFactor(v, `${what}({${key}})`);
}

/** The penalty's input as a float32 tensor (a weight's tensor or a layer's output). */
function input(x: Tensor, className: string): Tensor {
  const t = checkTensor(x, `${className}.apply(x)`);
  if (t.dtype !== 'float32') throw new TypeError(`${className}.apply(x): x must be float32 but is ${t.dtype}`);
  return t;
}

export class L1L2 implements Regularizer {
  readonly className: string = 'L1L2';
  readonly l1: number;
  readonly l2: number;

  constructor(args?: { l1?: number; l2?: number }) {
    checkKeys(args, ['l1', 'l2'], 'l1l2');
    this.l1 = factorOf(args as Record<string, unknown>, 'l1', 'l1l2', DEFAULT_FACTOR);
    this.l2 = factorOf(args as Record<string, unknown>, 'l2', 'l1l2', DEFAULT_FACTOR);
  }

  apply(x: Tensor): Tensor {
    const t = input(x, this.className);
    let penalty: Tensor | null = null;
    if (this.l1 !== 0) penalty = mul(sum(abs(t)), this.l1);
    if (this.l2 !== 0) {
      const l2 = mul(sum(square(t)), this.l2);
      penalty = penalty === null ? l2 : add(penalty, l2);
    }
    return penalty ?? scalar(0);
  }

  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

export class L1 implements Regularizer {
  readonly className = 'L1';
  readonly l1: number;

  constructor(args?: { l1?: number }) {
    checkKeys(args, ['l1'], 'l1');
    this.l1 = factorOf(args as Record<string, unknown>, 'l1', 'l1', DEFAULT_FACTOR);
  }

  apply(x: Tensor): Tensor {
    return mul(sum(abs(input(x, this.className))), this.l1);
  }

  getConfig(): Record<string, unknown> {
    return { l1: this.l1 };
  }
}

export class L2 implements Regularizer {
  readonly className = 'L2';
  readonly l2: number;

  constructor(args?: { l2?: number }) {
    checkKeys(args, ['l2'], 'l2');
    this.l2 = factorOf(args as Record<string, unknown>, 'l2', 'l2', DEFAULT_FACTOR);
  }

  apply(x: Tensor): Tensor {
    return mul(sum(square(input(x, this.className))), this.l2);
  }

  getConfig(): Record<string, unknown> {
    return { l2: this.l2 };
  }
}

/** tn.regularizers, with tfjs' factory names. */
export const regularizers = {
  l1: (args?: { l1?: number }): Regularizer => new L1(args),
  l2: (args?: { l2?: number }): Regularizer => new L2(args),
  l1l2: (args?: { l1?: number; l2?: number }): Regularizer => new L1L2(args),
};

// Names a string or a {className} may use: tfjs' factory names, Keras' class names and their
// snake_case (Keras' regularizers.get), and Keras' l1_l2 alias.
const BY_NAME: Record<string, (config?: Record<string, unknown>) => Regularizer> = {
  l1: (c) => new L1(c), L1: (c) => new L1(c),
  l2: (c) => new L2(c), L2: (c) => new L2(c),
  l1l2: (c) => new L1L2(c), L1L2: (c) => new L1L2(c), l1_l2: (c) => new L1L2(c),
};

function isRegularizer(value: unknown): value is Regularizer {
  return value !== null && typeof value === 'object' && typeof (value as Regularizer).apply === 'function' &&
    typeof (value as Regularizer).className === 'string';
}

/**
 * Resolves 'l1' / 'l2' / 'l1l2' (defaults 0.01), a {className, config} object (Keras' and
 * tfjs' serialized form, class names 'L1', 'L2', 'L1L2'), or a Regularizer object; null and
 * undefined mean none.
 */
export function resolveRegularizer(value: unknown, argument: string): Regularizer | null {
  if (value === undefined || value === null) return null;
  if (isRegularizer(value)) return value;
  const names = "'l1', 'l2', 'l1l2'";
  if (typeof value === 'string') {
    const make = Object.prototype.hasOwnProperty.call(BY_NAME, value) ? BY_NAME[value] : undefined;
    if (make === undefined) throw new TypeError(expected(`a regularizer (${names}, {className, config} or a Regularizer)`, argument, value));
    return make();
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const { className, config, ...rest } = value as { className?: unknown; config?: unknown };
    const extra = Object.keys(rest);
    if (typeof className === 'string' && extra.length === 0) {
      const make = Object.prototype.hasOwnProperty.call(BY_NAME, className) ? BY_NAME[className] : undefined;
      if (make === undefined) {
        throw new TypeError(`${argument}: unknown regularizer className '${className}'; the known ones are L1, L2, L1L2`);
      }
      if (config !== undefined && config !== null && (typeof config !== 'object' || Array.isArray(config))) {
        throw new TypeError(expected('an object', `${argument}.config`, config));
      }
      return make((config ?? {}) as Record<string, unknown>);
    }
  }
  throw new TypeError(`Expected a regularizer (${names}, {className, config} or a Regularizer with apply and className) ` +
    `for ${argument} but received ${describe(value)}`);
}
