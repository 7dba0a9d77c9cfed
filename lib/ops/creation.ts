// Tensor creation beyond tn.tensor/zeros/ones/fill (lib/tensor.ts): tfjs' zerosLike, onesLike,
// range, linspace, eye. Filled on the host: writing n numbers costs what a kernel call would.
import { expected } from '../errors';
import { DType, Tensor, arrayTypeOf, fill, isInt32, toInt32 } from '../tensor';
import { TensorLike, toTensor } from './util';

export function zerosLike(x: TensorLike): Tensor {
  const t = toTensor(x, 'x', 'zerosLike');
  return new Tensor(new (arrayTypeOf(t.dtype))(t.size), t.shape.slice(), t.dtype);
}

export function onesLike(x: TensorLike): Tensor {
  const t = zerosLike(x);
  t.values.fill(1);
  return t;
}

/** start, start + step, ... below stop (above it for a negative step), as tfjs' range. */
export function range(start: number, stop: number, step = 1, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(expected('a finite number', `range(${name})`, v));
  }
  if (step === 0) throw new RangeError('range: step must not be 0');
  if (dtype !== 'float32' && dtype !== 'int32') throw new TypeError(expected("'float32' or 'int32'", 'range(dtype)', dtype));
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const out = new (arrayTypeOf(dtype))(n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return new Tensor(out, [n], dtype);
}

/** num evenly spaced values from start to stop, both included. */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isInteger(num) || num <= 0) throw new RangeError(expected('a positive integer', 'linspace(num)', num));
  const out = new Float32Array(num);
  const step = num === 1 ? 0 : (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  return new Tensor(out, [num], 'float32');
}

/** An identity matrix (numRows x numColumns), optionally repeated over batchShape. */
export function eye(numRows: number, numColumns?: number, batchShape?: number[], dtype: DType = 'float32'): Tensor {
  const cols = numColumns ?? numRows;
  if (!Number.isInteger(numRows) || numRows < 0) throw new RangeError(expected('a non-negative integer', 'eye(numRows)', numRows));
  if (!Number.isInteger(cols) || cols < 0) throw new RangeError(expected('a non-negative integer', 'eye(numColumns)', numColumns));
  if (dtype !== 'float32' && dtype !== 'int32') throw new TypeError(expected("'float32' or 'int32'", 'eye(dtype)', dtype));
  const batch = batchShape ?? [];
  const t = fill([...batch, numRows, cols], 0, dtype);
  const v = t.values;
  const per = numRows * cols;
  for (let b = 0; b < v.length / Math.max(per, 1); b++) for (let i = 0; i < Math.min(numRows, cols); i++) v[b * per + i * cols + i] = 1;
  return t;
}

/**
 * tfjs' oneHot: [...indices.shape, depth] with onValue where the last axis equals the index and
 * offValue elsewhere; int32 unless dtype says otherwise. An index outside [0, depth) gives a row
 * of offValue, as in tfjs and TensorFlow.
 */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DType = 'int32'): Tensor {
  const idx = indices instanceof Tensor ? toTensor(indices, 'indices', 'oneHot')
    : ArrayBuffer.isView(indices) || (Array.isArray(indices) && !indices.some(Array.isArray))
      ? new Tensor(toInt32(Array.from(indices as ArrayLike<number>), 'oneHot(indices)'), [(indices as ArrayLike<number>).length], 'int32')
      : toTensor(indices, 'indices', 'oneHot', 'int32');
  if (idx.dtype !== 'int32') throw new TypeError(expected('int32 indices', 'oneHot(indices)', `a ${idx.dtype} tensor`));
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError(expected('a positive integer', 'oneHot(depth)', depth));
  if (dtype !== 'float32' && dtype !== 'int32') throw new TypeError(expected("'float32' or 'int32'", 'oneHot(dtype)', dtype));
  for (const [name, v] of [['onValue', onValue], ['offValue', offValue]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || (dtype === 'int32' && !isInt32(v))) {
      throw new TypeError(expected(dtype === 'int32' ? 'an int32 value' : 'a finite number', `oneHot(${name})`, v));
    }
  }
  const src = idx.values;
  const out = new (arrayTypeOf(dtype))(src.length * depth);
  if (offValue !== 0) out.fill(offValue);
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c >= 0 && c < depth) out[i * depth + c] = onValue;
  }
  return new Tensor(out, [...idx.shape, depth], dtype);
}
