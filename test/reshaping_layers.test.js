// repeatVector, permute and timeDistributed: outputs against float64 references, gradients
// through layer.call by finite differences (the inner layer's weights too), weights, configs
// and errors naming the layer.
'use strict';
const assert = require('assert');
const tn = require('..');
const { makeRng, seedOf, assertClose, checkGrad } = require('./gradcheck');

function randomTensor(shape, name, lo = -1, hi = 1) {
  const rng = makeRng(seedOf(name));
  const n = shape.reduce((a, b) => a * b, 1);
  return new tn.Tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * rng()), shape, 'float32');
}

const stridesOf = (shape) => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

describe('repeatVector', () => {
  it('[batch, f] -> [batch, n, f]; gradients sum over the copies', () => {
    const x = randomTensor([3, 4], 'repeat x');
    const layer = tn.layers.repeatVector({ n: 5, name: 'rv' });
    const y = layer.apply(x);
    assert.deepStrictEqual(y.shape, [3, 5, 4]);
    const want = [];
    for (let b = 0; b < 3; b++) for (let k = 0; k < 5; k++) want.push(...x.values.subarray(b * 4, b * 4 + 4));
    assertClose(y.dataSync(), want, { what: 'repeatVector' });
    checkGrad('repeatVector', (t) => layer.call(t, {}), [x]);
    assert.deepStrictEqual(layer.getConfig(), { name: 'rv', trainable: true, n: 5 });
    assert.deepStrictEqual(layer.computeOutputShape([4]), [5, 4]);
  });

  it('errors name the layer or the option', () => {
    assert.throws(() => tn.layers.repeatVector({ n: 0 }), /repeatVector\(\{n\}\)/);
    assert.throws(() => tn.layers.repeatVector({ n: 2, times: 3 }), /repeatVector: unknown option 'times'/);
    assert.throws(() => tn.layers.repeatVector({ n: 2, name: 'r3' }).apply(randomTensor([2, 3, 4], 'r3')), /Layer r3 \(RepeatVector\) needs inputs of shape \[batch, features\] but received \[null, 3, 4\]/);
  });
});

describe('permute', () => {
  it('output axis i+1 is input axis dims[i] (1-based, as Keras); gradients', () => {
    const x = randomTensor([2, 3, 4, 5], 'permute x');
    const dims = [3, 1, 2];
    const layer = tn.layers.permute({ dims, name: 'pm' });
    const y = layer.apply(x);
    assert.deepStrictEqual(y.shape, [2, 5, 3, 4]);
    assert.deepStrictEqual(layer.computeOutputShape([3, 4, 5]), [5, 3, 4]);
    const xs = stridesOf(x.shape), ys = stridesOf(y.shape);
    const want = new Float64Array(y.size);
    for (let flat = 0; flat < y.size; flat++) {
      const o = y.shape.map((d, i) => Math.floor(flat / ys[i]) % d);
      const inIdx = [o[0], 0, 0, 0];
      dims.forEach((d, i) => (inIdx[d] = o[i + 1]));
      want[flat] = x.values[inIdx.reduce((s, v, i) => s + v * xs[i], 0)];
    }
    assertClose(y.dataSync(), want, { what: 'permute' });
    checkGrad('permute', (t) => layer.call(t, {}), [x]);
    assert.deepStrictEqual(layer.getConfig(), { name: 'pm', trainable: true, dims: [3, 1, 2] });
    assert.deepStrictEqual(tn.layers.permute({ dims: [2, 1] }).apply(randomTensor([2, 3, 4], 'p2')).shape, [2, 4, 3]);
  });

  it('dims must be a permutation of 1..n; the input rank must fit', () => {
    for (const dims of [[0, 1], [1, 1], [1, 3], [], 'ab']) {
      assert.throws(() => tn.layers.permute({ dims }), /permute\(\{dims\}\)/, JSON.stringify(dims));
    }
    assert.throws(() => tn.layers.permute({ dims: [2, 1], name: 'p' }).apply(randomTensor([2, 3], 'p bad')), /Layer p \(Permute\) with dims \[2, 1\] needs inputs of rank 3/);
  });
});

/** A user's layer with call() on engine ops: tanh(x · k + b); build/computeOutputShape see batch-first shapes. */
class Affine extends tn.Layer {
  constructor(args) {
    super(args);
    this.units = args.units;
    this.lastMask = undefined;
  }
  build(inputShape) {
    assert.strictEqual(inputShape[0], null, 'a user layer sees the batch dimension first');
    const inDim = inputShape[inputShape.length - 1];
    this.k = this.addWeight('k', [inDim, this.units], 'float32', tn.initializers.randomNormal({ stddev: 0.7, seed: 5 }), 'l2');
    this.b = this.addWeight('b', [this.units], 'float32', tn.initializers.randomUniform({ seed: 6 }));
  }
  computeOutputShape(inputShape) {
    return [...inputShape.slice(0, -1), this.units];
  }
  call(x, kwargs) {
    this.lastMask = kwargs.mask;
    return tn.tanh(tn.add(tn.matMul(x, this.k.read()), this.b.read()));
  }
}
Affine.className = 'Affine';

describe('timeDistributed', () => {
  it('applies the inner layer at every step with the same weights (folded into the batch)', () => {
    const inner = new Affine({ units: 3, name: 'aff' });
    const td = tn.layers.timeDistributed({ layer: inner, name: 'td' });
    const x = randomTensor([2, 4, 5], 'td x');
    const y = td.apply(x);
    assert.deepStrictEqual(y.shape, [2, 4, 3]);
    assert.deepStrictEqual(td.builtOutputShape, [4, 3]);
    assert.deepStrictEqual(td.computeOutputShape([4, 5]), [4, 3]);
    const k = inner.k.value, bias = inner.b.value;
    const want = [];
    for (let r = 0; r < 8; r++) {
      for (let j = 0; j < 3; j++) {
        let s = bias[j];
        for (let i = 0; i < 5; i++) s += x.values[r * 5 + i] * k[i * 3 + j];
        want.push(Math.tanh(s));
      }
    }
    assertClose(y.dataSync(), want, { what: 'timeDistributed(affine)' });
  });

  it('gradients of the input and of the inner layer\'s weights match finite differences', () => {
    const inner = new Affine({ units: 3 });
    const td = tn.layers.timeDistributed({ layer: inner });
    const x = randomTensor([2, 3, 4], 'td grad x');
    td.apply(x);
    // The weights are perturbed in place (the layer reads its LayerVariable tensors).
    const kOrig = inner.k.value.slice(), bOrig = inner.b.value.slice();
    const f = (xt, kt, bt) => {
      inner.k.value.set(kt.values);
      inner.b.value.set(bt.values);
      const y = td.call(xt, {});
      inner.k.value.set(kOrig);
      inner.b.value.set(bOrig);
      return y;
    };
    checkGrad('timeDistributed', f, [x, inner.k.read(), inner.b.read()]);
  });

  it('its weights are the inner layer\'s: getWeights/setWeights, trainable, countParams, regularization losses', () => {
    const inner = new Affine({ units: 2 });
    const td = tn.layers.timeDistributed({ layer: inner });
    td.apply(randomTensor([1, 2, 3], 'td w'));
    assert.deepStrictEqual(td.weightVariables, inner.weightVariables);
    assert.strictEqual(td.trainableVariables.length, 2);
    assert.strictEqual(td.countParams(), 3 * 2 + 2);
    const ws = td.getWeights();
    assert.deepStrictEqual(ws.map((w) => w.shape), [[3, 2], [2]]);
    td.setWeights([tn.ones([3, 2]), tn.zeros([2])]);
    assert.deepStrictEqual(Array.from(inner.k.value), [1, 1, 1, 1, 1, 1]);
    assertClose(td.regularizationLosses()[0].dataSync(), [0.01 * 6], { what: 'the inner layer\'s l2 penalty' });
    td.trainable = false;
    assert.deepStrictEqual(td.trainableVariables, []);
    assert.deepStrictEqual(td.regularizationLosses(), []);
  });

  it('a mask [b, t] is folded with the input and given to the inner layer', () => {
    const inner = new Affine({ units: 2 });
    const td = tn.layers.timeDistributed({ layer: inner, name: 'tdm' });
    const x = randomTensor([2, 3, 4], 'td mask');
    td.apply(x, { mask: tn.tensor2d([[1, 1, 0], [1, 0, 0]]) });
    assert.deepStrictEqual(inner.lastMask.shape, [6]);
    assert.deepStrictEqual(Array.from(inner.lastMask.dataSync()), [1, 1, 0, 1, 0, 0]);
    assert.throws(() => td.apply(x, { mask: tn.tensor2d([[1, 1], [1, 0]]) }), /Layer tdm \(TimeDistributed\) needs a mask of shape \[2, 3, \.\.\.\]/);
    assert.strictEqual(td.computeMask(x, tn.ones([2, 3])), null, 'no output mask (Keras: supports_masking False)');
  });

  it('wraps a dense layer (inference), with the config of the inner layer', () => {
    tn.setSeed(4);
    const td = tn.layers.timeDistributed({ layer: tn.layers.dense({ units: 3, activation: 'relu', name: 'inner_dense' }), name: 'tdd' });
    const x = randomTensor([2, 5, 4], 'td dense');
    const y = td.apply(x);
    const [k, b] = td.getWeights().map((w) => w.dataSync());
    const want = [];
    for (let r = 0; r < 10; r++) {
      for (let j = 0; j < 3; j++) {
        let s = b[j];
        for (let i = 0; i < 4; i++) s += x.values[r * 4 + i] * k[i * 3 + j];
        want.push(Math.max(0, s));
      }
    }
    assert.deepStrictEqual(y.shape, [2, 5, 3]);
    assertClose(y.dataSync(), want, { what: 'timeDistributed(dense)' });
    const c = td.getConfig();
    assert.strictEqual(c.name, 'tdd');
    assert.strictEqual(c.layer.className, 'Dense');
    assert.strictEqual(c.layer.config.name, 'inner_dense');
    assert.strictEqual(c.layer.config.units, 3);
  });

  it('errors: not a layer, unknown options, inputs of rank < 3', () => {
    assert.throws(() => tn.layers.timeDistributed({ layer: {} }), /timeDistributed\(args\)/);
    assert.throws(() => tn.layers.timeDistributed({ layer: tn.layers.dense({ units: 2 }), mergeMode: 'sum' }), /timeDistributed: unknown option 'mergeMode'/);
    assert.throws(() => tn.layers.timeDistributed({ layer: tn.layers.dense({ units: 2 }), name: 'td2' }).apply(randomTensor([2, 3], 'r2')),
      /Layer td2 \(TimeDistributed\) needs inputs of rank >= 3 \(\[batch, time, \.\.\.\]\) but received shape \[null, 3\]/);
  });
});
