// Tensor: a shape, a dtype and the memory holding the values.
//
// Note [Zero-copy tensors]: a CPU tensor's memory IS a JS typed array. tn.tensor(float32Array,
// shape) keeps the caller's array as its memory (no copy; the reference keeps it alive for
// as long as the tensor lives), native kernels read and write it in place through N-API, and
// dataSync() returns that same array. Plain and nested arrays are copied once. Memory is
// freed by the garbage collector like any typed array; dispose() only drops the reference
// early for those who want it.
import { checkShape, describe, expected, shapeString } from './errors';
import { trackTensor, untrackTensor } from './engine/memory';

/** Set by ops that make a view of an existing tensor's memory (reshape): the view adds no bytes. */
export const viewOf = { next: false };

/** float32 and int32 as in TensorFlow.js; bool tensors (comparisons, masks) hold 0/1 bytes. */
export type DType = 'float32' | 'int32' | 'bool';
export type TypedArray = Float32Array | Int32Array | Uint8Array;
export type Device = 'cpu';

/** The typed array that holds a dtype's values. */
export function arrayTypeOf(dtype: DType): Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor {
  return dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : Uint8Array;
}

function dtypeOfArray(values: TypedArray): DType {
  return values instanceof Int32Array ? 'int32' : values instanceof Uint8Array ? 'bool' : 'float32';
}

/** Nested arrays of numbers, as accepted by tn.tensor. */
export type NestedArray = number | NestedArray[];

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export class Tensor {
  readonly shape: number[];
  readonly dtype: DType;
  readonly size: number;
  readonly device: Device = 'cpu';
  private memory: TypedArray | null;
  private readonly tracking: { bytes: number; live: boolean };

  /**
   * Wraps `values` (not copied) as a tensor of `shape`: a Float32Array for float32, an Int32Array
   * for int32, holding exactly as many elements as the shape (see Note [Tensors cannot lie about
   * their memory]). tn.tensor() also converts and infers; this constructor only checks.
   */
  constructor(values: TypedArray, shape: number[], dtype: DType = dtypeOfArray(values)) {
    const isView = viewOf.next;
    viewOf.next = false;  // read once, first: a constructor that throws leaves no flag behind
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
      throw new TypeError(expected("'float32', 'int32' or 'bool'", 'dtype', dtype));
    }
    const want = arrayTypeOf(dtype);
    if (!(values instanceof want)) throw new TypeError(expected(`a ${want.name} for a ${dtype} tensor`, 'values', values));
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new TypeError(expected('a shape (an array of non-negative integers)', 'shape', shape));
    }
    const size = sizeOf(shape);
    if (values.length !== size) {
      if (isDetached(values)) throw new Error(detachedMessage(shape));
      throw new RangeError(`Expected ${size} values for shape ${shapeString(shape)} but received ${describe(values)}`);
    }
    this.shape = shape;
    this.dtype = dtype;
    this.size = size;
    this.memory = values;
    this.tracking = trackTensor(this, isView ? 0 : values.byteLength);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.memory === null;
  }

  /** The tensor's memory (for kernels). Throws once disposed, or once its ArrayBuffer was detached. */
  get values(): TypedArray {
    const m = this.memory;
    if (m === null) throw new Error(`This tensor of shape ${shapeString(this.shape)} was disposed`);
    // A typed array's length never changes unless its buffer is detached (or resized), so this
    // one comparison is the whole check on the hot path.
    if (m.length !== this.size) {
      throw new Error(isDetached(m) ? detachedMessage(this.shape) : `The memory of this tensor of shape ` +
        `${shapeString(this.shape)} changed to ${m.length} elements (its ArrayBuffer was resized)`);
    }
    return m;
  }

  /** A view on the tensor's own memory (no copy): writing to it changes the tensor. */
  dataSync(): TypedArray {
    return this.values;
  }

  /** The async form of dataSync(), as in TensorFlow.js. */
  async data(): Promise<TypedArray> {
    return this.values;
  }

  /** The values as nested arrays. */
  arraySync(): NestedArray {
    const v = this.values;
    if (this.rank === 0) return v[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = dim === this.rank - 1 ? v[offset + i] : build(dim + 1, offset + i * stride);
      return out;
    };
    return build(0, 0);
  }

  async array(): Promise<NestedArray> {
    return this.arraySync();
  }

  // reshape, clone and argMax, like the other ops, are installed as methods by lib/ops/methods.ts
  // (they record on the gradient tape); declared here so the class's own type has them.
  declare reshape: (shape: number[]) => Tensor;
  declare clone: () => Tensor;
  declare argMax: (axis?: number) => Tensor;

  /** Drops the reference to the memory now instead of when the tensor is collected. */
  dispose(): void {
    if (this.memory === null) return;
    untrackTensor(this.tracking);
    this.memory = null;
  }

  toString(): string {
    if (this.isDisposed) return `Tensor(disposed, shape ${shapeString(this.shape)})`;
    const body = this.size <= 64 ? JSON.stringify(this.arraySync()) : `[${Array.from(this.values.subarray(0, 8)).join(', ')}, …]`;
    return `Tensor(${this.dtype}, shape ${shapeString(this.shape)}) ${body}`;
  }

  print(): void {
    console.log(this.toString());
  }
}

// Note [Tensors cannot lie about their memory]: a tensor's typed array holds exactly
// sizeOf(shape) elements, checked when the tensor is made, so no kernel can be handed a shape
// bigger than its memory. A Float32Array's ArrayBuffer can still be taken away afterwards: a
// transfer to a worker (postMessage, structuredClone with `transfer`) detaches it, and the
// array then reads as empty. Every use of the tensor checks for that (Tensor.values) and says
// what happened, instead of computing on nothing; the native glue checks again.

/** Whether a typed array's ArrayBuffer was detached (Node 20 has no ArrayBuffer.prototype.detached). */
function isDetached(values: TypedArray): boolean {
  return values.byteLength === 0 && values.buffer.byteLength === 0 &&
    !(values.buffer instanceof SharedArrayBuffer); // a SharedArrayBuffer cannot be detached
}

function detachedMessage(shape: readonly number[]): string {
  return `The memory of this tensor of shape ${shapeString(shape)} was transferred away (its ArrayBuffer is detached, ` +
    'e.g. by postMessage or structuredClone with transfer); make the tensor from a copy you keep';
}

/** Resolves one -1 in a shape against a total size. */
export function inferShape(shape: number[], size: number, argument: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d > 0 || d === -1)) ||
    shape.filter((d) => d === -1).length > 1) {
    throw new TypeError(expected('a shape of positive integers with at most one -1', argument, shape));
  }
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const out = shape.map((d) => (d === -1 ? size / known : d));
  if (!out.every((d) => Number.isInteger(d)) || sizeOf(out) !== size) {
    throw new RangeError(`Cannot reshape a tensor of ${size} elements into shape ${shapeString(shape)}`);
  }
  return out;
}

function nestedShape(values: NestedArray, argument: string): number[] {
  const shape: number[] = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  // Every sub-array must match the first one's length at each depth.
  const check = (v: NestedArray, dim: number, where: string): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new TypeError(expected('a number', `${argument}${where}`, v));
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new RangeError(expected(`an array of length ${shape[dim]}`, `${argument}${where}`, v));
    }
    v.forEach((item, i) => check(item, dim + 1, `${where}[${i}]`));
  };
  check(values, 0, '');
  return shape;
}

function flatten(values: NestedArray, out: number[]): void {
  if (Array.isArray(values)) for (const v of values) flatten(v, out);
  else out.push(values);
}

/**
 * Creates a tensor. A Float32Array (or Int32Array for int32) is used as the tensor's memory
 * without a copy; other typed arrays, numbers and (nested) arrays are copied.
 */
export function tensor(values: TypedArray | ArrayLike<number> | NestedArray, shape?: number[], dtype?: DType): Tensor {
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'int32') {
    throw new TypeError(expected("'float32' or 'int32'", 'dtype', dtype));
  }
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (typeof values === 'number') {
    flat = [values];
    inferred = [];
  } else if (ArrayBuffer.isView(values)) {
    flat = values as unknown as ArrayLike<number>;
    inferred = [flat.length];
  } else if (Array.isArray(values)) {
    inferred = nestedShape(values, 'values');
    const out: number[] = [];
    flatten(values, out);
    flat = out;
  } else {
    throw new TypeError(expected('a typed array, an array or a number', 'values', values));
  }
  const finalShape = shape === undefined ? inferred : inferShape(shape, flat.length, 'shape');
  if (sizeOf(finalShape) !== flat.length) {
    throw new RangeError(`Expected ${sizeOf(finalShape)} values for shape ${shapeString(finalShape)} but received ${flat.length}`);
  }
  const wanted: DType = dtype ?? (values instanceof Int32Array ? 'int32' : 'float32');
  if (wanted === 'float32') {
    const memory = values instanceof Float32Array ? values : Float32Array.from(flat);
    return new Tensor(memory, finalShape, 'float32');
  }
  if (values instanceof Int32Array) return new Tensor(values, finalShape, 'int32');
  return new Tensor(toInt32(flat, 'values'), finalShape, 'int32');
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Whether v is an integer an Int32Array holds exactly. */
export function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
}

/**
 * Copies numbers into a new Int32Array. NaN and fractions are TypeErrors ("Expected <what> for
 * values[i] …"), integers outside int32 RangeErrors: never truncated or wrapped.
 */
export function toInt32(values: ArrayLike<number>, argument: string, what = 'integers for an int32 tensor'): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!isInt32(v)) {
      if (!Number.isInteger(v)) throw new TypeError(expected(what, `${argument}[${i}]`, v));
      throw new RangeError(`${argument}[${i}] = ${v} is outside the int32 range [${INT32_MIN}, ${INT32_MAX}]`);
    }
    out[i] = v;
  }
  return out;
}

export function scalar(value: number, dtype?: DType): Tensor {
  return tensor(value, [], dtype);
}

function rankedTensor(rank: number) {
  return (values: TypedArray | NestedArray, shape?: number[], dtype?: DType): Tensor => {
    const t = tensor(values, shape, dtype);
    if (t.rank !== rank) throw new RangeError(`Expected a rank-${rank} tensor but received shape ${shapeString(t.shape)}`);
    return t;
  };
}

export const tensor1d = rankedTensor(1);
export const tensor2d = rankedTensor(2);
export const tensor3d = rankedTensor(3);
export const tensor4d = rankedTensor(4);

export function fill(shape: number[], value: number, dtype: DType = 'float32'): Tensor {
  if (dtype !== 'float32' && dtype !== 'int32') throw new TypeError(expected("'float32' or 'int32'", 'dtype', dtype));
  if (typeof value !== 'number') throw new TypeError(expected('a number', 'value', value));
  if (dtype === 'int32' && !isInt32(value)) throw new RangeError(expected('an integer in int32 range', 'value', value));
  const s = Array.isArray(shape) && shape.length === 0 ? [] : checkShape(shape, 'shape');
  const memory = dtype === 'int32' ? new Int32Array(sizeOf(s)) : new Float32Array(sizeOf(s));
  memory.fill(value);
  return new Tensor(memory, s, dtype);
}

export function zeros(shape: number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 0, dtype);
}

export function ones(shape: number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}

/** Checks that a value is a live Tensor; used by every API that takes tensors. */
export function checkTensor(v: unknown, argument: string): Tensor {
  if (!(v instanceof Tensor)) throw new TypeError(expected('a Tensor', argument, v));
  if (v.isDisposed) throw new Error(`The tensor passed as ${argument} was disposed`);
  return v;
}

export { describe };

/** Disposes a tensor, or every tensor in an array or object (TensorFlow.js' tf.dispose). */
export function dispose(container: unknown): void {
  if (container instanceof Tensor) container.dispose();
  else if (Array.isArray(container)) container.forEach(dispose);
  else if (container !== null && typeof container === 'object') Object.values(container).forEach(dispose);
}
