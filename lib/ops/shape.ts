// Shape and data-movement ops (tfjs names and semantics) and their gradients. reshape,
// expandDims and squeeze are views (the result shares x's memory, as in tfjs); the rest run
// the kernels of native/cpu/ops_shape.cpp.
import { expected, shapeString } from '../errors';
import { Tensor, inferShape, viewOf } from '../tensor';
import { run1 } from '../engine/registry';
import { recordOp, registerGradient } from '../engine/tape';
import { cast } from './elementwise';
import { sum } from './reduce';
import { TensorLike, normalizeAxis, toTensor, upcastType } from './util';

// ---- views ------------------------------------------------------------------------------

/** x with a new shape over the same memory; one dimension may be -1. */
export function reshape(x: TensorLike, shape: number[]): Tensor {
  const t = toTensor(x, 'x', 'reshape');
  const s = inferShapeAllowingZero(shape, t.size);
  const values = t.values;
  viewOf.next = true;  // Note [Tensor memory on the CPU]: the view adds no bytes
  const out = new Tensor(values, s, t.dtype);
  recordOp('reshape', [t], [out], []);
  return out;
}
registerGradient('reshape', ([dy], n) => [reshape(dy, n.inputs[0].shape.slice())]);

function inferShapeAllowingZero(shape: number[], size: number): number[] {
  if (Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0) && shape.reduce((a, b) => a * b, 1) === size) {
    return shape.slice();
  }
  return inferShape(shape, size, 'reshape(shape)');
}

/** x with a new axis of size 1 at `axis`. */
export function expandDims(x: TensorLike, axis = 0): Tensor {
  const t = toTensor(x, 'x', 'expandDims');
  const a = normalizeAxis(axis, t.rank + 1, 'expandDims');
  const shape = t.shape.slice();
  shape.splice(a, 0, 1);
  return reshape(t, shape);
}

/** x without its size-1 axes (or only those listed). */
export function squeeze(x: TensorLike, axis?: number[]): Tensor {
  const t = toTensor(x, 'x', 'squeeze');
  const axes = axis === undefined ? null : (Array.isArray(axis) ? axis : [axis]).map((a) => normalizeAxis(a, t.rank, 'squeeze'));
  if (axes !== null) {
    for (const a of axes) {
      if (t.shape[a] !== 1) throw new RangeError(`squeeze: axis ${a} of shape ${shapeString(t.shape)} is not 1`);
    }
  }
  return reshape(t, t.shape.filter((d, i) => (axes === null ? d !== 1 : !axes.includes(i))));
}

/** x as one axis. */
export function flatten(x: TensorLike): Tensor {
  const t = toTensor(x, 'x', 'flatten');
  return reshape(t, [t.size]);
}

/** A copy of x with its own memory. */
export function clone(x: TensorLike): Tensor {
  const t = toTensor(x, 'x', 'clone');
  return cast(t, t.dtype);
}

// ---- transpose, slices ------------------------------------------------------------------

/** x with its axes permuted (default: reversed). */
export function transpose(x: TensorLike, perm?: number[]): Tensor {
  const t = toTensor(x, 'x', 'transpose');
  const p = perm ?? t.shape.map((_, i) => t.rank - 1 - i);
  if (!Array.isArray(p) || p.length !== t.rank || new Set(p.map((a) => normalizeAxis(a, t.rank, 'transpose', 'perm'))).size !== t.rank) {
    throw new RangeError(expected(`a permutation of the ${t.rank} axes`, 'transpose(perm)', perm));
  }
  const q = p.map((a) => (a < 0 ? a + t.rank : a));
  if (t.rank <= 1) return clone(t);
  return run1('transpose', [t], q.map((a) => t.shape[a]), t.dtype, q);
}
registerGradient('transpose', ([dy], n) => {
  const inverse = new Array<number>(n.attrs.length);
  n.attrs.forEach((a, i) => (inverse[a] = i));
  return [transpose(dy, inverse)];
});

/** tfjs' slice: begin (a number or one per axis) and size (-1: to the end). */
export function slice(x: TensorLike, begin: number | number[], size?: number | number[]): Tensor {
  const t = toTensor(x, 'x', 'slice');
  const b = typeof begin === 'number' ? [begin, ...new Array(Math.max(0, t.rank - 1)).fill(0)] : begin.slice();
  while (b.length < t.rank) b.push(0);
  const s = size === undefined ? new Array(t.rank).fill(-1) : typeof size === 'number' ? [size, ...new Array(Math.max(0, t.rank - 1)).fill(-1)] : size.slice();
  while (s.length < t.rank) s.push(-1);
  if (b.length !== t.rank || s.length !== t.rank) {
    throw new RangeError(`slice: begin and size need ${t.rank} values for shape ${shapeString(t.shape)}`);
  }
  const shape = t.shape.map((d, i) => {
    if (!Number.isInteger(b[i]) || b[i] < 0 || b[i] > d) throw new RangeError(expected(`an integer in [0, ${d}]`, `slice(begin[${i}])`, b[i]));
    const n = s[i] === -1 ? d - b[i] : s[i];
    if (!Number.isInteger(n) || n < 0 || b[i] + n > d) {
      throw new RangeError(expected(`-1 or an integer in [0, ${d - b[i]}]`, `slice(size[${i}])`, s[i]));
    }
    return n;
  });
  return run1('stridedSlice', [t], shape, t.dtype, [...b.map((v, i) => (shape[i] === 0 ? 0 : v)), ...shape.map(() => 1)]);
}
registerGradient('stridedSlice', ([dy], n) => [run1('stridedSliceGrad', [dy], n.inputs[0].shape.slice(), 'float32', n.attrs)]);

/**
 * tfjs' (and TensorFlow's) stridedSlice with all five masks. The entries of begin/end/strides
 * form a sparse spec: an entry with its ellipsisMask bit set stands for as many full axes as the
 * other entries leave over, one with its newAxisMask bit inserts an axis of size 1, every other
 * entry slices the next axis of x (beginMask/endMask bits: from the start / to the end;
 * shrinkAxisMask: take the one index begin[i] and drop the axis). Axes after the last entry are
 * taken whole, as if an ellipsis ended the spec.
 */
export function stridedSlice(x: TensorLike, begin: number[], end: number[], strides?: number[], beginMask = 0, endMask = 0,
  ellipsisMask = 0, newAxisMask = 0, shrinkAxisMask = 0): Tensor {
  const t = toTensor(x, 'x', 'stridedSlice');
  const ints = (v: unknown, name: string): number[] => {
    if (!Array.isArray(v) || !v.every((e) => Number.isInteger(e))) throw new TypeError(expected('an array of integers', `stridedSlice(${name})`, v));
    return v;
  };
  const bs = ints(begin, 'begin'), es = ints(end, 'end');
  const st = strides === undefined || strides === null ? new Array<number>(bs.length).fill(1) : ints(strides, 'strides');
  if (es.length !== bs.length || st.length !== bs.length) {
    throw new RangeError(`stridedSlice: begin, end and strides must have the same length but have ${bs.length}, ${es.length} and ${st.length}`);
  }
  for (const [name, m] of [['beginMask', beginMask], ['endMask', endMask], ['ellipsisMask', ellipsisMask], ['newAxisMask', newAxisMask],
    ['shrinkAxisMask', shrinkAxisMask]] as const) {
    if (!Number.isInteger(m) || m < 0) throw new TypeError(expected('a non-negative integer bit mask', `stridedSlice(${name})`, m));
  }
  const bit = (mask: number, i: number): boolean => ((mask >>> i) & 1) === 1;
  const entries = bs.length;
  let ellipses = 0;
  for (let i = 0; i < entries; i++) if (bit(ellipsisMask, i)) ellipses++;
  if (ellipses > 1) throw new RangeError(expected('at most one bit set', 'stridedSlice(ellipsisMask)', ellipsisMask));
  // The dense spec: what happens to each axis of x, and the result's axes in order.
  interface AxisSpec { begin?: number; end?: number; step: number; shrink: boolean; entry: number }
  const axes: AxisSpec[] = [];
  const result: (number | 'new')[] = [];  // an axis of x, or an inserted axis of size 1
  const full = (): void => {
    result.push(axes.length);
    axes.push({ step: 1, shrink: false, entry: -1 });
  };
  let real = 0;
  for (let i = 0; i < entries; i++) if (!bit(ellipsisMask, i) && !bit(newAxisMask, i)) real++;
  if (real > t.rank) {
    throw new RangeError(`stridedSlice: ${real} indexed axes but x has rank ${t.rank} (shape ${shapeString(t.shape)})`);
  }
  for (let i = 0; i < entries; i++) {
    if (bit(ellipsisMask, i)) {
      for (let k = 0; k < t.rank - real; k++) full();
    } else if (bit(newAxisMask, i)) {
      result.push('new');
    } else {
      const shrink = bit(shrinkAxisMask, i);
      if (!shrink) result.push(axes.length);
      axes.push({ begin: bit(beginMask, i) ? undefined : bs[i], end: bit(endMask, i) ? undefined : es[i], step: st[i], shrink, entry: i });
    }
  }
  while (axes.length < t.rank) full();
  const starts: number[] = [], sizes: number[] = [], steps: number[] = [];
  axes.forEach((spec, axis) => {
    const d = t.shape[axis];
    const where = spec.entry >= 0 ? `[${spec.entry}]` : ` (axis ${axis})`;
    let step = spec.step;
    if (!Number.isInteger(step) || step === 0) throw new RangeError(expected('a non-zero integer', `stridedSlice(strides${where})`, step));
    let b: number, e: number;
    if (spec.shrink) {
      b = spec.begin === undefined ? 0 : spec.begin < 0 ? spec.begin + d : spec.begin;
      if (!(b >= 0 && b < d)) throw new RangeError(`stridedSlice: index ${spec.begin} is outside axis ${axis} of size ${d}`);
      e = b + 1;
      step = 1;
    } else {
      const clamp = (v: number): number => {
        const k = v < 0 ? v + d : v;
        return step > 0 ? Math.min(Math.max(k, 0), d) : Math.min(Math.max(k, -1), d - 1);
      };
      b = spec.begin === undefined ? (step > 0 ? 0 : d - 1) : clamp(spec.begin);
      e = spec.end === undefined ? (step > 0 ? d : -1) : clamp(spec.end);
    }
    const n = Math.max(0, Math.ceil((e - b) / step));
    starts.push(n === 0 ? 0 : b);
    sizes.push(n);
    steps.push(step);
  });
  const y = run1('stridedSlice', [t], sizes, t.dtype, [...starts, ...steps]);
  return reshape(y, result.map((r) => (r === 'new' ? 1 : sizes[r])));
}

// ---- concat, stack, split ---------------------------------------------------------------

/** Joins tensors along an existing axis. */
export function concat(tensors: TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new TypeError(expected('a non-empty array of tensors', 'concat(tensors)', tensors));
  let ts = tensors.map((x, i) => toTensor(x, `tensors[${i}]`, 'concat'));
  const dtype = ts.map((t) => t.dtype).reduce(upcastType);
  ts = ts.map((t) => (t.dtype === dtype ? t : cast(t, dtype)));
  const rank = ts[0].rank;
  if (rank === 0) throw new RangeError('concat: scalars cannot be concatenated (use stack)');
  const a = normalizeAxis(axis, rank, 'concat');
  const shape = ts[0].shape.slice();
  shape[a] = 0;
  ts.forEach((t, i) => {
    if (t.rank !== rank || t.shape.some((d, j) => j !== a && d !== ts[0].shape[j])) {
      throw new RangeError(`concat: tensors[${i}] has shape ${shapeString(t.shape)}, which does not match ` +
        `${shapeString(ts[0].shape)} off axis ${a}`);
    }
    shape[a] += t.shape[a];
  });
  if (ts.length === 1) return clone(ts[0]);
  if (ts.length > 16) {  // the native dispatch takes 16 inputs: join in groups
    const groups: Tensor[] = [];
    for (let i = 0; i < ts.length; i += 16) groups.push(concat(ts.slice(i, i + 16), a));
    return concat(groups, a);
  }
  return run1('concat', ts, shape, dtype, [a]);
}
registerGradient('concat', ([dy], n) => {
  const a = n.attrs[0];
  let at = 0;
  return n.inputs.map((x) => {
    const begin = dy.shape.map(() => 0);
    begin[a] = at;
    at += x.shape[a];
    return slice(dy, begin, x.shape.slice());
  });
});

/** Joins tensors of one shape along a new axis. */
export function stack(tensors: TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new TypeError(expected('a non-empty array of tensors', 'stack(tensors)', tensors));
  const ts = tensors.map((x, i) => toTensor(x, `tensors[${i}]`, 'stack'));
  ts.forEach((t, i) => {
    if (t.rank !== ts[0].rank || t.shape.some((d, j) => d !== ts[0].shape[j])) {
      throw new RangeError(`stack: tensors[${i}] has shape ${shapeString(t.shape)} but tensors[0] has ${shapeString(ts[0].shape)}`);
    }
  });
  const a = normalizeAxis(axis, ts[0].rank + 1, 'stack');
  return concat(ts.map((t) => expandDims(t, a)), a);
}

/** The slices of x along axis, each without that axis. */
export function unstack(x: TensorLike, axis = 0): Tensor[] {
  const t = toTensor(x, 'x', 'unstack');
  if (t.rank === 0) throw new RangeError('unstack: x must have rank >= 1');
  const a = normalizeAxis(axis, t.rank, 'unstack');
  const size = t.shape.slice();
  size[a] = 1;
  return Array.from({ length: t.shape[a] }, (_, i) => {
    const begin = t.shape.map(() => 0);
    begin[a] = i;
    return squeeze(slice(t, begin, size), [a]);
  });
}

/** Splits x along axis into n equal parts, or into parts of the given sizes (one may be -1). */
export function split(x: TensorLike, numOrSizeSplits: number | number[], axis = 0): Tensor[] {
  const t = toTensor(x, 'x', 'split');
  const a = normalizeAxis(axis, t.rank, 'split');
  const d = t.shape[a];
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    if (!Number.isInteger(numOrSizeSplits) || numOrSizeSplits <= 0 || d % numOrSizeSplits !== 0) {
      throw new RangeError(expected(`a positive integer dividing ${d}`, 'split(numOrSizeSplits)', numOrSizeSplits));
    }
    sizes = new Array(numOrSizeSplits).fill(d / numOrSizeSplits);
  } else {
    sizes = numOrSizeSplits.slice();
    const free = sizes.indexOf(-1);
    if (free >= 0) sizes[free] = d - sizes.reduce((s, v, i) => (i === free ? s : s + v), 0);
    if (sizes.some((v) => !Number.isInteger(v) || v < 0) || sizes.reduce((s, v) => s + v, 0) !== d) {
      throw new RangeError(expected(`sizes adding up to ${d}`, 'split(numOrSizeSplits)', numOrSizeSplits));
    }
  }
  let at = 0;
  return sizes.map((n) => {
    const begin = t.shape.map(() => 0);
    begin[a] = at;
    at += n;
    const size = t.shape.slice();
    size[a] = n;
    return slice(t, begin, size);
  });
}

// ---- gather, tile, pad, reverse ---------------------------------------------------------

function indicesTensor(indices: TensorLike, op: string): Tensor {
  const t = indices instanceof Tensor ? indices : toTensor(indices, 'indices', op, 'int32');
  if (t.dtype !== 'int32') throw new TypeError(`${op}: expected int32 indices but received ${t.dtype}`);
  return t;
}

/**
 * x.take(indices, axis): slices of x along axis picked by int32 indices. With batchDims b, the
 * first b axes of x and indices are batch axes walked together (tfjs/TensorFlow semantics): the
 * result is x.shape[:axis] + indices.shape[b:] + x.shape[axis+1:].
 */
export function gather(x: TensorLike, indices: TensorLike, axis = 0, batchDims = 0): Tensor {
  const t = toTensor(x, 'x', 'gather');
  if (t.rank === 0) throw new RangeError('gather: x must have rank >= 1');
  const idx = indicesTensor(indices, 'gather');
  const a = normalizeAxis(axis, t.rank, 'gather');
  if (!Number.isInteger(batchDims)) throw new TypeError(expected('an integer', 'gather(batchDims)', batchDims));
  const bd = batchDims < 0 ? batchDims + idx.rank : batchDims;
  if (bd === 0) {
    const shape = [...t.shape.slice(0, a), ...idx.shape, ...t.shape.slice(a + 1)];
    return run1('gather', [t, idx], shape, t.dtype, [a]);
  }
  if (bd < 0 || bd > idx.rank || bd > a) {
    throw new RangeError(expected(`an integer in [0, min(axis ${a}, indices rank ${idx.rank})]`, 'gather(batchDims)', batchDims));
  }
  for (let i = 0; i < bd; i++) {
    if (t.shape[i] !== idx.shape[i]) {
      throw new RangeError(`gather: with batchDims ${bd}, x ${shapeString(t.shape)} and indices ${shapeString(idx.shape)} must agree on the first ${bd} axes`);
    }
  }
  // Every batch's indices address its own rows once the batches are laid end to end: check them
  // here, since an index out of its range would silently land in a neighbouring batch.
  const n = t.shape[a];
  const iv = idx.values;
  for (let i = 0; i < iv.length; i++) {
    if (iv[i] < 0 || iv[i] >= n) throw new RangeError(expected(`an index in [0, ${n})`, `gather(indices)[${i}]`, iv[i]));
  }
  const batch = t.shape.slice(0, bd), middle = t.shape.slice(bd, a), rest = t.shape.slice(a + 1);
  const B = batch.reduce((p, d) => p * d, 1), I = idx.size / Math.max(B, 1);
  // x as [B * n, middle..., rest...] (axis moved next to the batch axes), indices offset per batch
  const perm = [...Array.from({ length: bd }, (_, i) => i), a, ...Array.from({ length: a - bd }, (_, i) => bd + i),
    ...Array.from({ length: t.rank - a - 1 }, (_, i) => a + 1 + i)];
  const xs = reshape(transpose(t, perm), [B * n, ...middle, ...rest]);
  const offsets = new Int32Array(B * I);
  for (let b = 0; b < B; b++) for (let j = 0; j < I; j++) offsets[b * I + j] = iv[b * I + j] + b * n;
  const picked = run1('gather', [xs, new Tensor(offsets, [B * I], 'int32')], [B * I, ...middle, ...rest], t.dtype, [0]);
  // [B..., I..., middle..., rest...] -> [B..., middle..., I..., rest...]
  const iShape = idx.shape.slice(bd);
  const grouped = reshape(picked, [...batch, ...iShape, ...middle, ...rest]);
  const r = bd + iShape.length;
  const back = [...Array.from({ length: bd }, (_, i) => i), ...middle.map((_, i) => r + i), ...iShape.map((_, i) => bd + i),
    ...rest.map((_, i) => r + middle.length + i)];
  return transpose(grouped, back);
}
registerGradient('gather', ([dy], n) => [run1('gatherGrad', [dy, n.inputs[1]], n.inputs[0].shape.slice(), 'float32', n.attrs), null]);

/** tfjs' gatherND: indices (..., k) address the first k axes of x. */
export function gatherND(x: TensorLike, indices: TensorLike): Tensor {
  const t = toTensor(x, 'x', 'gatherND');
  const idx = indicesTensor(indices, 'gatherND');
  if (idx.rank === 0) throw new RangeError('gatherND: indices must have rank >= 1');
  const k = idx.shape[idx.rank - 1];
  if (k < 1 || k > t.rank) throw new RangeError(`gatherND: the last axis of indices (${k}) must be in [1, ${t.rank}]`);
  return run1('gatherND', [t, idx], [...idx.shape.slice(0, -1), ...t.shape.slice(k)], t.dtype);
}
registerGradient('gatherND', ([dy], n) => [run1('gatherNDGrad', [dy, n.inputs[1]], n.inputs[0].shape.slice(), 'float32'), null]);

/** x repeated reps[i] times along each axis. */
export function tile(x: TensorLike, reps: number[]): Tensor {
  const t = toTensor(x, 'x', 'tile');
  if (!Array.isArray(reps) || reps.length !== t.rank || reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new RangeError(expected(`${t.rank} non-negative integers`, 'tile(reps)', reps));
  }
  return run1('tile', [t], t.shape.map((d, i) => d * reps[i]), t.dtype);
}
registerGradient('tile', ([dy], n) => {
  const x = n.inputs[0];
  // dy viewed as (rep0, x0, rep1, x1, ...): sum over the rep axes.
  const view: number[] = [];
  x.shape.forEach((d, i) => view.push(dy.shape[i] / Math.max(d, 1), d));
  const repAxes = x.shape.map((_, i) => 2 * i);
  return [reshape(sum(reshape(dy, view), repAxes), x.shape.slice())];
});

/** Pads with a constant: paddings [[before, after], ...] one pair per axis. */
export function pad(x: TensorLike, paddings: [number, number][], constantValue = 0): Tensor {
  const t = toTensor(x, 'x', 'pad');
  if (!Array.isArray(paddings) || paddings.length !== t.rank ||
    paddings.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
    throw new RangeError(expected(`${t.rank} pairs [before, after] of non-negative integers`, 'pad(paddings)', paddings));
  }
  if (typeof constantValue !== 'number' || Number.isNaN(constantValue) && t.dtype !== 'float32') {
    throw new TypeError(expected('a number', 'pad(constantValue)', constantValue));
  }
  return run1('pad', [t], t.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]), t.dtype,
    [constantValue, ...paddings.map((p) => p[0])]);
}
registerGradient('pad', ([dy], n) => [slice(dy, n.attrs.slice(1), n.inputs[0].shape.slice())]);

/** x reversed along the given axes (default all). */
export function reverse(x: TensorLike, axis?: number | number[]): Tensor {
  const t = toTensor(x, 'x', 'reverse');
  const axes = axis === undefined ? t.shape.map((_, i) => i) : (Array.isArray(axis) ? axis : [axis]).map((a) => normalizeAxis(a, t.rank, 'reverse'));
  if (t.rank === 0) return clone(t);
  return run1('reverse', [t], t.shape.slice(), t.dtype, t.shape.map((_, i) => (axes.includes(i) ? 1 : 0)));
}
registerGradient('reverse', ([dy], n) => [run1('reverse', [dy], dy.shape.slice(), 'float32', n.attrs)]);
