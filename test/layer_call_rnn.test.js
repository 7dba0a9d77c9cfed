// SimpleRNN / LSTM / GRU / Bidirectional on the engine: layer.call(x, {training, mask,
// initialState}) (Note [Recurrent layers on the engine] in lib/layers/recurrent.ts) against the
// old protocol. call's output equals forward's for every option (training false, and true with
// dropout 0 or with dropout drawn from the same seed); its gradients by the tape (tn.grads over
// [x, ...weight tensors]) equal what backward writes into each LayerVariable.grad and the input
// gradient it returns, and finite differences (test/gradcheck.js) where backward has no
// counterpart (returnState, initialState); a layer called twice in one tape gets the sum of both
// calls' gradients. Then regularizer / constraint options, and unknown options.
//
// Tolerances: call and forward run the same native kernels, so outputs agree to 1e-6 and
// gradients to 1e-5 (the tape may sum in another order); finite differences use checkGrad's
// defaults (step 1e-2 in float32, tolerance 2e-2).
'use strict';
const assert = require('assert');
const { makeRandom, tn } = require('./helpers');
const { assertClose, checkGrad } = require('./gradcheck');

const GATES = { simple: 1, lstm: 4, gru: 3, gruBefore: 3 };
const CELLS = ['simple', 'lstm', 'gru', 'gruBefore'];
const SAME = { atol: 1e-6, rtol: 1e-6 };
const SAME_GRAD = { atol: 1e-5, rtol: 1e-5 };

function makeLayer(cell, U, opts = {}) {
  if (cell === 'simple') return tn.layers.simpleRNN({ units: U, ...opts });
  if (cell === 'lstm') return tn.layers.lstm({ units: U, ...opts });
  return tn.layers.gru({ units: U, resetAfter: cell === 'gru', ...opts });
}

/** Builds the layer for [T, F] and gives it seeded random weights (so runs are comparable). */
function randomWeights(layer, T, F, seed) {
  layer.ensureBuilt([T, F]);
  const rand = makeRandom(seed);
  layer.setWeights(layer.weightVariables.map((v) => tn.tensor(rand(v.size, -0.6, 0.6), v.shape)));
  return layer;
}

/**
 * Row 0 uses every step; row 1 has its last two steps masked (trailing padding); row 2 only
 * its first step; row 3 (when B > 3) a masked step in the middle.
 */
function makeMask(B, T, dtype = 'float32') {
  const m = new Float32Array(B * T).fill(1);
  for (let t = T - 2; t < T; t++) m[1 * T + t] = 0;
  if (B > 2) for (let t = 1; t < T; t++) m[2 * T + t] = 0;
  if (B > 3) m[3 * T + 1] = 0;
  if (dtype === 'float32') return tn.tensor(m, [B, T]);
  if (dtype === 'int32') return tn.tensor(Int32Array.from(m), [B, T]);
  return tn.greater(tn.tensor(m, [B, T]), 0.5);
}

const list = (y) => (Array.isArray(y) ? y : [y]);
const copy = (t) => Float32Array.from(t.dataSync());

/** sum over outputs of sum(y_k * r_k): a scalar whose gradient with respect to y_k is r_k. */
function dotLoss(outs, rs) {
  let total = null;
  outs.forEach((y, k) => {
    const s = tn.sum(tn.mul(y, rs[k]));
    total = total === null ? s : tn.add(total, s);
  });
  return total;
}

const VARIANTS = [];
for (const returnSequences of [false, true]) {
  for (const goBackwards of [false, true]) {
    for (const mask of [false, true]) VARIANTS.push({ returnSequences, goBackwards, mask });
  }
}
const label = (v) => Object.entries(v).filter(([, on]) => on).map(([k]) => k).join(' ') || 'defaults';

describe('recurrent layers: call equals forward', () => {
  for (const cell of CELLS) {
    for (const v of VARIANTS) {
      for (const returnState of [false, true]) {
        it(`${cell} ${label(v)}${returnState ? ' returnState' : ''}: training false and true (dropout 0)`, () => {
          const B = 4, T = 5, F = 3, U = 3;
          const layer = randomWeights(makeLayer(cell, U, { returnSequences: v.returnSequences, goBackwards: v.goBackwards, returnState }), T, F, 7);
          const x = tn.tensor(makeRandom(3)(B * T * F), [B, T, F]);
          const mask = v.mask ? makeMask(B, T) : null;
          for (const training of [false, true]) {
            const outs = list(layer.call(x, { training, mask }));
            const y = layer.forward(x, training, mask);
            const ySeq = v.returnSequences ? [B, T, U] : [B, U];
            assert.deepStrictEqual(outs[0].shape, ySeq);
            assertClose(outs[0].dataSync(), y.dataSync(), { ...SAME, what: `training ${training} output` });
            if (returnState) {
              const states = layer.getStates();
              assert.strictEqual(outs.length, cell === 'lstm' ? 3 : 2);
              states.forEach((s, k) => {
                assert.deepStrictEqual(outs[1 + k].shape, [B, U]);
                assertClose(outs[1 + k].dataSync(), s.dataSync(), { ...SAME, what: `training ${training} state ${k}` });
              });
            } else {
              assert.strictEqual(outs.length, 1);
            }
          }
        });
      }
    }
  }

  it('the mask may be float32, int32 or bool, and comes from an Embedding with maskZero', () => {
    const B = 3, T = 4, F = 2;
    const layer = randomWeights(makeLayer('lstm', 2, { returnSequences: true }), T, F, 1);
    const x = tn.tensor(makeRandom(2)(B * T * F), [B, T, F]);
    const want = layer.forward(x, false, makeMask(B, T)).dataSync().slice();
    for (const dtype of ['float32', 'int32', 'bool']) {
      assertClose(layer.call(x, { mask: makeMask(B, T, dtype) }).dataSync(), want, { ...SAME, what: dtype });
    }
    // Embedding(maskZero) -> LSTM: the padded rows give the unpadded rows' results.
    const emb = tn.layers.embedding({ inputDim: 5, outputDim: 3, maskZero: true });
    const lstm = randomWeights(makeLayer('lstm', 2), 4, 3, 5);
    const ids = tn.tensor(Int32Array.from([3, 1, 2, 0, 4, 0, 0, 0]), [2, 4]);
    emb.ensureBuilt([4]);
    const e = emb.call(ids, {});
    const h = lstm.call(e, { mask: emb.computeMask(ids, null) }).dataSync();
    const unpadded = (row, n) => lstm.call(tn.slice(e, [row, 0, 0], [1, n, 3]), {}).dataSync();
    assertClose(h.slice(0, 2), unpadded(0, 3), { ...SAME, what: 'row 0' });
    assertClose(h.slice(2, 4), unpadded(1, 1), { ...SAME, what: 'row 1' });
  });

  it('dropout and recurrentDropout: fresh masks each call in training, the same draws as forward, none in inference', () => {
    for (const cell of CELLS) {
      const B = 3, T = 4, F = 5, U = 4;
      const opts = { returnSequences: true, dropout: 0.4, recurrentDropout: 0.3, seed: 11 };
      const x = tn.tensor(makeRandom(9)(B * T * F), [B, T, F]);
      const viaCall = randomWeights(makeLayer(cell, U, opts), T, F, 2);
      const viaForward = randomWeights(makeLayer(cell, U, opts), T, F, 2);
      const plain = randomWeights(makeLayer(cell, U, { returnSequences: true }), T, F, 2);
      const noDropout = plain.forward(x, false).dataSync().slice();
      const first = viaCall.call(x, { training: true }).dataSync();
      const second = viaCall.call(x, { training: true }).dataSync();
      // A layer with the same seed draws the same masks, call after call.
      assertClose(first, viaForward.forward(x, true).dataSync(), { ...SAME, what: `${cell} first draw` });
      assertClose(second, viaForward.forward(x, true).dataSync(), { ...SAME, what: `${cell} second draw` });
      assert.ok(first.some((a, i) => Math.abs(a - second[i]) > 1e-3), `${cell}: two training calls drew the same masks`);
      assert.ok(first.some((a, i) => Math.abs(a - noDropout[i]) > 1e-3), `${cell}: training dropped nothing`);
      assertClose(viaCall.call(x, { training: false }).dataSync(), noDropout, { ...SAME, what: `${cell} inference` });
      assertClose(viaCall.call(x, {}).dataSync(), noDropout, { ...SAME, what: `${cell} training omitted` });
    }
  });

  it('results are fresh tensors: a later call leaves an earlier result unchanged', () => {
    const layer = randomWeights(makeLayer('gru', 3, { returnSequences: true }), 4, 2, 3);
    const a = layer.call(tn.tensor(makeRandom(1)(2 * 4 * 2), [2, 4, 2]), {});
    const kept = copy(a);
    const b = layer.call(tn.tensor(makeRandom(2)(2 * 4 * 2), [2, 4, 2]), {});
    assert.notStrictEqual(a.dataSync().buffer, b.dataSync().buffer);
    assert.deepStrictEqual(copy(a), kept);
  });

  it('returnState: computeOutputShape lists [output, h, (c)]; apply returns the list', () => {
    assert.deepStrictEqual(makeLayer('lstm', 3, { returnState: true }).computeOutputShape([5, 2]), [[3], [3], [3]]);
    assert.deepStrictEqual(makeLayer('gru', 3, { returnState: true, returnSequences: true }).computeOutputShape([5, 2]), [[5, 3], [3]]);
    assert.deepStrictEqual(makeLayer('simple', 3, { returnSequences: true }).computeOutputShape([5, 2]), [5, 3]);
    const l = makeLayer('lstm', 3, { returnState: true, returnSequences: true });
    const outs = l.apply(tn.randomUniform([2, 5, 2]));
    assert.deepStrictEqual(outs.map((t) => t.shape), [[2, 5, 3], [2, 3], [2, 3]]);
    assert.deepStrictEqual(l.builtOutputShapes, [[5, 3], [3], [3]]);
    // the final h is the last step of the sequence (no mask)
    assertClose(outs[1].dataSync(), tn.slice(outs[0], [0, 4, 0], [2, 1, 3]).dataSync(), { ...SAME, what: 'h = last output' });
  });

  it('initialState: running the second half from the first half\'s states equals running the whole sequence', () => {
    for (const cell of CELLS) {
      const B = 2, T = 6, F = 3, U = 3;
      const whole = randomWeights(makeLayer(cell, U, { returnSequences: true, returnState: true }), T, F, 4);
      const half = randomWeights(makeLayer(cell, U, { returnSequences: true, returnState: true }), T / 2, F, 4);
      const x = tn.tensor(makeRandom(5)(B * T * F), [B, T, F]);
      const [yAll, ...statesAll] = whole.call(x, {});
      const [, ...mid] = half.call(tn.slice(x, [0, 0, 0], [B, T / 2, F]), {});
      const [ySecond, ...statesEnd] = half.call(tn.slice(x, [0, T / 2, 0], [B, T / 2, F]), { initialState: mid });
      assertClose(ySecond.dataSync(), tn.slice(yAll, [0, T / 2, 0], [B, T / 2, U]).dataSync(), { ...SAME, what: `${cell} second half` });
      statesEnd.forEach((s, k) => assertClose(s.dataSync(), statesAll[k].dataSync(), { ...SAME, what: `${cell} state ${k}` }));
    }
    const l = randomWeights(makeLayer('lstm', 2), 3, 2, 1);
    const x = tn.randomUniform([2, 3, 2]);
    assert.throws(() => l.call(x, { initialState: [tn.zeros([2, 2])] }), /\[h0, c0\].*initialState/);
    assert.throws(() => l.call(x, { initialState: [tn.zeros([2, 2]), tn.zeros([3, 2])] }), /initialState\[1\] of shape \[2,\s?2\]/);
  });

  it('validates call\'s input, mask and options in user terms', () => {
    const l = randomWeights(makeLayer('gru', 2), 3, 2, 1);
    assert.throws(() => l.call(tn.randomUniform([2, 3, 4]), {}), /expects inputs of shape .*received \[2,\s?3,\s?4\]/);
    assert.throws(() => l.call(tn.randomUniform([2, 3, 2]), { mask: tn.ones([2, 4]) }), /mask of shape \[2,\s?3\]/);
    assert.throws(() => l.call(tn.randomUniform([2, 3, 2]), { initialStates: [] }), /unknown option 'initialStates'/);
    assert.throws(() => l.call(tn.randomUniform([2, 3, 2]), { training: 'yes' }), /training/);
    assert.throws(() => makeLayer('gru', 2).call(tn.randomUniform([2, 3, 2]), {}), /not built/);
  });
});

/** tn.grads of dotLoss(call) over [x, ...weights] against forward + backward(r). */
function compareWithBackward(layer, x, mask, r, what, kwargs = {}) {
  const vars = layer.trainableVariables;
  const gs = tn.grads((xx) => dotLoss(list(layer.call(xx, { mask, ...kwargs })).slice(0, 1), [r]))([x, ...vars.map((v) => v.tensor)]);
  const y = layer.forward(x, kwargs.training === true, mask);
  const dx = layer.backward(r, true);
  assertClose(gs[0].dataSync(), dx.dataSync(), { ...SAME_GRAD, what: `${what} dx` });
  vars.forEach((v, i) => assertClose(gs[1 + i].dataSync(), v.grad, { ...SAME_GRAD, what: `${what} d ${v.name}` }));
  return y;
}

/**
 * f(x, ...weight tensors) for checkGrad: weights that checkGrad perturbs are copied into the
 * layer's variables (call reads the variables), the others restored from `original`.
 */
function callWithWeights(layer, kwargsOf, pick = (outs) => outs) {
  const vars = layer.weightVariables;
  const original = vars.map((v) => Float32Array.from(v.value));
  return (x, ...rest) => {
    vars.forEach((v, i) => { if (rest[i] !== v.tensor) v.value.set(rest[i].values); else v.value.set(original[i]); });
    const outs = pick(list(layer.call(x, kwargsOf(rest.slice(vars.length)))));
    const B = x.shape[0];
    return tn.concat(outs.map((t) => tn.reshape(t, [B, t.size / B])), 1);
  };
}

describe('recurrent layers: gradients through call', () => {
  for (const cell of CELLS) {
    for (const v of VARIANTS) {
      it(`${cell} ${label(v)}: tape gradients equal backward's`, () => {
        const B = 4, T = 5, F = 3, U = 3;
        const layer = randomWeights(makeLayer(cell, U, { returnSequences: v.returnSequences, goBackwards: v.goBackwards }), T, F, 13);
        const x = tn.tensor(makeRandom(6)(B * T * F), [B, T, F]);
        const r = tn.tensor(makeRandom(8)((v.returnSequences ? T : 1) * B * U), v.returnSequences ? [B, T, U] : [B, U]);
        compareWithBackward(layer, x, v.mask ? makeMask(B, T) : null, r, `${cell} ${label(v)}`);
        compareWithBackward(layer, x, v.mask ? makeMask(B, T) : null, r, `${cell} ${label(v)} training`, { training: true });
      });
    }
  }

  it('dropout in training: tape gradients equal backward\'s for the same masks (same seed)', () => {
    for (const cell of CELLS) {
      const B = 3, T = 4, F = 4, U = 3;
      const opts = { returnSequences: true, dropout: 0.3, recurrentDropout: 0.4, seed: 3 };
      const a = randomWeights(makeLayer(cell, U, opts), T, F, 21), b = randomWeights(makeLayer(cell, U, opts), T, F, 21);
      const x = tn.tensor(makeRandom(6)(B * T * F), [B, T, F]);
      const r = tn.tensor(makeRandom(8)(B * T * U), [B, T, U]);
      const gs = tn.grads((xx) => dotLoss([a.call(xx, { training: true })], [r]))([x, ...a.trainableVariables.map((w) => w.tensor)]);
      b.forward(x, true);
      const dx = b.backward(r, true);
      assertClose(gs[0].dataSync(), dx.dataSync(), { ...SAME_GRAD, what: `${cell} dropout dx` });
      assert.ok(Array.from(gs[0].dataSync()).some((g) => g === 0), `${cell}: dropout dropped no input`);
      b.trainableVariables.forEach((w, i) => assertClose(gs[1 + i].dataSync(), w.grad, { ...SAME_GRAD, what: `${cell} dropout d ${w.name}` }));
    }
  });

  for (const cell of CELLS) {
    it(`${cell}: finite differences of call (masked rows, goBackwards, returnSequences, returnState, initialState)`, () => {
      const B = 3, T = 3, F = 2, U = 2;
      for (const o of [{ returnSequences: true }, { goBackwards: true, returnState: true }]) {
        const layer = randomWeights(makeLayer(cell, U, o), T, F, 17);
        const x = tn.tensor(makeRandom(4)(B * T * F), [B, T, F]);
        const nStates = cell === 'lstm' ? 2 : 1;
        const states = Array.from({ length: nStates }, (_, k) => tn.tensor(makeRandom(30 + k)(B * U, -0.5, 0.5), [B, U]));
        const mask = makeMask(B, T);
        const f = callWithWeights(layer, (init) => ({ mask, initialState: init }));
        checkGrad(`${cell} ${JSON.stringify(o)}`, f, [x, ...layer.weightVariables.map((w) => w.tensor), ...states]);
      }
    });
  }

  it('a layer called twice in one tape gets the sum of both calls\' gradients', () => {
    for (const cell of CELLS) {
      const B = 2, T = 4, F = 3, U = 3;
      const layer = randomWeights(makeLayer(cell, U, { returnSequences: true }), T, F, 5);
      const x1 = tn.tensor(makeRandom(1)(B * T * F), [B, T, F]), x2 = tn.tensor(makeRandom(2)(B * T * F), [B, T, F]);
      const r1 = tn.tensor(makeRandom(3)(B * T * U), [B, T, U]), r2 = tn.tensor(makeRandom(4)(B * T * U), [B, T, U]);
      const vars = layer.trainableVariables;
      const gs = tn.grads((a, b) => tn.add(dotLoss([layer.call(a, {})], [r1]), dotLoss([layer.call(b, { mask: makeMask(B, T) })], [r2])))(
        [x1, x2, ...vars.map((v) => v.tensor)]);
      layer.forward(x1, false);
      const dx1 = copy(layer.backward(r1, true));
      const first = vars.map((v) => Float32Array.from(v.grad));
      layer.forward(x2, false, makeMask(B, T));
      const dx2 = layer.backward(r2, true);
      assertClose(gs[0].dataSync(), dx1, { ...SAME_GRAD, what: `${cell} dx1` });
      assertClose(gs[1].dataSync(), dx2.dataSync(), { ...SAME_GRAD, what: `${cell} dx2` });
      vars.forEach((v, i) => {
        const sum = first[i].map((g, k) => g + v.grad[k]);
        assertClose(gs[2 + i].dataSync(), sum, { ...SAME_GRAD, what: `${cell} d ${v.name} of two calls` });
      });
    }
  });
});

describe('Bidirectional: call', () => {
  const MODES = ['concat', 'sum', 'mul', 'ave'];
  for (const mode of MODES) {
    for (const returnSequences of [false, true]) {
      for (const masked of [false, true]) {
        it(`${mode} returnSequences=${returnSequences} mask=${masked}: output and tape gradients equal forward/backward`, () => {
          const B = 3, T = 4, F = 3, U = 2;
          const bi = randomWeights(tn.layers.bidirectional({ layer: makeLayer('lstm', U, { returnSequences }), mergeMode: mode }), T, F, 9);
          const x = tn.tensor(makeRandom(2)(B * T * F), [B, T, F]);
          const mask = masked ? makeMask(B, T) : null;
          const y = bi.call(x, { mask });
          const want = bi.forward(x, false, mask);
          assert.deepStrictEqual(y.shape, want.shape);
          assertClose(y.dataSync(), want.dataSync(), { ...SAME, what: 'bidirectional output' });
          const r = tn.tensor(makeRandom(5)(y.size), y.shape);
          compareWithBackward(bi, x, mask, r, `bidirectional ${mode}`);
        });
      }
    }
  }

  it('returnState: [output, forward h, c, backward h, c], shapes listed; initialState split in halves', () => {
    const B = 2, T = 4, F = 3, U = 2;
    const bi = randomWeights(tn.layers.bidirectional({ layer: makeLayer('lstm', U, { returnState: true, returnSequences: true }) }), T, F, 3);
    assert.deepStrictEqual(bi.computeOutputShape([T, F]), [[T, 2 * U], [U], [U], [U], [U]]);
    const x = tn.tensor(makeRandom(7)(B * T * F), [B, T, F]);
    const outs = bi.call(x, { mask: makeMask(B, T) });
    assert.strictEqual(outs.length, 5);
    const y = bi.forward(x, false, makeMask(B, T));
    assertClose(outs[0].dataSync(), y.dataSync(), { ...SAME, what: 'output' });
    const states = [...bi.forwardLayer.getStates(), ...bi.backwardLayer.getStates()];
    states.forEach((s, k) => assertClose(outs[1 + k].dataSync(), s.dataSync(), { ...SAME, what: `state ${k}` }));
    // initial states: the first two go to the forward layer, the last two to the backward one
    const init = [0, 1, 2, 3].map((k) => tn.tensor(makeRandom(40 + k)(B * U), [B, U]));
    const withInit = bi.call(x, { initialState: init });
    const f = list(bi.forwardLayer.call(x, { initialState: init.slice(0, 2) }));
    const b = list(bi.backwardLayer.call(x, { initialState: init.slice(2) }));
    assertClose(withInit[1].dataSync(), f[1].dataSync(), { ...SAME, what: 'forward h from its initial state' });
    assertClose(withInit[3].dataSync(), b[1].dataSync(), { ...SAME, what: 'backward h from its initial state' });
    const fromZeros = bi.call(x, {});
    assert.ok(withInit[0].dataSync().some((v, i) => Math.abs(v - fromZeros[0].dataSync()[i]) > 1e-4), 'initialState changed nothing');
    assert.throws(() => bi.call(x, { initialState: init.slice(0, 2) }), /4 tensors/);
  });

  it('finite differences of call (gru, ave, masked, returnSequences) with respect to x and all weights', () => {
    const B = 3, T = 3, F = 2, U = 2;
    const bi = randomWeights(tn.layers.bidirectional({ layer: makeLayer('gru', U, { returnSequences: true }), mergeMode: 'mul' }), T, F, 8);
    const mask = makeMask(B, T);
    const x = tn.tensor(makeRandom(4)(B * T * F), [B, T, F]);
    checkGrad('bidirectional gru mul', callWithWeights(bi, () => ({ mask })), [x, ...bi.weightVariables.map((w) => w.tensor)]);
  });

  it('dropout in training: each direction draws fresh masks', () => {
    const B = 2, T = 3, F = 4;
    const bi = randomWeights(tn.layers.bidirectional({ layer: makeLayer('simple', 3, { dropout: 0.5 }) }), T, F, 1);
    const x = tn.tensor(makeRandom(3)(B * T * F), [B, T, F]);
    const a = bi.call(x, { training: true }).dataSync(), b = bi.call(x, { training: true }).dataSync();
    assert.ok(a.some((v, i) => Math.abs(v - b[i]) > 1e-4), 'two training calls drew the same masks');
    assertClose(bi.call(x, {}).dataSync(), bi.forward(x, false).dataSync(), { ...SAME, what: 'inference' });
  });
});

// Hand-made regularizer / constraint objects (the interfaces of lib/layers/layer.ts).
function l2Penalty(rate) {
  return { className: 'L2', apply: (w) => tn.mul(tn.sum(tn.square(w)), rate), getConfig: () => ({ l2: rate }) };
}
function clipConstraint(limit) {
  return { className: 'Clip', apply: (w) => tn.clipByValue(w, -limit, limit), getConfig: () => ({ limit }) };
}

describe('recurrent layers: regularizers and constraints', () => {
  for (const cell of ['simple', 'lstm', 'gru']) {
    it(`${cell}: weight regularizers give the penalties (with gradients), constraints project, getConfig serializes them`, () => {
      const regs = { kernelRegularizer: l2Penalty(0.01), recurrentRegularizer: l2Penalty(0.02), biasRegularizer: l2Penalty(0.03) };
      const cons = { kernelConstraint: clipConstraint(0.1), recurrentConstraint: clipConstraint(0.2), biasConstraint: clipConstraint(0.3) };
      const activity = l2Penalty(0.5);
      const layer = randomWeights(makeLayer(cell, 3, { ...regs, ...cons, activityRegularizer: activity }), 4, 2, 6);
      const [k, rk, b] = [layer.kernel, layer.recurrentKernel, layer.bias];
      assert.strictEqual(k.regularizer, regs.kernelRegularizer);
      assert.strictEqual(rk.regularizer, regs.recurrentRegularizer);
      assert.strictEqual(b.regularizer, regs.biasRegularizer);
      assert.strictEqual(layer.activityRegularizer, activity);
      const sq = (v) => v.value.reduce((s, a) => s + a * a, 0);
      const losses = layer.regularizationLosses();
      assert.strictEqual(losses.length, 3);
      [[k, 0.01], [rk, 0.02], [b, 0.03]].forEach(([v, rate], i) => assertClose(losses[i].dataSync(), [rate * sq(v)], { atol: 1e-6, rtol: 1e-5, what: v.name }));
      // the penalty has a gradient: d/dw (rate * sum w^2) = 2 rate w
      const g = tn.grads((w) => regs.kernelRegularizer.apply(w))([k.tensor])[0];
      assertClose(g.dataSync(), Array.from(k.value, (w) => 0.02 * w), { atol: 1e-6, rtol: 1e-5, what: 'penalty gradient' });
      assert.strictEqual(k.constraint, cons.kernelConstraint);
      for (const [v, limit] of [[k, 0.1], [rk, 0.2], [b, 0.3]]) {
        assert.ok(v.value.some((w) => Math.abs(w) > limit), `${v.name}: nothing to clip`);
        v.applyConstraint();
        assert.ok(v.value.every((w) => Math.abs(w) <= limit + 1e-7), `${v.name}: constraint not applied`);
      }
      const c = layer.getConfig();
      assert.deepStrictEqual(c.kernelRegularizer, { className: 'L2', config: { l2: 0.01 } });
      assert.deepStrictEqual(c.activityRegularizer, { className: 'L2', config: { l2: 0.5 } });
      assert.deepStrictEqual(c.biasConstraint, { className: 'Clip', config: { limit: 0.3 } });
      const plain = makeLayer(cell, 3).getConfig();
      for (const key of ['kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint',
        'recurrentConstraint', 'biasConstraint']) assert.strictEqual(plain[key], null, key);
    });
  }

  it('a bad regularizer or constraint value is an error naming the option', () => {
    assert.throws(() => tn.layers.lstm({ units: 2, kernelRegularizer: 42 }), (e) => e instanceof TypeError && /kernelRegularizer/.test(e.message));
    assert.throws(() => tn.layers.gru({ units: 2, recurrentConstraint: 42 }), (e) => e instanceof TypeError && /recurrentConstraint/.test(e.message));
  });

  it('Bidirectional: both directions get the wrapped layer\'s regularizers and constraints; an activityRegularizer is an error', () => {
    const bi = tn.layers.bidirectional({ layer: makeLayer('gru', 2, { kernelRegularizer: l2Penalty(0.1), biasConstraint: clipConstraint(0.05) }) });
    bi.ensureBuilt([3, 2]);
    assert.strictEqual(bi.regularizationLosses().length, 2);
    assert.strictEqual(bi.forwardLayer.bias.constraint.className, 'Clip');
    assert.strictEqual(bi.backwardLayer.bias.constraint.className, 'Clip');
    assert.deepStrictEqual(bi.getConfig().layer.kernelRegularizer, { className: 'L2', config: { l2: 0.1 } });
    assert.throws(() => tn.layers.bidirectional({ layer: makeLayer('lstm', 2, { activityRegularizer: l2Penalty(0.1) }) }),
      /activityRegularizer/);
  });
});

describe('recurrent layers: unknown options', () => {
  const cases = [
    ['simpleRNN', { units: 2, recurrentActivation: 'sigmoid' }, 'recurrentActivation'],
    ['simpleRNN', { units: 2, unitForgetBias: true }, 'unitForgetBias'],
    ['lstm', { units: 2, stateful: true }, 'stateful'],
    ['lstm', { units: 2, unroll: true }, 'unroll'],
    ['lstm', { units: 2, implementation: 2 }, 'implementation'],
    ['lstm', { units: 2, resetAfter: true }, 'resetAfter'],
    ['gru', { units: 2, inputLength: 4 }, 'inputLength'],
    ['gru', { units: 2, inputDim: 4 }, 'inputDim'],
    ['gru', { units: 2, dropoutFunc: () => null }, 'dropoutFunc'],
    ['gru', { units: 2, unitForgetBias: true }, 'unitForgetBias'],
    ['gru', { unit: 2 }, 'unit'],
  ];
  for (const [factory, args, key] of cases) {
    it(`tn.layers.${factory}({${key}}) is a TypeError naming it and the known options`, () => {
      assert.throws(() => tn.layers[factory](args), (e) => e instanceof TypeError && e.message.includes(`tn.layers.${factory}`) &&
        e.message.includes(`'${key}'`) && /units/.test(e.message) && /returnSequences/.test(e.message));
    });
  }

  it('every documented option is known', () => {
    const common = { units: 2, activation: 'tanh', useBias: true, kernelInitializer: 'glorotUniform', recurrentInitializer: 'orthogonal',
      biasInitializer: 'zeros', dropout: 0.1, recurrentDropout: 0.1, returnSequences: true, returnState: false, goBackwards: false,
      seed: 1, kernelRegularizer: null, recurrentRegularizer: null, biasRegularizer: null, activityRegularizer: null,
      kernelConstraint: null, recurrentConstraint: null, biasConstraint: null, name: 'r', inputShape: [3, 2], trainable: true };
    tn.layers.simpleRNN({ ...common, name: 's' });
    tn.layers.lstm({ ...common, name: 'l', recurrentActivation: 'sigmoid', unitForgetBias: false });
    tn.layers.gru({ ...common, name: 'g', recurrentActivation: 'sigmoid', resetAfter: false });
    tn.layers.bidirectional({ layer: tn.layers.gru({ units: 2 }), mergeMode: 'sum', name: 'b' });
  });

  it('Bidirectional: unknown options (backwardLayer, weights) are TypeErrors naming them', () => {
    for (const key of ['backwardLayer', 'weights']) {
      assert.throws(() => tn.layers.bidirectional({ layer: tn.layers.gru({ units: 2 }), [key]: 1 }),
        (e) => e instanceof TypeError && e.message.includes(`'${key}'`) && /mergeMode/.test(e.message));
    }
  });
});
