// Seeded random sources for the data pipeline.
//
// Two generators, for two different promises:
// - SeededRandom (xoshiro128**): shuffle buffers, epoch orders, augmentation. A seed makes a
//   pipeline repeat exactly; without one it draws its seed from tensornode's global generator,
//   so tn.setSeed(n) makes the whole run repeat.
// - NumpyRandomState (MT19937 with NumPy's legacy seeding and shuffle): only where Keras
//   shuffles with np.random.RandomState(seed) and the result is visible to users, i.e. which
//   files image_dataset_from_directory puts in the training and the validation subset. See
//   Note [Same split as Keras].
import { expected, isNonNegativeInteger } from '../errors';
import { randomUint32 } from '../random';

/** A seed as tfjs-data takes it (shuffle(bufferSize, seed) takes a string) or as Keras takes it (an integer). */
export type Seed = number | string;

/** Checks a seed: a non-negative integer or a string. */
export function checkSeed(seed: unknown, argument: string): Seed {
  if ((typeof seed === 'number' && isNonNegativeInteger(seed) && seed <= 0xffffffff) || typeof seed === 'string') return seed;
  throw new TypeError(expected('an integer in [0, 2^32) or a string', argument, seed));
}

/** 32 bits from a seed: the integer itself, or an FNV-1a hash of the string. */
function seedBits(seed: Seed): number {
  if (typeof seed === 'number') return seed >>> 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** xoshiro128** seeded through splitmix32 (the same construction as lib/random.ts, but one per pipeline). */
export class SeededRandom {
  private readonly s = new Uint32Array(4);

  /** Without a seed, the seed comes from tensornode's global generator (tn.setSeed). */
  constructor(seed?: Seed) {
    let x = seed === undefined ? randomUint32() : seedBits(seed);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  uint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: { length: number; [i: number]: T }): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// Note [Same split as Keras]: image_dataset_from_directory(validation_split, subset, seed)
// lists the files in sorted order, shuffles the list with np.random.RandomState(seed).shuffle,
// and takes the last int(validation_split * n) files as the validation subset. Users rely on
// calling it twice with the same seed (subset 'training', then 'validation') to get disjoint
// subsets, and a project ported from Keras expects the same files in each subset. Both hold
// only if the shuffle is NumPy's: MT19937 seeded by init_genrand(seed) (NumPy's legacy seeding
// for an integer seed), and the legacy shuffle, which for i = n-1 … 1 swaps x[i] with x[j],
// j drawn uniformly from [0, i] by masked rejection sampling on 32-bit outputs. Checked against
// NumPy in test/data-images.test.js (fixture from test/fixtures/make_keras_fixtures.py).

/** MT19937 as NumPy's RandomState(seed) for an integer seed. */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    if (!isNonNegativeInteger(seed) || seed > 0xffffffff) throw new RangeError(expected('an integer in [0, 2^32)', 'seed', seed));
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, modulo 2^32, without losing bits to float rounding.
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private generate(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      let v = mt[(i + 397) % 624] ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v >>> 0;
    }
    this.index = 0;
  }

  uint32(): number {
    if (this.index >= 624) this.generate();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform integer in [0, max] (NumPy's random_interval for max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.uint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /** RandomState.shuffle, in place. */
  shuffle<T>(items: T[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
  }
}
