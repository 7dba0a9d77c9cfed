// tn.util (tfjs' util namespace: the parts programs use) and tn.nextFrame.
import { expected } from './errors';
import { sizeOf } from './tensor';
import { randomUniform } from './random';

/** Shuffles an array in place (Fisher-Yates, on tensornode's seeded generator: tn.setSeed). */
export function shuffle<T>(array: T[] | Uint32Array | Int32Array | Float32Array): void {
  if (!Array.isArray(array) && !ArrayBuffer.isView(array)) throw new TypeError(expected('an array', 'shuffle(array)', array));
  const a = array as unknown as number[];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(randomUniform() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** Milliseconds, with sub-millisecond resolution (performance.now()). */
export function now(): number {
  return performance.now();
}

/** The number of elements of a shape. */
export function sizeFromShape(shape: number[]): number {
  if (!Array.isArray(shape)) throw new TypeError(expected('a shape (an array)', 'sizeFromShape(shape)', shape));
  return sizeOf(shape);
}

/** Throws an Error with msg() unless expr holds. */
export function assert(expr: boolean, msg: () => string): void {
  if (!expr) throw new Error(typeof msg === 'function' ? msg() : String(msg));
}

/** Resolves on the next turn of the event loop (tfjs' nextFrame; setImmediate in Node). */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
