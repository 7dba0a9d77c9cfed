// SimpleRNN / LSTM / GRU / Bidirectional: forward against a float64 JS reference of the Keras 3
// equations (weights set with setWeights), gradients through time against central finite
// differences of that float64 reference (loss = sum(y * r), r random), masking, goBackwards,
// and two learning tasks.
//
// Tolerances: forward atol 2e-5 + rtol 1e-4 (float32 kernels, values of order 1, sums of
// <= 16 products per gate); gradients atol 1e-4 + rtol 1e-3 against float64 central
// differences with step 1e-5 (truncation error ~1e-10, so the budget is float32 rounding
// in the backward pass; a wrong index or gate gives errors of order 0.1).
'use strict';
const assert = require('assert');
const { makeRandom, assertClose, tn } = require('./helpers');

const ACT = {
  tanh: { f: Math.tanh },
  sigmoid: { f: (z) => 1 / (1 + Math.exp(-z)) },
  relu: { f: (z) => Math.max(z, 0) },
  linear: { f: (z) => z },
};
const GATES = { simple: 1, lstm: 4, gru: 3, gruBefore: 3 };

/**
 * float64 reference of one recurrent layer. c: {cell, U, act, ra, goBackwards, returnSequences,
 * zeroOutputForMask}; x (B, T, F); W (F, G*U); R (U, G*U); bias (G*U) or (2, 3U) for gru; mask (B, T) or null.
 */
function rnnRef(c, B, T, F, x, W, R, bias, mask) {
  const U = c.U, GU = GATES[c.cell] * U;
  const act = ACT[c.act || 'tanh'].f, ra = ACT[c.ra || 'sigmoid'].f;
  const out = new Float64Array(c.returnSequences ? B * T * U : B * U);
  const dot = (v, M, col, n) => { let s = 0; for (let k = 0; k < n; k++) s += v[k] * M[k * GU + col]; return s; };
  for (let b = 0; b < B; b++) {
    let h = new Float64Array(U), cs = new Float64Array(U);
    for (let s = 0; s < T; s++) {
      const t = c.goBackwards ? T - 1 - s : s;
      const xt = x.subarray((b * T + t) * F, (b * T + t + 1) * F);
      const xp = new Float64Array(GU), hp = new Float64Array(GU);
      for (let j = 0; j < GU; j++) {
        xp[j] = dot(xt, W, j, F) + (bias ? bias[j] : 0);
        hp[j] = dot(h, R, j, U);
      }
      const nh = new Float64Array(U), nc = new Float64Array(U);
      if (c.cell === 'simple') {
        for (let j = 0; j < U; j++) nh[j] = act(xp[j] + hp[j]);
      } else if (c.cell === 'lstm') {
        for (let j = 0; j < U; j++) {
          const i = ra(xp[j] + hp[j]), f = ra(xp[U + j] + hp[U + j]);
          const g = act(xp[2 * U + j] + hp[2 * U + j]), o = ra(xp[3 * U + j] + hp[3 * U + j]);
          nc[j] = f * cs[j] + i * g;
          nh[j] = o * act(nc[j]);
        }
      } else if (c.cell === 'gru') {
        const br = (j) => (bias ? bias[GU + j] : 0);
        for (let j = 0; j < U; j++) {
          const z = ra(xp[j] + hp[j] + br(j)), r = ra(xp[U + j] + hp[U + j] + br(U + j));
          const hh = act(xp[2 * U + j] + r * (hp[2 * U + j] + br(2 * U + j)));
          nh[j] = z * h[j] + (1 - z) * hh;
        }
      } else {
        const z = new Float64Array(U), r = new Float64Array(U), rh = new Float64Array(U);
        for (let j = 0; j < U; j++) {
          z[j] = ra(xp[j] + hp[j]);
          r[j] = ra(xp[U + j] + hp[U + j]);
          rh[j] = r[j] * h[j];
        }
        for (let j = 0; j < U; j++) {
          const hh = act(xp[2 * U + j] + dot(rh, R, 2 * U + j, U));
          nh[j] = z[j] * h[j] + (1 - z[j]) * hh;
        }
      }
      const masked = mask && mask[b * T + t] === 0;
      if (!masked) {
        h = nh;
        cs = nc;
      }
      if (c.returnSequences) {
        for (let j = 0; j < U; j++) out[(b * T + s) * U + j] = masked && c.zeroOutputForMask ? 0 : h[j];
      }
    }
    if (!c.returnSequences) out.set(h, b * U);
  }
  return out;
}

function makeLayer(c, extra = {}) {
  const common = { units: c.U, returnSequences: !!c.returnSequences, goBackwards: !!c.goBackwards, ...extra };
  if (c.act) common.activation = c.act;
  if (c.cell === 'simple') return tn.layers.simpleRNN(common);
  if (c.cell === 'lstm') return tn.layers.lstm(common);
  return tn.layers.gru({ ...common, resetAfter: c.cell === 'gru' });
}

function biasLength(c) {
  return (c.cell === 'gru' ? 2 : 1) * GATES[c.cell] * c.U;
}

// Random problem: x, weights (as float32 so reference and layer see the same values), mask.
function problem(c, B, T, F, seed, withMask) {
  const rand = makeRandom(seed);
  const GU = GATES[c.cell] * c.U;
  const x = rand(B * T * F);
  const W = rand(F * GU, -0.6, 0.6), R = rand(c.U * GU, -0.6, 0.6), bias = rand(biasLength(c), -0.3, 0.3);
  let mask = null;
  if (withMask) {
    mask = new Float32Array(B * T).fill(1);
    // Row 0: a masked step in the middle; row 1: masked at both ends (padding); row 2: none.
    mask[0 * T + 2] = 0;
    if (B > 1) { mask[1 * T + 0] = 0; mask[1 * T + T - 1] = 0; }
  }
  return { x, W, R, bias, mask };
}

function runLayer(layer, c, B, T, F, p) {
  layer.ensureBuilt([T, F]);
  const bShape = c.cell === 'gru' ? [2, 3 * c.U] : [GATES[c.cell] * c.U];
  layer.setWeights([tn.tensor(p.W, [F, GATES[c.cell] * c.U]), tn.tensor(p.R, [c.U, GATES[c.cell] * c.U]), tn.tensor(p.bias, bShape)]);
  const mask = p.mask ? tn.tensor(p.mask, [B, T]) : null;
  return layer.forward(tn.tensor(p.x, [B, T, F]), true, mask);
}

const CELLS = ['simple', 'lstm', 'gru', 'gruBefore'];
const VARIANTS = [
  { returnSequences: false, goBackwards: false, mask: false },
  { returnSequences: true, goBackwards: false, mask: false },
  { returnSequences: false, goBackwards: true, mask: false },
  { returnSequences: true, goBackwards: true, mask: true },
  { returnSequences: false, goBackwards: false, mask: true },
  { returnSequences: true, goBackwards: false, mask: true, zeroOutputForMask: true },
];

describe('recurrent layers: forward vs float64 reference', () => {
  for (const cell of CELLS) {
    for (const v of VARIANTS) {
      const name = `${cell} returnSequences=${v.returnSequences} goBackwards=${v.goBackwards} mask=${v.mask}` +
        (v.zeroOutputForMask ? ' zeroOutputForMask' : '');
      it(name, () => {
        const B = 3, T = 5, F = 4;
        const c = { cell, U: 3, ...v };
        const p = problem(c, B, T, F, 11, v.mask);
        const layer = makeLayer(c);
        if (v.zeroOutputForMask) layer.zeroOutputForMask = true;
        const y = runLayer(layer, c, B, T, F, p);
        assert.deepStrictEqual(y.shape, v.returnSequences ? [B, T, 3] : [B, 3]);
        assertClose(y.dataSync(), rnnRef(c, B, T, F, p.x, p.W, p.R, p.bias, p.mask), { atol: 2e-5, rtol: 1e-4, what: name });
      });
    }
  }

  it('other activations (relu, linear) and a larger batch that the kernels split over threads', () => {
    for (const [cell, act] of [['simple', 'relu'], ['lstm', 'linear'], ['gru', 'relu']]) {
      const B = 64, T = 4, F = 8;
      const c = { cell, U: 40, act, returnSequences: true };
      const p = problem(c, B, T, F, 5, true);
      const y = runLayer(makeLayer(c), c, B, T, F, p);
      assertClose(y.dataSync(), rnnRef(c, B, T, F, p.x, p.W, p.R, p.bias, p.mask), { atol: 5e-5, rtol: 2e-4, what: `${cell} ${act}` });
    }
  });

  it('masked steps keep the previous state and output the previous output (Keras)', () => {
    const B = 1, T = 4, F = 2;
    const c = { cell: 'lstm', U: 2, returnSequences: true };
    const p = problem(c, B, T, F, 3, false);
    p.mask = Float32Array.from([1, 0, 0, 1]);
    const y = runLayer(makeLayer(c), c, B, T, F, p).dataSync();
    for (const s of [1, 2]) for (let j = 0; j < 2; j++) assert.strictEqual(y[s * 2 + j], y[j]);
    p.mask = Float32Array.from([0, 1, 1, 1]);
    const y0 = runLayer(makeLayer(c), c, B, T, F, p).dataSync();
    assert.strictEqual(y0[0], 0);
    assert.strictEqual(y0[1], 0);
  });

  it('LSTM defaults: unitForgetBias puts ones in the forget block; weights have Keras shapes', () => {
    const l = tn.layers.lstm({ units: 3 });
    l.ensureBuilt([5, 2]);
    assert.deepStrictEqual(l.getWeights().map((w) => w.shape), [[2, 12], [3, 12], [12]]);
    assert.deepStrictEqual(Array.from(l.bias.value), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const g = tn.layers.gru({ units: 3 });
    g.ensureBuilt([5, 2]);
    assert.deepStrictEqual(g.getWeights().map((w) => w.shape), [[2, 9], [3, 9], [2, 9]]);
    const g2 = tn.layers.gru({ units: 3, resetAfter: false });
    g2.ensureBuilt([5, 2]);
    assert.deepStrictEqual(g2.getWeights().map((w) => w.shape), [[2, 9], [3, 9], [9]]);
  });

  it('validates its config and input in user terms', () => {
    assert.throws(() => tn.layers.lstm({ units: 0 }), /positive integer for units/);
    assert.throws(() => tn.layers.lstm({ units: 2, activation: 'gelu' }), /activation/);
    assert.throws(() => tn.layers.gru({ units: 2, dropout: 1 }), /dropout/);
    assert.throws(() => tn.sequential({ layers: [tn.layers.lstm({ units: 2, inputShape: [4] })] }), /\[batch, time, features\]/);
  });
});

// Gradients of sum(y * r) by central differences of the float64 reference.
function numericGrad(f, buf, h = 1e-5) {
  const g = new Float64Array(buf.length);
  for (let i = 0; i < buf.length; i++) {
    const old = buf[i];
    buf[i] = old + h;
    const plus = f();
    buf[i] = old - h;
    const minus = f();
    buf[i] = old;
    g[i] = (plus - minus) / (2 * h);
  }
  return g;
}

function dotLoss(y, r) {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * r[i];
  return s;
}

describe('recurrent layers: gradients through time vs finite differences', () => {
  for (const cell of CELLS) {
    for (const v of VARIANTS) {
      const name = `${cell} returnSequences=${v.returnSequences} goBackwards=${v.goBackwards} mask=${v.mask}` +
        (v.zeroOutputForMask ? ' zeroOutputForMask' : '');
      it(name, () => {
        const B = 2, T = 4, F = 3;
        const c = { cell, U: 3, ...v };
        const p = problem(c, B, T, F, 21, v.mask);
        // float64 copies the reference is differentiated in
        const P = { x: Float64Array.from(p.x), W: Float64Array.from(p.W), R: Float64Array.from(p.R), bias: Float64Array.from(p.bias) };
        const layer = makeLayer(c);
        if (v.zeroOutputForMask) layer.zeroOutputForMask = true;
        const y = runLayer(layer, c, B, T, F, p);
        const r = makeRandom(99)(y.size);
        const dx = layer.backward(tn.tensor(r, y.shape), true);
        const loss = () => dotLoss(rnnRef(c, B, T, F, P.x, P.W, P.R, P.bias, p.mask), r);
        const tol = { atol: 1e-4, rtol: 1e-3 };
        assertClose(dx.dataSync(), numericGrad(loss, P.x), { ...tol, what: `${name} dx` });
        assertClose(layer.kernel.grad, numericGrad(loss, P.W), { ...tol, what: `${name} dkernel` });
        assertClose(layer.recurrentKernel.grad, numericGrad(loss, P.R), { ...tol, what: `${name} drecurrentKernel` });
        assertClose(layer.bias.grad, numericGrad(loss, P.bias), { ...tol, what: `${name} dbias` });
      });
    }
  }

  it('dropout and recurrentDropout: gradients of the dropped network (masks fixed by the seed)', () => {
    // With a seed the masks repeat per call only in sequence, so check via the layer itself:
    // forward once, backward, and compare with finite differences of forwards that reuse
    // the same masks (a layer whose seed-derived masks are re-created for each call).
    for (const cell of ['lstm', 'gru', 'gruBefore']) {
      const B = 2, T = 3, F = 3;
      const c = { cell, U: 3, returnSequences: true };
      const p = problem(c, B, T, F, 8, false);
      const make = () => makeLayer(c, { dropout: 0.3, recurrentDropout: 0.3, seed: 5 });
      const run = (x, W, R, bias) => {
        const l = make();
        return { l, y: runLayer(l, c, B, T, F, { x, W, R, bias, mask: null }) };
      };
      const { l, y } = run(p.x, p.W, p.R, p.bias);
      const r = makeRandom(4)(y.size);
      const dx = l.backward(tn.tensor(r, y.shape), true);
      const X = Float32Array.from(p.x), W = Float32Array.from(p.W), Rk = Float32Array.from(p.R), b = Float32Array.from(p.bias);
      const loss = () => dotLoss(run(X, W, Rk, b).y.dataSync(), r);
      const tol = { atol: 4e-3, rtol: 2e-2 };
      assertClose(dx.dataSync(), numericGrad(loss, X, 1e-2), { ...tol, what: `${cell} dropout dx` });
      assertClose(l.kernel.grad, numericGrad(loss, W, 1e-2), { ...tol, what: `${cell} dropout dkernel` });
      assertClose(l.recurrentKernel.grad, numericGrad(loss, Rk, 1e-2), { ...tol, what: `${cell} dropout drecurrent` });
      // Some inputs really are dropped: their gradient is exactly 0 for every step.
      assert.ok(Array.from(dx.dataSync()).some((v) => v === 0), `${cell}: dropout dropped nothing`);
    }
  });
});

describe('Bidirectional', () => {
  function biRef(c, mode, B, T, F, x, pf, pb, mask) {
    const yf = rnnRef({ ...c, zeroOutputForMask: c.returnSequences }, B, T, F, x, pf.W, pf.R, pf.bias, mask);
    const yb = rnnRef({ ...c, goBackwards: true, zeroOutputForMask: c.returnSequences }, B, T, F, x, pb.W, pb.R, pb.bias, mask);
    const U = c.U, steps = c.returnSequences ? T : 1;
    const out = new Float64Array(B * steps * (mode === 'concat' ? 2 * U : U));
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < steps; s++) {
        const fo = (b * steps + s) * U, bo = (b * steps + (c.returnSequences ? steps - 1 - s : s)) * U;
        for (let j = 0; j < U; j++) {
          const f = yf[fo + j], g = yb[bo + j];
          if (mode === 'concat') { out[2 * fo + j] = f; out[2 * fo + U + j] = g; }
          else out[fo + j] = mode === 'sum' ? f + g : mode === 'mul' ? f * g : 0.5 * (f + g);
        }
      }
    }
    return out;
  }

  for (const mode of ['concat', 'sum', 'mul', 'ave']) {
    for (const returnSequences of [false, true]) {
      it(`${mode} returnSequences=${returnSequences}: forward and gradients`, () => {
        const B = 2, T = 4, F = 3, U = 2;
        const c = { cell: 'gru', U, returnSequences };
        const pf = problem(c, B, T, F, 31, true), pb = problem(c, B, T, F, 32, false);
        const bi = tn.layers.bidirectional({ layer: makeLayer(c), mergeMode: mode });
        bi.ensureBuilt([T, F]);
        const shapes = bi.getWeights().map((w) => w.shape);
        bi.setWeights([pf.W, pf.R, pf.bias, pb.W, pb.R, pb.bias].map((v, i) => tn.tensor(v, shapes[i])));
        const y = bi.forward(tn.tensor(pf.x, [B, T, F]), true, tn.tensor(pf.mask, [B, T]));
        assert.deepStrictEqual(y.shape, returnSequences ? [B, T, mode === 'concat' ? 2 * U : U] : [B, mode === 'concat' ? 2 * U : U]);
        assertClose(y.dataSync(), biRef(c, mode, B, T, F, pf.x, pf, pb, pf.mask), { atol: 2e-5, rtol: 1e-4, what: 'bidirectional y' });
        const r = makeRandom(3)(y.size);
        const dx = bi.backward(tn.tensor(r, y.shape), true);
        const X = Float64Array.from(pf.x);
        const F64 = (q) => ({ W: Float64Array.from(q.W), R: Float64Array.from(q.R), bias: Float64Array.from(q.bias) });
        const qf = F64(pf), qb = F64(pb);
        const loss = () => dotLoss(biRef(c, mode, B, T, F, X, qf, qb, pf.mask), r);
        const tol = { atol: 1e-4, rtol: 1e-3 };
        assertClose(dx.dataSync(), numericGrad(loss, X), { ...tol, what: 'bidirectional dx' });
        const vars = bi.trainableVariables;
        [qf.W, qf.R, qf.bias, qb.W, qb.R, qb.bias].forEach((buf, i) => {
          assertClose(vars[i].grad, numericGrad(loss, buf), { ...tol, what: `bidirectional d ${vars[i].name}` });
        });
      });
    }
  }
});

describe('recurrent layers in models', () => {
  it('Embedding(maskZero) -> LSTM: padded sequences give the same output as unpadded ones', () => {
    tn.setSeed(1);
    const model = tn.sequential({
      layers: [
        tn.layers.embedding({ inputDim: 6, outputDim: 4, inputLength: 6, maskZero: true }),
        tn.layers.lstm({ units: 5 }),
      ],
    });
    const plain = tn.sequential({
      layers: [tn.layers.embedding({ inputDim: 6, outputDim: 4, inputLength: 3 }), tn.layers.lstm({ units: 5 })],
    });
    plain.setWeights(model.getWeights());
    const a = model.predict(tn.tensor(Int32Array.from([0, 0, 3, 1, 2, 0]), [1, 6])).dataSync();
    const b = plain.predict(tn.tensor(Int32Array.from([3, 1, 2]), [1, 3])).dataSync();
    assertClose(a, b, { atol: 1e-6, rtol: 1e-5, what: 'masked vs unpadded' });
  });

  it('returnState: getStates() returns the final [h, c] (see Note [returnState in a Sequential model])', () => {
    const l = tn.layers.lstm({ units: 3, returnState: true, returnSequences: true, inputShape: [4, 2] });
    const m = tn.sequential({ layers: [l] });
    const y = m.predict(tn.randomUniform([2, 4, 2])).dataSync();
    const [h, c] = l.getStates();
    assert.deepStrictEqual(h.shape, [2, 3]);
    assert.deepStrictEqual(c.shape, [2, 3]);
    for (let b = 0; b < 2; b++) for (let j = 0; j < 3; j++) assert.strictEqual(h.dataSync()[b * 3 + j], y[(b * 4 + 3) * 3 + j]);
  });

  // Order task: a sequence of tokens 3/4 with exactly one 1 and one 2; label 1 when the 1 comes first.
  function orderTask(n, T, seed) {
    const rand = makeRandom(seed);
    const u = rand(n * (T + 2), 0, 1);
    const x = new Int32Array(n * T), y = new Float32Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < T; t++) x[i * T + t] = u[k++] < 0.5 ? 3 : 4;
      const p1 = Math.floor(u[k++] * T);
      let p2 = Math.floor(u[k++] * (T - 1));
      if (p2 >= p1) p2++;
      x[i * T + p1] = 1;
      x[i * T + p2] = 2;
      y[i] = p1 < p2 ? 1 : 0;
    }
    return { x: tn.tensor(x, [n, T]), y: tn.tensor(y, [n, 1]) };
  }

  for (const kind of ['lstm', 'gru']) {
    it(`${kind} learns whether a 1 comes before a 2 (>= 95% held-out accuracy)`, async function () {
      this.timeout(30000);
      tn.setSeed(42);
      const T = 12;
      const train = orderTask(2000, T, 5), test = orderTask(500, T, 6);
      const model = tn.sequential({
        layers: [
          tn.layers.embedding({ inputDim: 5, outputDim: 8, inputLength: T }),
          tn.layers[kind]({ units: 16 }),
          tn.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      model.compile({ optimizer: tn.train.adam(0.01), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      const t0 = Date.now();
      await model.fit(train.x, train.y, { epochs: 8, batchSize: 32, verbose: 0 });
      const [, acc] = await model.evaluate(test.x, test.y, { batchSize: 100 });
      const a = acc.dataSync()[0];
      console.log(`      ${kind}: held-out accuracy ${(a * 100).toFixed(1)}% after 8 epochs in ${Date.now() - t0} ms`);
      assert.ok(a >= 0.95, `${kind} accuracy ${a}`);
    });
  }
});
