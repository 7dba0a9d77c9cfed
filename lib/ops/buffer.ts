// tfjs' TensorBuffer: a mutable host buffer with a shape, written element by element with
// set(value, ...locs) and turned into a tensor with toTensor(); tn.buffer() makes one, and
// tensor.bufferSync() / tensor.buffer() give one holding a copy of a tensor's values.
import { expected, shapeString } from '../errors';
import { DType, Tensor, TypedArray, arrayTypeOf, sizeOf } from '../tensor';

export class TensorBuffer {
  readonly shape: number[];
  readonly dtype: DType;
  readonly size: number;
  /** Row-major strides of every axis but the last (tfjs' convention). */
  readonly strides: number[];
  values: TypedArray;

  constructor(shape: number[], dtype: DType = 'float32', values?: TypedArray) {
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new TypeError(expected('a shape (an array of non-negative integers)', 'buffer(shape)', shape));
    }
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
      throw new TypeError(expected("'float32', 'int32' or 'bool'", 'buffer(dtype)', dtype));
    }
    this.shape = shape.slice();
    this.dtype = dtype;
    this.size = sizeOf(shape);
    const Want = arrayTypeOf(dtype);
    if (values !== undefined) {
      if (!(values instanceof Want)) throw new TypeError(expected(`a ${Want.name} for a ${dtype} buffer`, 'buffer(values)', values));
      if (values.length !== this.size) {
        throw new RangeError(`buffer: ${values.length} values for shape ${shapeString(shape)}, which holds ${this.size}`);
      }
      this.values = values;
    } else {
      this.values = new Want(this.size);
    }
    this.strides = [];
    let stride = 1;
    for (let i = shape.length - 1; i > 0; i--) {
      stride *= shape[i];
      this.strides.unshift(stride);
    }
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Writes value at locs (one index per axis). */
  set(value: number | boolean, ...locs: number[]): void {
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    if (typeof v !== 'number') throw new TypeError(expected('a number', 'TensorBuffer.set(value)', value));
    this.values[this.locToIndex(locs)] = v;
  }

  /** The value at locs (one index per axis). */
  get(...locs: number[]): number {
    return this.values[this.locToIndex(locs)];
  }

  locToIndex(locs: number[]): number {
    if (locs.length !== this.rank) {
      throw new RangeError(`TensorBuffer: ${locs.length} indices for a rank-${this.rank} buffer (shape ${shapeString(this.shape)})`);
    }
    let index = 0;
    for (let i = 0; i < locs.length; i++) {
      const l = locs[i];
      if (!Number.isInteger(l) || l < 0 || l >= this.shape[i]) {
        throw new RangeError(expected(`an integer in [0, ${this.shape[i]})`, `TensorBuffer index ${i}`, l));
      }
      index = index * this.shape[i] + l;
    }
    return index;
  }

  indexToLoc(index: number): number[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(expected(`an integer in [0, ${this.size})`, 'TensorBuffer.indexToLoc(index)', index));
    }
    const locs = new Array<number>(this.rank);
    for (let i = this.rank - 1; i >= 0; i--) {
      locs[i] = index % this.shape[i];
      index = Math.floor(index / this.shape[i]);
    }
    return locs;
  }

  /** A tensor holding a copy of the buffer's values (later set() calls do not change it). */
  toTensor(): Tensor {
    return new Tensor(this.values.slice(), this.shape.slice(), this.dtype);
  }
}

/** tfjs' tf.buffer(shape, dtype, values). */
export function buffer(shape: number[], dtype: DType = 'float32', values?: TypedArray): TensorBuffer {
  return new TensorBuffer(shape, dtype, values);
}

Object.defineProperty(Tensor.prototype, 'bufferSync', {
  value: function (this: Tensor) { return new TensorBuffer(this.shape, this.dtype, this.values.slice()); },
  writable: true, configurable: true, enumerable: false,
});
Object.defineProperty(Tensor.prototype, 'buffer', {
  value: async function (this: Tensor) { return new TensorBuffer(this.shape, this.dtype, this.values.slice()); },
  writable: true, configurable: true, enumerable: false,
});
declare module '../tensor' {
  interface Tensor {
    bufferSync(): TensorBuffer;
    buffer(): Promise<TensorBuffer>;
  }
}
