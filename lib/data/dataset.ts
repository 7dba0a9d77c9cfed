// tn.data: datasets as TensorFlow.js' tfjs-data has them (tf.data.array, generator, zip, csv
// and Dataset.map/filter/batch/shuffle/prefetch/repeat/take/skip/…), feeding model.fitDataset
// and model.fit(dataset).
//
// A Dataset is a recipe: iterator() starts a fresh pass over it (one epoch), and `size` is the
// number of elements when it is known (null when not, Infinity when endless), computed by the
// same rules as tfjs-data so the progress bar can show "12/40". Operators build a new Dataset
// from the old one; nothing runs until a pass starts.
//
// Note [Datasets are async generators]: every operator's pass is an async generator. JS
// serializes the next() calls of an async generator (a second call waits for the first),
// which is the guarantee tfjs-data builds by hand with its `lastRead` promise chains: an
// upstream never sees two reads at once, even when prefetch() asks for several elements ahead
// of the consumer. Ending a pass early (take, an error, fit stopping) calls return() on the
// generator, which runs its `finally` blocks and so closes the upstream passes too (a CSV
// file's stream, the image decoder's read-ahead).
import { checkBoolean, checkPositiveInteger, describe, expected, shapeString } from '../errors';
import { Tensor, TypedArray, sizeOf } from '../tensor';
import { Seed, SeededRandom, checkSeed } from './random';

/** tf.data.AUTOTUNE, for code ported from tf.data: prefetch(AUTOTUNE) reads 2 elements ahead. */
export const AUTOTUNE = -1;

/** One pass over a dataset: tfjs-data's LazyIterator, also usable with `for await`. */
export class LazyIterator<T> implements AsyncIterableIterator<T> {
  constructor(private readonly source: AsyncIterator<T>) {}

  next(): Promise<IteratorResult<T>> {
    return this.source.next();
  }

  /** Ends the pass early and releases what it holds (open files, elements read ahead). */
  async return(): Promise<IteratorResult<T>> {
    if (this.source.return) await this.source.return();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  /** Reads the rest of the pass into an array. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const v of this) out.push(v);
    return out;
  }
}

export type IteratorSource<T> = Iterator<T> | AsyncIterator<T>;

/** A dataset: a recipe for passes over elements. */
export class Dataset<T = unknown> implements AsyncIterable<T> {
  /** Number of elements: known (a number), unknown (null) or endless (Infinity). */
  readonly size: number | null;

  /**
   * `makeIterator` starts one pass; it is called once per iterator() (per epoch).
   * Subclasses pass their own.
   */
  constructor(private readonly makeIterator: () => IteratorSource<T> | Promise<IteratorSource<T>>, size: number | null = null) {
    this.size = size;
  }

  /** Starts a new pass over the dataset. */
  async iterator(): Promise<LazyIterator<T>> {
    const source = await this.makeIterator();
    if (source === null || typeof source !== 'object' || typeof (source as Iterator<T>).next !== 'function') {
      throw new TypeError(expected('an iterator (an object with a next() method)', 'the dataset source', source));
    }
    return new LazyIterator(toAsyncIterator(source));
  }

  /** `for await (const element of dataset)`: one pass. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const self = this;
    return (async function* pass() {
      yield* await self.iterator();
    })();
  }

  /** Applies a synchronous function to every element. */
  map<O>(transform: (value: T) => O): Dataset<O> {
    checkFunction(transform, 'transform');
    const base = this;
    return new Dataset<O>(async function* map() {
      for await (const v of await base.iterator()) yield transform(v);
    }, this.size);
  }

  /** Applies an async function to every element, one at a time, in order. */
  mapAsync<O>(transform: (value: T) => Promise<O>): Dataset<O> {
    checkFunction(transform, 'transform');
    const base = this;
    return new Dataset<O>(async function* mapAsync() {
      for await (const v of await base.iterator()) yield await transform(v);
    }, this.size);
  }

  /** Keeps the elements for which `predicate` is true (a promise is awaited). Size becomes unknown. */
  filter(predicate: (value: T) => boolean | Promise<boolean>): Dataset<T> {
    checkFunction(predicate, 'predicate');
    const base = this;
    return new Dataset<T>(async function* filter() {
      for await (const v of await base.iterator()) if (await predicate(v)) yield v;
    }, this.size === Infinity ? Infinity : null);
  }

  /**
   * Groups consecutive elements into batches of `batchSize`, stacking them as tfjs-data does:
   * numbers and (nested) arrays of numbers become a tensor with a leading batch dimension,
   * tensors are stacked, objects and arrays of tensors are batched key by key (see
   * batchElements). The last batch is smaller unless smallLastBatch is false (then dropped).
   */
  batch(batchSize: number, smallLastBatch = true): Dataset<unknown> {
    checkPositiveInteger(batchSize, 'batchSize');
    checkBoolean(smallLastBatch, 'smallLastBatch');
    const base = this;
    const size = this.size === null || this.size === Infinity ? this.size
      : smallLastBatch ? Math.ceil(this.size / batchSize) : Math.floor(this.size / batchSize);
    return new Dataset<unknown>(async function* batch() {
      let rows: T[] = [];
      let seen = 0;
      for await (const v of await base.iterator()) {
        rows.push(v);
        if (rows.length === batchSize) {
          yield batchElements(rows, seen);
          seen += rows.length;
          rows = [];
        }
      }
      if (rows.length > 0 && smallLastBatch) yield batchElements(rows, seen);
    }, size);
  }

  /**
   * Shuffles through a buffer of `bufferSize` elements (tfjs-data's and tf.data's algorithm:
   * each output is drawn at random from the buffer and replaced by the next input), so a
   * buffer at least as large as the dataset shuffles it uniformly. With a seed, the order is
   * repeatable; reshuffleEachIteration (default true) draws a different order for every pass
   * (epoch), the same sequence of orders for the same seed.
   */
  shuffle(bufferSize: number, seed?: Seed, reshuffleEachIteration = true): Dataset<T> {
    if (bufferSize === undefined || bufferSize === null) {
      throw new RangeError('Dataset.shuffle() requires bufferSize' +
        (this.size !== null && Number.isFinite(this.size) ? ` (the dataset has ${this.size} elements; a buffer that large shuffles it uniformly)` : ''));
    }
    checkPositiveInteger(bufferSize, 'bufferSize');
    if (seed !== undefined) checkSeed(seed, 'seed');
    checkBoolean(reshuffleEachIteration, 'reshuffleEachIteration');
    const base = this;
    const seeds = new SeededRandom(seed);
    const firstPassSeed = seeds.uint32();
    return new Dataset<T>(async function* shuffle() {
      const random = new SeededRandom(reshuffleEachIteration ? seeds.uint32() : firstPassSeed);
      const it = await base.iterator();
      try {
        const buffer: T[] = [];
        let exhausted = false;
        while (!exhausted && buffer.length < bufferSize) {
          const r = await it.next();
          if (r.done) exhausted = true;
          else buffer.push(r.value);
        }
        while (buffer.length > 0) {
          const i = random.int(buffer.length);
          const chosen = buffer[i];
          const r = exhausted ? null : await it.next();
          if (r === null || r.done) {
            exhausted = true;
            buffer[i] = buffer[buffer.length - 1];
            buffer.pop();
          } else {
            buffer[i] = r.value;
          }
          yield chosen;
        }
      } finally {
        await it.return();
      }
    }, this.size);
  }

  /**
   * Reads up to `bufferSize` elements ahead of the consumer, so that producing them (decoding
   * images, parsing CSV) overlaps with consuming them (a training step). tn.data.AUTOTUNE
   * (tf.data's name, for ported code) reads 2 ahead.
   */
  prefetch(bufferSize: number): Dataset<T> {
    if (bufferSize === undefined || bufferSize === null) throw new RangeError('Dataset.prefetch() requires bufferSize');
    if (bufferSize !== AUTOTUNE) checkPositiveInteger(bufferSize, 'bufferSize');
    return new Dataset<T>(prefetchPass(this, bufferSize === AUTOTUNE ? 2 : bufferSize), this.size);
  }

  /**
   * tf.data's cache(): the first complete pass is kept in memory and later passes replay it
   * (the same element objects, not copies), so an epoch after the first reads and decodes
   * nothing. A pass that stops early leaves nothing cached. Caching to a file is not implemented.
   */
  cache(filename?: string): Dataset<T> {
    if (filename !== undefined && filename !== '') throw new Error('Dataset.cache(filename): caching to a file is not implemented; cache() keeps the elements in memory');
    if (this.size === Infinity) throw new Error('Cannot cache an endless dataset (size Infinity, e.g. from repeat()); cache before repeat()');
    const base = this;
    let cached: T[] | null = null;
    return new Dataset<T>(async function* cache() {
      if (cached !== null) {
        yield* cached;
        return;
      }
      const items: T[] = [];
      for await (const v of await base.iterator()) {
        items.push(v);
        yield v;
      }
      cached = items;
    }, this.size);
  }

  /** Repeats the dataset `count` times (forever when count is undefined or negative); each repetition is a new pass. */
  repeat(count?: number): Dataset<T> {
    if (count !== undefined && !Number.isInteger(count)) throw new TypeError(expected('an integer or undefined', 'count', count));
    const forever = count === undefined || count < 0;
    const size = this.size !== null && !forever && count! > 0 ? this.size * count!
      : count === 0 ? 0 : this.size !== null && forever ? (this.size === 0 ? 0 : Infinity) : null;
    const base = this;
    return new Dataset<T>(async function* repeat() {
      for (let i = 0; forever || i < count!; i++) {
        let any = false;
        for await (const v of await base.iterator()) {
          any = true;
          yield v;
        }
        // An empty dataset repeated forever would spin without yielding: end instead.
        if (!any) return;
      }
    }, size);
  }

  /** The first `count` elements (all of them when count is negative, as tf.data). */
  take(count: number): Dataset<T> {
    if (!Number.isInteger(count)) throw new TypeError(expected('an integer', 'count', count));
    if (count < 0) return this;
    const base = this;
    const size = this.size === null ? null : Math.min(this.size, count);
    return new Dataset<T>(async function* take() {
      if (count === 0) return;
      let n = 0;
      for await (const v of await base.iterator()) {
        yield v;
        if (++n >= count) return;
      }
    }, size);
  }

  /** All but the first `count` elements. */
  skip(count: number): Dataset<T> {
    if (!Number.isInteger(count) || count < 0) throw new TypeError(expected('a non-negative integer', 'count', count));
    const base = this;
    const size = this.size === null ? null : this.size === Infinity ? Infinity : Math.max(0, this.size - count);
    return new Dataset<T>(async function* skip() {
      let n = 0;
      for await (const v of await base.iterator()) if (n++ >= count) yield v;
    }, size);
  }

  /** This dataset's elements, then those of `dataset`. */
  concatenate(dataset: Dataset<T>): Dataset<T> {
    if (!isDataset(dataset)) throw new TypeError(expected('a Dataset', 'dataset', dataset));
    const base = this;
    const size = this.size === Infinity || dataset.size === Infinity ? Infinity
      : this.size !== null && dataset.size !== null ? this.size + dataset.size : null;
    return new Dataset<T>(async function* concatenate() {
      yield* await base.iterator();
      yield* await dataset.iterator();
    }, size);
  }

  /** Calls f on every element of one pass (awaiting it when it returns a promise). */
  async forEachAsync(f: (value: T) => void | Promise<void>): Promise<void> {
    checkFunction(f, 'f');
    for await (const v of await this.iterator()) await f(v);
  }

  /** One pass, as an array. */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) throw new Error('Cannot convert an endless dataset (size Infinity, e.g. from repeat()) to an array; take(n) first');
    return (await this.iterator()).toArray();
  }
}

/** The prefetch pass: keeps `bufferSize` reads of the upstream in flight. */
export function prefetchPass<T>(base: Dataset<T>, bufferSize: number): () => AsyncGenerator<T> {
  return async function* prefetch() {
    const it = await base.iterator();
    const queue: Promise<IteratorResult<T>>[] = [];
    const refill = (): void => {
      while (queue.length < bufferSize) {
        const read = it.next();
        // A read ahead that fails after the consumer stopped must not become an unhandled
        // rejection; the consumer sees the error when it reaches that read.
        read.catch(() => undefined);
        queue.push(read);
      }
    };
    try {
      for (;;) {
        refill();
        const head = queue.shift()!;
        // Refill before waiting, so bufferSize reads run while the consumer works on this one.
        refill();
        const r = await head;
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return();
    }
  };
}

function checkFunction(f: unknown, argument: string): void {
  if (typeof f !== 'function') throw new TypeError(expected('a function', argument, f));
}

/** Whether v is a dataset (tfjs-data checks for an iterator() method the same way). */
export function isDataset(v: unknown): v is Dataset<unknown> {
  return v instanceof Dataset || (v !== null && typeof v === 'object' && !(v instanceof Tensor) &&
    typeof (v as { iterator?: unknown }).iterator === 'function');
}

/** A sync or async iterator as an async iterator (an async generator, so reads are serialized). */
function toAsyncIterator<T>(source: IteratorSource<T>): AsyncIterator<T> {
  if (isAsyncGenerator(source)) return source;
  return (async function* adapt() {
    let finished = false;
    try {
      for (;;) {
        const r = await source.next();
        if (r === null || typeof r !== 'object') {
          throw new TypeError(expected('an iterator result {value, done}', 'the result of the dataset source\'s next()', r));
        }
        if (r.done) {
          finished = true;
          return;
        }
        yield r.value;
      }
    } finally {
      if (!finished && typeof source.return === 'function') await source.return();
    }
  })();
}

function isAsyncGenerator<T>(source: IteratorSource<T>): source is AsyncGenerator<T> {
  return Object.prototype.toString.call(source) === '[object AsyncGenerator]';
}

// ---- sources ---------------------------------------------------------------------------

/** A dataset of the items of an array (yielded as they are, not copied). */
export function array<T>(items: T[]): Dataset<T> {
  if (!Array.isArray(items)) throw new TypeError(expected('an array', 'items', items));
  return new Dataset<T>(function* arrayPass() {
    yield* items;
  }, items.length);
}

/**
 * A dataset from a function returning an iterator: a generator function (`function*` or
 * `async function*`), or any function returning an object with next(). The function is called
 * once per pass (epoch), so the data can be produced again. The size is unknown.
 */
export function generator<T>(fn: () => IteratorSource<T> | Promise<IteratorSource<T>>): Dataset<T> {
  if (typeof fn !== 'function') {
    throw new TypeError(expected('a function returning an iterator (e.g. function* () { yield … })', 'generator', fn));
  }
  return new Dataset<T>(fn, null);
}

type DatasetContainer = Dataset<unknown> | DatasetContainer[] | { [key: string]: DatasetContainer };

/**
 * Zips datasets given as an array or an object (nested allowed): each element has the same
 * structure with one element of each dataset. Ends with the shortest.
 */
export function zip<T = unknown>(datasets: DatasetContainer): Dataset<T> {
  if (datasets === null || typeof datasets !== 'object' || isDataset(datasets)) {
    throw new TypeError(expected('an array or an object of Datasets', 'datasets', datasets));
  }
  const leaves: Dataset<unknown>[] = [];
  const collect = (c: DatasetContainer, where: string): void => {
    if (isDataset(c)) leaves.push(c);
    else if (c !== null && typeof c === 'object') for (const [k, v] of Object.entries(c)) collect(v as DatasetContainer, `${where}[${JSON.stringify(k)}]`);
    else throw new TypeError(expected('a Dataset', `datasets${where}`, c));
  };
  collect(datasets, '');
  if (leaves.length === 0) throw new RangeError('zip() needs at least one dataset');
  const sizes = leaves.map((d) => d.size);
  const size = sizes.every((s) => s !== null) ? Math.min(...(sizes as number[])) : null;
  return new Dataset<T>(async function* zipPass() {
    const its = await Promise.all(leaves.map((d) => d.iterator()));
    try {
      for (;;) {
        const results = await Promise.all(its.map((it) => it.next()));
        if (results.some((r) => r.done)) return;
        let k = 0;
        const build = (c: DatasetContainer): unknown => {
          if (isDataset(c)) return results[k++].value;
          if (Array.isArray(c)) return c.map(build);
          const out: Record<string, unknown> = {};
          for (const [key, v] of Object.entries(c)) out[key] = build(v as DatasetContainer);
          return out;
        };
        yield build(datasets) as T;
      }
    } finally {
      await Promise.all(its.map((it) => it.return()));
    }
  }, size);
}

// ---- batching --------------------------------------------------------------------------

/** Whether v is a number or a (nested) array whose leaves are all numbers. */
function isNumericArray(v: unknown): boolean {
  if (typeof v === 'number') return true;
  if (!Array.isArray(v)) return false;
  return v.every(isNumericArray);
}

/** A number, or nested arrays of numbers that form a box (every sub-array of a level the same length): a tensor's values. */
function isNumericBox(v: unknown): boolean {
  if (!isNumericArray(v)) return false;
  const shape = nestedShape(v);
  const check = (x: unknown, dim: number): boolean => dim === shape.length ? typeof x === 'number'
    : Array.isArray(x) && x.length === shape[dim] && x.every((y) => check(y, dim + 1));
  return check(v, 0);
}

function nestedShape(v: unknown): number[] {
  const shape: number[] = [];
  let level = v;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  return shape;
}

function flattenInto(v: unknown, out: number[]): void {
  if (Array.isArray(v)) for (const x of v) flattenInto(x, out);
  else out.push(v as number);
}

/**
 * Stacks rows (elements of one batch) into one batched element, as tfjs-data's batch():
 * - Tensors: stacked into shape [n, ...shape] (all rows the same shape and dtype).
 * - numbers, and (nested) arrays of numbers forming a box: a float32 tensor [n, ...shape].
 * - typed arrays: [n, length], int32 for Int32Array, else float32.
 * - plain objects: batched key by key; other arrays ([features, label], [x, y] tensors): position by position.
 * Strings, booleans and missing values (undefined, null: e.g. an empty CSV field) are errors
 * naming the element and the key, since tensornode has no string or bool tensors.
 * `first` is the index of rows[0] in the pass, for the messages.
 */
export function batchElements(rows: unknown[], first = 0, path = ''): unknown {
  const example = rows[0];
  const where = (i: number): string => `element ${first + i}${path ? ` at ${path}` : ''}`;
  if (example instanceof Tensor) {
    const shape = example.shape;
    const dtype = example.dtype;
    const rowSize = example.size;
    const out = dtype === 'int32' ? new Int32Array(rows.length * rowSize) : new Float32Array(rows.length * rowSize);
    rows.forEach((r, i) => {
      if (!(r instanceof Tensor)) throw new TypeError(`Cannot batch ${where(i)}: expected a Tensor (as element ${first}) but received ${describe(r)}`);
      if (r.dtype !== dtype || r.rank !== shape.length || r.shape.some((d, k) => d !== shape[k])) {
        throw new RangeError(`Cannot batch ${where(i)}: a ${r.dtype} tensor of shape ${shapeString(r.shape)} differs from ` +
          `element ${first}'s ${dtype} tensor of shape ${shapeString(shape)}`);
      }
      out.set(r.values, i * rowSize);
    });
    return new Tensor(out, [rows.length, ...shape], dtype);
  }
  if (ArrayBuffer.isView(example) && !(example instanceof DataView)) {
    const len = (example as unknown as TypedArray).length;
    const int = example instanceof Int32Array;
    const out = int ? new Int32Array(rows.length * len) : new Float32Array(rows.length * len);
    rows.forEach((r, i) => {
      if (!ArrayBuffer.isView(r) || (r as unknown as TypedArray).length !== len) {
        throw new RangeError(`Cannot batch ${where(i)}: expected a typed array of length ${len} (as element ${first}) but received ${describe(r)}`);
      }
      out.set(r as unknown as ArrayLike<number>, i * len);
    });
    return new Tensor(out, [rows.length, len], int ? 'int32' : 'float32');
  }
  if (isNumericBox(example)) {
    const shape = nestedShape(example);
    const rowSize = sizeOf(shape);
    const flat: number[] = [];
    rows.forEach((r, i) => {
      if (!isNumericArray(r)) {
        throw new TypeError(`Cannot batch ${where(i)}: expected ${typeof example === 'number' ? 'a number' : 'an array of numbers'} ` +
          `(as element ${first}) but received ${describe(r)}${r === undefined || r === null ? ' (a missing value: give the CSV column a default, or filter such rows out)' : ''}`);
      }
      const before = flat.length;
      flattenInto(r, flat);
      const s = nestedShape(r);
      if (flat.length - before !== rowSize || s.length !== shape.length || s.some((d, k) => d !== shape[k])) {
        throw new RangeError(`Cannot batch ${where(i)}: its shape ${shapeString(s)} differs from element ${first}'s shape ${shapeString(shape)}`);
      }
    });
    return new Tensor(Float32Array.from(flat), [rows.length, ...shape], 'float32');
  }
  if (Array.isArray(example)) {
    return example.map((_, k) => {
      const column = rows.map((r, i) => {
        if (!Array.isArray(r) || r.length !== example.length) {
          throw new TypeError(`Cannot batch ${where(i)}: expected an array of length ${example.length} (as element ${first}) but received ${describe(r)}`);
        }
        return r[k];
      });
      return batchElements(column, first, `${path}[${k}]`);
    });
  }
  if (example !== null && typeof example === 'object' && Object.getPrototypeOf(example) === Object.prototype ||
    example !== null && typeof example === 'object' && Object.getPrototypeOf(example) === null) {
    const keys = Object.keys(example as object);
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const column = rows.map((r, i) => {
        if (r === null || typeof r !== 'object' || !(key in (r as object))) {
          throw new TypeError(`Cannot batch ${where(i)}: it has no key '${key}' (element ${first} has ${keys.map((k) => `'${k}'`).join(', ')})`);
        }
        return (r as Record<string, unknown>)[key];
      });
      out[key] = batchElements(column, first, path ? `${path}.${key}` : key);
    }
    return out;
  }
  const hint = typeof example === 'string'
    ? ': tensornode has no string tensors; map strings to numbers first (a class index, or textVectorization for text)'
    : typeof example === 'boolean' ? ': tensornode has no bool tensors; map booleans to 0 and 1 first'
      : example === undefined || example === null ? ' (a missing value: give the CSV column a default, or filter such rows out)' : '';
  throw new TypeError(`Cannot batch ${where(0)}: ${describe(example)}${hint}`);
}
