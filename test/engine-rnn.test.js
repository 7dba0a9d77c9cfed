// The whole-sequence recurrent ops of the engine (tn.simpleRnnSequence, tn.lstmSequence,
// tn.gruSequence: the 'rnnSequence' / 'rnnSequenceGrad' op pair, lib/ops/rnn.ts): the forward
// against a float64 reference of Keras 3's equations written here, the same as the existing
// layers (tn.layers.simpleRNN / lstm / gru) with the same weights, every gradient by finite
// differences (test/gradcheck.js), and the argument errors.
//
// Tolerances: forward atol 2e-6 + rtol 1e-5 against float64 (float32 kernels, fast exp with
// relative error ~2e-7, values of order 1, sums of a few products); the layers run the same
// kernel, so they must agree to 1e-6.
'use strict';
const assert = require('assert');
const { makeRandom, tn } = require('./helpers');
const { assertClose, checkGrad } = require('./gradcheck');

const B = 2, T = 3, F = 3, U = 2;
const GATES = { simple: 1, lstm: 4, gru: 3, gruBefore: 3 };
const FN = { simple: 'simpleRnnSequence', lstm: 'lstmSequence', gru: 'gruSequence', gruBefore: 'gruSequence' };
const CELLS = ['simple', 'lstm', 'gru', 'gruBefore'];

const sigmoid = (z) => 1 / (1 + Math.exp(-z));
const ACT = {
  tanh: Math.tanh, sigmoid, linear: (z) => z, relu: (z) => Math.max(z, 0), relu6: (z) => Math.min(Math.max(z, 0), 6),
  softsign: (z) => z / (1 + Math.abs(z)),
};

/**
 * float64 reference of Keras 3's recurrent layers. o: {activation, recurrentActivation,
 * returnSequences, goBackwards, zeroOutputForMask, mask (B*T), h0, c0 (B*U), inMask (B*F),
 * recMask (B*U)}; bias (G*U), (2, 3U) for 'gru' (reset_after), or null.
 * Returns { output, h, c } as flat arrays.
 */
function reference(cell, x, W, R, bias, o = {}) {
  const G = GATES[cell], GU = G * U;
  const act = ACT[o.activation ?? 'tanh'], ra = ACT[o.recurrentActivation ?? 'sigmoid'];
  const out = new Float64Array(o.returnSequences ? B * T * U : B * U);
  const hT = new Float64Array(B * U), cT = new Float64Array(B * U);
  const bIn = (j) => (bias ? bias[j] : 0);
  const bRec = (j) => (bias && cell === 'gru' ? bias[GU + j] : 0);
  for (let b = 0; b < B; b++) {
    let h = Array.from({ length: U }, (_, j) => (o.h0 ? o.h0[b * U + j] : 0));
    let c = Array.from({ length: U }, (_, j) => (o.c0 ? o.c0[b * U + j] : 0));
    let prevOut = new Array(U).fill(0);
    const outs = [];
    for (let s = 0; s < T; s++) {
      const t = o.goBackwards ? T - 1 - s : s;
      const xt = Array.from({ length: F }, (_, f) => x[(b * T + t) * F + f] * (o.inMask ? o.inMask[b * F + f] : 1));
      const hin = h.map((v, j) => v * (o.recMask ? o.recMask[b * U + j] : 1));
      const xw = (col) => xt.reduce((acc, v, f) => acc + v * W[f * GU + col], 0) + bIn(col);
      const hr = (v, col) => v.reduce((acc, hv, k) => acc + hv * R[k * GU + col], 0);
      let hn, cn = c;
      if (cell === 'simple') {
        hn = h.map((_, j) => act(xw(j) + hr(hin, j)));
      } else if (cell === 'lstm') {
        const z = Array.from({ length: GU }, (_, col) => xw(col) + hr(hin, col));
        cn = c.map((cv, j) => ra(z[U + j]) * cv + ra(z[j]) * act(z[2 * U + j]));
        hn = cn.map((cv, j) => ra(z[3 * U + j]) * act(cv));
      } else if (cell === 'gru') {
        const rh = Array.from({ length: GU }, (_, col) => hr(hin, col) + bRec(col));
        const z = h.map((_, j) => ra(xw(j) + rh[j]));
        const r = h.map((_, j) => ra(xw(U + j) + rh[U + j]));
        const hh = h.map((_, j) => act(xw(2 * U + j) + r[j] * rh[2 * U + j]));
        hn = h.map((hv, j) => z[j] * hv + (1 - z[j]) * hh[j]);
      } else {
        const z = h.map((_, j) => ra(xw(j) + hr(hin, j)));
        const r = h.map((_, j) => ra(xw(U + j) + hr(hin, U + j)));
        const rhin = hin.map((v, j) => r[j] * v);
        const hh = h.map((_, j) => act(xw(2 * U + j) + hr(rhin, 2 * U + j)));
        hn = h.map((hv, j) => z[j] * hv + (1 - z[j]) * hh[j]);
      }
      const masked = o.mask && o.mask[b * T + t] === 0;
      let y;
      if (masked) {
        y = o.zeroOutputForMask ? new Array(U).fill(0) : prevOut;  // Keras: prev_output starts at 0
      } else {
        h = hn;
        c = cn;
        y = h;
        prevOut = h;
      }
      outs.push(y);
    }
    for (let j = 0; j < U; j++) {
      hT[b * U + j] = h[j];
      cT[b * U + j] = c[j];
      if (!o.returnSequences) out[b * U + j] = outs[T - 1][j];
      else for (let s = 0; s < T; s++) out[(b * T + s) * U + j] = outs[s][j];
    }
  }
  return { output: out, h: hT, c: cT };
}

function biasShape(cell) {
  return cell === 'gru' ? [2, GATES[cell] * U] : [GATES[cell] * U];
}

// Random weights and inputs (never zero), as tensors and arrays.
function problem(cell, seed) {
  const rand = makeRandom(seed);
  const GU = GATES[cell] * U;
  const x = rand(B * T * F), W = rand(F * GU, -0.7, 0.7), R = rand(U * GU, -0.7, 0.7);
  const bias = rand(biasShape(cell).reduce((a, b) => a * b, 1), -0.4, 0.4);
  return {
    x, W, R, bias, h0: rand(B * U), c0: rand(B * U),
    inMask: Float32Array.from(rand(B * F), (v) => (v > -0.3 ? 1 / 0.7 : 0)),
    recMask: Float32Array.from(rand(B * U), (v) => (v > -0.5 ? 2 : 0)),
    tx: tn.tensor(x, [B, T, F]), tW: tn.tensor(W, [F, GU]), tR: tn.tensor(R, [U, GU]), tb: tn.tensor(bias, biasShape(cell)),
  };
}

// Row 0: a masked step in the middle; row 1: masked first step (a leading masked step).
const MASK = Float32Array.from([1, 0, 1, 0, 1, 1]);
// Row 0 fully masked, row 1 masked at the end.
const MASK_EDGE = Float32Array.from([0, 0, 0, 1, 1, 0]);

function run(cell, p, o = {}) {
  const opts = { ...o };
  if (cell === 'gruBefore') opts.resetAfter = false;
  if (o.mask) opts.mask = tn.tensor(o.mask, [B, T]);
  if (o.h0) opts.initialState = cell === 'lstm' ? [tn.tensor(o.h0, [B, U]), tn.tensor(o.c0, [B, U])] : [tn.tensor(o.h0, [B, U])];
  delete opts.h0;
  delete opts.c0;
  if (o.inMask) opts.dropoutMask = tn.tensor(o.inMask, [B, F]);
  if (o.recMask) opts.recurrentDropoutMask = tn.tensor(o.recMask, [B, U]);
  delete opts.inMask;
  delete opts.recMask;
  delete opts.noBias;
  return tn[FN[cell]](p.tx, p.tW, p.tR, o.noBias ? null : p.tb, opts);
}

function checkForward(cell, p, o, what) {
  const got = run(cell, p, o);
  const want = reference(cell, p.x, p.W, p.R, o.noBias ? null : p.bias, o);
  const tol = { atol: 2e-6, rtol: 1e-5 };
  assert.deepStrictEqual(got.output.shape, o.returnSequences ? [B, T, U] : [B, U], `${what}: output shape`);
  assertClose(got.output.dataSync(), want.output, { ...tol, what: `${what}: output` });
  assertClose(got.h.dataSync(), want.h, { ...tol, what: `${what}: h` });
  if (cell === 'lstm') assertClose(got.c.dataSync(), want.c, { ...tol, what: `${what}: c` });
  else assert.strictEqual(got.c, undefined);
}

const VARIANTS = [
  { returnSequences: false },
  { returnSequences: true },
  { returnSequences: false, goBackwards: true },
  { returnSequences: true, goBackwards: true },
  { returnSequences: true, mask: MASK },
  { returnSequences: false, mask: MASK, goBackwards: true },
  { returnSequences: true, mask: MASK_EDGE },
  { returnSequences: false, mask: MASK_EDGE },
  { returnSequences: true, mask: MASK, zeroOutputForMask: true },
  { returnSequences: false, mask: MASK_EDGE, zeroOutputForMask: true },
  { returnSequences: true, initial: true },
  { returnSequences: false, initial: true, goBackwards: true },
  { returnSequences: true, initial: true, mask: MASK_EDGE },
  { returnSequences: false, initial: true, mask: MASK },
  { returnSequences: true, dropout: true },
  { returnSequences: false, dropout: true, initial: true, mask: MASK, goBackwards: true },
  { returnSequences: true, noBias: true },
];

function variantName(v) {
  return Object.entries(v).filter(([, val]) => val !== false && val !== undefined)
    .map(([k, val]) => (k === 'mask' ? (val === MASK ? 'mask' : 'edgeMask') : val === true ? k : `${k}=${val}`)).join(' ') || 'plain';
}

function options(p, v) {
  const o = { returnSequences: v.returnSequences, goBackwards: v.goBackwards, zeroOutputForMask: v.zeroOutputForMask, noBias: v.noBias };
  if (v.mask) o.mask = v.mask;
  if (v.initial) Object.assign(o, { h0: p.h0, c0: p.c0 });
  if (v.dropout) Object.assign(o, { inMask: p.inMask, recMask: p.recMask });
  return o;
}

describe('engine rnn ops: forward vs a float64 reference', () => {
  for (const cell of CELLS) {
    for (const v of VARIANTS) {
      const name = `${cell} ${variantName(v)}`;
      it(name, () => {
        const p = problem(cell, 7);
        checkForward(cell, p, options(p, v), name);
      });
    }
  }
  for (const cell of ['simple', 'lstm', 'gru']) {
    it(`${cell} with relu / softsign / relu6 / linear activations`, () => {
      const p = problem(cell, 8);
      for (const [activation, recurrentActivation] of [['relu', 'sigmoid'], ['softsign', 'tanh'], ['relu6', 'linear'], ['linear', 'softsign']]) {
        const o = { returnSequences: true, activation };
        if (cell !== 'simple') o.recurrentActivation = recurrentActivation;
        checkForward(cell, p, o, `${cell} ${activation}/${recurrentActivation}`);
      }
    });
  }
  it('an LSTM final state chains into the next call as its initial state (encoder-decoder)', () => {
    const p = problem('lstm', 9);
    const whole = tn.lstmSequence(tn.concat([p.tx, p.tx], 1), p.tW, p.tR, p.tb, { returnSequences: false });
    const first = tn.lstmSequence(p.tx, p.tW, p.tR, p.tb);
    const second = tn.lstmSequence(p.tx, p.tW, p.tR, p.tb, { initialState: [first.h, first.c] });
    assertClose(second.output.dataSync(), whole.output.dataSync(), { atol: 1e-6, what: 'chained' });
    assertClose(second.c.dataSync(), whole.c.dataSync(), { atol: 1e-6, what: 'chained c' });
  });
  it('accepts bool and int32 masks (nonzero = use the step)', () => {
    const p = problem('gru', 10);
    const f = tn.gruSequence(p.tx, p.tW, p.tR, p.tb, { returnSequences: true, mask: tn.tensor(MASK, [B, T]) }).output.dataSync();
    const bool = tn.gruSequence(p.tx, p.tW, p.tR, p.tb, { returnSequences: true, mask: new tn.Tensor(Uint8Array.from(MASK), [B, T], 'bool') }).output.dataSync();
    const int = tn.gruSequence(p.tx, p.tW, p.tR, p.tb, { returnSequences: true, mask: tn.tensor(Int32Array.from(MASK, (v) => v * 3), [B, T], 'int32') }).output.dataSync();
    assert.deepStrictEqual(Array.from(bool), Array.from(f));
    assert.deepStrictEqual(Array.from(int), Array.from(f));
  });
});

// The existing layers run the same native kernel through the old glue: both paths must agree.
describe('engine rnn ops agree with tn.layers', () => {
  const make = {
    simple: (o) => tn.layers.simpleRNN({ units: U, ...o }),
    lstm: (o) => tn.layers.lstm({ units: U, ...o }),
    gru: (o) => tn.layers.gru({ units: U, ...o }),
    gruBefore: (o) => tn.layers.gru({ units: U, resetAfter: false, ...o }),
  };
  for (const cell of CELLS) {
    for (const v of [{ returnSequences: true }, { returnSequences: false, goBackwards: true }, { returnSequences: true, mask: true },
      { returnSequences: false, mask: true, goBackwards: true }, { returnSequences: true, mask: true, zeroOutputForMask: true }]) {
      it(`${cell} ${variantName(v)}`, () => {
        const p = problem(cell, 12);
        const layer = make[cell]({ returnSequences: v.returnSequences, goBackwards: !!v.goBackwards, activation: 'tanh' });
        layer.ensureBuilt([T, F]);
        layer.setWeights([p.tW, p.tR, p.tb]);
        if (v.zeroOutputForMask) layer.zeroOutputForMask = true;  // as Bidirectional sets it
        const mask = v.mask ? tn.tensor(MASK, [B, T]) : null;
        const fromLayer = v.mask ? layer.forward(p.tx, false, mask) : layer.apply(p.tx);
        const fromOp = run(cell, p, { returnSequences: v.returnSequences, goBackwards: v.goBackwards, mask: v.mask ? MASK : undefined,
          zeroOutputForMask: v.zeroOutputForMask });
        assert.deepStrictEqual(fromOp.output.shape, fromLayer.shape);
        assertClose(fromOp.output.dataSync(), fromLayer.dataSync(), { atol: 1e-6, rtol: 0, what: `${cell} op vs layer` });
      });
    }
  }
  it('lstm inside a model: predict equals the op', () => {
    const p = problem('lstm', 13);
    const model = tn.sequential({ layers: [tn.layers.lstm({ units: U, inputShape: [T, F], returnSequences: true })] });
    model.layers[0].setWeights([p.tW, p.tR, p.tb]);
    const y = model.predict(p.tx);
    assertClose(tn.lstmSequence(p.tx, p.tW, p.tR, p.tb, { returnSequences: true }).output.dataSync(), y.dataSync(), { atol: 1e-6, rtol: 0 });
  });
});

// Every input's gradient by central differences; the loss reads the output and the final
// states, so the gradients of h and c (dh, dc into rnnSequenceGrad) are checked too.
describe('engine rnn ops: gradients by finite differences', () => {
  const flat = (t) => tn.reshape(t, [-1]);
  for (const cell of CELLS) {
    for (const v of [
      { returnSequences: true },
      { returnSequences: false, goBackwards: true },
      { returnSequences: true, mask: MASK, initial: true },
      { returnSequences: false, mask: MASK_EDGE, initial: true, goBackwards: true },
      { returnSequences: true, mask: MASK, zeroOutputForMask: true },
      { returnSequences: true, dropout: true, initial: true },
    ]) {
      const name = `${cell} ${variantName(v)}`;
      it(name, () => {
        const p = problem(cell, 21);
        const o = options(p, v);
        const xs = [p.tx, p.tW, p.tR, p.tb];
        const lstm = cell === 'lstm';
        if (v.initial) xs.push(tn.tensor(p.h0, [B, U]), ...(lstm ? [tn.tensor(p.c0, [B, U])] : []));
        const f = (x, W, R, b, h0, c0) => {
          const opts = { returnSequences: o.returnSequences, goBackwards: o.goBackwards, zeroOutputForMask: o.zeroOutputForMask };
          if (cell === 'gruBefore') opts.resetAfter = false;
          if (o.mask) opts.mask = tn.tensor(o.mask, [B, T]);
          if (h0) opts.initialState = lstm ? [h0, c0] : [h0];
          if (o.inMask) Object.assign(opts, { dropoutMask: tn.tensor(o.inMask, [B, F]), recurrentDropoutMask: tn.tensor(o.recMask, [B, U]) });
          const r = tn[FN[cell]](x, W, R, b, opts);
          return tn.concat([flat(r.output), flat(r.h), ...(lstm ? [flat(r.c)] : [])]);
        };
        checkGrad(`rnn ${name}`, f, xs, { h: 1e-2, tol: 1e-2 });
      });
    }
  }
  it('no bias: gradients of x, kernel and recurrentKernel', () => {
    const p = problem('lstm', 22);
    checkGrad('rnn lstm no bias', (x, W, R) => tn.lstmSequence(x, W, R, null, { returnSequences: true }).output, [p.tx, p.tW, p.tR], { tol: 1e-2 });
  });
  it('only the final c in the loss: its gradient reaches every input', () => {
    const p = problem('lstm', 23);
    checkGrad('rnn lstm c only', (x, W, R, b) => tn.lstmSequence(x, W, R, b).c, [p.tx, p.tW, p.tR, p.tb], { tol: 1e-2 });
  });
});

describe('engine rnn ops: argument errors', () => {
  const p = problem('lstm', 30);
  const call = (over = {}, opts = {}) => tn.lstmSequence(over.x ?? p.tx, over.W ?? p.tW, over.R ?? p.tR, 'b' in over ? over.b : p.tb, opts);
  it('shapes and dtypes of x and the weights', () => {
    assert.throws(() => call({ x: tn.zeros([2, 3]) }), (e) => e instanceof RangeError && /lstmSequence: expected x of shape \[batch, time, features\].*\[2, 3\]/.test(e.message));
    assert.throws(() => call({ x: new tn.Tensor(new Float32Array(0), [2, 0, 3]) }), RangeError);
    assert.throws(() => call({ x: tn.zeros([2, 3, 3], 'int32') }), (e) => e instanceof TypeError && /float32 tensor for x but received int32/.test(e.message));
    assert.throws(() => call({ W: tn.zeros([4, 8]) }), (e) => e instanceof RangeError && /kernel of shape \[3, 4 \* units\].*\[4, 8\]/.test(e.message));
    assert.throws(() => call({ W: tn.zeros([3, 7]) }), /kernel of shape/);
    assert.throws(() => call({ R: tn.zeros([3, 8]) }), (e) => e instanceof RangeError && /Expected shape \[2, 8\] for lstmSequence\(recurrentKernel\) but received shape \[3, 8\]/.test(e.message));
    assert.throws(() => call({ b: tn.zeros([2, 8]) }), /Expected shape \[8\] for lstmSequence\(bias\) but received shape \[2, 8\]/);
    assert.throws(() => tn.gruSequence(p.tx, tn.zeros([3, 6]), tn.zeros([2, 6]), tn.zeros([6])), /Expected shape \[2, 6\] for gruSequence\(bias\)/);
    assert.doesNotThrow(() => tn.gruSequence(p.tx, tn.zeros([3, 6]), tn.zeros([2, 6]), tn.zeros([6]), { resetAfter: false }));
    assert.throws(() => call({ x: 'abc' }), TypeError);
  });
  it('activations the kernel cannot fuse are an error naming the supported ones', () => {
    assert.throws(() => call({}, { activation: 'elu' }), (e) => e instanceof TypeError &&
      /Expected one of 'linear', 'relu', 'sigmoid', 'tanh', 'relu6', 'softsign' \(the activations the fused RNN kernel supports\) for lstmSequence\(activation\) but received 'elu'/.test(e.message));
    assert.throws(() => call({}, { recurrentActivation: 'gelu' }), /for lstmSequence\(recurrentActivation\) but received 'gelu'/);
    assert.throws(() => call({}, { activation: 'relu7' }), TypeError);
    assert.throws(() => tn.simpleRnnSequence(p.tx, tn.zeros([3, 2]), tn.zeros([2, 2]), null, { recurrentActivation: 'sigmoid' }),
      /simpleRnnSequence: unknown option 'recurrentActivation'/);
  });
  it('options: unknown ones, flags, masks and initial states', () => {
    assert.throws(() => call({}, { dropout: 0.5 }), (e) => e instanceof TypeError && /unknown option 'dropout' \(the layer draws dropout masks/.test(e.message));
    assert.throws(() => call({}, { unroll: true }), /unknown option 'unroll'/);
    assert.throws(() => call({}, { returnSequences: 1 }), /Expected a boolean for lstmSequence\(returnSequences\) but received 1/);
    assert.throws(() => call({}, { mask: tn.ones([2, 4]) }), (e) => e instanceof RangeError && /Expected shape \[2, 3\] for lstmSequence\(mask\)/.test(e.message));
    assert.throws(() => call({}, { dropoutMask: tn.ones([2, 2]) }), /Expected shape \[2, 3\] for lstmSequence\(dropoutMask\)/);
    assert.throws(() => call({}, { recurrentDropoutMask: tn.ones([2, 3]) }), /Expected shape \[2, 2\] for lstmSequence\(recurrentDropoutMask\)/);
    assert.throws(() => call({}, { dropoutMask: tn.ones([2, 3], 'int32') }), /float32 tensor for dropoutMask/);
    assert.throws(() => call({}, { initialState: [tn.zeros([2, 2])] }), (e) => e instanceof TypeError && /an array of 2 initial state tensors \(\[h0, c0\]\)/.test(e.message));
    assert.throws(() => call({}, { initialState: tn.zeros([2, 2]) }), TypeError);
    assert.throws(() => call({}, { initialState: [tn.zeros([2, 2]), tn.zeros([2, 3])] }), /Expected shape \[2, 2\] for lstmSequence\(initialState\[1\]\)/);
    assert.throws(() => tn.gruSequence(p.tx, tn.zeros([3, 6]), tn.zeros([2, 6]), null, { initialState: [tn.zeros([2, 2]), tn.zeros([2, 2])] }),
      /an array of 1 initial state tensor \(\[h0\]\)/);
    assert.throws(() => tn.gruSequence(p.tx, tn.zeros([3, 6]), tn.zeros([2, 6]), null, { resetAfter: 'yes' }), /Expected a boolean for gruSequence\(resetAfter\)/);
    assert.throws(() => call({}, null), TypeError);
  });
  it('the native kernel re-checks what it is given (runOp)', () => {
    const ids = tn._native.opTable();
    const id = ids.indexOf('rnnSequence');
    assert.ok(id >= 0 && ids.includes('rnnSequenceGrad'));
    // SimpleRNN, B=1 T=1 F=1 U=1, no optional tensors: outputs y, h, xs, gates, states; inputs x, kernel, recurrent.
    const attrs = (over = {}) => Float64Array.from(Object.assign([0, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0], over));
    const f = (n) => new Float32Array(n);
    const shapes = Int32Array.from([2, 1, 1, 2, 1, 1, 3, 1, 1, 1, 3, 1, 1, 1, 3, 2, 1, 1, 3, 1, 1, 1, 2, 1, 1, 2, 1, 1]);
    const ok = () => tn._native.runOp(id, [f(1), f(1), f(1), f(1), f(2), f(1), f(1), f(1)], 5, shapes, attrs());
    assert.doesNotThrow(ok);
    assert.throws(() => tn._native.runOp(id, [f(1), f(1), f(1), f(1), f(2), f(1), f(1), f(1)], 5, shapes, attrs({ 1: 6 })),
      /rnnSequence: the activation \(code 6\) cannot be fused/);
    assert.throws(() => tn._native.runOp(id, [f(1), f(1), f(1), f(1), f(2), f(1), f(1), f(1)], 5, shapes, attrs({ 6: 1 })),
      /rnnSequence: expected 4 input\(s\) but received 3/);
    assert.throws(() => tn._native.runOp(id, [f(1), f(1), f(1), f(1), f(2), f(1), f(1), f(1)], 5, shapes, attrs({ 11: 1 })),
      /c0 is an LSTM's initial cell state/);
  });
});
