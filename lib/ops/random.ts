// Random tensors and sampling, with tfjs' names and signatures: randomNormal, randomUniform,
// truncatedNormal, randomStandardNormal, multinomial. Each takes an optional seed: with one, a
// fresh stream from it (the same seed gives the same values on every call, as tfjs); without,
// the global stream tn.setSeed controls (lib/random.ts). Drawn on the host: generating n numbers
// is the work itself, and no kernel call would make it cheaper.
import { expected, shapeString } from '../errors';
import { RandomSource, randomSource } from '../random';
import { Tensor, arrayTypeOf, sizeOf } from '../tensor';
import { logSoftmax } from './nn';
import { TensorLike, checkFloat, toTensor } from './util';

function randomShape(shape: unknown, op: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(expected('a shape (an array of non-negative integers)', `${op}(shape)`, shape));
  }
  return shape.slice();
}

function checkNumber(v: unknown, argument: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(expected('a finite number', argument, v));
  return v;
}

function filled(shape: number[], dtype: unknown, op: string, draw: (r: RandomSource) => number, seed?: number): Tensor {
  if (dtype !== 'float32' && dtype !== 'int32') throw new TypeError(expected("'float32' or 'int32'", `${op}(dtype)`, dtype));
  const r = randomSource(seed, `${op}(seed)`);
  const out = new (arrayTypeOf(dtype))(sizeOf(shape));
  // int32: rounded down as tfjs' randomUniform does for an int dtype
  if (dtype === 'int32') for (let i = 0; i < out.length; i++) out[i] = Math.floor(draw(r));
  else for (let i = 0; i < out.length; i++) out[i] = draw(r);
  return new Tensor(out, shape, dtype);
}

/** Samples of N(mean, stdDev²). */
export function randomNormal(shape: number[], mean = 0, stdDev = 1, dtype: 'float32' | 'int32' = 'float32', seed?: number): Tensor {
  const s = randomShape(shape, 'randomNormal');
  checkNumber(mean, 'randomNormal(mean)');
  if (checkNumber(stdDev, 'randomNormal(stdDev)') < 0) throw new RangeError(expected('stdDev >= 0', 'randomNormal(stdDev)', stdDev));
  return filled(s, dtype, 'randomNormal', (r) => mean + stdDev * r.normal(), seed);
}

export function randomStandardNormal(shape: number[], dtype: 'float32' | 'int32' = 'float32', seed?: number): Tensor {
  return filled(randomShape(shape, 'randomStandardNormal'), dtype, 'randomStandardNormal', (r) => r.normal(), seed);
}

/** Samples of N(mean, stdDev²) redrawn until within two standard deviations of the mean. */
export function truncatedNormal(shape: number[], mean = 0, stdDev = 1, dtype: 'float32' | 'int32' = 'float32', seed?: number): Tensor {
  const s = randomShape(shape, 'truncatedNormal');
  checkNumber(mean, 'truncatedNormal(mean)');
  if (checkNumber(stdDev, 'truncatedNormal(stdDev)') < 0) throw new RangeError(expected('stdDev >= 0', 'truncatedNormal(stdDev)', stdDev));
  return filled(s, dtype, 'truncatedNormal', (r) => mean + stdDev * r.truncatedNormal(), seed);
}

/** Uniform samples in [minval, maxval). */
export function randomUniform(shape: number[], minval = 0, maxval = 1, dtype: 'float32' | 'int32' = 'float32', seed?: number): Tensor {
  const s = randomShape(shape, 'randomUniform');
  checkNumber(minval, 'randomUniform(minval)');
  if (checkNumber(maxval, 'randomUniform(maxval)') < minval) {
    throw new RangeError(expected(`maxval >= minval (${minval})`, 'randomUniform(maxval)', maxval));
  }
  return filled(s, dtype, 'randomUniform', (r) => minval + (maxval - minval) * r.uniform(), seed);
}

/**
 * numSamples class indices per row of logits ([C] or [batch, C]) drawn with replacement from
 * softmax(logits), or from logits themselves as probabilities when normalized is true (tfjs'
 * multinomial). Returns int32 [numSamples] or [batch, numSamples].
 */
export function multinomial(logits: TensorLike, numSamples: number, seed?: number, normalized = false): Tensor {
  const t = toTensor(logits, 'logits', 'multinomial');
  checkFloat(t, 'multinomial', 'logits');
  if (t.rank !== 1 && t.rank !== 2) {
    throw new RangeError(`multinomial: logits must be [numClasses] or [batch, numClasses] but have shape ${shapeString(t.shape)}`);
  }
  if (!Number.isInteger(numSamples) || numSamples < 1) throw new RangeError(expected('a positive integer', 'multinomial(numSamples)', numSamples));
  const classes = t.shape[t.rank - 1];
  if (classes < 1) throw new RangeError('multinomial: logits need at least one class');
  const rows = t.rank === 1 ? 1 : t.shape[0];
  const logp = normalized ? null : logSoftmax(t).values;
  const v = t.values;
  const r = randomSource(seed, 'multinomial(seed)');
  const out = new Int32Array(rows * numSamples);
  const cdf = new Float64Array(classes);
  for (let row = 0; row < rows; row++) {
    let total = 0;
    for (let c = 0; c < classes; c++) {
      const p = logp === null ? v[row * classes + c] : Math.exp(logp[row * classes + c]);
      if (!(p >= 0)) throw new RangeError(expected('probabilities >= 0 (normalized is true)', `logits[${row * classes + c}]`, p));
      total += p;
      cdf[c] = total;
    }
    if (!(total > 0)) throw new RangeError(`multinomial: row ${row} of the probabilities sums to ${total}`);
    for (let k = 0; k < numSamples; k++) {
      const u = r.uniform() * total;
      let lo = 0, hi = classes - 1;  // the first class whose cumulative sum exceeds u
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      out[row * numSamples + k] = lo;
    }
  }
  return new Tensor(out, t.rank === 1 ? [numSamples] : [rows, numSamples], 'int32');
}
