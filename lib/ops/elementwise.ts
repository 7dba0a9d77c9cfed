// Elementwise ops (tfjs-core names and semantics) and their gradients, side by side. Kernels:
// native/cpu/ops_elementwise.cpp (native/core/ops/elementwise.def).
import { ACTIVATION_CODES } from '../activations';
import { expected } from '../errors';
import { DType, Tensor } from '../tensor';
import { run1 } from '../engine/registry';
import { registerGradient, TapeNode } from '../engine/tape';
import { zerosLike } from './creation';
import { sum } from './reduce';
import { reshape, transpose } from './shape';
import {
  TensorLike, binaryArgs, broadcastAxes, broadcastShapes, checkFloat, checkNumeric, logitsOf, normalizeAxis, sameShape,
  toTensor,
} from './util';

// ---- helpers ------------------------------------------------------------------------------

/** dy summed over the axes along which an input of `shape` was broadcast, in that shape. */
export function reduceTo(dy: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(dy.shape, shape)) return dy;
  const axes = broadcastAxes(shape, dy.shape);
  return reshape(sum(dy, axes), shape.slice());
}

function unary(op: string, x: TensorLike, intOk = false): Tensor {
  const t = toTensor(x, 'x', op);
  if (intOk) checkNumeric(t, op);
  else checkFloat(t, op);
  return run1(op, [t], t.shape, t.dtype);
}

function binary(op: string, a: TensorLike, b: TensorLike, floatOnly = false): Tensor {
  const [x, y] = binaryArgs(op, a, b, cast);
  if (floatOnly) {
    checkFloat(x, op, 'a');
  } else {
    checkNumeric(x, op, 'a');
  }
  return run1(op, [x, y], broadcastShapes(op, x.shape, y.shape), x.dtype);
}

// ---- unary math -------------------------------------------------------------------------

export const neg = (x: TensorLike): Tensor => unary('neg', x, true);
export const abs = (x: TensorLike): Tensor => unary('abs', x, true);
export const sign = (x: TensorLike): Tensor => unary('sign', x, true);
export const square = (x: TensorLike): Tensor => unary('square', x, true);
export const sqrt = (x: TensorLike): Tensor => unary('sqrt', x);
export const rsqrt = (x: TensorLike): Tensor => unary('rsqrt', x);
export const exp = (x: TensorLike): Tensor => unary('exp', x);
export const expm1 = (x: TensorLike): Tensor => unary('expm1', x);
export const log = (x: TensorLike): Tensor => unary('log', x);
export const log1p = (x: TensorLike): Tensor => unary('log1p', x);
export const reciprocal = (x: TensorLike): Tensor => unary('reciprocal', x);
export const floor = (x: TensorLike): Tensor => unary('floor', x);
export const ceil = (x: TensorLike): Tensor => unary('ceil', x);
/** Rounds half to even, as tfjs. */
export const round = (x: TensorLike): Tensor => unary('round', x);
export const sin = (x: TensorLike): Tensor => unary('sin', x);
export const cos = (x: TensorLike): Tensor => unary('cos', x);
export const tan = (x: TensorLike): Tensor => unary('tan', x);
export const asin = (x: TensorLike): Tensor => unary('asin', x);
export const acos = (x: TensorLike): Tensor => unary('acos', x);
export const atan = (x: TensorLike): Tensor => unary('atan', x);
export const sinh = (x: TensorLike): Tensor => unary('sinh', x);
export const cosh = (x: TensorLike): Tensor => unary('cosh', x);
export const erf = (x: TensorLike): Tensor => unary('erf', x);

const zeroGrad = (dys: Tensor[], node: TapeNode): (Tensor | null)[] => node.inputs.map((x) => zerosLike(x));
const x0 = (n: TapeNode): Tensor => n.inputs[0];
const y0 = (n: TapeNode): Tensor => n.outputs[0];

registerGradient('neg', ([dy]) => [neg(dy)]);
registerGradient('abs', ([dy], n) => [mul(dy, sign(x0(n)))]);
registerGradient('sign', zeroGrad);
registerGradient('floor', zeroGrad);
registerGradient('ceil', zeroGrad);
registerGradient('round', zeroGrad);
registerGradient('square', ([dy], n) => [mul(dy, mul(x0(n), 2))]);
registerGradient('sqrt', ([dy], n) => [div(dy, mul(y0(n), 2))]);
registerGradient('rsqrt', ([dy], n) => [mul(dy, mul(div(y0(n), x0(n)), -0.5))]);
registerGradient('exp', ([dy], n) => [mul(dy, y0(n))]);
registerGradient('expm1', ([dy], n) => [mul(dy, add(y0(n), 1))]);
registerGradient('log', ([dy], n) => [div(dy, x0(n))]);
registerGradient('log1p', ([dy], n) => [div(dy, add(x0(n), 1))]);
registerGradient('reciprocal', ([dy], n) => [neg(mul(dy, square(y0(n))))]);
registerGradient('sin', ([dy], n) => [mul(dy, cos(x0(n)))]);
registerGradient('cos', ([dy], n) => [neg(mul(dy, sin(x0(n))))]);
registerGradient('tan', ([dy], n) => [mul(dy, add(square(y0(n)), 1))]);
registerGradient('asin', ([dy], n) => [div(dy, sqrt(sub(1, square(x0(n)))))]);
registerGradient('acos', ([dy], n) => [neg(div(dy, sqrt(sub(1, square(x0(n))))))]);
registerGradient('atan', ([dy], n) => [div(dy, add(square(x0(n)), 1))]);
registerGradient('sinh', ([dy], n) => [mul(dy, cosh(x0(n)))]);
registerGradient('cosh', ([dy], n) => [mul(dy, sinh(x0(n)))]);
registerGradient('erf', ([dy], n) => [mul(dy, mul(exp(neg(square(x0(n)))), 2 / Math.sqrt(Math.PI)))]);

// ---- predicates, casts, clipping --------------------------------------------------------

function floatPredicate(op: string, x: TensorLike): Tensor {
  const t = toTensor(x, 'x', op);
  checkFloat(t, op);
  return run1(op, [t], t.shape, 'bool');
}
export const isNaN = (x: TensorLike): Tensor => floatPredicate('isNaN', x);
export const isFinite = (x: TensorLike): Tensor => floatPredicate('isFinite', x);
export const isInf = (x: TensorLike): Tensor => floatPredicate('isInf', x);
export function logicalNot(x: TensorLike): Tensor {
  const t = toTensor(x, 'x', 'logicalNot');
  checkBool(t, 'logicalNot', 'x');
  return run1('logicalNot', [t], t.shape, 'bool');
}

/** A copy converted to dtype (float to int32 truncates toward zero; to bool is x != 0). */
export function cast(x: TensorLike, dtype: DType): Tensor {
  const t = toTensor(x, 'x', 'cast');
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
    throw new TypeError(expected("'float32', 'int32' or 'bool'", 'cast(dtype)', dtype));
  }
  return run1('cast', [t], t.shape, dtype);
}
registerGradient('cast', ([dy]) => [dy]);

export function clipByValue(x: TensorLike, clipValueMin: number, clipValueMax: number): Tensor {
  const t = toTensor(x, 'x', 'clipByValue');
  checkFloat(t, 'clipByValue');
  if (typeof clipValueMin !== 'number' || Number.isNaN(clipValueMin)) {
    throw new TypeError(expected('a number', 'clipByValue(clipValueMin)', clipValueMin));
  }
  if (typeof clipValueMax !== 'number' || Number.isNaN(clipValueMax) || clipValueMax < clipValueMin) {
    throw new RangeError(expected(`a number >= clipValueMin (${clipValueMin})`, 'clipByValue(clipValueMax)', clipValueMax));
  }
  return run1('clipByValue', [t], t.shape, 'float32', [clipValueMin, clipValueMax]);
}
registerGradient('clipByValue', ([dy], n) => {
  const x = x0(n);
  const inside = logicalAnd(greaterEqual(x, n.attrs[0]), lessEqual(x, n.attrs[1]));
  return [where(inside, dy, zerosLike(dy))];
});

// ---- activations ------------------------------------------------------------------------

function activation(name: keyof typeof ACTIVATION_CODES, x: TensorLike, alpha = 0): Tensor {
  const t = toTensor(x, 'x', name);
  checkFloat(t, name);
  const y = run1('activation', [t], t.shape, 'float32', [ACTIVATION_CODES[name], alpha]);
  if ((name === 'softmax' || name === 'sigmoid') && t.rank > 0) logitsOf.set(y, { activation: name, logits: t });  // Note [A loss meets its activation]
  return y;
}
registerGradient('activation', ([dy], n) => [run1('activationGrad', [dy, x0(n), y0(n)], dy.shape, 'float32', n.attrs)]);

export const relu = (x: TensorLike): Tensor => activation('relu', x);
export const relu6 = (x: TensorLike): Tensor => activation('relu6', x);
export const sigmoid = (x: TensorLike): Tensor => activation('sigmoid', x);
export const tanh = (x: TensorLike): Tensor => activation('tanh', x);
/** tfjs' elu (alpha 1). */
export const elu = (x: TensorLike): Tensor => activation('elu', x, 1);
export const selu = (x: TensorLike): Tensor => activation('selu', x);
export const softplus = (x: TensorLike): Tensor => activation('softplus', x);
export const softsign = (x: TensorLike): Tensor => activation('softsign', x);
/**
 * GELU: exact (erf, Keras' default) or, with approximate, Keras' tanh form
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), composed of ops (so its gradient is theirs).
 */
export const gelu = (x: TensorLike, approximate = false): Tensor => {
  if (typeof approximate !== 'boolean') throw new TypeError(expected('a boolean', 'gelu(approximate)', approximate));
  if (!approximate) return activation('gelu', x);
  const t = toTensor(x, 'x', 'gelu');
  checkFloat(t, 'gelu');
  const inner = mul(add(t, mul(mul(mul(t, t), t), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(t, 0.5), add(tanh(inner), 1));
};
/** x * sigmoid(x) (Keras' swish / silu). */
export const swish = (x: TensorLike): Tensor => activation('swish', x);

export function leakyRelu(x: TensorLike, alpha = 0.2): Tensor {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new TypeError(expected('a finite number', 'leakyRelu(alpha)', alpha));
  return activation('leakyRelu', x, alpha);
}

/** x where x > 0, else alpha * x (alpha broadcast against x). */
export function prelu(x: TensorLike, alpha: TensorLike): Tensor {
  const t = toTensor(x, 'x', 'prelu');
  checkFloat(t, 'prelu');
  return where(greater(t, 0), t, mul(alpha, t));
}

/** Softmax along `dim` (default the last axis). */
export function softmax(logits: TensorLike, dim = -1): Tensor {
  const t = toTensor(logits, 'logits', 'softmax');
  checkFloat(t, 'softmax', 'logits');
  if (t.rank === 0) throw new RangeError('softmax: logits must have rank >= 1');
  return alongLastAxis(t, normalizeAxis(dim, t.rank, 'softmax', 'dim'), (u) => activation('softmax', u));
}

/** Applies fn to x with `axis` moved last, then moves it back. */
export function alongLastAxis(x: Tensor, axis: number, fn: (u: Tensor) => Tensor): Tensor {
  if (axis === x.rank - 1) return fn(x);
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[axis] = x.rank - 1;
  perm[x.rank - 1] = axis;
  return transpose(fn(transpose(x, perm)), perm);
}

// ---- binary arithmetic ------------------------------------------------------------------

export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
/** Real division; two int32 tensors divide with floorDiv, as tfjs. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = binaryArgs('div', a, b, cast);
  if (x.dtype === 'int32' && y.dtype === 'int32') return floorDiv(x, y);
  return binary('div', x, y, true);
}
export const floorDiv = (a: TensorLike, b: TensorLike): Tensor => binary('floorDiv', a, b);
/** The remainder with the divisor's sign (numpy's and tfjs' mod). */
export const mod = (a: TensorLike, b: TensorLike): Tensor => binary('mod', a, b);
export const pow = (base: TensorLike, exponent: TensorLike): Tensor => binary('pow', base, exponent);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', a, b);
export const squaredDifference = (a: TensorLike, b: TensorLike): Tensor => binary('squaredDifference', a, b);
export const atan2 = (a: TensorLike, b: TensorLike): Tensor => binary('atan2', a, b, true);

const a0 = (n: TapeNode): Tensor => n.inputs[0];
const b0 = (n: TapeNode): Tensor => n.inputs[1];

registerGradient('add', ([dy], n) => [reduceTo(dy, a0(n).shape), reduceTo(dy, b0(n).shape)]);
registerGradient('sub', ([dy], n) => [reduceTo(dy, a0(n).shape), reduceTo(neg(dy), b0(n).shape)]);
registerGradient('mul', ([dy], n) => [reduceTo(mul(dy, b0(n)), a0(n).shape), reduceTo(mul(dy, a0(n)), b0(n).shape)]);
registerGradient('div', ([dy], n) => [
  reduceTo(div(dy, b0(n)), a0(n).shape),
  reduceTo(neg(div(mul(dy, a0(n)), square(b0(n)))), b0(n).shape),
]);
registerGradient('floorDiv', zeroGrad);
registerGradient('mod', ([dy], n) => [
  reduceTo(dy, a0(n).shape),
  reduceTo(neg(mul(dy, floor(div(a0(n), b0(n))))), b0(n).shape),
]);
registerGradient('pow', ([dy], n) => {
  const a = a0(n), b = b0(n), y = y0(n);
  const da = mul(dy, mul(b, pow(a, sub(b, 1))));
  // d/db a^b = a^b log a, taken as 0 where a <= 0 (as tfjs).
  const db = mul(dy, mul(y, where(greater(a, 0), log(a), zerosLike(a))));
  return [reduceTo(da, a.shape), reduceTo(db, b.shape)];
});
registerGradient('maximum', ([dy], n) => [
  reduceTo(mul(dy, cast(greaterEqual(a0(n), b0(n)), 'float32')), a0(n).shape),
  reduceTo(mul(dy, cast(less(a0(n), b0(n)), 'float32')), b0(n).shape),
]);
registerGradient('minimum', ([dy], n) => [
  reduceTo(mul(dy, cast(lessEqual(a0(n), b0(n)), 'float32')), a0(n).shape),
  reduceTo(mul(dy, cast(greater(a0(n), b0(n)), 'float32')), b0(n).shape),
]);
registerGradient('squaredDifference', ([dy], n) => {
  const d = mul(dy, mul(sub(a0(n), b0(n)), 2));
  return [reduceTo(d, a0(n).shape), reduceTo(neg(d), b0(n).shape)];
});
registerGradient('atan2', ([dy], n) => {
  const a = a0(n), b = b0(n);
  const denom = add(square(a), square(b));
  return [reduceTo(div(mul(dy, b), denom), a.shape), reduceTo(neg(div(mul(dy, a), denom)), b.shape)];
});

// ---- comparisons and logic (bool results, no gradient) ----------------------------------

function compare(op: string, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = binaryArgs(op, a, b, cast);
  return run1(op, [x, y], broadcastShapes(op, x.shape, y.shape), 'bool');
}
function checkBool(t: Tensor, op: string, argument: string): void {
  if (t.dtype !== 'bool') throw new TypeError(`${op}: expected a bool tensor for ${argument} but received ${t.dtype}`);
}
function logical(op: string, a: TensorLike, b: TensorLike): Tensor {
  const x = toTensor(a, 'a', op), y = toTensor(b, 'b', op);
  checkBool(x, op, 'a');
  checkBool(y, op, 'b');
  return run1(op, [x, y], broadcastShapes(op, x.shape, y.shape), 'bool');
}

export const equal = (a: TensorLike, b: TensorLike): Tensor => compare('equal', a, b);
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => compare('notEqual', a, b);
export const greater = (a: TensorLike, b: TensorLike): Tensor => compare('greater', a, b);
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => compare('greaterEqual', a, b);
export const less = (a: TensorLike, b: TensorLike): Tensor => compare('less', a, b);
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => compare('lessEqual', a, b);
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => logical('logicalAnd', a, b);
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => logical('logicalOr', a, b);
export const logicalXor = (a: TensorLike, b: TensorLike): Tensor => logical('logicalXor', a, b);

/** condition ? a : b elementwise, all three broadcast (numpy rules). */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const c = toTensor(condition, 'condition', 'where');
  checkBool(c, 'where', 'condition');
  const [x, y] = binaryArgs('where', a, b, cast);
  const shape = broadcastShapes('where', broadcastShapes('where', c.shape, x.shape), y.shape);
  return run1('where', [c, x, y], shape, x.dtype);
}
registerGradient('where', ([dy], n) => {
  const [c, a, b] = n.inputs;
  const zero = zerosLike(dy);
  return [null, reduceTo(where(c, dy, zero), a.shape), reduceTo(where(c, zero, dy), b.shape)];
});

/** x broadcast to `shape` (numpy rules). */
export function broadcastTo(x: TensorLike, shape: number[]): Tensor {
  const t = toTensor(x, 'x', 'broadcastTo');
  const out = broadcastShapes('broadcastTo', t.shape, shape);
  if (!sameShape(out, shape)) {
    throw new RangeError(`broadcastTo: a tensor of shape [${t.shape}] does not broadcast to [${shape}]`);
  }
  return run1('broadcastTo', [t], out, t.dtype);
}
registerGradient('broadcastTo', ([dy], n) => [reduceTo(dy, x0(n).shape)]);

for (const op of ['isNaN', 'isFinite', 'isInf', 'logicalNot', 'equal', 'notEqual', 'greater', 'greaterEqual', 'less',
  'lessEqual', 'logicalAnd', 'logicalOr', 'logicalXor']) {
  registerGradient(op, (_dys, node) => node.inputs.map(() => null));
}
