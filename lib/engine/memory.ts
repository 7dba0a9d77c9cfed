// Counting live tensors and bytes (tn.memory()), and the scopes that free the intermediates of
// gradient functions (tn.grad, tn.variableGrads, optimizer.minimize, ...).
//
// Note [Tensor memory on the CPU]
// A CPU tensor's memory is a typed array, which V8 already counts and frees: dispose() drops
// the tensor's reference at once, the garbage collector frees the array when nothing else
// (a view made by reshape, the caller who passed it in) holds it. tn.memory() counts tensors
// that are neither disposed nor collected, and their bytes; a tensor that views another's
// memory (reshape, expandDims, squeeze) counts as a tensor with no bytes of its own.
// Collection is seen through a FinalizationRegistry, so the counts fall when the GC runs.
// Each tensor costs one registration and no unregister token (a token, or a WeakMap of
// arrays, tripled the cost of making a tensor): dispose() marks the record, and the
// registry's callback skips records already counted out.
import { expected } from '../errors';
import type { Tensor } from '../tensor';

interface TrackRecord {
  bytes: number;
  live: boolean;
}

let liveTensors = 0;
let liveBytes = 0;
const collected = new FinalizationRegistry<TrackRecord>((record) => {
  if (record.live) {
    record.live = false;
    liveTensors--;
    liveBytes -= record.bytes;
  }
});
// Tensors made while a scope is open, innermost scope last.
const scopes: Tensor[][] = [];

/** Called by every Tensor constructor; returns the record dispose() hands back. */
export function trackTensor(t: Tensor, bytes: number): TrackRecord {
  const record = { bytes, live: true };
  liveTensors++;
  liveBytes += bytes;
  collected.register(t, record);
  if (scopes.length > 0) scopes[scopes.length - 1].push(t);
  return record;
}

/** Called once by Tensor.dispose(). */
export function untrackTensor(record: TrackRecord): void {
  if (record.live) {
    record.live = false;
    liveTensors--;
    liveBytes -= record.bytes;
  }
}

export interface MemoryInfo {
  /** Tensors neither disposed nor garbage-collected. */
  numTensors: number;
  /** Bytes of the distinct arrays those tensors hold. */
  numBytes: number;
  /** The same per device ('cpu' only until device backends land). */
  devices: Record<string, { numTensors: number; numBytes: number }>;
  /** As tfjs: CPU memory is managed by the garbage collector, so it is never "unreliable" here. */
  unreliable: boolean;
}

/** tn.memory(): live tensors and bytes, as tf.memory(). */
export function memory(): MemoryInfo {
  return {
    numTensors: liveTensors,
    numBytes: liveBytes,
    devices: { cpu: { numTensors: liveTensors, numBytes: liveBytes } },
    unreliable: false,
  };
}

/**
 * Runs fn in a scope: every tensor made while it runs is disposed when it returns, except
 * those in `keep(result)` (and variables, which are never scope-owned). A nested scope's kept
 * tensors move to the enclosing scope.
 */
export function withScope<T>(fn: () => T, keep: (result: T) => Iterable<Tensor>): T {
  scopes.push([]);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    for (const t of scopes.pop()!) if (!(t as { isVariable?: boolean }).isVariable && !keptForever.has(t)) t.dispose();
    throw e;
  }
  const made = scopes.pop()!;
  const kept = new Set<Tensor>(keep(result));
  const outer = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  for (const t of made) {
    if (kept.has(t) || keptForever.has(t) || (t as { isVariable?: boolean }).isVariable) {
      if (outer !== null) outer.push(t);
    } else {
      t.dispose();
    }
  }
  return result;
}

// Tensors tn.keep() marked: no scope disposes them.
const keptForever = new WeakSet<Tensor>();

/** The tensors in a value: a tensor, or the tensors in an array or plain object (not recursing into tensors). */
function* tensorsIn(value: unknown, depth = 0): Iterable<Tensor> {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (isTensor(value)) {
    yield value;
  } else if (Array.isArray(value)) {
    for (const v of value) yield* tensorsIn(v, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) yield* tensorsIn(v, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) yield* tensorsIn(v, depth + 1);
  }
}

function isTensor(v: object): v is Tensor {
  return typeof (v as Tensor).dispose === 'function' && Array.isArray((v as Tensor).shape) && typeof (v as Tensor).dtype === 'string';
}

/**
 * tfjs' tidy: runs fn and disposes every tensor it made except those it returns (a tensor, or
 * tensors in an array or object) and those tn.keep() marked. Not needed in tensornode (the GC
 * frees tensors, and gradient functions free their intermediates), but it frees memory sooner
 * and ported code behaves as in tfjs: an intermediate used after its tidy is an error.
 */
export function tidy<T>(nameOrFn: string | (() => T), maybeFn?: () => T): T {
  const fn = typeof nameOrFn === 'function' ? nameOrFn : maybeFn;
  if (typeof fn !== 'function') {
    throw new TypeError(expected('a function', 'tidy(fn)', typeof nameOrFn === 'string' ? maybeFn : nameOrFn));
  }
  return withScope(() => {
    const result = fn();
    if (result instanceof Promise) throw new Error('tidy(fn): fn returned a Promise; tidy takes synchronous functions (as in tfjs)');
    return result;
  }, (result) => tensorsIn(result));
}

/** tfjs' keep: t is never disposed by an enclosing (or later) tidy or gradient scope. */
export function keep<T extends Tensor>(t: T): T {
  keptForever.add(t);
  return t;
}
