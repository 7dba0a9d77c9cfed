'use strict';
const assert = require('assert');
const { assertClose, tn } = require('./helpers');

// One training step of a single Dense unit (no activation, MSE) on one sample, compared with
// the update computed by hand from Keras' formulas.
//   x = [1, 2], y = 1, kernel = [0.5, -0.25], bias = 0.1
//   pred = 0.5 - 0.5 + 0.1 = 0.1; dL/dpred = 2 (pred - y) = -1.8
//   g_kernel = [-1.8, -3.6], g_bias = -1.8
function oneStep(optimizer) {
  const layer = tn.layers.dense({ units: 1, inputShape: [2] });
  const model = tn.sequential({ layers: [layer] });
  layer.setWeights([tn.tensor([[0.5], [-0.25]]), tn.tensor([0.1])]);
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const loss = model.trainOnBatch(tn.tensor([[1, 2]]), tn.tensor([[1]]));
  assertClose([loss], [0.81], { atol: 1e-6, what: 'loss before the step' });
  const [k, b] = layer.getWeights().map((w) => Array.from(w.dataSync()));
  return [...k, ...b];
}

const w0 = [0.5, -0.25, 0.1];
const g = [-1.8, -3.6, -1.8];

describe('optimizers: one exact step on a Dense layer', () => {
  it('sgd: w -= lr g', () => {
    assertClose(oneStep(tn.train.sgd(0.1)), w0.map((w, i) => w - 0.1 * g[i]), { atol: 1e-7, what: 'sgd' });
  });

  it('momentum: v = m v - lr g; w += v (first step: v = -lr g)', () => {
    assertClose(oneStep(tn.train.momentum(0.1, 0.9)), w0.map((w, i) => w - 0.1 * g[i]), { atol: 1e-7, what: 'momentum' });
  });

  it('nesterov momentum: w += m v - lr g', () => {
    assertClose(oneStep(tn.train.momentum(0.1, 0.9, true)), w0.map((w, i) => w + 0.9 * (-0.1 * g[i]) - 0.1 * g[i]),
      { atol: 1e-7, what: 'nesterov' });
  });

  it('adam: first step moves each weight by lr·m̂/(sqrt(v̂)+eps)', () => {
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7;
    const expected = w0.map((w, i) => {
      const m = (1 - b1) * g[i], v = (1 - b2) * g[i] * g[i];
      const alpha = lr * Math.sqrt(1 - b2) / (1 - b1);
      return w - alpha * m / (Math.sqrt(v) + eps);
    });
    assertClose(oneStep(tn.train.adam(lr, b1, b2, eps)), expected, { atol: 1e-7, what: 'adam' });
    // and the string form uses Keras' defaults (lr 0.001)
    assertClose(oneStep('adam'), w0.map((w, i) => w - 0.001 * Math.sign(g[i])), { atol: 1e-6, what: "'adam'" });
  });

  it('adam: two steps match the hand computation', () => {
    const layer = tn.layers.dense({ units: 1, inputShape: [1], useBias: false });
    const model = tn.sequential({ layers: [layer] });
    layer.setWeights([tn.tensor([[2]])]);
    model.compile({ optimizer: tn.train.adam(0.1), loss: 'meanSquaredError' });
    let w = 2, m = 0, v = 0;
    for (let t = 1; t <= 2; t++) {
      model.trainOnBatch(tn.tensor([[1]]), tn.tensor([[0]]));
      const grad = 2 * w;
      m = 0.9 * m + 0.1 * grad;
      v = 0.999 * v + 0.001 * grad * grad;
      w -= (0.1 * Math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)) * m / (Math.sqrt(v) + 1e-7);
    }
    assertClose(layer.getWeights()[0].dataSync(), [w], { atol: 1e-6, what: 'adam two steps' });
  });

  it('adamw: decoupled decay w -= lr·wd·w before the Adam step', () => {
    const lr = 0.01, wd = 0.1;
    const expected = w0.map((w, i) => w * (1 - lr * wd) - lr * Math.sign(g[i]));
    assertClose(oneStep(tn.train.adamw(lr, wd)), expected, { atol: 1e-6, what: 'adamw' });
  });

  it('rmsprop: ms = (1-rho) g^2; w -= lr g / sqrt(ms + eps)', () => {
    const lr = 0.01, rho = 0.9, eps = 1e-7;
    const expected = w0.map((w, i) => w - lr * g[i] / Math.sqrt((1 - rho) * g[i] * g[i] + eps));
    assertClose(oneStep(tn.train.rmsprop(lr, rho)), expected, { atol: 1e-7, what: 'rmsprop' });
  });

  it('one native update covers every parameter of the model', () => {
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 3, inputShape: [2] }), tn.layers.dense({ units: 1 })] });
    model.compile({ optimizer: tn.train.sgd(0.1), loss: 'meanSquaredError' });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    model.trainOnBatch(tn.tensor([[1, -1]]), tn.tensor([[3]]));
    const after = model.getWeights().map((w) => Array.from(w.dataSync()));
    after.forEach((w, i) => assert.notDeepStrictEqual(w, before[i], `weight ${i} did not change`));
  });

  it('rejects bad hyper-parameters with the argument named', () => {
    assert.throws(() => tn.train.sgd(-1), /Expected a positive number for learningRate but received -1 \(number\)/);
    assert.throws(() => tn.train.adam(0.1, 1.5), /beta1/);
    assert.throws(() => tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [1] })] }).compile({ optimizer: 'adamax', loss: 'mse' }),
      /Expected an optimizer .* but received 'adamax'/);
  });
});
