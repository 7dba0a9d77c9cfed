// Fused attention and layer normalization (lib/ops/attention.ts, native/cpu/attention.cpp,
// native/cpu/layernorm.cpp): forward against float64 references written here in plain JS,
// the fused backward against a float64 reference backward (large shapes: several query and
// key blocks) and against central finite differences (small shapes), the returned scores
// against an explicit softmax, masks (causal, padding, both, fully masked rows), and errors.
'use strict';
const assert = require('assert');
const tn = require('..');
const { makeRandom, assertClose } = require('./helpers');

const size = (s) => s.reduce((a, b) => a * b, 1);
const T = (values, shape, dtype = 'float32') => new tn.Tensor(values, shape, dtype);

// ---- float64 reference: q (B, Tq, H, D), k (B, Tk, H, D), v (B, Tk, H, Dv) ---------------------

/** allowed(b, i, j) from the options: causal top-left (j <= i) and a (Mb, Mq, Mk) mask, nonzero = attend. */
function allowedFn({ causal = false, mask = null, maskShape = null }) {
  return (b, i, j) => {
    if (causal && j > i) return false;
    if (mask === null) return true;
    const [mb, mq, mk] = maskShape;
    return mask[(mb === 1 ? 0 : b) * mq * mk + (mq === 1 ? 0 : i) * mk + (mk === 1 ? 0 : j)] !== 0;
  };
}

/** out (B, Tq, H, Dv), weights P (B, H, Tq, Tk) and, given dout, dq, dk, dv; all float64. */
function refAttention(q, k, v, [B, Tq, Tk, H, D, Dv], opts = {}, dout = null) {
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  const allowed = allowedFn(opts);
  const out = new Float64Array(B * Tq * H * Dv), P = new Float64Array(B * H * Tq * Tk);
  const dq = new Float64Array(B * Tq * H * D), dk = new Float64Array(B * Tk * H * D), dv = new Float64Array(B * Tk * H * Dv);
  const qi = (b, i, h, e) => ((b * Tq + i) * H + h) * D + e;
  const ki = (b, j, h, e) => ((b * Tk + j) * H + h) * D + e;
  const vi = (b, j, h, c) => ((b * Tk + j) * H + h) * Dv + c;
  const oi = (b, i, h, c) => ((b * Tq + i) * H + h) * Dv + c;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Tq; i++) {
        const s = new Float64Array(Tk).fill(-Infinity);
        let mx = -Infinity;
        for (let j = 0; j < Tk; j++) {
          if (!allowed(b, i, j)) continue;
          let acc = 0;
          for (let e = 0; e < D; e++) acc += q[qi(b, i, h, e)] * k[ki(b, j, h, e)];
          s[j] = acc * scale;
          mx = Math.max(mx, s[j]);
        }
        let sum = 0;
        for (let j = 0; j < Tk; j++) sum += s[j] === -Infinity ? 0 : Math.exp(s[j] - mx);
        const p = (j) => (s[j] === -Infinity ? 0 : Math.exp(s[j] - mx) / sum);
        for (let j = 0; j < Tk; j++) {
          P[((b * H + h) * Tq + i) * Tk + j] = p(j);
          for (let c = 0; c < Dv; c++) out[oi(b, i, h, c)] += p(j) * v[vi(b, j, h, c)];
        }
        if (dout === null) continue;
        // dP_j = dout_i . v_j; dS_j = P_j (dP_j - sum_j P_j dP_j)
        const dP = new Float64Array(Tk);
        let delta = 0;
        for (let j = 0; j < Tk; j++) {
          for (let c = 0; c < Dv; c++) dP[j] += dout[oi(b, i, h, c)] * v[vi(b, j, h, c)];
          delta += p(j) * dP[j];
        }
        for (let j = 0; j < Tk; j++) {
          const pj = p(j);
          if (pj === 0) continue;
          const dS = pj * (dP[j] - delta) * scale;
          for (let e = 0; e < D; e++) {
            dq[qi(b, i, h, e)] += dS * k[ki(b, j, h, e)];
            dk[ki(b, j, h, e)] += dS * q[qi(b, i, h, e)];
          }
          for (let c = 0; c < Dv; c++) dv[vi(b, j, h, c)] += pj * dout[oi(b, i, h, c)];
        }
      }
    }
  }
  return { out, P, dq, dk, dv };
}

/** Random q, k, v (and dout) for dims [B, Tq, Tk, H, D, Dv], seeded. */
function inputs(dims, seed) {
  const [B, Tq, Tk, H, D, Dv] = dims;
  const rand = makeRandom(seed);
  return {
    q: T(rand(B * Tq * H * D, -1.5, 1.5), [B, Tq, H, D]),
    k: T(rand(B * Tk * H * D, -1.5, 1.5), [B, Tk, H, D]),
    v: T(rand(B * Tk * H * Dv), [B, Tk, H, Dv]),
    dout: T(rand(B * Tq * H * Dv), [B, Tq, H, Dv]),
  };
}

/** A bool mask of `shape` with about `keep` of the entries attending (seeded). */
function randomMask(shape, seed, keep = 0.7) {
  const rand = makeRandom(seed);
  const u = rand(size(shape), 0, 1);
  return T(Uint8Array.from(u, (x) => (x < keep ? 1 : 0)), shape, 'bool');
}

/** Runs the fused op forward and backward (dout as the output's gradient). */
function fused(q, k, v, opts, dout) {
  const f = (a, b, c) => tn.scaledDotProductAttention(a, b, c, opts);
  const out = f(q, k, v);
  const [dq, dk, dv] = tn.grads(f)([q, k, v], dout);
  return { out, dq, dk, dv };
}

function checkAgainstReference(dims, opts, seed, { atol = 2e-5, rtol = 2e-4 } = {}) {
  const { q, k, v, dout } = inputs(dims, seed);
  const ref = refAttention(q.values, k.values, v.values, dims, {
    ...opts, mask: opts.mask ? opts.mask.values : null, maskShape: opts.mask ? maskShape3(opts.mask.shape) : null,
  }, dout.values);
  const got = fused(q, k, v, opts, dout);
  assertClose(got.out.values, ref.out, { atol, rtol, what: 'out' });
  assertClose(got.dq.values, ref.dq, { atol, rtol, what: 'dq' });
  assertClose(got.dk.values, ref.dk, { atol, rtol, what: 'dk' });
  assertClose(got.dv.values, ref.dv, { atol, rtol, what: 'dv' });
  const [, scores] = tn.scaledDotProductAttention(q, k, v, { ...opts, returnScores: true });
  assertClose(scores.values, ref.P, { atol: 1e-6, rtol: 1e-4, what: 'scores' });
  for (const t of [got.out, got.dq, got.dk, got.dv, scores]) assert.ok(t.values.every(Number.isFinite), 'no NaN or Inf');
  return { q, k, v, dout, got, ref };
}
const maskShape3 = (s) => (s.length === 2 ? [1, ...s] : s);

describe('scaledDotProductAttention', () => {
  // [B, Tq, Tk, H, D, Dv]. The kernels use 64-query blocks and 64..128-key blocks, so the
  // larger cases span several of both, with ragged last blocks.
  const shapes = [
    ['small, Tq != Tk, D != Dv', [2, 5, 7, 3, 4, 6]],
    ['T = 1', [1, 1, 1, 1, 8, 8]],
    ['Tq = 1, Tk = 9', [2, 1, 9, 2, 3, 5]],
    ['odd lengths over several blocks, Tq < Tk', [1, 67, 131, 2, 16, 8]],
    ['odd lengths over several blocks, Tq > Tk', [1, 130, 71, 1, 8, 12]],
    ['head dim 64', [1, 65, 65, 2, 64, 64]],
  ];
  for (const [name, dims] of shapes) {
    const [B, Tq, Tk] = dims;
    it(`${name}: no mask`, () => checkAgainstReference(dims, {}, 11));
    it(`${name}: causal`, () => checkAgainstReference(dims, { causal: true }, 12));
    it(`${name}: padding mask [B, 1, Tk]`, () => checkAgainstReference(dims, { mask: randomMask([B, 1, Tk], 5) }, 13));
    it(`${name}: causal and a full mask [B, Tq, Tk]`, () =>
      checkAgainstReference(dims, { causal: true, mask: randomMask([B, Tq, Tk], 6) }, 14));
  }

  it('a rank-2 [Tq, Tk] mask, a float32 mask and an int32 mask mean the same', () => {
    const dims = [2, 9, 11, 2, 4, 4];
    const m = randomMask([9, 11], 3);
    checkAgainstReference(dims, { mask: m }, 21);
    const { q, k, v } = inputs(dims, 22);
    const a = tn.scaledDotProductAttention(q, k, v, { mask: m }).values;
    const b = tn.scaledDotProductAttention(q, k, v, { mask: T(Float32Array.from(m.values), [9, 11]) }).values;
    const c = tn.scaledDotProductAttention(q, k, v, { mask: T(Int32Array.from(m.values, (x) => x * 3), [1, 9, 11], 'int32') }).values;
    assert.deepStrictEqual(b, a);
    assert.deepStrictEqual(c, a);
  });

  it('a custom scale', () => checkAgainstReference([1, 6, 8, 2, 4, 3], { scale: 0.9, causal: true }, 23));

  it('fully masked rows give 0 output and zero gradients, never NaN', () => {
    const [B, Tq, Tk, H, D, Dv] = [2, 70, 75, 2, 8, 5];
    // batch 0: queries 3 and 40..69 attend to nothing; batch 1: every key padded away
    const m = new Uint8Array(B * Tq * Tk).fill(1);
    for (let j = 0; j < Tk; j++) {
      m[3 * Tk + j] = 0;
      for (let i = 40; i < Tq; i++) m[i * Tk + j] = 0;
      for (let i = 0; i < Tq; i++) m[(Tq + i) * Tk + j] = 0;
    }
    const mask = T(m, [B, Tq, Tk], 'bool');
    const { got } = checkAgainstReference([B, Tq, Tk, H, D, Dv], { mask, causal: true }, 31);
    const row = (t, b, i, w) => t.values.subarray(((b * Tq + i) * H) * w, ((b * Tq + i + 1) * H) * w);
    for (const [b, i] of [[0, 3], [0, 40], [0, 69], [1, 0], [1, 50]]) {
      assert.ok(row(got.out, b, i, Dv).every((x) => x === 0), `out row ${b},${i} is 0`);
      assert.ok(row(got.dq, b, i, D).every((x) => x === 0), `dq row ${b},${i} is 0`);
    }
    // batch 1 sees no keys at all: its dk and dv are 0
    assert.ok(got.dk.values.subarray(Tk * H * D).every((x) => x === 0));
    assert.ok(got.dv.values.subarray(Tk * H * Dv).every((x) => x === 0));
  });

  it('no keys at all (Tk = 0) gives 0', () => {
    const q = T(new Float32Array(3 * 4).fill(0.5), [1, 3, 1, 4]);
    const k = T(new Float32Array(0), [1, 0, 1, 4]), v = T(new Float32Array(0), [1, 0, 1, 2]);
    const out = tn.scaledDotProductAttention(q, k, v);
    assert.deepStrictEqual(out.shape, [1, 3, 1, 2]);
    assert.ok(out.values.every((x) => x === 0));
  });

  it('the backward splits keys over threads when there are fewer heads than threads, with the same result', () => {
    const before = tn.getNumThreads();
    const dims = [1, 100, 300, 1, 16, 8];  // one head, three key blocks
    try {
      tn.setNumThreads(1);
      const one = checkAgainstReference(dims, { causal: true }, 41);
      tn.setNumThreads(4);
      const four = fused(one.q, one.k, one.v, { causal: true }, one.dout);
      assertClose(four.dq.values, one.got.dq.values, { atol: 1e-6, rtol: 1e-5, what: 'dq, 4 threads vs 1' });
      assert.deepStrictEqual(four.dk.values, one.got.dk.values);
      assert.deepStrictEqual(four.dv.values, one.got.dv.values);
      assert.deepStrictEqual(four.out.values, one.got.out.values);
    } finally {
      tn.setNumThreads(before);
    }
  });

  it('returnScores equals an explicit softmax(q k^T * scale) of the ops', () => {
    const dims = [2, 6, 9, 3, 5, 4];
    const { q, k, v } = inputs(dims, 51);
    const [out, scores] = tn.scaledDotProductAttention(q, k, v, { returnScores: true });
    const qh = tn.transpose(q, [0, 2, 1, 3]), kh = tn.transpose(k, [0, 2, 1, 3]), vh = tn.transpose(v, [0, 2, 1, 3]);
    const p = tn.softmax(tn.mul(tn.matMul(qh, kh, false, true), 1 / Math.sqrt(5)));
    assertClose(scores.values, p.values, { atol: 1e-6, rtol: 1e-5, what: 'scores vs softmax' });
    assertClose(out.values, tn.transpose(tn.matMul(p, vh), [0, 2, 1, 3]).values, { atol: 1e-6, rtol: 1e-5, what: 'out vs composition' });
    assert.deepStrictEqual(scores.shape, [2, 3, 6, 9]);
  });

  it('the C++ reference path agrees with the float64 reference', () => {
    const dims = [2, 7, 10, 2, 3, 4];
    const { q, k, v } = inputs(dims, 61);
    const mask = randomMask([2, 1, 10], 62);
    const ref = refAttention(q.values, k.values, v.values, dims, { causal: true, mask: mask.values, maskShape: [2, 1, 10] });
    const [out, p] = tn.scaledDotProductAttentionReference(q, k, v, { causal: true, mask });
    assertClose(out.values, ref.out, { atol: 1e-6, rtol: 1e-5, what: 'reference out' });
    assertClose(p.values, ref.P, { atol: 1e-6, rtol: 1e-5, what: 'reference weights' });
  });

  // ---- finite differences ----------------------------------------------------------------------

  /** tn.grads against central differences of loss = sum(f(xs) * W), float64 sums. */
  function checkGradFD(name, f, xs, { h = 1e-2, tol = 2e-2 } = {}) {
    const rand = makeRandom(99);
    const y0 = f(...xs);
    const W = Float64Array.from(rand(y0.size, 0.5, 1.5));
    const loss = (ts) => {
      const y = f(...ts);
      let s = 0;
      for (let i = 0; i < y.size; i++) s += y.values[i] * W[i];
      return s;
    };
    const gs = tn.grads(f)(xs, T(Float32Array.from(W), y0.shape.slice()));
    xs.forEach((x, n) => {
      const numeric = new Float64Array(x.size);
      for (let i = 0; i < x.size; i++) {
        const plus = new Float32Array(x.values), minus = new Float32Array(x.values);
        plus[i] += h;
        minus[i] -= h;
        const at = (vals) => xs.map((t, m) => (m === n ? T(vals, x.shape.slice()) : t));
        numeric[i] = (loss(at(plus)) - loss(at(minus))) / (plus[i] - minus[i]);
      }
      assert.deepStrictEqual(gs[n].shape, x.shape);
      assertClose(gs[n].values, numeric, { atol: tol, rtol: tol, what: `${name}: d loss / d input ${n}` });
    });
  }

  const fdCases = [
    ['no mask', [1, 3, 4, 2, 3, 2], {}],
    ['causal, Tq > Tk', [2, 4, 3, 1, 3, 2], { causal: true }],
    ['causal and padding mask with a fully masked row', [1, 4, 5, 2, 2, 3],
      { causal: true, mask: T(Uint8Array.from([1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]), [1, 4, 5], 'bool') }],
  ];
  for (const [name, dims, opts] of fdCases) {
    it(`gradients of q, k, v by finite differences: ${name}`, () => {
      const { q, k, v } = inputs(dims, 71);
      checkGradFD(name, (a, b, c) => tn.scaledDotProductAttention(a, b, c, opts), [q, k, v]);
    });
    it(`gradients through the returned scores by finite differences: ${name}`, () => {
      const { q, k, v } = inputs(dims, 72);
      checkGradFD(`${name} (scores)`, (a, b, c) => {
        const [out, s] = tn.scaledDotProductAttention(a, b, c, { ...opts, returnScores: true });
        return tn.add(tn.sum(out), tn.sum(tn.mul(s, s)));  // both outputs reach the loss
      }, [q, k, v]);
    });
  }

  it('validates its arguments before native code', () => {
    const { q, k, v } = inputs([1, 3, 4, 2, 5, 6], 81);
    const f = (opts, a = q, b = k, c = v) => () => tn.scaledDotProductAttention(a, b, c, opts);
    assert.throws(f({}, tn.reshape(q, [3, 2, 5])), /rank 4 \[B, T, H, D\].*\[3, 2, 5\]/);
    assert.throws(f({}, q, tn.zeros([1, 4, 2, 4])), /same head size/);
    assert.throws(f({}, q, k, tn.zeros([1, 5, 2, 6])), /same length/);
    assert.throws(f({}, q, tn.zeros([1, 4, 3, 5]), tn.zeros([1, 4, 3, 6])), /same number of heads/);
    assert.throws(f({}, q, tn.zeros([2, 4, 2, 5]), tn.zeros([2, 4, 2, 6])), /same batch size/);
    assert.throws(f({}, tn.cast(q, 'int32')), TypeError);
    assert.throws(f({ mask: tn.ones([3, 5]) }), /does not broadcast to \[1, 3, 4\]/);
    assert.throws(f({ mask: tn.ones([1, 1, 3, 4]) }), /rank 2 or 3/);
    assert.throws(f({ dropout: 0.1 }), /unknown option 'dropout'.*not part of the fused op/);
    assert.throws(f({ causal: 1 }), /Expected a boolean for scaledDotProductAttention\(causal\) but received 1/);
    assert.throws(f({ scale: NaN }), /Expected a finite number for scaledDotProductAttention\(scale\)/);
  });

  it('the native kernel re-checks shapes (called through the op table directly)', () => {
    const { runKernel } = require('../dist/engine/registry');
    const q = tn.zeros([1, 2, 1, 3]), k = tn.zeros([1, 4, 1, 3]), v = tn.zeros([1, 4, 1, 2]);
    assert.throws(() => runKernel('attention', [q, k, v], [{ shape: [1, 2, 1, 3], dtype: 'float32' }, { shape: [1, 1, 2], dtype: 'float32' }], [1, 0]),
      /attention: out must have shape \[1,2,1,2\]/);
    assert.throws(() => runKernel('attention', [q, k, tn.zeros([1, 3, 1, 2])], [{ shape: [1, 2, 1, 2], dtype: 'float32' }, { shape: [1, 1, 2], dtype: 'float32' }], [1, 0]),
      /v must have shape/);
    assert.throws(() => runKernel('attention', [q, k, v, tn.ones([1, 3, 4])], [{ shape: [1, 2, 1, 2], dtype: 'float32' }, { shape: [1, 1, 2], dtype: 'float32' }], [1, 0]),
      /does not broadcast/);
    assert.throws(() => runKernel('attention', [q, k, v], [{ shape: [1, 2, 1, 2], dtype: 'float32' }, { shape: [1, 1, 2], dtype: 'float32' }], [1, 2]),
      /attribute 1 must be an integer in \[0, 1\]/);
  });
});

describe('layerNorm', () => {
  function refLayerNorm(x, shape, gamma, beta, eps) {
    const C = shape[shape.length - 1], R = x.length / C;
    const y = new Float64Array(x.length);
    for (let r = 0; r < R; r++) {
      let m = 0;
      for (let c = 0; c < C; c++) m += x[r * C + c];
      m /= C;
      let v = 0;
      for (let c = 0; c < C; c++) v += (x[r * C + c] - m) ** 2;
      v /= C;
      for (let c = 0; c < C; c++) y[r * C + c] = ((x[r * C + c] - m) / Math.sqrt(v + eps)) * gamma[c] + beta[c];
    }
    return y;
  }

  for (const shape of [[4, 7], [2, 3, 33], [5], [3, 1], [1000, 48]]) {
    it(`forward against float64, shape [${shape}]`, () => {
      const rand = makeRandom(shape.length * 100 + shape[0]);
      const C = shape[shape.length - 1];
      const x = T(rand(size(shape), -3, 5), shape), g = T(rand(C, 0.5, 1.5), [C]), b = T(rand(C), [C]);
      assertClose(tn.layerNorm(x, g, b).values, refLayerNorm(x.values, shape, g.values, b.values, 1e-3), { what: 'y' });
      assertClose(tn.layerNorm(x, g, b, { epsilon: 1e-5, axis: shape.length - 1 }).values,
        refLayerNorm(x.values, shape, g.values, b.values, 1e-5), { what: 'y, epsilon 1e-5' });
      assertClose(tn.layerNorm(x).values, refLayerNorm(x.values, shape, new Float64Array(C).fill(1), new Float64Array(C), 1e-3),
        { what: 'y without gamma and beta' });
    });
  }

  it('a large mean does not cancel the variance', () => {
    const x = T(Float32Array.from([1e4, 1e4 + 1, 1e4 + 2, 1e4 + 3]), [1, 4]);
    assertClose(tn.layerNorm(x, null, null, { epsilon: 0 }).values, refLayerNorm(x.values, [1, 4], [1, 1, 1, 1], [0, 0, 0, 0], 0));
  });

  it('gradients of x, gamma and beta by finite differences', () => {
    const rand = makeRandom(5);
    const x = T(rand(3 * 5, -2, 2), [3, 5]), g = T(rand(5, 0.5, 1.5), [5]), b = T(rand(5), [5]);
    const f = (a, gg, bb) => tn.layerNorm(a, gg, bb);
    const W = T(rand(15, 0.5, 1.5), [3, 5]);
    const [dx, dg, db] = tn.grads(f)([x, g, b], W);
    const loss = (ts) => {
      const y = f(...ts).values;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * W.values[i];
      return s;
    };
    [x, g, b].forEach((t, n) => {
      const num = new Float64Array(t.size);
      for (let i = 0; i < t.size; i++) {
        const p = new Float32Array(t.values), m = new Float32Array(t.values);
        p[i] += 1e-2;
        m[i] -= 1e-2;
        const at = (vals) => [x, g, b].map((u, j) => (j === n ? T(vals, t.shape.slice()) : u));
        num[i] = (loss(at(p)) - loss(at(m))) / (p[i] - m[i]);
      }
      assertClose([dx, dg, db][n].values, num, { atol: 1e-2, rtol: 1e-2, what: `d loss / d ${['x', 'gamma', 'beta'][n]}` });
    });
  });

  it('gradients over many rows (several row chunks) against float64', () => {
    const [R, C] = [1500, 24];
    const rand = makeRandom(8);
    const x = T(rand(R * C, -2, 2), [R, C]), g = T(rand(C, 0.5, 1.5), [C]), b = T(rand(C), [C]), dy = T(rand(R * C), [R, C]);
    const [dx, dg, db] = tn.grads((a, gg, bb) => tn.layerNorm(a, gg, bb))([x, g, b], dy);
    const rdx = new Float64Array(R * C), rdg = new Float64Array(C), rdb = new Float64Array(C);
    for (let r = 0; r < R; r++) {
      let m = 0, v = 0;
      for (let c = 0; c < C; c++) m += x.values[r * C + c] / C;
      for (let c = 0; c < C; c++) v += (x.values[r * C + c] - m) ** 2 / C;
      const rs = 1 / Math.sqrt(v + 1e-3);
      let mg = 0, mgx = 0;
      for (let c = 0; c < C; c++) {
        const xh = (x.values[r * C + c] - m) * rs, gy = dy.values[r * C + c] * g.values[c];
        mg += gy / C;
        mgx += (gy * xh) / C;
        rdg[c] += dy.values[r * C + c] * xh;
        rdb[c] += dy.values[r * C + c];
      }
      for (let c = 0; c < C; c++) {
        const xh = (x.values[r * C + c] - m) * rs;
        rdx[r * C + c] = rs * (dy.values[r * C + c] * g.values[c] - mg - xh * mgx);
      }
    }
    assertClose(dx.values, rdx, { atol: 1e-5, rtol: 1e-4, what: 'dx' });
    assertClose(dg.values, rdg, { atol: 1e-3, rtol: 1e-4, what: 'dgamma' });
    assertClose(db.values, rdb, { atol: 1e-3, rtol: 1e-4, what: 'dbeta' });
  });

  it('validates its arguments', () => {
    const x = tn.ones([2, 3]);
    assert.throws(() => tn.layerNorm(x, tn.ones([4])), /expected gamma of shape \[3\]/);
    assert.throws(() => tn.layerNorm(x, null, tn.ones([3, 1])), /expected beta of shape \[3\]/);
    assert.throws(() => tn.layerNorm(x, null, null, { axis: 0 }), /only the last axis/);
    assert.throws(() => tn.layerNorm(x, null, null, { axis: 2 }), RangeError);
    assert.throws(() => tn.layerNorm(x, null, null, { epsilon: -1 }), /Expected a finite number >= 0 for layerNorm\(epsilon\)/);
    assert.throws(() => tn.layerNorm(x, null, null, { center: false }), /unknown option 'center'/);
    assert.throws(() => tn.layerNorm(tn.scalar(1)), /rank >= 1/);
    assert.throws(() => tn.layerNorm(tn.cast(x, 'int32')), TypeError);
  });
});

describe('gelu', () => {
  const xs = [-3, -1.2, -0.3, 0.4, 1.1, 2.5];
  it('exact (erf) by default and tanh-approximate with approximate = true, as Keras', () => {
    const x = tn.tensor(xs);
    const erf = (z) => {  // Abramowitz-Stegun 7.1.26 is too coarse; a series is exact enough here
      let s = 0, t = z, n = 0;
      while (Math.abs(t) > 1e-17) {
        s += t / (2 * n + 1);
        n++;
        t *= (-z * z) / n;
      }
      return (2 / Math.sqrt(Math.PI)) * s;
    };
    assertClose(tn.gelu(x).values, xs.map((z) => 0.5 * z * (1 + erf(z / Math.SQRT2))), { what: 'exact' });
    const approx = xs.map((z) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3))));
    assertClose(tn.gelu(x, true).values, approx, { what: 'approximate' });
    assertClose(x.gelu(true).values, approx, { what: 'approximate (method)' });
    assert.throws(() => tn.gelu(x, 'tanh'), /Expected a boolean for gelu\(approximate\)/);
  });
  it('the approximate form has the derivative of its formula', () => {
    const x = tn.tensor(xs);
    const [g] = tn.grads((a) => tn.gelu(a, true))([x]);
    const f = (z) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3)));
    assertClose(g.values, xs.map((z) => (f(z + 1e-5) - f(z - 1e-5)) / 2e-5), { atol: 1e-4, rtol: 1e-4 });
  });
});
