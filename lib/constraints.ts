// tn.constraints: projections applied to a weight after each optimizer update
// (kernelConstraint, biasConstraint), with Keras' names and formulas. Norms are L2 norms over
// `axis` (kept, so they broadcast back over w); EPSILON is Keras' backend.epsilon().
//
//   MaxNorm     w * clip(n, 0, maxValue) / (eps + n)                       maxValue 2, axis 0
//   NonNeg      max(w, 0)
//   UnitNorm    w / (eps + n)                                               axis 0
//   MinMaxNorm  w * (rate * clip(n, minValue, maxValue) + (1 - rate) * n) / (eps + n)
//                                                       minValue 0, maxValue 1, rate 1, axis 0
//
// For a Dense kernel [in, out], axis 0 constrains each unit's incoming weights; for a Conv2D
// kernel [h, w, in, out], Keras' advice is axis [0, 1, 2] (each filter).
import { describe, expected, shapeString } from './errors';
import type { Constraint } from './layers/layer';
import { add, clipByValue, div, maximum, mul, sqrt, square, sum } from './ops';
import { Tensor, checkTensor } from './tensor';

export type { Constraint };

/** Keras' backend.epsilon(). */
const EPSILON = 1e-7;

type Axis = number | number[];

function checkKeys(args: object | undefined, known: readonly string[], what: string): void {
  if (args === undefined || args === null) return;
  if (typeof args !== 'object' || Array.isArray(args)) throw new TypeError(expected(`an object {${known.join(', ')}}`, what, args));
  for (const key of Object.keys(args)) {
    if (!known.includes(key)) {
      throw new TypeError(`${what}: unknown option '${key}'; the options are ${known.length ? known.join(', ') : 'none'}`);
    }
  }
}

function checkAxis(value: unknown, argument: string): Axis {
  if (value === undefined || value === null) return 0;
  const ok = (a: unknown): boolean => typeof a === 'number' && Number.isInteger(a);
  if (ok(value)) return value as number;
  if (Array.isArray(value) && value.length > 0 && value.every(ok) && new Set(value).size === value.length) return value.slice();
  throw new TypeError(expected('an integer or a non-empty array of distinct integers', argument, value));
}

function checkNumber(value: unknown, argument: string, fallback: number, min = -Infinity): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new RangeError(expected(min === -Infinity ? 'a finite number' : `a finite number >= ${min}`, argument, value));
  }
  return value;
}

function weightOf(w: Tensor, className: string): Tensor {
  const t = checkTensor(w, `${className}.apply(w)`);
  if (t.dtype !== 'float32') throw new TypeError(`${className}.apply(w): w must be float32 but is ${t.dtype}`);
  return t;
}

/** The L2 norms of w over `axis`, kept as size-1 dimensions; an axis outside w's rank is an error. */
function norms(w: Tensor, axis: Axis, className: string): Tensor {
  const axes = Array.isArray(axis) ? axis : [axis];
  for (const a of axes) {
    if (a < -w.rank || a >= w.rank) {
      throw new RangeError(`${className}: axis ${a} is out of range for a weight of shape ${shapeString(w.shape)} (rank ${w.rank})`);
    }
  }
  return sqrt(sum(square(w), axis, true));
}

export class MaxNorm implements Constraint {
  readonly className = 'MaxNorm';
  readonly maxValue: number;
  readonly axis: Axis;

  constructor(args?: { maxValue?: number; axis?: Axis }) {
    checkKeys(args, ['maxValue', 'axis'], 'maxNorm');
    this.maxValue = checkNumber(args?.maxValue, 'maxNorm({maxValue})', 2, 0);
    this.axis = checkAxis(args?.axis, 'maxNorm({axis})');
  }

  apply(w: Tensor): Tensor {
    const t = weightOf(w, this.className);
    const n = norms(t, this.axis, this.className);
    return mul(t, div(clipByValue(n, 0, this.maxValue), add(n, EPSILON)));
  }

  getConfig(): Record<string, unknown> {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}

export class NonNeg implements Constraint {
  readonly className = 'NonNeg';

  constructor(args?: Record<string, never>) {
    checkKeys(args, [], 'nonNeg');
  }

  apply(w: Tensor): Tensor {
    return maximum(weightOf(w, this.className), 0);
  }

  getConfig(): Record<string, unknown> {
    return {};
  }
}

export class UnitNorm implements Constraint {
  readonly className = 'UnitNorm';
  readonly axis: Axis;

  constructor(args?: { axis?: Axis }) {
    checkKeys(args, ['axis'], 'unitNorm');
    this.axis = checkAxis(args?.axis, 'unitNorm({axis})');
  }

  apply(w: Tensor): Tensor {
    const t = weightOf(w, this.className);
    return div(t, add(norms(t, this.axis, this.className), EPSILON));
  }

  getConfig(): Record<string, unknown> {
    return { axis: this.axis };
  }
}

export class MinMaxNorm implements Constraint {
  readonly className = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: Axis;

  constructor(args?: { minValue?: number; maxValue?: number; rate?: number; axis?: Axis }) {
    checkKeys(args, ['minValue', 'maxValue', 'rate', 'axis'], 'minMaxNorm');
    this.minValue = checkNumber(args?.minValue, 'minMaxNorm({minValue})', 0, 0);
    this.maxValue = checkNumber(args?.maxValue, 'minMaxNorm({maxValue})', 1, 0);
    if (this.maxValue < this.minValue) {
      throw new RangeError(expected(`a number >= minValue (${this.minValue})`, 'minMaxNorm({maxValue})', this.maxValue));
    }
    this.rate = checkNumber(args?.rate, 'minMaxNorm({rate})', 1);
    this.axis = checkAxis(args?.axis, 'minMaxNorm({axis})');
  }

  apply(w: Tensor): Tensor {
    const t = weightOf(w, this.className);
    const n = norms(t, this.axis, this.className);
    const desired = add(mul(clipByValue(n, this.minValue, this.maxValue), this.rate), mul(n, 1 - this.rate));
    return mul(t, div(desired, add(n, EPSILON)));
  }

  getConfig(): Record<string, unknown> {
    return { minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis };
  }
}

/** tn.constraints, with tfjs' factory names. */
export const constraints = {
  maxNorm: (args?: { maxValue?: number; axis?: Axis }): Constraint => new MaxNorm(args),
  nonNeg: (): Constraint => new NonNeg(),
  unitNorm: (args?: { axis?: Axis }): Constraint => new UnitNorm(args),
  minMaxNorm: (args?: { minValue?: number; maxValue?: number; rate?: number; axis?: Axis }): Constraint => new MinMaxNorm(args),
};

type Config = Record<string, unknown>;

/** Keras' snake_case config keys (max_value, min_value) as our camelCase options. */
function camelConfig(config: Config): Config {
  const out: Config = {};
  for (const [k, v] of Object.entries(config)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

// tfjs' string names, Keras' class names and their snake_case (Keras' constraints.get).
const BY_NAME: Record<string, (config?: Config) => Constraint> = {
  maxNorm: (c) => new MaxNorm(c), MaxNorm: (c) => new MaxNorm(c), max_norm: (c) => new MaxNorm(c),
  nonNeg: (c) => new NonNeg(c as Record<string, never>), NonNeg: (c) => new NonNeg(c as Record<string, never>),
  non_neg: (c) => new NonNeg(c as Record<string, never>),
  unitNorm: (c) => new UnitNorm(c), UnitNorm: (c) => new UnitNorm(c), unit_norm: (c) => new UnitNorm(c),
  minMaxNorm: (c) => new MinMaxNorm(c), MinMaxNorm: (c) => new MinMaxNorm(c), min_max_norm: (c) => new MinMaxNorm(c),
};

function isConstraint(value: unknown): value is Constraint {
  return value !== null && typeof value === 'object' && typeof (value as Constraint).apply === 'function' &&
    typeof (value as Constraint).className === 'string';
}

/**
 * Resolves 'maxNorm' / 'nonNeg' / 'unitNorm' / 'minMaxNorm' (or Keras' 'max_norm', 'non_neg',
 * 'unit_norm', 'min_max_norm', or the class names), a {className, config} object (config keys
 * in camelCase or Keras' snake_case), or a Constraint object; null and undefined mean none.
 */
export function resolveConstraint(value: unknown, argument: string): Constraint | null {
  if (value === undefined || value === null) return null;
  if (isConstraint(value)) return value;
  const names = "'maxNorm', 'nonNeg', 'unitNorm', 'minMaxNorm'";
  if (typeof value === 'string') {
    const make = Object.prototype.hasOwnProperty.call(BY_NAME, value) ? BY_NAME[value] : undefined;
    if (make === undefined) throw new TypeError(expected(`a constraint (${names}, {className, config} or a Constraint)`, argument, value));
    return make();
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const { className, config, ...rest } = value as { className?: unknown; config?: unknown };
    if (typeof className === 'string' && Object.keys(rest).length === 0) {
      const make = Object.prototype.hasOwnProperty.call(BY_NAME, className) ? BY_NAME[className] : undefined;
      if (make === undefined) {
        throw new TypeError(`${argument}: unknown constraint className '${className}'; the known ones are MaxNorm, NonNeg, UnitNorm, MinMaxNorm`);
      }
      if (config !== undefined && config !== null && (typeof config !== 'object' || Array.isArray(config))) {
        throw new TypeError(expected('an object', `${argument}.config`, config));
      }
      return make(camelConfig((config ?? {}) as Config));
    }
  }
  throw new TypeError(`Expected a constraint (${names}, {className, config} or a Constraint with apply and className) ` +
    `for ${argument} but received ${describe(value)}`);
}
