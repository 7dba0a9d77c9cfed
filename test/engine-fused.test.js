// The fused dense op (tn.dense, tn.fused.matMul), the fused softmax cross-entropy, the rewrite that
// makes a loss use its activation's logits (Note [A loss meets its activation]), and tn.losses /
// tn.metrics: forward against float64 references, gradients by finite differences (test/gradcheck.js).
'use strict';
const assert = require('assert');
const tn = require('..');
const { makeRng, seedOf, assertClose, checkGrad } = require('./gradcheck');

function rand(name, shape, lo = -1, hi = 1) {
  const rng = makeRng(seedOf(name));
  const n = shape.reduce((a, b) => a * b, 1);
  return new tn.Tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * rng()), shape, 'float32');
}

const erf = (x) => {  // Abramowitz-Stegun 7.1.26 is too coarse; a series is exact enough for |x| < 4
  let sum = x, term = x;
  for (let n = 1; n < 60; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};
const acts = {
  linear: (z) => z,
  relu: (z) => Math.max(z, 0),
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: Math.tanh,
  gelu: (z) => 0.5 * z * (1 + erf(z / Math.SQRT2)),
  elu: (z) => (z > 0 ? z : Math.exp(z) - 1),
  leakyRelu: (z) => (z > 0 ? z : 0.2 * z),
  softplus: (z) => Math.log1p(Math.exp(z)),
  swish: (z) => z / (1 + Math.exp(-z)),
};

/** float64 activation(x · kernel + bias) over rows of x. */
function denseRef(x, kernel, bias, activation) {
  const inDim = kernel.shape[0], units = kernel.shape[1], rows = x.size / inDim;
  const out = new Float64Array(rows * units);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j++) {
      let z = bias ? bias.values[j] : 0;
      for (let k = 0; k < inDim; k++) z += x.values[r * inDim + k] * kernel.values[k * units + j];
      out[r * units + j] = z;
    }
    if (activation === 'softmax') {
      const row = out.subarray(r * units, (r + 1) * units);
      const m = Math.max(...row);
      let s = 0;
      for (let j = 0; j < units; j++) s += Math.exp(row[j] - m);
      for (let j = 0; j < units; j++) row[j] = Math.exp(row[j] - m) / s;
    } else {
      for (let j = 0; j < units; j++) out[r * units + j] = acts[activation](out[r * units + j]);
    }
  }
  return out;
}

describe('fused dense op', () => {
  for (const activation of [...Object.keys(acts), 'softmax']) {
    it(`forward and gradients with ${activation}`, () => {
      const x = rand(`dense x ${activation}`, [3, 2, 5]);  // rank 3: rows are the leading axes
      const kernel = rand(`dense k ${activation}`, [5, 4]);
      const bias = rand(`dense b ${activation}`, [4], -0.5, 0.5);
      const y = tn.dense(x, kernel, bias, activation);
      assert.deepStrictEqual(y.shape, [3, 2, 4]);
      assertClose(y.values, denseRef(x, kernel, bias, activation), { atol: 1e-5, rtol: 1e-4, what: `dense ${activation}` });
      checkGrad(`dense ${activation}`, (a, k, b) => tn.dense(a, k, b, activation), [x, kernel, bias], { tol: 3e-2 });
    });
  }

  it('without a bias, and only the kernel watched (the first layer gets no dx)', () => {
    const x = rand('dense nb x', [4, 3]);
    const kernel = rand('dense nb k', [3, 2]);
    assertClose(tn.dense(x, kernel).values, denseRef(x, kernel, null, 'linear'), { atol: 1e-6 });
    checkGrad('dense nb', (a, k) => tn.dense(a, k, null, 'tanh'), [x, kernel], { only: [1] });
  });

  it('gives the Dense layer\'s outputs with the same weights', () => {
    const layer = tn.layers.dense({ units: 3, activation: 'relu', inputShape: [4] });
    const kernel = rand('dense layer k', [4, 3]), bias = rand('dense layer b', [3]);
    const x = rand('dense layer x', [5, 4]);
    layer.apply(x);  // builds it
    layer.setWeights([kernel, bias]);
    assertClose(tn.dense(x, kernel, bias, 'relu').values, layer.apply(x).values, { atol: 1e-6, what: 'op vs layer' });
  });

  it('a shared kernel used twice gets the sum of both gradients', () => {
    const x = rand('dense shared x', [2, 3]);
    const kernel = rand('dense shared k', [3, 3]);
    checkGrad('dense shared', (a, k) => tn.dense(tn.dense(a, k, null, 'tanh'), k, null, 'sigmoid'), [x, kernel]);
  });

  it('rejects bad shapes and options with errors naming them', () => {
    const x = rand('dense err', [2, 3]);
    assert.throws(() => tn.dense(x, rand('k', [4, 2])), /dense: x \[2, 3\] and kernel \[4, 2\] do not fit/);
    assert.throws(() => tn.dense(x, rand('k', [3, 2]), rand('b', [3])), /bias of shape \[2\]/);
    assert.throws(() => tn.dense(x, rand('k', [3, 2]), null, 'nope'), /dense\(activation\)/);
    assert.throws(() => tn.dense(tn.tensor([1, 2, 3], [1, 3], 'int32'), rand('k', [3, 2])), /float32 tensor for x/);
  });
});

describe('tn.fused.matMul', () => {
  const a = rand('fm a', [3, 4]), b = rand('fm b', [4, 2]), bias = rand('fm bias', [2]);
  it('fuses bias and activation as tfjs', () => {
    for (const activation of ['linear', 'relu', 'elu', 'relu6', 'sigmoid', 'tanh']) {
      const want = tn.matMul(a, b).add(bias);
      const act = { linear: (t) => t, relu: tn.relu, elu: tn.elu, relu6: tn.relu6, sigmoid: tn.sigmoid, tanh: tn.tanh }[activation];
      assertClose(tn.fused.matMul({ a, b, bias, activation }).values, act(want).values, { atol: 1e-6, what: activation });
    }
    assertClose(tn.fused.matMul({ a, b, bias, activation: 'leakyrelu', leakyreluAlpha: 0.3 }).values,
      tn.leakyRelu(tn.matMul(a, b).add(bias), 0.3).values, { atol: 1e-6 });
  });
  it('composes the forms the fused kernel does not take (transposes, broadcast bias, prelu)', () => {
    const at = tn.transpose(a), bt = tn.transpose(b);
    const want = tn.relu(tn.matMul(a, b).add(rand('fm b2', [3, 1])));
    assertClose(tn.fused.matMul({ a: at, b: bt, transposeA: true, transposeB: true, bias: rand('fm b2', [3, 1]), activation: 'relu' }).values,
      want.values, { atol: 1e-6 });
    const alpha = rand('fm alpha', [2], 0.1, 0.3);
    assertClose(tn.fused.matMul({ a, b, activation: 'prelu', preluActivationWeights: alpha }).values,
      tn.prelu(tn.matMul(a, b), alpha).values, { atol: 1e-6 });
    checkGrad('fused.matMul transposed', (p, q) => tn.fused.matMul({ a: p, b: q, transposeB: true, activation: 'tanh' }), [a, bt]);
  });
  it('names unknown options and activations', () => {
    assert.throws(() => tn.fused.matMul({ a, b, activaton: 'relu' }), /unknown option 'activaton'/);
    assert.throws(() => tn.fused.matMul({ a, b, activation: 'gelu' }), /fused.matMul\(activation\)/);
    assert.throws(() => tn.fused.matMul({ a, b, activation: 'prelu' }), /needs preluActivationWeights/);
  });
});

/** float64 -sum(labels * log softmax(logits)) per row. */
function xentRef(logits, labels, classes) {
  const rows = logits.size / classes;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(logits.values.subarray(r * classes, (r + 1) * classes));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    for (let j = 0; j < classes; j++) {
      const l = labels.size === rows ? (labels.values[r] === j ? 1 : 0) : labels.values[r * classes + j];
      out[r] -= l * (row[j] - lse);
    }
  }
  return out;
}

describe('fused softmax cross-entropy', () => {
  const logits = rand('xent logits', [2, 3, 5], -3, 3);
  const soft = tn.softmax(rand('xent soft', [2, 3, 5]));  // soft labels summing to 1
  const idx = tn.tensor([0, 4, 2, 1, 3, 3], [2, 3], 'int32');

  it('matches the float64 reference for one-hot, soft and index labels', () => {
    assertClose(tn.softmaxCrossEntropyWithLogits(soft, logits).values, xentRef(logits, soft, 5), { atol: 1e-5 });
    assertClose(tn.softmaxCrossEntropyWithLogits(idx, logits).values, xentRef(logits, idx, 5), { atol: 1e-5 });
    const onehot = tn.oneHot(tn.reshape(idx, [6]), 5).reshape([2, 3, 5]);
    assertClose(tn.softmaxCrossEntropyWithLogits(onehot, logits).values, xentRef(logits, idx, 5), { atol: 1e-5 });
  });
  it('stays exact for large logits (no log of a rounded probability)', () => {
    const big = tn.tensor([[1000, 0, -1000]]);
    assertClose(tn.softmaxCrossEntropyWithLogits(tn.tensor([[0, 0, 1]]), big).values, [2000], { rtol: 1e-6 });
  });
  it('has gradients for logits and soft labels', () => {
    checkGrad('xent logits grad', (x) => tn.softmaxCrossEntropyWithLogits(soft, x), [logits]);
    checkGrad('xent labels grad', (l, x) => tn.softmaxCrossEntropyWithLogits(l, x), [soft, logits]);
    checkGrad('xent sparse grad', (x) => tn.softmaxCrossEntropyWithLogits(idx, x), [logits]);
  });
  it('rejects out-of-range class indices and mismatched shapes', () => {
    assert.throws(() => tn.softmaxCrossEntropyWithLogits(tn.tensor([0, 5], [2], 'int32'), rand('l', [2, 5])), /labels\[1\]/);
    assert.throws(() => tn.softmaxCrossEntropyWithLogits(tn.tensor([0, 1, 2], [3], 'int32'), rand('l', [2, 5])), /class indices must have shape \[2\]/);
    assert.throws(() => tn.softmaxCrossEntropyWithLogits(rand('y', [2, 4]), rand('l', [2, 5])), /differ/);
  });
});

describe('a loss meets its activation (the logits rewrite)', () => {
  const logits = rand('rw logits', [4, 3], -2, 2);
  const y = tn.oneHot([0, 2, 1, 2], 3);

  it('categoricalCrossentropy of a softmax uses the logits: same value, exact gradient', () => {
    const fused = tn.metrics.categoricalCrossentropy(y, tn.softmax(logits));
    const plain = tn.metrics.categoricalCrossentropy(y, tn.softmax(logits).add(0));  // add(0) hides the producer
    assertClose(fused.values, xentRef(logits, y, 3), { atol: 1e-6 });
    assertClose(plain.values, fused.values, { atol: 1e-5 });
    // d mean(CE) / d logits = (softmax - y) / rows
    const g = tn.grad((x) => tn.mean(tn.metrics.categoricalCrossentropy(y, tn.softmax(x))))(logits);
    const p = tn.softmax(logits);
    assertClose(g.values, Float64Array.from(p.values, (v, i) => (v - y.values[i]) / 4), { atol: 1e-7 });
    // where log(softmax) underflows, the rewrite still gives the exact loss
    const big = tn.tensor([[200, 0, -200]]);
    assertClose(tn.metrics.categoricalCrossentropy(tn.tensor([[0, 0, 1]]), tn.softmax(big)).values, [400], { rtol: 1e-6 });
  });
  it('through the fused dense op, also when the probabilities are used as well', () => {
    const x = rand('rw x', [4, 5]), k = rand('rw k', [5, 3]), b = rand('rw b', [3]);
    const f = (xx, kk, bb) => tn.metrics.categoricalCrossentropy(y, tn.dense(xx, kk, bb, 'softmax'));
    assertClose(f(x, k, b).values, xentRef(tn.dense(x, k, b), y, 3), { atol: 1e-5 });
    checkGrad('rewrite through dense', f, [x, k, b]);
    // both paths: the loss from the logits plus a term on the probabilities themselves
    checkGrad('rewrite + probs', (xx, kk, bb) => {
      const p = tn.dense(xx, kk, bb, 'softmax');
      return tn.add(tn.metrics.categoricalCrossentropy(y, p), tn.sum(tn.square(p), -1));
    }, [x, k, b]);
  });
  it('sparseCategoricalCrossentropy and binaryCrossentropy use the logits too', () => {
    const labels = tn.tensor([0, 2, 1, 2], [4], 'int32');
    assertClose(tn.metrics.sparseCategoricalCrossentropy(labels, tn.softmax(logits)).values, xentRef(logits, labels, 3), { atol: 1e-6 });
    assertClose(tn.metrics.sparseCategoricalCrossentropy(tn.tensor([[0], [2], [1], [2]]), tn.softmax(logits).add(0)).values,
      xentRef(logits, labels, 3), { atol: 1e-5 });
    const z = tn.tensor([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]]);
    const ref = Float64Array.from({ length: 4 }, (_, r) => {
      let s = 0;
      for (let j = 0; j < 3; j++) {
        const x = logits.values[r * 3 + j], t = z.values[r * 3 + j];
        s += Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
      }
      return s / 3;
    });
    assertClose(tn.metrics.binaryCrossentropy(z, tn.sigmoid(logits)).values, ref, { atol: 1e-6 });
    assertClose(tn.metrics.binaryCrossentropy(z, tn.sigmoid(logits).add(0)).values, ref, { atol: 1e-5 });
    checkGrad('bce rewrite', (x) => tn.metrics.binaryCrossentropy(z, tn.sigmoid(x)), [logits]);
  });
});

describe('tn.losses (tfjs-core) and tn.metrics (tfjs-layers)', () => {
  const labels = tn.tensor([[1, 0], [0.5, 2], [3, -1]]);
  const preds = tn.tensor([[0.5, 0.2], [1, 1], [2, -2]]);
  const w = tn.tensor([[1], [0], [2]]);
  const sq = [0.25, 0.04, 0.25, 1, 1, 1];
  const close = (t, v, what) => assertClose(t.values, v, { atol: 1e-6, what });

  it('meanSquaredError with every reduction and weights', () => {
    close(tn.losses.meanSquaredError(labels, preds), [sq.reduce((a, b) => a + b) / 6], 'default (mean)');
    close(tn.losses.meanSquaredError(labels, preds, null, tn.Reduction.SUM), [sq.reduce((a, b) => a + b)], 'SUM');
    close(tn.losses.meanSquaredError(labels, preds, null, tn.Reduction.NONE), sq, 'NONE');
    const weighted = [0.25, 0.04, 0, 0, 2, 2];
    const total = weighted.reduce((a, b) => a + b);
    close(tn.losses.meanSquaredError(labels, preds, w), [total / 4], 'SUM_BY_NONZERO_WEIGHTS');
    close(tn.losses.meanSquaredError(labels, preds, w, tn.Reduction.MEAN), [total / 6], 'MEAN (sum of weights 1+1+0+0+2+2)');
  });
  it('absoluteDifference, huberLoss, hingeLoss, logLoss, cosineDistance', () => {
    close(tn.losses.absoluteDifference(labels, preds, null, tn.Reduction.NONE), [0.5, 0.2, 0.5, 1, 1, 1], 'abs');
    const e = [0.5, 0.2, 0.5, 1, 1, 1].map((v) => (v <= 0.6 ? 0.5 * v * v : 0.6 * (v - 0.3)));
    close(tn.losses.huberLoss(labels, preds, null, 0.6, tn.Reduction.NONE), e, 'huber');
    const y01 = tn.tensor([1, 0, 1]), p = tn.tensor([0.3, -0.4, 2]);
    close(tn.losses.hingeLoss(y01, p, null, tn.Reduction.NONE), [0.7, 0.6, 0], 'hinge');
    const q = tn.tensor([0.9, 0.2, 0.6]);
    close(tn.losses.logLoss(y01, q, null, 1e-7, tn.Reduction.NONE),
      [-Math.log(0.9 + 1e-7), -Math.log(0.8 + 1e-7), -Math.log(0.6 + 1e-7)], 'logLoss');
    const u = tn.tensor([[0.6, 0.8]]), v = tn.tensor([[0, 1]]);
    close(tn.losses.cosineDistance(u, v, 1, null, tn.Reduction.NONE), [0.2], 'cosine');
  });
  it('softmaxCrossEntropy and sigmoidCrossEntropy with label smoothing', () => {
    const logits = rand('losses xent', [3, 4], -2, 2);
    const onehot = tn.oneHot([1, 0, 3], 4);
    const smoothed = tn.add(tn.mul(onehot, 0.9), 0.1 / 4);
    close(tn.losses.softmaxCrossEntropy(onehot, logits, null, 0.1),
      [xentRef(logits, smoothed, 4).reduce((a, b) => a + b) / 3], 'softmax, smoothing 0.1');
    const z = tn.tensor([[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0]]);
    const zs = Float64Array.from(z.values, (t) => t * 0.8 + 0.1);
    let s = 0;
    for (let i = 0; i < 12; i++) {
      const x = logits.values[i];
      s += Math.max(x, 0) - x * zs[i] + Math.log1p(Math.exp(-Math.abs(x)));
    }
    close(tn.losses.sigmoidCrossEntropy(z, logits, null, 0.2), [s / 12], 'sigmoid, smoothing 0.2');
    checkGrad('losses.softmaxCrossEntropy', (x) => tn.losses.softmaxCrossEntropy(onehot, x), [logits]);
  });
  it('the metrics give one value per example as tfjs', () => {
    const yT = tn.tensor([[0, 1, 0], [1, 0, 0]]), yP = tn.tensor([[0.1, 0.7, 0.2], [0.3, 0.6, 0.1]]);
    close(tn.metrics.categoricalAccuracy(yT, yP), [1, 0], 'categoricalAccuracy');
    close(tn.metrics.sparseCategoricalAccuracy(tn.tensor([1, 1]), yP), [1, 1], 'sparseCategoricalAccuracy');
    close(tn.metrics.categoricalCrossentropy(yT, yP), [-Math.log(0.7), -Math.log(0.3)], 'categoricalCrossentropy');
    close(tn.metrics.binaryAccuracy(tn.tensor([[1, 0], [0, 0]]), tn.tensor([[0.7, 0.6], [0.2, 0.1]])), [0.5, 1], 'binaryAccuracy');
    close(tn.metrics.meanSquaredError(labels, preds), [(0.25 + 0.04) / 2, 1.25 / 2, 1], 'mse');
    close(tn.metrics.MAE(labels, preds), [0.35, 0.75, 1], 'MAE alias');
    close(tn.metrics.precision(tn.tensor([1, 0, 1, 1]), tn.tensor([0.9, 0.8, 0.2, 0.7])), [2 / 3], 'precision');
    close(tn.metrics.recall(tn.tensor([1, 0, 1, 1]), tn.tensor([0.9, 0.8, 0.2, 0.7])), [2 / 3], 'recall');
    close(tn.metrics.cosineProximity(tn.tensor([[3, 4]]), tn.tensor([[4, 3]])), [-24 / 25], 'cosineProximity');
  });
  it('names bad arguments', () => {
    assert.throws(() => tn.losses.meanSquaredError(labels, tn.tensor([1, 2])), /labels \[3, 2\] and predictions \[2\] must have the same shape/);
    assert.throws(() => tn.losses.meanSquaredError(labels, preds, null, 7), /reduction/);
    assert.throws(() => tn.losses.softmaxCrossEntropy(labels, preds, null, 2), /labelSmoothing/);
    assert.throws(() => tn.metrics.sparseCategoricalCrossentropy(tn.tensor([0.5, 1]), tn.tensor([[0.5, 0.5], [0.2, 0.8]])), /integer class indices/);
  });
});
