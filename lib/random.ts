// The seeded random source behind initializers, shuffling and dropout seeds, so a run
// repeats exactly after tn.setSeed(n). Without a seed, it starts from the clock.
import { checkNonNegativeInteger } from './errors';

// xoshiro128** (Blackman & Vigna): small, fast, and good enough for ML initialization.
/** A seeded stream of random numbers: the global one (tn.setSeed), or one per seeded op call. */
export class RandomSource {
  private s = new Uint32Array(4);

  constructor(seed: number) {
    this.reseed(seed);
  }

  reseed(seed: number): void {
    // splitmix32 expands the seed into the 128-bit state.
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  nextUint32(): number {
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

  /** A uniform number in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A standard normal sample (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A truncated standard normal sample: redrawn until |x| <= 2 (as Keras' and tfjs' truncatedNormal). */
  truncatedNormal(): number {
    for (;;) {
      const x = this.normal();
      if (Math.abs(x) <= 2) return x;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const generator = new RandomSource((Date.now() ^ (process.pid << 16)) >>> 0);

/** Seeds every random choice tensornode makes (initializers, shuffling, dropout). */
export function setSeed(seed: number): void {
  checkNonNegativeInteger(seed, 'seed');
  generator.reseed(seed);
}

/**
 * The stream an op with an optional `seed` argument draws from: a fresh one from that seed (so
 * the same seed gives the same values on every call, as in tfjs), else the global stream.
 */
export function randomSource(seed?: number, argument = 'seed'): RandomSource {
  if (seed === undefined || seed === null) return generator;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new TypeError(`Expected a finite number for ${argument} but received ${String(seed)} (${typeof seed})`);
  }
  // fractional and negative seeds are folded into 32 bits, as seedrandom takes any number
  return new RandomSource((Math.trunc(seed) ^ Math.round((seed % 1) * 4294967296)) >>> 0);
}

/** A uniform uint32. */
export function randomUint32(): number {
  return generator.nextUint32();
}

/** A uniform number in [0, 1) with 32 bits of resolution. */
export function randomUniform(): number {
  return generator.uniform();
}

/** A standard normal sample (Box–Muller). */
export function randomNormal(): number {
  return generator.normal();
}

/** A truncated standard normal sample: redrawn until |x| <= 2 (as Keras' TruncatedNormal). */
export function randomTruncatedNormal(): number {
  return generator.truncatedNormal();
}

/** Fisher–Yates shuffle of indices in place. */
export function shuffleInPlace(indices: Int32Array): void {
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(randomUniform() * (i + 1));
    const t = indices[i];
    indices[i] = indices[j];
    indices[j] = t;
  }
}
