// Weight initializers with Keras' names and formulas. All draw from the seeded source in
// random.ts, so tn.setSeed(n) makes a model's initial weights repeat exactly.
import { expected } from './errors';
import { randomNormal, randomTruncatedNormal, randomUniform } from './random';
import { sizeOf } from './tensor';

export interface Initializer {
  readonly className: string;
  /** Fills a new Float32Array for a weight of `shape`. */
  apply(shape: number[]): Float32Array;
}

/** Keras' fan computation: dense [in, out]; conv [..., in, out] with the receptive field folded in. */
export function computeFans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

// Keras' truncated normal keeps |x| <= 2 stddev; dividing by this restores the variance.
const TRUNCATED_STDDEV_CORRECTION = 0.87962566103423978;

type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';

function varianceScaling(className: string, scale: number, mode: FanMode, distribution: 'uniform' | 'truncatedNormal'): Initializer {
  return {
    className,
    apply(shape: number[]): Float32Array {
      const { fanIn, fanOut } = computeFans(shape);
      const fan = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
      const variance = scale / Math.max(1, fan);
      const out = new Float32Array(sizeOf(shape));
      if (distribution === 'uniform') {
        const limit = Math.sqrt(3 * variance);
        for (let i = 0; i < out.length; i++) out[i] = (2 * randomUniform() - 1) * limit;
      } else {
        const stddev = Math.sqrt(variance) / TRUNCATED_STDDEV_CORRECTION;
        for (let i = 0; i < out.length; i++) out[i] = stddev * randomTruncatedNormal();
      }
      return out;
    },
  };
}

function constant(className: string, value: number): Initializer {
  return { className, apply: (shape) => new Float32Array(sizeOf(shape)).fill(value) };
}

/**
 * Orthogonal matrix (Keras' default recurrent initializer): QR of a normal matrix, done here
 * by modified Gram–Schmidt on the rows or columns, whichever are fewer.
 */
function orthogonal(gain = 1): Initializer {
  return {
    className: 'Orthogonal',
    apply(shape: number[]): Float32Array {
      const cols = shape[shape.length - 1];
      const rows = sizeOf(shape) / cols;
      const transpose = rows < cols; // orthonormalize the shorter side
      const n = transpose ? rows : cols; // vectors
      const len = transpose ? cols : rows; // vector length
      const v = new Float64Array(n * len);
      for (let i = 0; i < v.length; i++) v[i] = randomNormal();
      for (let a = 0; a < n; a++) {
        const va = v.subarray(a * len, (a + 1) * len);
        for (let b = 0; b < a; b++) {
          const vb = v.subarray(b * len, (b + 1) * len);
          let dot = 0;
          for (let k = 0; k < len; k++) dot += va[k] * vb[k];
          for (let k = 0; k < len; k++) va[k] -= dot * vb[k];
        }
        let norm = 0;
        for (let k = 0; k < len; k++) norm += va[k] * va[k];
        norm = Math.sqrt(norm) || 1;
        for (let k = 0; k < len; k++) va[k] /= norm;
      }
      const out = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          out[r * cols + c] = gain * (transpose ? v[r * len + c] : v[c * len + r]);
        }
      }
      return out;
    },
  };
}

export const initializers = {
  glorotUniform: () => varianceScaling('GlorotUniform', 1, 'fanAvg', 'uniform'),
  glorotNormal: () => varianceScaling('GlorotNormal', 1, 'fanAvg', 'truncatedNormal'),
  heNormal: () => varianceScaling('HeNormal', 2, 'fanIn', 'truncatedNormal'),
  heUniform: () => varianceScaling('HeUniform', 2, 'fanIn', 'uniform'),
  leCunNormal: () => varianceScaling('LecunNormal', 1, 'fanIn', 'truncatedNormal'),
  leCunUniform: () => varianceScaling('LecunUniform', 1, 'fanIn', 'uniform'),
  zeros: () => constant('Zeros', 0),
  ones: () => constant('Ones', 1),
  constant: (config: { value: number }) => constant('Constant', config.value),
  orthogonal: (config: { gain?: number } = {}) => orthogonal(config.gain ?? 1),
  randomNormal: (config: { mean?: number; stddev?: number } = {}): Initializer => ({
    className: 'RandomNormal',
    apply: (shape) => Float32Array.from({ length: sizeOf(shape) }, () => (config.mean ?? 0) + (config.stddev ?? 0.05) * randomNormal()),
  }),
  randomUniform: (config: { minval?: number; maxval?: number } = {}): Initializer => ({
    className: 'RandomUniform',
    apply: (shape) => {
      const lo = config.minval ?? -0.05, hi = config.maxval ?? 0.05;
      return Float32Array.from({ length: sizeOf(shape) }, () => lo + (hi - lo) * randomUniform());
    },
  }),
};

export type InitializerIdentifier = keyof typeof initializers;

const SNAKE_CASE: Record<string, InitializerIdentifier> = {
  glorot_uniform: 'glorotUniform', glorot_normal: 'glorotNormal', he_normal: 'heNormal', he_uniform: 'heUniform',
  lecun_normal: 'leCunNormal', lecun_uniform: 'leCunUniform', random_normal: 'randomNormal', random_uniform: 'randomUniform',
};

/** Resolves 'glorotUniform' (or 'glorot_uniform', or an Initializer object) to an Initializer. */
export function resolveInitializer(value: unknown, argument: string, fallback: InitializerIdentifier): Initializer {
  if (value === undefined || value === null) return (initializers[fallback] as () => Initializer)();
  if (typeof value === 'object' && typeof (value as Initializer).apply === 'function') return value as Initializer;
  const name = typeof value === 'string' ? (SNAKE_CASE[value] ?? value) : undefined;
  const simple = ['glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'leCunNormal', 'leCunUniform', 'zeros', 'ones',
    'orthogonal', 'randomNormal', 'randomUniform'];
  if (name === undefined || !simple.includes(name)) {
    throw new TypeError(expected(`an initializer (one of ${simple.map((s) => `'${s}'`).join(', ')}) or an Initializer`, argument, value));
  }
  return (initializers[name as InitializerIdentifier] as () => Initializer)();
}
