// Shared test helpers: seeded random inputs, float64 references, tolerant comparison with
// a report of the first mismatches, and finite-difference gradient checks for layers.
'use strict';
const assert = require('assert');
const tn = require('..');

/** A seeded generator of uniform numbers in [lo, hi), never exactly zero. */
function makeRandom(seed = 1) {
  let s = seed >>> 0 || 1;
  const next = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 4294967296);
  return (n, lo = -1, hi = 1) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let v = 0;
      while (v === 0) v = lo + (hi - lo) * next();
      out[i] = v;
    }
    return out;
  };
}

/** Asserts |actual - expected| <= atol + rtol * |expected| elementwise; reports the worst. */
function assertClose(actual, expected, { atol = 1e-5, rtol = 1e-4, what = 'values' } = {}) {
  assert.strictEqual(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  const bad = [];
  let maxDiff = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= atol + rtol * Math.abs(expected[i]))) bad.push(i);
    if (!(d <= maxDiff)) maxDiff = d;
  }
  if (bad.length > 0) {
    const shown = bad.slice(0, 5).map((i) => `[${i}] got ${actual[i]} want ${expected[i]}`).join('; ');
    assert.fail(`${what}: ${bad.length} of ${actual.length} mismatches (max |diff| ${maxDiff}, atol ${atol}, rtol ${rtol}): ${shown}`);
  }
}

/** float64 C = op(A) op(B) for row-major A, B with leading dimensions. */
function matmulRef(ta, tb, M, N, K, A, lda, B, ldb) {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += (ta ? A[k * lda + i] : A[i * lda + k]) * (tb ? B[j * ldb + k] : B[k * ldb + j]);
      C[i * N + j] = acc;
    }
  }
  return C;
}

/**
 * Finite-difference check of a layer's backward: loss = sum(y * r) for a fixed random r.
 * Checks dx (unless needInputGrad is false) and every trainable weight's grad, at up to
 * `samples` coordinates each, by central differences with step h, in float64 sums of
 * the float32 forward.
 */
function gradCheck(layer, x, { h = 1e-2, atol = 2e-3, rtol = 2e-2, samples = 40, seed = 7, training = true } = {}) {
  const rand = makeRandom(seed);
  layer.ensureBuilt(x.shape.slice(1));
  const y0 = layer.forward(x, training);
  const r = rand(y0.size);
  const lossOf = () => {
    const y = layer.forward(x, training).dataSync();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * r[i];
    return s;
  };
  layer.forward(x, training);
  const dx = layer.backward(tn.tensor(Float32Array.from(r), y0.shape), true);
  const dxCopy = dx ? Float32Array.from(dx.dataSync()) : null;
  const weightGrads = layer.trainableVariables.map((v) => Float32Array.from(v.grad));
  const pick = (n) => {
    const idx = new Set();
    const step = Math.max(1, Math.floor(n / samples));
    for (let i = 0; i < n && idx.size < samples; i += step) idx.add(i);
    idx.add(n - 1);
    return [...idx];
  };
  // Central difference; NaN where the two one-sided differences disagree, i.e. the step
  // crossed a kink (relu at 0, selu at 0, …) and the derivative is not defined there.
  const numeric = (buf, i) => {
    const old = buf[i];
    const center = lossOf();
    buf[i] = old + h;
    const plus = lossOf();
    buf[i] = old - h;
    const minus = lossOf();
    buf[i] = old;
    const forward = (plus - center) / h, backward = (center - minus) / h;
    if (Math.abs(forward - backward) > 4 * atol + 0.05 * Math.abs(forward + backward)) return NaN;
    return (plus - minus) / (2 * h);
  };
  const compare = (what, analytic, buf) => {
    const idx = pick(buf.length);
    const want = idx.map((i) => numeric(buf, i));
    const keep = idx.map((_, k) => k).filter((k) => !Number.isNaN(want[k]));
    assert.ok(keep.length >= Math.ceil(idx.length * 0.75), `${what}: too many coordinates sit on a kink (${idx.length - keep.length} of ${idx.length})`);
    const got = Float64Array.from(keep, (k) => analytic[idx[k]]);
    assertClose(got, Float64Array.from(keep, (k) => want[k]), { atol, rtol, what });
  };
  if (dxCopy) compare(`${layer.name} d input`, dxCopy, x.dataSync());
  layer.trainableVariables.forEach((v, k) => compare(`${layer.name} d ${v.name}`, weightGrads[k], v.value));
}

module.exports = { makeRandom, assertClose, matmulRef, gradCheck, tn };
