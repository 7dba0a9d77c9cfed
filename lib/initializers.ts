// Weight initializers with Keras' names and formulas, and tfjs' factory names and configs.
//
// Note [Initializer seeds]
// An initializer given {seed} draws from a private RandomSource made from that seed on every
// apply() (random.ts' randomSource), so the same seed gives the same weights on every call and
// whatever the global seed is (as Keras 3 with an integer seed, and tfjs). Without a seed it
// draws from the global seeded stream, so tn.setSeed(n) makes a model's initial weights
// repeat exactly.
import { expected, shapeString } from './errors';
import { RandomSource, randomSource } from './random';
import { sizeOf } from './tensor';

export interface Initializer {
  readonly className: string;
  /** Fills a new Float32Array for a weight of `shape`. */
  apply(shape: number[]): Float32Array;
  /** The Keras config (e.g. RandomNormal: {mean, stddev, seed}); absent on a user's object. */
  getConfig?(): Record<string, unknown>;
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

type Config = Record<string, unknown>;

/** The config object of a factory: undefined or an object whose keys are all in `known`. */
function readConfig(args: unknown, known: readonly string[], factory: string): Config {
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object' || Array.isArray(args)) {
    throw new TypeError(expected(known.length ? `an object {${known.join(', ')}}` : 'no config', `initializers.${factory}(config)`, args));
  }
  for (const key of Object.keys(args)) {
    if (!known.includes(key)) {
      throw new TypeError(`initializers.${factory}: unknown option '${key}'; the options are ${known.length ? known.join(', ') : 'none'}`);
    }
  }
  return args as Config;
}

function numberOption(config: Config, key: string, factory: string, fallback: number, check?: (v: number) => boolean, what = 'a finite number'): number {
  const v = config[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || (check !== undefined && !check(v))) {
    throw new RangeError(expected(what, `initializers.${factory}({${key}})`, v));
  }
  return v;
}

/** The seed option: undefined (the global stream) or a finite number (Note [Initializer seeds]). */
function seedOption(config: Config, factory: string): number | undefined {
  const v = config.seed;
  if (v === undefined || v === null) return undefined;
  randomSource(v as number, `initializers.${factory}({seed})`);  // validates it
  return v as number;
}

function checkShape(shape: number[], className: string): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(expected('a shape (an array of non-negative integers)', `${className}.apply(shape)`, shape));
  }
}

/** Base of the random initializers: the stream for one apply() (Note [Initializer seeds]). */
abstract class RandomInitializer implements Initializer {
  abstract readonly className: string;
  readonly seed: number | undefined;

  constructor(seed: number | undefined) {
    this.seed = seed;
  }

  apply(shape: number[]): Float32Array {
    checkShape(shape, this.className);
    return this.fill(shape, randomSource(this.seed));
  }

  protected abstract fill(shape: number[], rng: RandomSource): Float32Array;

  getConfig(): Record<string, unknown> {
    return { seed: this.seed ?? null };
  }
}

type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
type Distribution = 'truncatedNormal' | 'untruncatedNormal' | 'uniform';

const KERAS_MODE: Record<FanMode, string> = { fanIn: 'fan_in', fanOut: 'fan_out', fanAvg: 'fan_avg' };
const KERAS_DISTRIBUTION: Record<Distribution, string> = {
  truncatedNormal: 'truncated_normal', untruncatedNormal: 'untruncated_normal', uniform: 'uniform',
};

class VarianceScaling extends RandomInitializer {
  readonly className: string;
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
  /** Named variants (GlorotUniform, …) have {seed} as their whole Keras config. */
  private readonly named: boolean;

  constructor(className: string, scale: number, mode: FanMode, distribution: Distribution, seed: number | undefined, named: boolean) {
    super(seed);
    this.className = className;
    this.scale = scale;
    this.mode = mode;
    this.distribution = distribution;
    this.named = named;
  }

  protected fill(shape: number[], rng: RandomSource): Float32Array {
    const { fanIn, fanOut } = computeFans(shape);
    const fan = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, fan);
    const out = new Float32Array(sizeOf(shape));
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * limit;
    } else if (this.distribution === 'truncatedNormal') {
      const stddev = Math.sqrt(variance) / TRUNCATED_STDDEV_CORRECTION;
      for (let i = 0; i < out.length; i++) out[i] = stddev * rng.truncatedNormal();
    } else {
      const stddev = Math.sqrt(variance);
      for (let i = 0; i < out.length; i++) out[i] = stddev * rng.normal();
    }
    return out;
  }

  override getConfig(): Record<string, unknown> {
    if (this.named) return super.getConfig();
    return { scale: this.scale, mode: KERAS_MODE[this.mode], distribution: KERAS_DISTRIBUTION[this.distribution], seed: this.seed ?? null };
  }
}

/** A named variance-scaling initializer (glorotUniform, …): config {seed}. */
function namedVarianceScaling(factory: string, className: string, scale: number, mode: FanMode, distribution: Distribution) {
  return (config?: { seed?: number }): Initializer => {
    const c = readConfig(config, ['seed'], factory);
    return new VarianceScaling(className, scale, mode, distribution, seedOption(c, factory), true);
  };
}

const MODES: Record<string, FanMode> = { fanIn: 'fanIn', fan_in: 'fanIn', fanOut: 'fanOut', fan_out: 'fanOut', fanAvg: 'fanAvg', fan_avg: 'fanAvg' };
// 'normal' is a truncated normal, as in Keras (tfjs' 'normal' also draws a truncated normal).
const DISTRIBUTIONS: Record<string, Distribution> = {
  truncatedNormal: 'truncatedNormal', truncated_normal: 'truncatedNormal', normal: 'truncatedNormal',
  untruncatedNormal: 'untruncatedNormal', untruncated_normal: 'untruncatedNormal', uniform: 'uniform',
};

function varianceScaling(config?: { scale?: number; mode?: string; distribution?: string; seed?: number }): Initializer {
  const c = readConfig(config, ['scale', 'mode', 'distribution', 'seed'], 'varianceScaling');
  const scale = numberOption(c, 'scale', 'varianceScaling', 1, (v) => v > 0, 'a positive number');
  const pick = <T>(key: string, table: Record<string, T>, fallback: T): T => {
    const v = c[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(table, v)) {
      throw new TypeError(expected(`one of ${Object.keys(table).map((k) => `'${k}'`).join(', ')}`, `initializers.varianceScaling({${key}})`, v));
    }
    return table[v];
  };
  const mode = pick('mode', MODES, 'fanIn' as FanMode);
  const distribution = pick('distribution', DISTRIBUTIONS, 'truncatedNormal' as Distribution);
  return new VarianceScaling('VarianceScaling', scale, mode, distribution, seedOption(c, 'varianceScaling'), false);
}

class ConstantInitializer implements Initializer {
  constructor(readonly className: string, readonly value: number) {}

  apply(shape: number[]): Float32Array {
    checkShape(shape, this.className);
    return new Float32Array(sizeOf(shape)).fill(this.value);
  }

  getConfig(): Record<string, unknown> {
    return this.className === 'Constant' ? { value: this.value } : {};
  }
}

class RandomNormal extends RandomInitializer {
  constructor(readonly className: string, readonly mean: number, readonly stddev: number, seed: number | undefined) {
    super(seed);
  }

  protected fill(shape: number[], rng: RandomSource): Float32Array {
    const out = new Float32Array(sizeOf(shape));
    const draw = this.className === 'TruncatedNormal' ? () => rng.truncatedNormal() : () => rng.normal();
    for (let i = 0; i < out.length; i++) out[i] = this.mean + this.stddev * draw();
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed ?? null };
  }
}

function normalFactory(factory: string, className: string) {
  return (config?: { mean?: number; stddev?: number; seed?: number }): Initializer => {
    const c = readConfig(config, ['mean', 'stddev', 'seed'], factory);
    return new RandomNormal(className, numberOption(c, 'mean', factory, 0),
      numberOption(c, 'stddev', factory, 0.05, (v) => v >= 0, 'a finite number >= 0'), seedOption(c, factory));
  };
}

class RandomUniform extends RandomInitializer {
  readonly className = 'RandomUniform';

  constructor(readonly minval: number, readonly maxval: number, seed: number | undefined) {
    super(seed);
  }

  protected fill(shape: number[], rng: RandomSource): Float32Array {
    const out = new Float32Array(sizeOf(shape));
    const lo = this.minval, span = this.maxval - this.minval;
    for (let i = 0; i < out.length; i++) out[i] = lo + span * rng.uniform();
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed ?? null };
  }
}

/**
 * Orthogonal matrix (Keras' default recurrent initializer): QR of a normal matrix, done here
 * by modified Gram–Schmidt on the rows or columns, whichever are fewer (the Q with a positive
 * diagonal R, which is what Keras' sign correction makes of its QR).
 */
class Orthogonal extends RandomInitializer {
  readonly className = 'Orthogonal';

  constructor(readonly gain: number, seed: number | undefined) {
    super(seed);
  }

  protected fill(shape: number[], rng: RandomSource): Float32Array {
    if (shape.length < 2) {
      throw new RangeError(`Orthogonal initializer: the weight must have rank >= 2 but has shape ${shapeString(shape)}`);
    }
    const cols = shape[shape.length - 1];
    const rows = sizeOf(shape) / cols;
    const transpose = rows < cols; // orthonormalize the shorter side
    const n = transpose ? rows : cols; // vectors
    const len = transpose ? cols : rows; // vector length
    const v = new Float64Array(n * len);
    for (let i = 0; i < v.length; i++) v[i] = rng.normal();
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
        out[r * cols + c] = this.gain * (transpose ? v[r * len + c] : v[c * len + r]);
      }
    }
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return { gain: this.gain, seed: this.seed ?? null };
  }
}

/** gain * the identity matrix (2-D weights, square or not, as Keras 3). */
class Identity implements Initializer {
  readonly className = 'Identity';

  constructor(readonly gain: number) {}

  apply(shape: number[]): Float32Array {
    checkShape(shape, this.className);
    if (shape.length !== 2) throw new RangeError(`Identity initializer: the weight must be 2-D but has shape ${shapeString(shape)}`);
    const [rows, cols] = shape;
    const out = new Float32Array(rows * cols);
    for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = this.gain;
    return out;
  }

  getConfig(): Record<string, unknown> {
    return { gain: this.gain };
  }
}

/** tn.initializers: tfjs' factory names, each taking its tfjs / Keras config. */
export const initializers = {
  glorotUniform: namedVarianceScaling('glorotUniform', 'GlorotUniform', 1, 'fanAvg', 'uniform'),
  glorotNormal: namedVarianceScaling('glorotNormal', 'GlorotNormal', 1, 'fanAvg', 'truncatedNormal'),
  heNormal: namedVarianceScaling('heNormal', 'HeNormal', 2, 'fanIn', 'truncatedNormal'),
  heUniform: namedVarianceScaling('heUniform', 'HeUniform', 2, 'fanIn', 'uniform'),
  leCunNormal: namedVarianceScaling('leCunNormal', 'LecunNormal', 1, 'fanIn', 'truncatedNormal'),
  leCunUniform: namedVarianceScaling('leCunUniform', 'LecunUniform', 1, 'fanIn', 'uniform'),
  varianceScaling,
  zeros: (config?: Record<string, never>): Initializer => {
    readConfig(config, [], 'zeros');
    return new ConstantInitializer('Zeros', 0);
  },
  ones: (config?: Record<string, never>): Initializer => {
    readConfig(config, [], 'ones');
    return new ConstantInitializer('Ones', 1);
  },
  /** Keras' Constant (value defaults to 0 as in Keras 3). */
  constant: (config?: { value?: number }): Initializer => {
    const c = readConfig(config, ['value'], 'constant');
    return new ConstantInitializer('Constant', numberOption(c, 'value', 'constant', 0));
  },
  orthogonal: (config?: { gain?: number; seed?: number }): Initializer => {
    const c = readConfig(config, ['gain', 'seed'], 'orthogonal');
    return new Orthogonal(numberOption(c, 'gain', 'orthogonal', 1), seedOption(c, 'orthogonal'));
  },
  identity: (config?: { gain?: number }): Initializer => {
    const c = readConfig(config, ['gain'], 'identity');
    return new Identity(numberOption(c, 'gain', 'identity', 1));
  },
  randomNormal: normalFactory('randomNormal', 'RandomNormal'),
  truncatedNormal: normalFactory('truncatedNormal', 'TruncatedNormal'),
  randomUniform: (config?: { minval?: number; maxval?: number; seed?: number }): Initializer => {
    const c = readConfig(config, ['minval', 'maxval', 'seed'], 'randomUniform');
    const minval = numberOption(c, 'minval', 'randomUniform', -0.05);
    const maxval = numberOption(c, 'maxval', 'randomUniform', 0.05, (v) => v >= minval, `a finite number >= minval (${minval})`);
    return new RandomUniform(minval, maxval, seedOption(c, 'randomUniform'));
  },
};

export type InitializerIdentifier = keyof typeof initializers;

// Every spelling a string or a {className} may use: tfjs' factory names, Keras' class names
// and their snake_case, tfjs' LeCun class names, and Keras' aliases.
const NAMES: Record<string, InitializerIdentifier> = {};
for (const [id, className, snake] of [
  ['glorotUniform', 'GlorotUniform', 'glorot_uniform'], ['glorotNormal', 'GlorotNormal', 'glorot_normal'],
  ['heNormal', 'HeNormal', 'he_normal'], ['heUniform', 'HeUniform', 'he_uniform'],
  ['leCunNormal', 'LecunNormal', 'lecun_normal'], ['leCunUniform', 'LecunUniform', 'lecun_uniform'],
  ['varianceScaling', 'VarianceScaling', 'variance_scaling'], ['zeros', 'Zeros', 'zeros'], ['ones', 'Ones', 'ones'],
  ['constant', 'Constant', 'constant'], ['orthogonal', 'Orthogonal', 'orthogonal'], ['identity', 'Identity', 'identity'],
  ['randomNormal', 'RandomNormal', 'random_normal'], ['truncatedNormal', 'TruncatedNormal', 'truncated_normal'],
  ['randomUniform', 'RandomUniform', 'random_uniform'],
] as [InitializerIdentifier, string, string][]) {
  NAMES[id] = id;
  NAMES[className] = id;
  NAMES[snake] = id;
}
Object.assign(NAMES, {
  LeCunNormal: 'leCunNormal', LeCunUniform: 'leCunUniform', OrthogonalInitializer: 'orthogonal', IdentityInitializer: 'identity',
  normal: 'randomNormal', uniform: 'randomUniform', one: 'ones', zero: 'zeros',
} as Record<string, InitializerIdentifier>);

function lookup(name: string): InitializerIdentifier | undefined {
  return Object.prototype.hasOwnProperty.call(NAMES, name) ? NAMES[name] : undefined;
}

/** Keras' snake_case config keys as our camelCase ones; null values (Keras' "unset") dropped. */
function camelConfig(config: Config): Config {
  const out: Config = {};
  for (const [k, v] of Object.entries(config)) {
    if (v !== null) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  }
  return out;
}

/**
 * Resolves an initializer: a name ('glorotUniform', Keras' 'glorot_uniform' or 'GlorotUniform',
 * …, with the defaults), an Initializer object, or a {className, config} object (Keras' and
 * tfjs' serialized form); undefined or null gives `fallback`.
 */
export function resolveInitializer(value: unknown, argument: string, fallback: InitializerIdentifier): Initializer {
  if (value === undefined || value === null) return (initializers[fallback] as () => Initializer)();
  if (typeof value === 'object' && typeof (value as Initializer).apply === 'function') return value as Initializer;
  const known = () => Object.keys(initializers).map((s) => `'${s}'`).join(', ');
  if (typeof value === 'string') {
    const id = lookup(value);
    if (id === undefined) throw new TypeError(expected(`an initializer (one of ${known()}), {className, config} or an Initializer`, argument, value));
    return (initializers[id] as () => Initializer)();
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const { className, config, ...rest } = value as { className?: unknown; config?: unknown };
    if (typeof className === 'string' && Object.keys(rest).length === 0) {
      const id = lookup(className);
      if (id === undefined) throw new TypeError(`${argument}: unknown initializer className '${className}'; the known ones are ${known()}`);
      if (config !== undefined && config !== null && (typeof config !== 'object' || Array.isArray(config))) {
        throw new TypeError(expected('an object', `${argument}.config`, config));
      }
      return (initializers[id] as (c: Config) => Initializer)(camelConfig((config ?? {}) as Config));
    }
  }
  throw new TypeError(expected(`an initializer (one of ${known()}), {className, config} or an Initializer with apply(shape)`, argument, value));
}
