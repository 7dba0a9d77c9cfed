// tn.preprocessing.sequence.padSequences: Keras' pad_sequences, returning a tensor.
import { checkOneOf, expected, isFiniteNumber } from '../errors';
import { Tensor, isInt32 } from '../tensor';

export interface PadSequencesArgs {
  /** Length of every output row; default the longest sequence. */
  maxlen?: number | null;
  /** 'int32' (default) or 'float32'. */
  dtype?: 'int32' | 'float32';
  /** Pad at the start ('pre', default) or the end ('post'). */
  padding?: 'pre' | 'post';
  /** Drop values from the start ('pre', default) or the end ('post') of sequences longer than maxlen. */
  truncating?: 'pre' | 'post';
  /** The padding value (default 0). */
  value?: number;
}

/**
 * Pads (and truncates) sequences of numbers to one length, as keras.utils.pad_sequences:
 * returns a [sequences.length, maxlen] tensor. Values must be integers for int32 (a fraction
 * is an error, never truncated).
 */
export function padSequences(sequences: ArrayLike<number>[], args: PadSequencesArgs = {}): Tensor {
  if (!Array.isArray(sequences)) throw new TypeError(expected('an array of sequences (arrays of numbers)', 'sequences', sequences));
  if (args === null || typeof args !== 'object') throw new TypeError(expected('an object {maxlen, dtype, padding, truncating, value}', 'args', args));
  for (const key of Object.keys(args)) {
    if (!['maxlen', 'dtype', 'padding', 'truncating', 'value'].includes(key)) throw new TypeError(`padSequences: unknown option '${key}'`);
  }
  sequences.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof (s as ArrayLike<number>).length !== 'number') {
      throw new TypeError(expected('an array of numbers', `sequences[${i}]`, s));
    }
  });
  const dtype = checkOneOf(args.dtype ?? 'int32', 'dtype', ['int32', 'float32'] as const);
  const padding = checkOneOf(args.padding ?? 'pre', 'padding', ['pre', 'post'] as const);
  const truncating = checkOneOf(args.truncating ?? 'pre', 'truncating', ['pre', 'post'] as const);
  const value = args.value ?? 0;
  if (!isFiniteNumber(value) || (dtype === 'int32' && !isInt32(value))) {
    throw new TypeError(expected(dtype === 'int32' ? 'an int32 integer' : 'a finite number', 'value', value));
  }
  let maxlen: number;
  if (args.maxlen === undefined || args.maxlen === null) maxlen = sequences.reduce((m, s) => Math.max(m, s.length), 0);
  else if (!Number.isInteger(args.maxlen) || args.maxlen < 0) throw new TypeError(expected('a non-negative integer', 'maxlen', args.maxlen));
  else maxlen = args.maxlen;
  const n = sequences.length;
  const out = dtype === 'int32' ? new Int32Array(n * maxlen) : new Float32Array(n * maxlen);
  out.fill(value);
  sequences.forEach((s, i) => {
    const len = Math.min(s.length, maxlen);
    const from = truncating === 'pre' ? s.length - len : 0;
    const at = i * maxlen + (padding === 'pre' ? maxlen - len : 0);
    for (let k = 0; k < len; k++) {
      const v = s[from + k];
      if (dtype === 'int32' ? !isInt32(v) : !isFiniteNumber(v)) {
        throw new TypeError(expected(dtype === 'int32' ? 'an int32 integer' : 'a finite number', `sequences[${i}][${from + k}]`, v));
      }
      out[at + k] = v;
    }
  });
  return new Tensor(out, [n, maxlen], dtype);
}
