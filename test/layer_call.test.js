// call(inputs, kwargs) of the built-in layers of core, conv, pooling, normalization and
// embedding (Note [Layers on the engine] in lib/layers/layer.ts). For every layer and every
// option that changes the math, on several random shapes:
//   - call's output equals forward's (the older protocol, itself checked against float64
//     references in the layer's own test file), in inference and, where deterministic, training;
//   - the gradients through call (tn.valueAndGrads over the input and the weights' tensors)
//     equal what backward() writes into each LayerVariable.grad and the input gradient it returns;
//   - the same gradients agree with central finite differences (test/gradcheck.js).
// Also: a shared layer's kernel gets the sum of both calls' gradients, the loss/activation
// fusion sees a dense softmax, dropout's masks, option checking, regularizer/constraint options.
// Tolerances: call vs forward/backward atol 1e-5 + rtol 1e-4 (same kernels, other summation
// orders); finite differences atol = rtol = 2e-2 (float32 forward, step 1e-2).
'use strict';
const assert = require('assert');
const tn = require('..');
const { makeRng, seedOf, assertClose, checkGrad } = require('./gradcheck');

const L = tn.layerClasses;
// Finite differences step over the kink of these activations wherever a pre-activation lies
// within a step of it: the layers using them are checked against backward only (the
// Activation layer checks their gradients by finite differences away from the kink).
const KINKED = ['relu', 'relu6', 'leakyRelu'];

function randomArray(rng, n, lo = -1, hi = 1) {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng());
}
function randomTensor(rng, shape, lo = -1, hi = 1) {
  return new tn.Tensor(randomArray(rng, shape.reduce((a, b) => a * b, 1), lo, hi), shape, 'float32');
}
/** Distinct values spaced 0.05 apart in random order: no two taps of a max window within a finite-difference step. */
function spacedTensor(rng, shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return new tn.Tensor(v, shape, 'float32');
}
/** x with every value at least 0.05 away from 0 (the kink of relu and leakyRelu), for finite differences. */
function awayFromKinks(x) {
  return new tn.Tensor(x.values.map((v) => (v >= 0 ? v + 0.05 : v - 0.05)), x.shape.slice(), 'float32');
}
/** Random weights for a built layer; variances and scales positive. */
function randomizeWeights(layer, rng) {
  for (const v of layer.weightVariables) {
    const positive = /moving_variance$|gamma$/.test(v.name);
    v.value.set(randomArray(rng, v.size, positive ? 0.5 : -1, positive ? 1.5 : 1));
  }
}
const copy = (t) => Float32Array.from(t.values);

/**
 * call against forward/backward: the same output, and tape gradients (x and every trainable
 * weight, dy random) equal to backward's dx and each weight's .grad. Weights (the moving
 * statistics too) are restored between the two runs, and their values after each run compared.
 */
function checkAgainstOldProtocol(what, layer, x, { training = false, atol = 1e-5, rtol = 1e-4 } = {}) {
  const rng = makeRng(seedOf(`${what} dy`));
  layer.ensureBuilt(x.shape.slice(1));
  const all = layer.weightVariables;
  const vars = layer.trainableVariables;
  const before = all.map((v) => v.value.slice());
  const yOld = layer.forward(x, training);
  const yOldValues = copy(yOld), yOldShape = yOld.shape.slice();
  const dy = randomTensor(rng, yOldShape);
  const dxOld = layer.backward(dy, true);
  const dxOldValues = dxOld === null ? null : copy(dxOld);
  const gradsOld = vars.map((v) => v.grad.slice());
  const afterOld = all.map((v) => v.value.slice());
  all.forEach((v, i) => v.value.set(before[i]));

  const withX = x.dtype === 'float32';
  const sources = [...(withX ? [x] : []), ...vars.map((v) => v.tensor)];
  const { value, grads } = tn.valueAndGrads(() => layer.call(x, { training }))(sources, dy);
  assert.deepStrictEqual(value.shape, yOldShape, `${what}: output shape`);
  assertClose(value.values, yOldValues, { atol, rtol, what: `${what}: call vs forward` });
  if (withX) assertClose(grads[0].values, dxOldValues, { atol, rtol, what: `${what}: input gradient` });
  vars.forEach((v, i) => assertClose(grads[i + (withX ? 1 : 0)].values, gradsOld[i], { atol, rtol, what: `${what}: gradient of ${v.name}` }));
  all.forEach((v, i) => assertClose(v.value, afterOld[i], { atol: 1e-6, rtol: 1e-5, what: `${what}: ${v.name} after the step` }));
  all.forEach((v, i) => v.value.set(before[i]));
}

/**
 * Finite differences of call with respect to x and every trainable weight. checkGrad perturbs
 * copies of its inputs: the function copies a perturbed weight into the layer's variable for
 * the call and puts the original back after it (the variable's tensor, which checkGrad copies
 * its next perturbation from, aliases the variable's values).
 */
function checkCallGradient(what, layer, x, kwargs = {}, options = {}) {
  layer.ensureBuilt(x.shape.slice(1));
  const vars = layer.trainableVariables;
  const all = layer.weightVariables;
  const before = all.map((v) => v.value.slice());
  const original = vars.map((v) => v.value.slice());
  const f = (xIn, ...ws) => {
    ws.forEach((w, i) => { if (w !== vars[i].tensor) vars[i].value.set(w.values); });
    try {
      return layer.call(xIn, kwargs);
    } finally {
      vars.forEach((v, i) => v.value.set(original[i]));
    }
  };
  try {
    checkGrad(what, f, [x, ...vars.map((v) => v.tensor)], options);
  } finally {
    all.forEach((v, i) => v.value.set(before[i]));
  }
}

/** Builds a layer for the batch-less shape with random weights. */
function built(layer, shape, rng) {
  layer.ensureBuilt(shape);
  randomizeWeights(layer, rng);
  return layer;
}

describe('layer call on engine ops', () => {
  it('Dense: call = forward, gradients = backward and finite differences (activations, useBias, input ranks)', () => {
    const rng = makeRng(seedOf('dense'));
    const activations = ['linear', 'relu', 'sigmoid', 'softmax', 'tanh', 'elu', 'leakyRelu', 'gelu', 'selu', 'swish'];
    const shapes = [[3, 5], [2, 3, 4], [1, 7]];
    for (const activation of activations) {
      for (const useBias of [true, false]) {
        for (const shape of shapes) {
          const what = `dense ${activation} bias=${useBias} ${JSON.stringify(shape)}`;
          const layer = built(new L.Dense({ units: 3, activation, useBias }), shape.slice(1), rng);
          const x = randomTensor(rng, shape);
          checkAgainstOldProtocol(what, layer, x);
          if (shape.length === 2 && shape[0] === 3 && !KINKED.includes(activation)) checkCallGradient(what, layer, x);
        }
      }
    }
  });

  it('Dense: call matches a float64 reference and takes any batch size', () => {
    const rng = makeRng(seedOf('dense reference'));
    const layer = built(new L.Dense({ units: 4, activation: 'tanh' }), [6], rng);
    const k = layer.kernel.value, b = layer.bias.value;
    for (const batch of [1, 5, 2, 9]) {
      const x = randomTensor(rng, [batch, 6]);
      const y = layer.call(x, {});
      assert.deepStrictEqual(y.shape, [batch, 4]);
      const ref = new Float64Array(batch * 4);
      for (let r = 0; r < batch; r++) {
        for (let u = 0; u < 4; u++) {
          let s = b[u];
          for (let i = 0; i < 6; i++) s += x.values[r * 6 + i] * k[i * 4 + u];
          ref[r * 4 + u] = Math.tanh(s);
        }
      }
      assertClose(y.values, ref, { atol: 1e-6, rtol: 1e-5, what: `dense batch ${batch}` });
    }
    assert.throws(() => layer.call(randomTensor(rng, [2, 5]), {}), /built for input shape \[null, 6\] but received \[null, 5\]/);
  });

  it('Dense softmax/sigmoid outputs reach the loss as logits (Note [A loss meets its activation])', () => {
    const rng = makeRng(seedOf('dense logits'));
    // Logits far apart: from the probabilities alone, the cross-entropy would be clipped at -log(1e-7).
    const layer = built(new L.Dense({ units: 3, activation: 'softmax' }), [2], rng);
    layer.kernel.value.set([60, -60, 0, -60, 60, 0]);
    layer.bias.value.fill(0);
    const x = new tn.Tensor(Float32Array.of(1, 0, 0, 1), [2, 2], 'float32');
    const labels = new tn.Tensor(Float32Array.of(0, 1, 0, 1, 0, 0), [2, 3], 'float32');
    const loss = tn.metrics.categoricalCrossentropy(labels, layer.call(x, {}));
    const logits = tn.dense(x, layer.kernel.tensor, layer.bias.tensor);
    assertClose(loss.values, tn.softmaxCrossEntropyWithLogits(labels, logits).values, { atol: 1e-4, rtol: 1e-5, what: 'fused loss' });
    assert.ok(loss.values[0] > 100, `the loss ${loss.values[0]} comes from the logits (about 120), not clipped probabilities`);

    const sig = built(new L.Dense({ units: 1, activation: 'sigmoid' }), [2], rng);
    sig.kernel.value.set([80, -80]);
    sig.bias.value.fill(0);
    const bce = tn.metrics.binaryCrossentropy(new tn.Tensor(Float32Array.of(0, 1), [2, 1], 'float32'), sig.call(x, {}));
    assert.ok(bce.values[0] > 70, `binary cross-entropy ${bce.values[0]} comes from the logits (80)`);
  });

  it('Activation: call = forward, gradients = backward and finite differences (every activation, alpha)', () => {
    const rng = makeRng(seedOf('activation'));
    const configs = ['linear', 'relu', 'relu6', 'sigmoid', 'softmax', 'tanh', 'elu', 'selu', 'gelu', 'softplus', 'softsign', 'swish',
      'leakyRelu'].map((activation) => ({ activation }));
    configs.push({ activation: 'leakyRelu', alpha: 0.05 }, { activation: 'elu', alpha: 0.4 });
    for (const config of configs) {
      for (const shape of [[4, 5], [2, 3, 2]]) {
        const what = `activation ${JSON.stringify(config)} ${JSON.stringify(shape)}`;
        const layer = new L.Activation(config);
        const x = randomTensor(rng, shape, -7, 7);
        checkAgainstOldProtocol(what, layer, x);
        checkCallGradient(what, layer, awayFromKinks(randomTensor(rng, shape, -3, 3)), {});
      }
    }
  });

  it('Flatten and Reshape: call = forward, gradients = backward and finite differences', () => {
    const rng = makeRng(seedOf('flatten'));
    const cases = [
      [() => new L.Flatten(), [3, 2, 3, 2]], [() => new L.Flatten(), [2, 5]], [() => new L.Flatten(), [4]],
      [() => new L.Reshape({ targetShape: [3, -1] }), [2, 6]], [() => new L.Reshape({ targetShape: [2, 2, 3] }), [3, 4, 3]],
    ];
    for (const [make, shape] of cases) {
      const layer = make();
      const what = `${layer.getClassName()} ${JSON.stringify(shape)}`;
      const x = randomTensor(rng, shape);
      checkAgainstOldProtocol(what, layer, x);
      checkCallGradient(what, layer, x);
      // any batch size
      const other = randomTensor(rng, [5, ...shape.slice(1)]);
      assert.deepStrictEqual(layer.call(other, {}).shape, [5, ...layer.builtOutputShape]);
    }
  });

  it('Dropout: identity in inference; in training a fresh inverted mask each call, seeded, with its gradient', () => {
    const rng = makeRng(seedOf('dropout'));
    const x = randomTensor(rng, [40, 50], 0.5, 1.5);  // never zero
    const rate = 0.3;
    const layer = new L.Dropout({ rate });
    assert.strictEqual(layer.call(x, {}), x, 'inference (training unset) is the identity');
    assert.strictEqual(layer.call(x, { training: false }), x);
    assert.strictEqual(new L.Dropout({ rate: 0 }).call(x, { training: true }), x, 'rate 0 is the identity');

    const dy = randomTensor(rng, x.shape);
    const { value: y, grads: [dx] } = tn.valueAndGrads((t) => layer.call(t, { training: true }))([x], dy);
    let dropped = 0;
    for (let i = 0; i < x.size; i++) {
      if (y.values[i] === 0) {
        dropped++;
        assert.ok(dx.values[i] === 0, `no gradient through dropped [${i}]: ${dx.values[i]}`);
      } else {
        assertClose([y.values[i]], [x.values[i] / (1 - rate)], { what: `kept [${i}] scaled by 1/(1 - rate)` });
        assertClose([dx.values[i]], [dy.values[i] / (1 - rate)], { what: `gradient of kept [${i}]` });
      }
    }
    // 2000 Bernoulli(0.3) draws: mean 600, standard deviation 20.5
    assert.ok(Math.abs(dropped - rate * x.size) < 100, `dropped ${dropped} of ${x.size} at rate ${rate}`);
    const again = layer.call(x, { training: true });
    assert.ok(again.values.some((v, i) => (v === 0) !== (y.values[i] === 0)), 'a fresh mask each call');

    // A seed gives the same sequence of masks to two layers; the calls of one layer still differ.
    const a = new L.Dropout({ rate: 0.5, seed: 42 }), b = new L.Dropout({ rate: 0.5, seed: 42 });
    const a1 = a.call(x, { training: true }), a2 = a.call(x, { training: true });
    const b1 = b.call(x, { training: true }), b2 = b.call(x, { training: true });
    assert.deepStrictEqual(Array.from(a1.values), Array.from(b1.values));
    assert.deepStrictEqual(Array.from(a2.values), Array.from(b2.values));
    assert.notDeepStrictEqual(Array.from(a1.values), Array.from(a2.values));
    // Without a seed, tn.setSeed makes them repeat.
    tn.setSeed(7);
    const c1 = new L.Dropout({ rate: 0.5 }).call(x, { training: true });
    tn.setSeed(7);
    const c2 = new L.Dropout({ rate: 0.5 }).call(x, { training: true });
    assert.deepStrictEqual(Array.from(c1.values), Array.from(c2.values));
  });

  it('Conv2D: call = forward, gradients = backward and finite differences (kernel, strides, padding, dilation, activation, useBias)', () => {
    const rng = makeRng(seedOf('conv2d'));
    const configs = [
      { kernelSize: 3, padding: 'valid' }, { kernelSize: 3, padding: 'same' }, { kernelSize: [2, 3], strides: 2, padding: 'same' },
      { kernelSize: [3, 2], strides: [1, 2], padding: 'valid' }, { kernelSize: 2, dilationRate: 2, padding: 'same' },
      { kernelSize: 3, dilationRate: [1, 2], padding: 'valid', useBias: false }, { kernelSize: 1, strides: 3, padding: 'same' },
      { kernelSize: 3, padding: 'same', activation: 'relu' }, { kernelSize: 2, padding: 'valid', activation: 'sigmoid' },
      { kernelSize: 2, padding: 'same', activation: 'tanh', useBias: false }, { kernelSize: 2, padding: 'valid', activation: 'elu' },
      { kernelSize: 2, padding: 'valid', activation: 'softmax' }, { kernelSize: 3, strides: 2, padding: 'valid', activation: 'gelu' },
    ];
    const shapes = [[2, 6, 7, 3], [1, 5, 5, 2]];
    for (const config of configs) {
      for (const shape of shapes) {
        const what = `conv2d ${JSON.stringify(config)} ${JSON.stringify(shape)}`;
        const layer = built(new L.Conv2D({ filters: 3, ...config }), shape.slice(1), rng);
        const x = randomTensor(rng, shape);
        checkAgainstOldProtocol(what, layer, x);
        if (shape[0] === 1 && !KINKED.includes(config.activation)) checkCallGradient(what, layer, x);
      }
    }
  });

  it('Conv1D: call = forward, gradients = backward and finite differences (valid, same, causal, strides, dilation)', () => {
    const rng = makeRng(seedOf('conv1d'));
    const configs = [
      { kernelSize: 3, padding: 'valid' }, { kernelSize: 3, padding: 'same', strides: 2 }, { kernelSize: 3, padding: 'causal' },
      { kernelSize: 2, padding: 'causal', dilationRate: 3 }, { kernelSize: 2, padding: 'causal', strides: 2, activation: 'relu' },
      { kernelSize: 4, padding: 'same', dilationRate: 2, useBias: false }, { kernelSize: 1, padding: 'valid', activation: 'sigmoid' },
    ];
    for (const config of configs) {
      for (const shape of [[3, 9, 2], [1, 8, 3]]) {
        const what = `conv1d ${JSON.stringify(config)} ${JSON.stringify(shape)}`;
        const layer = built(new L.Conv1D({ filters: 2, ...config }), shape.slice(1), rng);
        const x = randomTensor(rng, shape);
        checkAgainstOldProtocol(what, layer, x);
        if (shape[0] === 1 && !KINKED.includes(config.activation)) checkCallGradient(what, layer, x);
      }
    }
  });

  it('ZeroPadding2D and UpSampling2D: call = forward, gradients = backward and finite differences', () => {
    const rng = makeRng(seedOf('resample'));
    const cases = [
      () => new L.ZeroPadding2D(), () => new L.ZeroPadding2D({ padding: [2, 0] }), () => new L.ZeroPadding2D({ padding: [[0, 1], [2, 3]] }),
      () => new L.UpSampling2D(), () => new L.UpSampling2D({ size: [1, 3] }), () => new L.UpSampling2D({ size: 3 }),
    ];
    for (const make of cases) {
      for (const shape of [[2, 3, 4, 2], [1, 2, 2, 3]]) {
        const layer = make();
        const what = `${layer.getClassName()} ${JSON.stringify(layer.getConfig())} ${JSON.stringify(shape)}`;
        const x = randomTensor(rng, shape);
        checkAgainstOldProtocol(what, layer, x);
        checkCallGradient(what, layer, x);
      }
    }
  });

  it('pooling (max/average, 1-D/2-D, window and global): call = forward, gradients = backward and finite differences', () => {
    const rng = makeRng(seedOf('pooling'));
    const window2d = [{}, { poolSize: 3 }, { poolSize: [2, 3], strides: 1 }, { poolSize: 2, padding: 'same' },
      { poolSize: 3, strides: 2, padding: 'same' }, { poolSize: [3, 2], strides: [2, 1], padding: 'valid' }];
    const window1d = [{}, { poolSize: 3 }, { poolSize: 3, strides: 1 }, { poolSize: 2, padding: 'same' }, { poolSize: 4, strides: 3, padding: 'same' }];
    const cases = [];
    for (const c of window2d) for (const Ctor of [L.MaxPooling2D, L.AveragePooling2D]) cases.push([() => new Ctor(c), [[2, 6, 7, 2], [1, 5, 5, 3]]]);
    for (const c of window1d) for (const Ctor of [L.MaxPooling1D, L.AveragePooling1D]) cases.push([() => new Ctor(c), [[2, 9, 2], [3, 7, 1]]]);
    for (const Ctor of [L.GlobalMaxPooling2D, L.GlobalAveragePooling2D]) cases.push([() => new Ctor(), [[2, 4, 5, 3], [1, 3, 2, 2]]]);
    for (const Ctor of [L.GlobalMaxPooling1D, L.GlobalAveragePooling1D]) cases.push([() => new Ctor(), [[2, 6, 3], [4, 3, 1]]]);
    for (const [make, shapes] of cases) {
      for (const shape of shapes) {
        const layer = make();
        const what = `${layer.getClassName()} ${JSON.stringify(layer.getConfig())} ${JSON.stringify(shape)}`;
        const x = spacedTensor(rng, shape);
        checkAgainstOldProtocol(what, layer, x);
        checkCallGradient(what, layer, x);
      }
    }
  });

  it('BatchNormalization: call = forward in training and inference (moving statistics updated alike), gradients = backward and finite differences (axis, center, scale, momentum)', () => {
    const rng = makeRng(seedOf('batchnorm'));
    const configs = [{}, { center: false }, { scale: false }, { center: false, scale: false }, { momentum: 0.5, epsilon: 0.1 },
      { axis: 1 }, { axis: 2, center: false }, { axis: -2 }];
    for (const config of configs) {
      for (const shape of [[4, 3, 2], [3, 2, 5], [6, 4, 3]]) {
        for (const training of [false, true]) {
          const what = `batchNormalization ${JSON.stringify(config)} ${JSON.stringify(shape)} training=${training}`;
          const layer = built(new L.BatchNormalization(config), shape.slice(1), rng);
          const x = randomTensor(rng, shape, -2, 3);
          checkAgainstOldProtocol(what, layer, x, { training });
          if (shape[0] === 4) checkCallGradient(what, layer, x, { training });
        }
      }
    }
    // A non-trainable layer runs on its moving statistics even in training (Keras 3), and leaves them.
    const frozen = built(new L.BatchNormalization({ trainable: false }), [3], rng);
    const x = randomTensor(rng, [5, 3], -2, 3);
    const moving = frozen.movingMean.value.slice();
    assertClose(frozen.call(x, { training: true }).values, frozen.call(x, { training: false }).values, { what: 'frozen batch norm' });
    assert.deepStrictEqual(Array.from(frozen.movingMean.value), Array.from(moving));
  });

  it('BatchNormalization training: the moving statistics follow the Keras update, one step per call, none under inference', () => {
    const rng = makeRng(seedOf('batchnorm moving'));
    const layer = built(new L.BatchNormalization({ momentum: 0.8 }), [2, 3], rng);
    const mean0 = layer.movingMean.value.slice(), var0 = layer.movingVariance.value.slice();
    const x = randomTensor(rng, [4, 2, 3], -1, 4);
    layer.call(x, {});
    assert.deepStrictEqual(Array.from(layer.movingMean.value), Array.from(mean0), 'inference leaves the moving statistics');
    layer.call(x, { training: true });
    const n = 8, mean = new Float64Array(3), variance = new Float64Array(3);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) mean[c] += x.values[i * 3 + c] / n;
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) variance[c] += (x.values[i * 3 + c] - mean[c]) ** 2 / n;
    assertClose(layer.movingMean.value, Float64Array.from(mean0, (m, c) => 0.8 * m + 0.2 * mean[c]), { atol: 1e-6, what: 'moving mean' });
    assertClose(layer.movingVariance.value, Float64Array.from(var0, (v, c) => 0.8 * v + 0.2 * variance[c]), { atol: 1e-6, what: 'moving variance' });
    // the tensors calls read alias the updated values
    assert.strictEqual(layer.movingMean.tensor.values[0], layer.movingMean.value[0]);
  });

  it('Embedding: call = forward, table gradient = backward and finite differences; int32 or integral float indices; maskZero', () => {
    const rng = makeRng(seedOf('embedding'));
    for (const [inputDim, outputDim, shape] of [[7, 3, [4, 5]], [5, 2, [3]], [6, 4, [2, 3, 2]]]) {
      for (const maskZero of [false, true]) {
        const what = `embedding ${inputDim}x${outputDim} ${JSON.stringify(shape)} maskZero=${maskZero}`;
        const layer = built(new L.Embedding({ inputDim, outputDim, maskZero }), shape.slice(1), rng);
        const n = shape.reduce((a, b) => a * b, 1);
        const idx = Int32Array.from({ length: n }, () => Math.floor(rng() * inputDim));  // repeats: the gradient adds them
        const x = new tn.Tensor(idx, shape, 'int32');
        checkAgainstOldProtocol(what, layer, x);
        checkCallGradient(what, layer, x);
        const asFloat = new tn.Tensor(Float32Array.from(idx), shape, 'float32');
        assertClose(layer.call(asFloat, {}).values, layer.call(x, {}).values, { atol: 0, rtol: 0, what: `${what}: float indices` });
        const mask = layer.computeMask(x, null);
        if (!maskZero) {
          assert.strictEqual(mask, null);
        } else {
          assert.deepStrictEqual(mask.shape, shape);
          assert.deepStrictEqual(Array.from(mask.values), Array.from(idx, (i) => (i !== 0 ? 1 : 0)));
          assert.notStrictEqual(layer.computeMask(x, null), mask, 'a fresh mask each time');
        }
      }
    }
    const layer = built(new L.Embedding({ inputDim: 4, outputDim: 2 }), [3], rng);
    assert.throws(() => layer.call(new tn.Tensor(Int32Array.of(0, 1, 2, 3, 4, 1), [2, 3], 'int32'), {}),
      (e) => e instanceof RangeError && /index in \[0, 4\)/.test(e.message) && /input\[1, 1\]/.test(e.message));
    assert.throws(() => layer.call(new tn.Tensor(Float32Array.of(0, 1.5, 2), [1, 3], 'float32'), {}),
      (e) => e instanceof TypeError && /integer index/.test(e.message) && /input\[0, 1\]/.test(e.message));
  });

  it('a layer called twice in one tape (shared) gets the sum of both calls\' gradients', () => {
    const rng = makeRng(seedOf('shared'));
    const cases = [
      [built(new L.Dense({ units: 3, activation: 'tanh' }), [4], rng), [2, 4], [5, 4]],
      [built(new L.Conv2D({ filters: 2, kernelSize: 2, padding: 'same' }), [3, 3, 2], rng), [2, 3, 3, 2], [1, 3, 3, 2]],
      [built(new L.BatchNormalization(), [3], rng), [4, 3], [6, 3]],
    ];
    for (const [layer, shapeA, shapeB] of cases) {
      const what = layer.getClassName();
      const training = what === 'BatchNormalization';
      const xa = randomTensor(rng, shapeA), xb = randomTensor(rng, shapeB);
      const vars = layer.trainableVariables;
      const before = layer.weightVariables.map((v) => v.value.slice());
      const expected = vars.map((v) => new Float64Array(v.size));
      const dys = [];
      for (const x of [xa, xb]) {
        const y = layer.forward(x, training);
        const dy = randomTensor(rng, y.shape);
        dys.push(dy);
        layer.backward(dy, false);
        vars.forEach((v, i) => v.grad.forEach((g, k) => (expected[i][k] += g)));
      }
      layer.weightVariables.forEach((v, i) => v.value.set(before[i]));
      // loss = sum(call(xa) * dya) + sum(call(xb) * dyb)
      const loss = () => tn.add(tn.sum(tn.mul(layer.call(xa, { training }), dys[0])), tn.sum(tn.mul(layer.call(xb, { training }), dys[1])));
      const grads = tn.grads(loss)(vars.map((v) => v.tensor));
      vars.forEach((v, i) => assertClose(grads[i].values, expected[i], { what: `${what}: summed gradient of ${v.name}` }));
    }
  });

  it('every layer of core, conv, pooling, normalization and embedding has its own call (no TRANSITIONAL fallback), for any batch size, also in training', () => {
    const rng = makeRng(seedOf('own call'));
    const cases = [
      [new L.Dense({ units: 2 }), [3]], [new L.Activation({ activation: 'relu' }), [3]], [new L.Flatten(), [2, 2]],
      [new L.Reshape({ targetShape: [4] }), [2, 2]], [new L.Dropout({ rate: 0.5 }), [3]], [new L.Conv2D({ filters: 1, kernelSize: 1 }), [2, 2, 1]],
      [new L.Conv1D({ filters: 1, kernelSize: 1 }), [2, 1]], [new L.ZeroPadding2D(), [2, 2, 1]], [new L.UpSampling2D(), [2, 2, 1]],
      [new L.MaxPooling2D(), [2, 2, 1]], [new L.AveragePooling2D(), [2, 2, 1]], [new L.MaxPooling1D(), [2, 1]], [new L.AveragePooling1D(), [2, 1]],
      [new L.GlobalMaxPooling2D(), [2, 2, 1]], [new L.GlobalAveragePooling2D(), [2, 2, 1]], [new L.GlobalMaxPooling1D(), [2, 1]],
      [new L.GlobalAveragePooling1D(), [2, 1]], [new L.BatchNormalization(), [3]], [new L.Embedding({ inputDim: 3, outputDim: 2 }), [2]],
    ];
    for (const [layer, shape] of cases) {
      assert.notStrictEqual(layer.call, tn.Layer.prototype.call, `${layer.getClassName()} overrides call`);
      // any batch size, in training and inference
      for (const batch of [2, 1, 5]) {
        const n = batch * shape.reduce((p, d) => p * d, 1);
        const x = layer instanceof L.Embedding ? new tn.Tensor(Int32Array.from({ length: n }, (_, i) => i % 3), [batch, ...shape], 'int32')
          : randomTensor(rng, [batch, ...shape]);
        for (const training of [true, false]) {
          const y = layer.apply(x, { training });
          assert.deepStrictEqual(y.shape, [batch, ...layer.builtOutputShape], `${layer.getClassName()} batch ${batch} training=${training}`);
        }
      }
    }
  });

  it('unknown or unimplemented options are a TypeError naming the option and listing the known ones', () => {
    const cases = [
      ['dense', { units: 2, kernelRegularizr: 'l2' }, 'kernelRegularizr'],
      ['dense', { units: 2, kernelConstraints: null }, 'kernelConstraints'],
      ['activation', { activation: 'relu', slope: 1 }, 'slope'],
      ['flatten', { dataFormat: 'channelsLast' }, 'dataFormat'],
      ['reshape', { targetShape: [2], shape: [2] }, 'shape'],
      ['dropout', { rate: 0.5, noiseShape: [1, 2] }, 'noiseShape'],
      ['conv2d', { filters: 1, kernelSize: 1, groups: 2 }, 'groups'],
      ['conv1d', { filters: 1, kernelSize: 1, kernelRegularizers: null }, 'kernelRegularizers'],
      ['zeroPadding2d', { padding: 1, dataFormat: 'channelsLast' }, 'dataFormat'],
      ['upSampling2d', { size: 2, dataFormat: 'channelsLast' }, 'dataFormat'],
      ['maxPooling2d', { poolSize: 2, pool: 2 }, 'pool'],
      ['averagePooling1d', { poolSize: 2, stride: 2 }, 'stride'],
      ['globalAveragePooling2d', { dataFormat: 'channelsLast' }, 'dataFormat'],
      ['globalMaxPooling1d', { keepDims: true }, 'keepDims'],
      ['batchNormalization', { renorm: true }, 'renorm'],
      ['batchNormalization', { betaRegulariser: null }, 'betaRegulariser'],
      ['embedding', { inputDim: 3, outputDim: 2, embeddingRegularizer: null }, 'embeddingRegularizer'],
    ];
    for (const [factory, args, key] of cases) {
      assert.throws(() => tn.layers[factory](args), (e) => {
        assert.ok(e instanceof TypeError, `${factory}: ${e}`);
        assert.ok(e.message.includes(`tn.layers.${factory}`) && e.message.includes(`'${key}'`), `${factory}: ${e.message}`);
        assert.match(e.message, /the options are .*name/);
        return true;
      });
    }
    // The known options still work, the shared ones included.
    const known = tn.layers.dense({ units: 2, inputDim: 3, name: 'known_options', trainable: false, kernelRegularizer: null });
    assert.strictEqual(known.name, 'known_options');
    const message = (() => { try { tn.layers.dense({ units: 2, kernelRegularizr: 'l2' }); } catch (e) { return e.message; } })();
    for (const option of ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer',
      'activityRegularizer', 'kernelConstraint', 'biasConstraint']) {
      assert.ok(message.includes(option), `the list names ${option}: ${message}`);
    }
  });

  it('regularizer and constraint options reach the weights, activityRegularizer the layer, getConfig serializes them', () => {
    const made = [];
    const regularizer = (scale) => ({
      className: 'TestL2', getConfig: () => ({ l2: scale }),
      apply: (x) => { made.push(x); return tn.mul(tn.sum(tn.square(x)), scale); },
    });
    const constraint = (bound) => ({ className: 'TestClip', getConfig: () => ({ bound }), apply: (w) => tn.clipByValue(w, -bound, bound) });
    const rng = makeRng(seedOf('regularizers'));
    const cases = [
      [new L.Dense({ units: 3, kernelRegularizer: regularizer(0.1), biasRegularizer: regularizer(0.2), activityRegularizer: regularizer(0.3),
        kernelConstraint: constraint(0.1), biasConstraint: constraint(0.2) }), [4], ['kernel', 'bias'],
      ['kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint']],
      [new L.Conv2D({ filters: 2, kernelSize: 2, kernelRegularizer: regularizer(0.1), biasRegularizer: regularizer(0.2),
        activityRegularizer: regularizer(0.3), kernelConstraint: constraint(0.1), biasConstraint: constraint(0.2) }), [3, 3, 1], ['kernel', 'bias'],
      ['kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint']],
      [new L.Conv1D({ filters: 2, kernelSize: 2, kernelRegularizer: regularizer(0.1), biasRegularizer: regularizer(0.2),
        activityRegularizer: regularizer(0.3), kernelConstraint: constraint(0.1), biasConstraint: constraint(0.2) }), [4, 1], ['kernel', 'bias'],
      ['kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint']],
      [new L.Embedding({ inputDim: 5, outputDim: 2, embeddingsRegularizer: regularizer(0.1), activityRegularizer: regularizer(0.3),
        embeddingsConstraint: constraint(0.1) }), [3], ['embeddings'], ['embeddingsRegularizer', 'activityRegularizer', 'embeddingsConstraint']],
      [new L.BatchNormalization({ gammaRegularizer: regularizer(0.1), betaRegularizer: regularizer(0.2), gammaConstraint: constraint(0.1),
        betaConstraint: constraint(0.2) }), [3], ['gamma', 'beta'], ['gammaRegularizer', 'betaRegularizer', 'gammaConstraint', 'betaConstraint']],
    ];
    for (const [layer, shape, weighted, keys] of cases) {
      const what = layer.getClassName();
      built(layer, shape, rng);
      const vars = layer.weightVariables;
      const scales = { kernel: 0.1, embeddings: 0.1, gamma: 0.1, bias: 0.2, beta: 0.2 };
      for (const v of vars) {
        const short = v.name.split('/')[1];
        if (weighted.includes(short)) {
          assert.strictEqual(v.regularizer.getConfig().l2, scales[short], `${what}: ${short} regularizer`);
          assert.strictEqual(v.constraint.getConfig().bound, scales[short], `${what}: ${short} constraint`);
        } else {
          assert.strictEqual(v.regularizer, null, `${what}: ${short} has no regularizer`);
          assert.strictEqual(v.constraint, null, `${what}: ${short} has no constraint`);
        }
      }
      // The penalties: one per regularized weight, scale * sum(w^2).
      const losses = layer.regularizationLosses();
      const regularized = vars.filter((v) => weighted.includes(v.name.split('/')[1]));
      assert.strictEqual(losses.length, regularized.length, `${what}: one loss per regularized weight`);
      losses.forEach((loss, i) => {
        const v = regularized[i];
        const ref = scales[v.name.split('/')[1]] * v.value.reduce((s, w) => s + w * w, 0);
        assertClose(loss.values, [ref], { what: `${what}: penalty of ${v.name}` });
      });
      // Constraints project after an update.
      for (const v of regularized) {
        v.applyConstraint();
        const bound = scales[v.name.split('/')[1]];
        assert.ok(v.value.every((w) => Math.abs(w) <= bound + 1e-7), `${what}: ${v.name} clipped to ${bound}`);
      }
      const config = layer.getConfig();
      for (const key of keys) {
        const c = config[key];
        assert.ok(c !== null && typeof c === 'object', `${what}: getConfig().${key}`);
        assert.strictEqual(c.className, key.endsWith('Constraint') ? 'TestClip' : 'TestL2');
        assert.ok(typeof c.config === 'object', `${what}: getConfig().${key}.config`);
      }
      if (keys.includes('activityRegularizer')) assert.strictEqual(layer.activityRegularizer.getConfig().l2, 0.3, `${what}: activity regularizer`);
    }
    // Unset options are null in the config, and on the layer.
    const plain = new L.Dense({ units: 2 });
    const config = plain.getConfig();
    for (const key of ['kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint']) {
      assert.strictEqual(config[key], null, `plain dense getConfig().${key}`);
    }
    assert.strictEqual(plain.activityRegularizer, null);
    assert.strictEqual(new L.BatchNormalization().getConfig().gammaRegularizer, null);
    assert.strictEqual(new L.Embedding({ inputDim: 2, outputDim: 2 }).getConfig().embeddingsConstraint, null);
  });
});
