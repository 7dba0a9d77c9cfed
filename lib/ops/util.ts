// What every op file shares: turning op arguments into tensors (numbers and arrays are
// converted, as tfjs does), dtype promotion, broadcast shapes, axis arguments, and summing a
// gradient back to the shape of a broadcast input.
import { expected, shapeString } from '../errors';
import { DType, NestedArray, Tensor, TypedArray, checkTensor, tensor } from '../tensor';

/** What ops accept where a tensor is expected. */
export type TensorLike = Tensor | number | boolean | NestedArray | TypedArray | boolean[];

/** The tensor for argument `argument` of op `op` (numbers and arrays converted; dtype inferred as tfjs). */
export function toTensor(x: TensorLike, argument: string, op: string, dtype?: DType): Tensor {
  if (x instanceof Tensor) return checkTensor(x, `${op}(${argument})`);
  if (typeof x === 'boolean') return new Tensor(Uint8Array.of(x ? 1 : 0), [], 'bool');
  if (Array.isArray(x) && typeof flatFirst(x) === 'boolean') {
    const flat: number[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else flat.push(v ? 1 : 0);
    };
    walk(x);
    return new Tensor(Uint8Array.from(flat), shapeOfNested(x), 'bool');
  }
  if (typeof x === 'number' || Array.isArray(x) || ArrayBuffer.isView(x)) {
    if (x instanceof Uint8Array) return new Tensor(x, [x.length], 'bool');
    return tensor(x as NestedArray, undefined, dtype);
  }
  throw new TypeError(expected('a Tensor, a number or an array', `${op}(${argument})`, x));
}

function flatFirst(x: unknown): unknown {
  let v = x;
  while (Array.isArray(v)) v = v[0];
  return v;
}

function shapeOfNested(x: unknown[]): number[] {
  const shape: number[] = [];
  let v: unknown = x;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/** tfjs' upcast order: bool < int32 < float32. */
export function upcastType(a: DType, b: DType): DType {
  if (a === 'float32' || b === 'float32') return 'float32';
  if (a === 'int32' || b === 'int32') return 'int32';
  return 'bool';
}

/**
 * Two op arguments as tensors of one dtype: a number takes the other tensor's dtype when it
 * fits (x.add(1) on int32 stays int32), otherwise both go to the wider type (tfjs'
 * makeTypesMatch).
 */
export function binaryArgs(op: string, a: TensorLike, b: TensorLike, castTo: (t: Tensor, d: DType) => Tensor): [Tensor, Tensor] {
  const ta = a instanceof Tensor ? checkTensor(a, `${op}(a)`) : null;
  const tb = b instanceof Tensor ? checkTensor(b, `${op}(b)`) : null;
  const hint = (other: Tensor | null, v: TensorLike): DType | undefined =>
    other !== null && typeof v === 'number' && other.dtype === 'int32' && Number.isInteger(v) ? 'int32' : undefined;
  const x = ta ?? toTensor(a, 'a', op, hint(tb, a));
  const y = tb ?? toTensor(b, 'b', op, hint(ta, b));
  const t = upcastType(x.dtype, y.dtype);
  return [x.dtype === t ? x : castTo(x, t), y.dtype === t ? y : castTo(y, t)];
}

/** numpy's broadcast of two shapes; a RangeError naming both when they do not broadcast. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${op}: shapes ${shapeString(a)} and ${shapeString(b)} do not broadcast ` +
        `(axis ${i} of the result: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The axes of `outShape` along which an input of `inShape` was broadcast (for its gradient). */
export function broadcastAxes(inShape: readonly number[], outShape: readonly number[]): number[] {
  const axes: number[] = [];
  const lead = outShape.length - inShape.length;
  for (let i = 0; i < outShape.length; i++) {
    if (i < lead || (inShape[i - lead] === 1 && outShape[i] !== 1)) axes.push(i);
  }
  return axes;
}

/** Normalizes an axis argument (negative counts from the end) against a rank. */
export function normalizeAxis(axis: unknown, rank: number, op: string, argument = 'axis'): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -Math.max(rank, 1) || axis >= Math.max(rank, 1)) {
    throw new RangeError(expected(`an integer axis in [${-Math.max(rank, 1)}, ${Math.max(rank, 1) - 1}]`, `${op}(${argument})`, axis));
  }
  return axis < 0 ? axis + rank : axis;
}

/** An axis or list of axes (undefined or null: all), normalized, sorted, without repeats. */
export function normalizeAxes(axis: unknown, rank: number, op: string): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  const out = list.map((a) => normalizeAxis(a, rank, op));
  if (new Set(out).size !== out.length) throw new RangeError(expected('distinct axes', `${op}(axis)`, axis));
  return out.sort((x, y) => x - y);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkFloat(t: Tensor, op: string, argument = 'x'): void {
  if (t.dtype !== 'float32') {
    throw new TypeError(`${op}: expected a float32 tensor for ${argument} but received ${t.dtype} ` +
      `(shape ${shapeString(t.shape)}); cast it first (tn.cast(x, 'float32'))`);
  }
}

export function checkNumeric(t: Tensor, op: string, argument = 'x'): void {
  if (t.dtype === 'bool') {
    throw new TypeError(`${op}: expected a float32 or int32 tensor for ${argument} but received bool ` +
      `(shape ${shapeString(t.shape)})`);
  }
}

/**
 * Note [A loss meets its activation]
 * Cross-entropy of softmax (or sigmoid) probabilities is computed from the logits, in one fused
 * op, whenever the probabilities were made by an op that knows them: tn.softmax / tn.sigmoid over
 * the last axis, and the fused dense op with a softmax or sigmoid activation record here which
 * tensor holds their logits. The losses (lib/ops/loss.ts) look the prediction up and, when found,
 * use the logits: exact where log(softmax) would lose digits, and its gradient is the plain
 * (probs - labels) instead of a division by the probabilities. This is the rewrite DESIGN.md
 * asks for: no flag is threaded through layers, the loss sees where its input came from. The
 * map is weak, so it keeps nothing alive.
 */
export const logitsOf = new WeakMap<Tensor, { activation: 'softmax' | 'sigmoid'; logits: Tensor }>();
