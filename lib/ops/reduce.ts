// Reductions over axes (tfjs names and semantics: axis = a number, a list, or all; keepDims)
// and their gradients. The kernels (native/cpu/ops_reduce.cpp) reduce the middle of an
// (outer, mid, inner) view; reduce() below moves non-adjacent reduced axes together with one
// transpose first.
import { expected } from '../errors';
import { DType, Tensor, scalar } from '../tensor';
import { run1, runKernel } from '../engine/registry';
import { registerGradient, TapeNode } from '../engine/tape';
import {
  abs, add, broadcastTo, cast, div, equal, exp, isFinite, log, mul, sqrt, square, sub, where,
} from './elementwise';
import { reshape, transpose } from './shape';
import { TensorLike, checkFloat, checkNumeric, normalizeAxes, normalizeAxis, toTensor } from './util';

function keptShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** Runs a reduction kernel over `axes` of x (sorted, distinct). */
function reduce(op: string, x: Tensor, axes: number[], keepDims: boolean, outDtype: DType): Tensor {
  const outShape = keptShape(x.shape, axes, keepDims);
  if (x.rank === 0) return run1(op, [x], outShape, outDtype, [1, 1, 1]);
  const contiguous = axes.length > 0 && axes[axes.length - 1] - axes[0] === axes.length - 1;
  let src = x;
  let first = axes.length > 0 ? axes[0] : x.rank;
  let last = axes.length > 0 ? axes[axes.length - 1] : x.rank - 1;
  if (!contiguous && axes.length > 0) {
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    src = transpose(x, [...kept, ...axes]);
    first = kept.length;
    last = x.rank - 1;
  }
  const prod = (from: number, to: number): number => src.shape.slice(from, to).reduce((a, b) => a * b, 1);
  const outer = prod(0, first), mid = prod(first, last + 1), inner = prod(last + 1, src.rank);
  return run1(op, [src], outShape, outDtype, [outer, mid, inner]);
}

/** The reduced tensor's gradient broadcast back over the (outer, mid, inner) view of x. */
function spread(dy: Tensor, node: TapeNode): Tensor {
  const x = node.inputs[0];
  const [outer, mid, inner] = node.attrs;
  return reshape(broadcastTo(reshape(dy, [outer, 1, inner]), [outer, mid, inner]), x.shape.slice());
}

export function sum(x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor {
  const t = toTensor(x, 'x', 'sum');
  // tfjs sums bool as int32
  const src = t.dtype === 'bool' ? cast(t, 'int32') : t;
  return reduce('sum', src, normalizeAxes(axis, src.rank, 'sum'), keepDims, src.dtype);
}
registerGradient('sum', ([dy], n) => [spread(dy, n)]);

export function mean(x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor {
  const t = toTensor(x, 'x', 'mean');
  checkNumeric(t, 'mean');
  const f = t.dtype === 'float32' ? t : cast(t, 'float32');
  const axes = normalizeAxes(axis, f.rank, 'mean');
  const count = axes.reduce((a, i) => a * f.shape[i], 1);
  return div(reduce('sum', f, axes, keepDims, 'float32'), count);
}

export function prod(x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor {
  const t = toTensor(x, 'x', 'prod');
  const src = t.dtype === 'bool' ? cast(t, 'int32') : t;
  return reduce('prod', src, normalizeAxes(axis, src.rank, 'prod'), keepDims, src.dtype);
}
// d prod / d x_i = the product of the other elements: computed exactly (zeros included) from
// prefix and suffix products of each reduced run. A host loop over the CPU arrays for now.
registerGradient('prod', ([dy], n) => {
  const x = n.inputs[0];
  const [outer, mid, inner] = n.attrs;
  const xv = x.values as Float32Array, g = dy.values as Float32Array;
  const out = new Float32Array(x.size);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let before = 1;
      for (let m = 0; m < mid; m++) {
        const at = (o * mid + m) * inner + j;
        out[at] = before;
        before *= xv[at];
      }
      let after = 1;
      for (let m = mid - 1; m >= 0; m--) {
        const at = (o * mid + m) * inner + j;
        out[at] *= after * g[o * inner + j];
        after *= xv[at];
      }
    }
  }
  return [new Tensor(out, x.shape.slice(), 'float32')];
});

export function max(x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor {
  const t = toTensor(x, 'x', 'max');
  checkNumeric(t, 'max');
  return reduce('max', t, normalizeAxes(axis, t.rank, 'max'), keepDims, t.dtype);
}
export function min(x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor {
  const t = toTensor(x, 'x', 'min');
  checkNumeric(t, 'min');
  return reduce('min', t, normalizeAxes(axis, t.rank, 'min'), keepDims, t.dtype);
}
// As tfjs: the gradient goes to every element equal to the extreme.
const extremeGrad = ([dy]: Tensor[], n: TapeNode): Tensor[] => {
  const x = n.inputs[0];
  const [outer, mid, inner] = n.attrs;
  const y = reshape(n.outputs[0], [outer, 1, inner]);
  const hit = cast(equal(reshape(x, [outer, mid, inner]), y), 'float32');
  return [reshape(mul(hit, reshape(dy, [outer, 1, inner])), x.shape.slice())];
};
registerGradient('max', extremeGrad);
registerGradient('min', extremeGrad);

function argExtreme(op: 'argMax' | 'argMin', x: TensorLike, axis: number): Tensor {
  const t = toTensor(x, 'x', op);
  checkNumeric(t, op);
  if (t.rank === 0) throw new RangeError(`${op}: x must have rank >= 1`);
  const a = normalizeAxis(axis, t.rank, op);
  if (t.shape[a] === 0) throw new RangeError(`${op}: axis ${a} of x is empty`);
  return reduce(op, t, [a], false, 'int32');
}
/** Index of the largest value along axis (default 0, as tfjs). */
export const argMax = (x: TensorLike, axis = 0): Tensor => argExtreme('argMax', x, axis);
export const argMin = (x: TensorLike, axis = 0): Tensor => argExtreme('argMin', x, axis);

function boolReduce(op: 'any' | 'all', x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor {
  const t = toTensor(x, 'x', op);
  const b = t.dtype === 'bool' ? t : cast(t, 'bool');
  return reduce(op, b, normalizeAxes(axis, b.rank, op), keepDims, 'bool');
}
export const any = (x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor => boolReduce('any', x, axis, keepDims);
export const all = (x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor => boolReduce('all', x, axis, keepDims);
for (const op of ['argMax', 'argMin', 'any', 'all']) registerGradient(op, (_dys, node) => node.inputs.map(() => null));

/** log(sum(exp(x))) over axes, computed stably (the max is subtracted first). */
export function logSumExp(x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor {
  const t = toTensor(x, 'x', 'logSumExp');
  checkFloat(t, 'logSumExp');
  const axes = normalizeAxes(axis, t.rank, 'logSumExp');
  const m = reduce('max', t, axes, true, 'float32');
  // A row of -inf has max -inf: subtracting it would give NaN, so such rows use 0.
  const safe = where(isFinite(m), m, scalar(0));
  const s = log(reduce('sum', exp(sub(t, safe)), axes, true, 'float32'));
  const out = add(s, safe);
  return keepDims ? out : reshape(out, keptShape(t.shape, axes, false));
}

/** Mean and variance over axes (tfjs' moments). */
export function moments(x: TensorLike, axis?: number | number[] | null, keepDims = false): { mean: Tensor; variance: Tensor } {
  const t = toTensor(x, 'x', 'moments');
  checkFloat(t, 'moments');
  const m = mean(t, axis, true);
  const variance = mean(square(sub(t, m)), axis, keepDims);
  return { mean: keepDims ? m : reshape(m, keptShape(t.shape, normalizeAxes(axis, t.rank, 'moments'), false)), variance };
}

/** Vector and matrix norms as tfjs: ord 'euclidean' | 'fro' | 1 | 2 | Infinity | -Infinity (over one axis). */
export function norm(x: TensorLike, ord: number | 'euclidean' | 'fro' = 'euclidean', axis?: number | number[] | null,
  keepDims = false): Tensor {
  const t = toTensor(x, 'x', 'norm');
  checkFloat(t, 'norm');
  const axes = normalizeAxes(axis, t.rank, 'norm');
  if (ord === 'euclidean' || ord === 'fro' || (ord === 2 && axes.length === 1)) return sqrt(sum(square(t), axes, keepDims));
  if (axes.length !== 1) {
    throw new RangeError(expected("'euclidean' or 'fro' for a norm over several axes", 'norm(ord)', ord));
  }
  if (ord === 1) return sum(abs(t), axes, keepDims);
  if (ord === Infinity) return max(abs(t), axes, keepDims);
  if (ord === -Infinity) return min(abs(t), axes, keepDims);
  throw new RangeError(expected("'euclidean', 'fro', 1, 2, Infinity or -Infinity", 'norm(ord)', ord));
}

/** Running sum along axis (tfjs' cumsum: exclusive starts at 0, reverse runs from the end). */
export function cumsum(x: TensorLike, axis = 0, exclusive = false, reverse = false): Tensor {
  const t = toTensor(x, 'x', 'cumsum');
  checkNumeric(t, 'cumsum');
  if (t.rank === 0) throw new RangeError('cumsum: x must have rank >= 1');
  const a = normalizeAxis(axis, t.rank, 'cumsum');
  const outer = t.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = t.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  return run1('cumsum', [t], t.shape.slice(), t.dtype, [outer, t.shape[a], inner, exclusive ? 1 : 0, reverse ? 1 : 0]);
}
registerGradient('cumsum', ([dy], n) => {
  const [outer, mid, inner, exclusive, reverse] = n.attrs;
  return [run1('cumsum', [dy], dy.shape.slice(), 'float32', [outer, mid, inner, exclusive, reverse ? 0 : 1])];
});

/**
 * tfjs' topk: the k largest entries along the last axis and their indices (int32), largest first
 * when sorted (ties: the lower index first). Gradient: dy flows back to the picked entries.
 */
export function topk(x: TensorLike, k = 1, sorted = true): { values: Tensor; indices: Tensor } {
  const t = toTensor(x, 'x', 'topk');
  checkNumeric(t, 'topk');
  if (t.rank === 0) throw new RangeError('topk: x must have rank >= 1');
  const n = t.shape[t.rank - 1];
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(expected(`an integer in [0, ${n}] (the last axis of x)`, 'topk(k)', k));
  if (typeof sorted !== 'boolean') throw new TypeError(expected('a boolean', 'topk(sorted)', sorted));
  const shape = [...t.shape.slice(0, -1), k];
  const [values, indices] = runKernel('topk', [t], [{ shape, dtype: t.dtype }, { shape, dtype: 'int32' }], [k, sorted ? 1 : 0]);
  return { values, indices };
}
registerGradient('topk', ([dValues], n) => {
  // dx[row, indices[row, j]] += dValues[row, j]: as gatherND's gradient, with (row, index) pairs
  const x = n.inputs[0], indices = n.outputs[1];
  const cols = x.shape[x.rank - 1], k = indices.shape[indices.rank - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  const pairs = new Int32Array(rows * k * 2);
  const idx = indices.values;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      pairs[2 * (r * k + j)] = r;
      pairs[2 * (r * k + j) + 1] = idx[r * k + j];
    }
  }
  const flat = run1('gatherNDGrad', [reshape(dValues, [rows * k]), new Tensor(pairs, [rows * k, 2], 'int32')], [rows, cols], 'float32');
  return [reshape(flat, x.shape.slice())];
});
