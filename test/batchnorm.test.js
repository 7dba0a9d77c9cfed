// BatchNormalization: forward against a float64 reference in training (batch statistics,
// biased variance, Keras 3) and inference (moving statistics), the moving-statistics update,
// finite-difference gradients in both modes, Keras-user behaviour through fit/predict.
// Tolerances: forward atol 1e-5 + rtol 1e-4; moving statistics rtol 1e-5.
'use strict';
const assert = require('assert');
const { makeRandom, assertClose, gradCheck, tn } = require('./helpers');

// float64 reference over (outer, C, inner).
function bnRef(x, outer, C, inner, gamma, beta, mean, variance, eps) {
  const y = new Float64Array(x.length);
  for (let o = 0; o < outer; o++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < inner; i++) {
        const k = (o * C + c) * inner + i;
        y[k] = gamma[c] * (x[k] - mean[c]) / Math.sqrt(variance[c] + eps) + beta[c];
      }
  return y;
}

function moments(x, outer, C, inner) {
  const mean = new Float64Array(C), variance = new Float64Array(C), n = outer * inner;
  for (let o = 0; o < outer; o++) for (let c = 0; c < C; c++) for (let i = 0; i < inner; i++) mean[c] += x[(o * C + c) * inner + i] / n;
  for (let o = 0; o < outer; o++)
    for (let c = 0; c < C; c++) for (let i = 0; i < inner; i++) variance[c] += (x[(o * C + c) * inner + i] - mean[c]) ** 2 / n;
  return { mean, variance };
}

describe('batchNormalization layer', () => {
  const rand = makeRandom(23);

  it('has Keras weights: gamma, beta, movingMean, movingVariance (the moving ones non-trainable)', () => {
    const layer = tn.layers.batchNormalization({ inputShape: [4, 5, 3] });
    const model = tn.sequential({ layers: [layer] });
    assert.deepStrictEqual(layer.weightVariables.map((v) => v.name.split('/')[1]), ['gamma', 'beta', 'moving_mean', 'moving_variance']);
    assert.deepStrictEqual(layer.trainableVariables.map((v) => v.name.split('/')[1]), ['gamma', 'beta']);
    assert.ok(layer.name.startsWith('batch_normalization'));
    const lines = [];
    model.summary(undefined, undefined, (l) => lines.push(l));
    assert.match(lines.join('\n'), /\[null,4,5,3\]/);
    assert.match(lines.join('\n'), /Non-trainable params: 6/);
    const plain = tn.sequential({ layers: [tn.layers.batchNormalization({ center: false, scale: false, inputShape: [3] })] });
    assert.deepStrictEqual(plain.layers[0].weightVariables.map((v) => v.name.split('/')[1]), ['moving_mean', 'moving_variance']);
  });

  it('training: batch statistics (biased variance) and the Keras moving-average update', () => {
    const B = 4, H = 3, W = 5, C = 3, eps = 1e-3, momentum = 0.9;
    const layer = tn.layers.batchNormalization({ momentum, epsilon: eps, inputShape: [H, W, C] });
    tn.sequential({ layers: [layer] });
    const gamma = rand(C, 0.5, 2), beta = rand(C), mm = rand(C), mv = rand(C, 0.5, 2);
    layer.setWeights([gamma, beta, mm, mv].map((v) => tn.tensor(v, [C])));
    // Data far from zero, with a channel-dependent offset.
    const x = rand(B * H * W * C, -1, 1).map((v, i) => 3 * v + 10 * (i % C));
    const y = layer.forward(tn.tensor(x, [B, H, W, C]), true).dataSync();
    const { mean, variance } = moments(x, B * H * W, C, 1);
    assertClose(y, bnRef(x, B * H * W, C, 1, gamma, beta, mean, variance, eps), { atol: 1e-5, rtol: 1e-4, what: 'training forward' });
    const w = layer.getWeights().map((t) => t.dataSync());
    assertClose(w[2], Float64Array.from(mm, (m, c) => m * momentum + mean[c] * (1 - momentum)), { atol: 1e-6, rtol: 1e-5, what: 'moving mean' });
    assertClose(w[3], Float64Array.from(mv, (v, c) => v * momentum + variance[c] * (1 - momentum)), { atol: 1e-6, rtol: 1e-5, what: 'moving variance' });
  });

  it('inference (predict) uses the moving statistics and leaves them unchanged', () => {
    const C = 4, eps = 1e-2;
    const layer = tn.layers.batchNormalization({ epsilon: eps, inputShape: [2, 3, C] });
    const model = tn.sequential({ layers: [layer] });
    const gamma = rand(C), beta = rand(C), mm = rand(C), mv = rand(C, 0.1, 3);
    layer.setWeights([gamma, beta, mm, mv].map((v) => tn.tensor(v, [C])));
    const x = rand(5 * 2 * 3 * C);
    const y = model.predict(tn.tensor(x, [5, 2, 3, C])).dataSync();
    assertClose(y, bnRef(x, 30, C, 1, gamma, beta, mm, mv, eps), { atol: 1e-5, rtol: 1e-4, what: 'inference forward' });
    assertClose(layer.getWeights()[2].dataSync(), mm, { atol: 0, rtol: 0, what: 'moving mean unchanged' });
    assertClose(layer.getWeights()[3].dataSync(), mv, { atol: 0, rtol: 0, what: 'moving variance unchanged' });
  });

  it('axis 1 on [batch, channels, length] normalizes over batch and length', () => {
    const B = 3, C = 2, L = 5;
    const layer = tn.layers.batchNormalization({ axis: 1, inputShape: [C, L] });
    tn.sequential({ layers: [layer] });
    const x = rand(B * C * L, -2, 2);
    const y = layer.forward(tn.tensor(x, [B, C, L]), true).dataSync();
    const { mean, variance } = moments(x, B, C, L);
    assertClose(y, bnRef(x, B, C, L, [1, 1], [0, 0], mean, variance, 1e-3), { atol: 1e-5, rtol: 1e-4, what: 'axis 1' });
    assert.throws(() => tn.sequential({ layers: [tn.layers.batchNormalization({ axis: 0, inputShape: [3] })] }), /axis/);
    assert.throws(() => tn.layers.batchNormalization({ momentum: 2 }), /momentum/);
  });

  for (const [name, args, shape, training] of [
    ['training, NHWC', {}, [3, 2, 3, 4], true],
    ['training, axis 1 of [B, C, L]', { axis: 1 }, [4, 3, 5], true],
    ['training, center and scale off', { center: false, scale: false }, [6, 3], true],
    ['inference mode', {}, [3, 2, 2, 3], false],
  ]) {
    it(`backward matches finite differences: ${name}`, () => {
      const layer = tn.layers.batchNormalization({ ...args, inputShape: shape.slice(1) });
      tn.sequential({ layers: [layer] });
      const C = layer.weightVariables[0].shape[0];
      const ws = layer.weightVariables.map((v) => (v.name.endsWith('variance') ? rand(C, 0.5, 2) : rand(C)));
      layer.setWeights(ws.map((v) => tn.tensor(v, [C])));
      const x = rand(shape.reduce((a, b) => a * b), -2, 2);
      // float32 forward with batch statistics: loss differences need a larger step.
      gradCheck(layer, tn.tensor(x, shape), { h: 1e-2, atol: 3e-3, rtol: 3e-2, training });
    });
  }

  it('a layer with trainable = false runs in inference mode in fit (Keras 3) and keeps its statistics', async () => {
    const bn = tn.layers.batchNormalization({ inputShape: [4] });
    const model = tn.sequential({ layers: [bn, tn.layers.dense({ units: 1 })] });
    bn.trainable = false;
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = bn.getWeights().map((t) => Float32Array.from(t.dataSync()));
    await model.fit(tn.tensor(rand(32 * 4, 3, 5), [32, 4]), tn.tensor(rand(32), [32, 1]), { epochs: 2, batchSize: 8, verbose: 0 });
    bn.getWeights().forEach((t, i) => assertClose(t.dataSync(), before[i], { atol: 0, rtol: 0, what: `frozen weight ${i}` }));
  });

  it('fit moves the moving statistics toward the data statistics', async () => {
    const bn = tn.layers.batchNormalization({ momentum: 0.5, inputShape: [2] });
    const model = tn.sequential({ layers: [bn, tn.layers.dense({ units: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    // Feature 0 ~ mean 5, var ~ 1/3; feature 1 ~ mean -3, var ~ 4/3.
    const x = new Float32Array(256 * 2);
    const u = rand(512, -1, 1);
    for (let i = 0; i < 256; i++) {
      x[2 * i] = 5 + u[2 * i];
      x[2 * i + 1] = -3 + 2 * u[2 * i + 1];
    }
    await model.fit(tn.tensor(x, [256, 2]), tn.tensor(rand(256), [256, 1]), { epochs: 3, batchSize: 64, verbose: 0 });
    const [, , mm, mv] = bn.getWeights().map((t) => t.dataSync());
    assert.ok(Math.abs(mm[0] - 5) < 0.2 && Math.abs(mm[1] + 3) < 0.3, `moving mean ${mm}`);
    assert.ok(Math.abs(mv[0] - 1 / 3) < 0.1 && Math.abs(mv[1] - 4 / 3) < 0.3, `moving variance ${mv}`);
  });
});
