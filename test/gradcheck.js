// One finite-difference gradient check for every op and fused op (test/engine-ops.test.js and
// the fused-op tests use it), with the seeded random numbers and comparisons it needs.
'use strict';
const assert = require('assert');
const tn = require('..');

/** xorshift32: a deterministic stream of uniforms in [0, 1). */
function makeRng(seed) {
  let s = (seed >>> 0) || 1;
  return () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 4294967296);
}
/** A stable seed per test name, so adding an entry never changes another entry's inputs. */
function seedOf(name) {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

function assertShape(actual, expected, what) {
  assert.deepStrictEqual(actual.slice(), expected.slice(), `${what}: shape [${actual}] != expected [${expected}]`);
}
/** |a - e| <= atol + rtol |e| elementwise (NaN equal to NaN, infinities equal); names the first misses. */
function assertClose(actual, expected, { atol = 1e-6, rtol = 1e-5, what = 'values' } = {}) {
  assert.strictEqual(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  const bad = [];
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    const ok = (Number.isNaN(a) && Number.isNaN(e)) || a === e || Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) bad.push(`[${i}] got ${a} want ${e}`);
  }
  if (bad.length) assert.fail(`${what}: ${bad.length} of ${actual.length} differ (atol ${atol}, rtol ${rtol}): ${bad.slice(0, 5).join('; ')}`);
}

/**
 * Checks tn.grads(f) at xs against central finite differences: with fixed random weights W of
 * f's output shape, loss(xs) = sum(f(...xs) * W) in float64, and
 *   dloss/dx_i ~ (loss(x_i + h) - loss(x_i - h)) / (x_i+h - (x_i-h))   (the float32 step actually taken).
 * tn.grads gets W as dy, which is the gradient of that same loss. Only float32 inputs are
 * differentiated (int32/bool ones, such as gather indices or where's condition, are held fixed);
 * `only` restricts the check to some input positions (the others are held fixed too).
 */
function checkGrad(name, f, xs, { h = 1e-2, tol = 2e-2, only } = {}) {
  const rng = makeRng(seedOf(`${name} weights`));
  const y0 = f(...xs);
  const W = Float64Array.from({ length: y0.size }, () => 0.5 + rng());  // positive: no cancelling weights
  const loss = (ts) => {
    const y = f(...ts);
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.values[i] * W[i];
    return s;
  };
  const floatIdx = xs.map((x, i) => i).filter((i) => xs[i].dtype === 'float32' && (only === undefined || only.includes(i)));
  // tn.grads only takes float32 sources: the others are closed over
  const withFloats = (ts) => xs.map((x, i) => (floatIdx.includes(i) ? ts[floatIdx.indexOf(i)] : x));
  const gs = tn.grads((...ts) => f(...withFloats(ts)))(floatIdx.map((i) => xs[i]), new tn.Tensor(Float32Array.from(W), y0.shape.slice(), 'float32'));
  assert.strictEqual(gs.length, floatIdx.length, `${name}: ${gs.length} gradients for ${floatIdx.length} float inputs`);
  for (const [n, i] of floatIdx.entries()) {
    const x = xs[i], g = gs[n];
    assertShape(g.shape, x.shape, `${name}: gradient of input ${i}`);
    const numeric = new Float64Array(x.size);
    for (let k = 0; k < x.size; k++) {
      const plus = new Float32Array(x.values), minus = new Float32Array(x.values);
      plus[k] += h;
      minus[k] -= h;
      const at = (v) => xs.map((t, j) => (j === i ? new tn.Tensor(v, x.shape.slice(), 'float32') : t));
      numeric[k] = (loss(at(plus)) - loss(at(minus))) / (plus[k] - minus[k]);
    }
    assertClose(g.values, numeric, { atol: tol, rtol: tol, what: `${name}: d loss / d input ${i}` });
  }
}

module.exports = { makeRng, seedOf, assertShape, assertClose, checkGrad };
