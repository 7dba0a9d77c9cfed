'use strict';
const assert = require('assert');
const { makeRandom, assertClose, matmulRef, gradCheck, tn } = require('./helpers');

describe('dense layer', () => {
  const rand = makeRandom(11);

  it('forward matches x·kernel + bias with the activation, against float64', () => {
    for (const [batch, inDim, units, activation] of [[1, 1, 1, 'linear'], [3, 5, 7, 'relu'], [17, 33, 9, 'tanh'], [4, 129, 3, 'softmax']]) {
      const layer = tn.layers.dense({ units, activation, inputShape: [inDim] });
      const model = tn.sequential({ layers: [layer] });
      const kernel = rand(inDim * units), bias = rand(units), x = rand(batch * inDim);
      layer.setWeights([tn.tensor(kernel, [inDim, units]), tn.tensor(bias, [units])]);
      const got = model.predict(tn.tensor(x, [batch, inDim])).dataSync();
      const z = matmulRef(false, false, batch, units, inDim, x, inDim, kernel, units);
      const want = new Float64Array(batch * units);
      for (let b = 0; b < batch; b++) {
        const row = Array.from({ length: units }, (_, j) => z[b * units + j] + bias[j]);
        const mx = Math.max(...row);
        const sum = row.reduce((s, v) => s + Math.exp(v - mx), 0);
        row.forEach((v, j) => {
          want[b * units + j] = activation === 'relu' ? Math.max(0, v) : activation === 'tanh' ? Math.tanh(v)
            : activation === 'softmax' ? Math.exp(v - mx) / sum : v;
        });
      }
      assertClose(got, want, { atol: 1e-5, rtol: 1e-4, what: `dense ${batch}x${inDim}->${units} ${activation}` });
    }
  });

  for (const activation of ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'gelu', 'softplus', 'leakyRelu', 'swish', 'softsign']) {
    it(`backward matches finite differences (${activation})`, () => {
      tn.setSeed(123);
      const layer = tn.layers.dense({ units: 5, activation, inputShape: [7] });
      tn.sequential({ layers: [layer] });
      // Activations with a kink get a smaller step, so fewer samples straddle it (see gradCheck).
      const kinked = ['relu', 'leakyRelu', 'selu'].includes(activation);
      gradCheck(layer, tn.tensor(rand(3 * 7, -1, 1), [3, 7]), kinked ? { h: 2e-3, atol: 4e-3 } : {});
    });
  }

  it('without bias has only a kernel', () => {
    const layer = tn.layers.dense({ units: 4, useBias: false, inputShape: [3] });
    tn.sequential({ layers: [layer] });
    assert.deepStrictEqual(layer.getWeights().map((w) => w.shape), [[3, 4]]);
    gradCheck(layer, tn.tensor(rand(6), [2, 3]));
  });

  it('applies to the last axis of a rank-3 input', () => {
    const layer = tn.layers.dense({ units: 2, inputShape: [4, 3] });
    const model = tn.sequential({ layers: [layer] });
    assert.deepStrictEqual(model.outputShape(), [4, 2]);
    gradCheck(layer, tn.tensor(rand(2 * 4 * 3), [2, 4, 3]));
  });
});

describe('activation, flatten, reshape, dropout layers', () => {
  const rand = makeRandom(5);

  for (const activation of ['relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'gelu', 'softplus', 'relu6', 'swish']) {
    it(`activation ${activation}: backward matches finite differences`, () => {
      const layer = tn.layers.activation({ activation, inputShape: [6] });
      tn.sequential({ layers: [layer] });
      // Keep relu-like kinks away from the finite-difference step.
      const x = rand(4 * 6, -3, 3).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
      gradCheck(layer, tn.tensor(x, [4, 6]));
    });
  }

  it('flatten and reshape are views with the right shapes', () => {
    const model = tn.sequential({ layers: [tn.layers.reshape({ targetShape: [2, -1], inputShape: [6] }), tn.layers.flatten()] });
    assert.deepStrictEqual(model.layers[0].builtOutputShape, [2, 3]);
    assert.deepStrictEqual(model.outputShape(), [6]);
    const x = rand(12);
    assertClose(model.predict(tn.tensor(x, [2, 6])).dataSync(), x, { what: 'reshape/flatten round trip' });
  });

  it('dropout is the identity in inference and scales kept units by 1/(1-rate) in training', () => {
    const layer = tn.layers.dropout({ rate: 0.25, inputShape: [1000] });
    tn.sequential({ layers: [layer] });
    const x = tn.ones([4, 1000]);
    assertClose(layer.apply(x).dataSync(), x.dataSync(), { what: 'inference' });
    const y = layer.forward(x, true).dataSync();
    let kept = 0;
    for (const v of y) {
      assert.ok(v === 0 || Math.abs(v - 1 / 0.75) < 1e-6, `value ${v}`);
      if (v !== 0) kept++;
    }
    const keptFraction = kept / y.length;
    assert.ok(Math.abs(keptFraction - 0.75) < 0.03, `kept fraction ${keptFraction}`);
    const dx = layer.backward(tn.ones([4, 1000]), true).dataSync();
    for (let i = 0; i < y.length; i++) assert.strictEqual(dx[i], y[i]);
  });
});
