// The functional API (tn.input, layer.apply, tn.model), custom layers, and training on the
// tape: residual and multi-input/multi-output graphs against float64 references of the same
// graph, shared layers' gradients by finite differences, and Sequential vs functional.
'use strict';
const assert = require('assert');
const tn = require('..');
const { assertClose, makeRng } = require('./gradcheck');

function randomArray(rng, n, scale = 1) {
  return Float64Array.from({ length: n }, () => (rng() * 2 - 1) * scale);
}

/** A dense layer written as users write one: build + call + computeOutputShape over engine ops. */
class MyDense extends tn.layers.Layer {
  constructor(config) {
    super(config);
    this.units = config.units;
  }
  build(inputShape) {
    this.kernel = this.addWeight('kernel', [inputShape[inputShape.length - 1], this.units], 'float32', tn.initializers.glorotUniform());
    this.bias = this.addWeight('bias', [this.units], 'float32', tn.initializers.zeros());
  }
  computeOutputShape(inputShape) {
    return [...inputShape.slice(0, -1), this.units];
  }
  call(x) {
    return tn.add(tn.matMul(x, this.kernel.read()), this.bias.read());
  }
  getConfig() {
    return { ...super.getConfig(), units: this.units };
  }
}
MyDense.className = 'MyDense';

// float64 helpers: y = x W + b on row-major arrays
function affine(x, n, k, W, b, m) {
  const y = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    let s = b[j];
    for (let t = 0; t < k; t++) s += x[i * k + t] * W[t * m + j];
    y[i * m + j] = s;
  }
  return y;
}
const f64 = (t) => Float64Array.from(t.dataSync ? t.dataSync() : t);

describe('functional API: building graphs', () => {
  it('tn.input, layer.apply on symbolic tensors, tn.model: layers, inputs, outputs, getLayer, weights', () => {
    const a = tn.input({ shape: [4], name: 'in_a' });
    assert.deepStrictEqual(a.shape, [null, 4]);
    assert.strictEqual(a.dtype, 'float32');
    const d1 = tn.layers.dense({ units: 3, name: 'f_d1' });
    const h = d1.apply(a);
    assert.ok(h instanceof tn.SymbolicTensor);
    assert.deepStrictEqual(h.shape, [null, 3]);
    const out = tn.layers.dense({ units: 2, name: 'f_d2', activation: 'softmax' }).apply(h);
    const m = tn.model({ inputs: a, outputs: out, name: 'f_m' });
    assert.deepStrictEqual(m.layers.map((l) => l.name), ['in_a', 'f_d1', 'f_d2']);
    assert.strictEqual(m.getLayer('f_d1'), d1);
    assert.strictEqual(m.getLayer(1), d1);
    assert.throws(() => m.getLayer('nope'), /no layer named 'nope'; its layers are in_a, f_d1, f_d2/);
    assert.deepStrictEqual(m.inputs.map((t) => t.shape), [[null, 4]]);
    assert.deepStrictEqual(m.outputs.map((t) => t.shape), [[null, 2]]);
    assert.deepStrictEqual(m.outputNames, ['f_d2']);
    assert.deepStrictEqual(m.weights.map((w) => w.name), ['f_d1/kernel', 'f_d1/bias', 'f_d2/kernel', 'f_d2/bias']);
    assert.strictEqual(m.countParams(), 4 * 3 + 3 + 3 * 2 + 2);
    d1.trainable = false;
    assert.deepStrictEqual(m.trainableWeights.map((w) => w.name), ['f_d2/kernel', 'f_d2/bias']);
    assert.deepStrictEqual(m.nonTrainableWeights.map((w) => w.name), ['f_d1/kernel', 'f_d1/bias']);
    d1.trainable = true;
    // predict on a tensor: the same as the layers applied eagerly
    const x = tn.randomNormal([5, 4], 0, 1, 'float32', 3);
    const want = m.getLayer('f_d2').apply(d1.apply(x));
    assertClose(m.predict(x).dataSync(), want.dataSync(), { what: 'predict' });
  });

  it('graph errors: disconnected inputs, a non-input in inputs, duplicate names, unknown options, wrong shapes', () => {
    const a = tn.input({ shape: [3] });
    const b = tn.input({ shape: [3] });
    const s = tn.layers.add().apply([a, b]);
    assert.throws(() => tn.model({ inputs: a, outputs: s }), /Graph disconnected .* Pass every tn.input/);
    const h = tn.layers.dense({ units: 2 }).apply(a);
    assert.throws(() => tn.model({ inputs: h, outputs: h }), /must come from tn.input/);
    assert.throws(() => tn.model({ inputs: a, outputs: h, nmae: 'x' }), /unknown option 'nmae'/);
    assert.throws(() => tn.input({ shape: [3], dtyp: 'float32' }), /unknown option 'dtyp'/);
    assert.throws(() => tn.input({}), /exactly one of shape .* and batchShape/);
    const c = tn.input({ shape: [3] });
    const x1 = tn.layers.dense({ units: 2, name: 'same_name' }).apply(c);
    const x2 = tn.layers.dense({ units: 2, name: 'same_name' }).apply(x1);
    assert.throws(() => tn.model({ inputs: c, outputs: x2 }), /two layers are named 'same_name'/);
    const m = tn.model({ inputs: [a, b], outputs: s });
    assert.throws(() => m.predict(tn.zeros([2, 3])), /the model has 2 inputs/);
    assert.throws(() => m.predict([tn.zeros([2, 3]), tn.zeros([2, 4])]), /Expected x for input '.*' of shape \[null, 3\] but received shape \[2, 4\]/);
    assert.throws(() => tn.layers.dense({ units: 2 }).apply(tn.input({ shape: [3] })) && tn.layers.dense({ units: 2 }).apply([a, tn.zeros([1, 3])]),
      /symbolic and concrete inputs mixed/);
  });

  it('summary shows Keras\' "Connected to" column for a graph, one row per layer (a shared layer lists each call)', () => {
    const a = tn.input({ shape: [4], name: 'sa' });
    const shared = tn.layers.dense({ units: 4, name: 's_shared' });
    const h1 = shared.apply(a);
    const h2 = shared.apply(h1);
    const sum = tn.layers.add({ name: 's_add' }).apply([h1, h2]);
    const m = tn.model({ inputs: a, outputs: sum, name: 's_model' });
    const lines = [];
    m.summary(undefined, undefined, (l) => lines.push(l));
    const text = lines.join('\n');
    assert.match(text, /Model: "s_model"/);
    assert.match(text, /Connected to/);
    assert.match(text, /s_shared \(Dense\) +\[null,4\] +20 +sa\[0\]\[0\]\n +s_shared\[0\]\[0\]/);
    assert.match(text, /s_add \(Add\) +\[null,4\] +0 +s_shared\[0\]\[0\]\n +s_shared\[1\]\[0\]/);
    assert.match(text, /Total params: 20/);
  });

  it('a model is a layer: applied inside another model, its weights are the inner layers\'', () => {
    const xi = tn.input({ shape: [3] });
    const inner = tn.model({ inputs: xi, outputs: tn.layers.dense({ units: 2, name: 'inner_d' }).apply(xi), name: 'inner' });
    const a = tn.input({ shape: [3] });
    const b = tn.input({ shape: [3] });
    // siamese: the same inner model on two inputs
    const out = tn.layers.subtract().apply([inner.apply(a), inner.apply(b)]);
    const outer = tn.model({ inputs: [a, b], outputs: out });
    assert.deepStrictEqual(outer.layers.map((l) => l.getClassName()), ['InputLayer', 'InputLayer', 'Functional', 'Subtract']);
    assert.strictEqual(outer.weights.length, 2);
    const x1 = tn.randomNormal([4, 3], 0, 1, 'float32', 1);
    const x2 = tn.randomNormal([4, 3], 0, 1, 'float32', 2);
    const want = tn.sub(inner.predict(x1), inner.predict(x2));
    assertClose(outer.predict([x1, x2]).dataSync(), want.dataSync(), { what: 'siamese' });
  });
});

describe('custom layers (subclassing tn.layers.Layer)', () => {
  it('build + call + addWeight: autodiff does the backward, and the model learns y = sum(x)', async () => {
    tn.setSeed(11);
    const a = tn.input({ shape: [4] });
    const h = new MyDense({ units: 8 }).apply(a);
    const out = new MyDense({ units: 1 }).apply(tn.layers.activation({ activation: 'tanh' }).apply(h));
    const m = tn.model({ inputs: a, outputs: out });
    assert.deepStrictEqual(out.shape, [null, 1]);
    m.compile({ optimizer: tn.train.adam(0.03), loss: 'meanSquaredError' });
    const x = tn.randomUniform([256, 4], -1, 1, 'float32', 5);
    const y = tn.sum(x, 1, true);
    const hist = await m.fit(x, y, { epochs: 60, batchSize: 32, verbose: 0 });
    const first = hist.history.loss[0];
    const last = hist.history.loss[hist.history.loss.length - 1];
    assert.ok(last < 0.01 && last < first / 20, `loss ${first} -> ${last}`);
    // tfjs' getConfig / getClassName come from the subclass
    assert.strictEqual(m.layers[1].getClassName(), 'MyDense');
    assert.strictEqual(m.layers[1].getConfig().units, 8);
  });

  it('a shared layer\'s kernel gradient is the sum over its calls (finite differences)', () => {
    tn.setSeed(3);
    const a = tn.input({ shape: [3] });
    const shared = new MyDense({ units: 3 });
    const h = tn.layers.activation({ activation: 'tanh' }).apply(shared.apply(a));
    const out = shared.apply(h);
    const m = tn.model({ inputs: a, outputs: out });
    const rng = makeRng(9);
    const x = tn.tensor(Float32Array.from(randomArray(rng, 15)), [5, 3]);
    const W = randomArray(rng, 15);
    const lossOf = () => {
      const y = m.execute([x], false)[0].dataSync();
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * W[i];
      return s;
    };
    const kernel = shared.kernel;
    const g = tn.grads((k) => tn.sum(tn.mul(m.execute([x], false)[0], tn.tensor(Float32Array.from(W), [5, 3]))))([kernel.read()])[0].dataSync();
    const numeric = new Float64Array(kernel.size);
    for (let i = 0; i < kernel.size; i++) {
      const v = kernel.value[i];
      kernel.value[i] = v + 1e-2;
      const up = lossOf();
      kernel.value[i] = v - 1e-2;
      const down = lossOf();
      kernel.value[i] = v;
      numeric[i] = (up - down) / 2e-2;
    }
    assertClose(g, numeric, { atol: 2e-3, rtol: 2e-2, what: 'shared kernel gradient' });
  });
});

describe('training on the graph against float64 references', () => {
  it('a residual MLP: three SGD steps equal the float64 reference (manual backprop of the same graph)', async () => {
    tn.setSeed(21);
    const N = 16, D = 5, O = 2, lr = 0.1;
    const a = tn.input({ shape: [D] });
    const d1 = tn.layers.dense({ units: D, activation: 'relu' });
    const d2 = tn.layers.dense({ units: O });
    const out = d2.apply(tn.layers.add().apply([d1.apply(a), a]));
    const m = tn.model({ inputs: a, outputs: out });
    m.compile({ optimizer: tn.train.sgd(lr), loss: 'meanSquaredError' });
    const rng = makeRng(4);
    const xv = randomArray(rng, N * D);
    const yv = randomArray(rng, N * O);
    let [W1, b1, W2, b2] = m.getWeights().map(f64);
    for (let step = 0; step < 3; step++) {
      const z = affine(xv, N, D, W1, b1, D);
      const h = z.map((v) => Math.max(0, v));
      const r = h.map((v, i) => v + xv[i]);
      const o = affine(r, N, D, W2, b2, O);
      const dout = o.map((v, i) => (2 * (v - yv[i])) / (N * O));
      const dW2 = new Float64Array(D * O), db2 = new Float64Array(O), dr = new Float64Array(N * D);
      for (let i = 0; i < N; i++) for (let j = 0; j < O; j++) {
        db2[j] += dout[i * O + j];
        for (let t = 0; t < D; t++) { dW2[t * O + j] += r[i * D + t] * dout[i * O + j]; dr[i * D + t] += dout[i * O + j] * W2[t * O + j]; }
      }
      const dz = dr.map((v, i) => (z[i] > 0 ? v : 0));
      const dW1 = new Float64Array(D * D), db1 = new Float64Array(D);
      for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) {
        db1[j] += dz[i * D + j];
        for (let t = 0; t < D; t++) dW1[t * D + j] += xv[i * D + t] * dz[i * D + j];
      }
      W1 = W1.map((v, i) => v - lr * dW1[i]); b1 = b1.map((v, i) => v - lr * db1[i]);
      W2 = W2.map((v, i) => v - lr * dW2[i]); b2 = b2.map((v, i) => v - lr * db2[i]);
    }
    await m.fit(tn.tensor(Float32Array.from(xv), [N, D]), tn.tensor(Float32Array.from(yv), [N, O]),
      { epochs: 3, batchSize: N, shuffle: false, verbose: 0 });
    const got = m.getWeights().map((t) => t.dataSync());
    [W1, b1, W2, b2].forEach((want, i) => assertClose(got[i], want, { atol: 1e-6, rtol: 1e-4, what: `weight ${i}` }));
  });

  it('two inputs, two outputs, per-output losses by name and loss weights: one SGD step equals the float64 reference', async () => {
    tn.setSeed(5);
    const N = 8, lr = 0.05;
    const a = tn.input({ shape: [3], name: 'mi_a' });
    const b = tn.input({ shape: [2], name: 'mi_b' });
    const ha = tn.layers.dense({ units: 4, activation: 'tanh' }).apply(a);
    const hb = tn.layers.dense({ units: 4, activation: 'tanh' }).apply(b);
    const c = tn.layers.concatenate().apply([ha, hb]);
    const o1 = tn.layers.dense({ units: 2, name: 'reg_out' }).apply(c);
    const o2 = tn.layers.dense({ units: 1, activation: 'sigmoid', name: 'cls_out' }).apply(c);
    const m = tn.model({ inputs: [a, b], outputs: [o1, o2] });
    m.compile({ optimizer: tn.train.sgd(lr), loss: { reg_out: 'meanSquaredError', cls_out: 'binaryCrossentropy' },
      lossWeights: { reg_out: 1, cls_out: 0.5 }, metrics: { cls_out: ['accuracy'] } });
    const rng = makeRng(8);
    const av = randomArray(rng, N * 3), bv = randomArray(rng, N * 2);
    const y1 = randomArray(rng, N * 2);
    const y2 = Float64Array.from({ length: N }, () => (rng() > 0.5 ? 1 : 0));
    const w0 = m.getWeights().map(f64);
    const total = (w) => {
      const [Wa, ba, Wb, bb, W1, c1, W2, c2] = w;
      const hA = affine(av, N, 3, Wa, ba, 4).map(Math.tanh);
      const hB = affine(bv, N, 2, Wb, bb, 4).map(Math.tanh);
      const cat = new Float64Array(N * 8);
      for (let i = 0; i < N; i++) for (let j = 0; j < 4; j++) { cat[i * 8 + j] = hA[i * 4 + j]; cat[i * 8 + 4 + j] = hB[i * 4 + j]; }
      const p1 = affine(cat, N, 8, W1, c1, 2);
      const p2 = affine(cat, N, 8, W2, c2, 1).map((v) => 1 / (1 + Math.exp(-v)));
      let mse = 0;
      for (let i = 0; i < N * 2; i++) mse += (p1[i] - y1[i]) ** 2;
      let bce = 0;
      for (let i = 0; i < N; i++) bce -= y2[i] * Math.log(p2[i]) + (1 - y2[i]) * Math.log(1 - p2[i]);
      return { loss: mse / (N * 2) + 0.5 * (bce / N), mse: mse / (N * 2), bce: bce / N };
    };
    // the float64 gradient by central differences of the float64 loss
    const grads = w0.map((w, k) => Float64Array.from(w, (_, i) => {
      const up = w0.map((x) => x.slice()); up[k][i] += 1e-6;
      const down = w0.map((x) => x.slice()); down[k][i] -= 1e-6;
      return (total(up).loss - total(down).loss) / 2e-6;
    }));
    const before = total(w0);
    const xs = { mi_a: tn.tensor(Float32Array.from(av), [N, 3]), mi_b: tn.tensor(Float32Array.from(bv), [N, 2]) };
    const ys = [tn.tensor(Float32Array.from(y1), [N, 2]), tn.tensor(Float32Array.from(y2), [N, 1])];
    const ev = m.evaluate(xs, ys, { batchSize: N });
    assert.ok(Array.isArray(ev) && ev.length === 4, 'evaluate: [loss, reg_out_loss, cls_out_loss, cls_out_acc] synchronously');
    assertClose(ev.slice(0, 3).map((t) => t.dataSync()[0]), [before.loss, before.mse, before.bce], { rtol: 1e-5, what: 'evaluate' });
    const hist = await m.fit(xs, ys, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
    assert.deepStrictEqual(Object.keys(hist.history).sort(), ['cls_out_acc', 'cls_out_loss', 'loss', 'reg_out_loss']);
    assertClose([hist.history.loss[0], hist.history.reg_out_loss[0], hist.history.cls_out_loss[0]], [before.loss, before.mse, before.bce],
      { rtol: 1e-5, what: 'fit logs' });
    const got = m.getWeights().map((t) => t.dataSync());
    w0.forEach((w, k) => assertClose(got[k], w.map((v, i) => v - lr * grads[k][i]), { atol: 1e-6, rtol: 1e-4, what: `weight ${k}` }));
  });
});

describe('Sequential and the functional form of the same model', () => {
  it('train to the same weights (Sequential on the hand-written path, the graph on the tape), and both learn XOR-like data', async () => {
    tn.setSeed(2);
    const seq = tn.sequential({ layers: [tn.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }), tn.layers.dense({ units: 1, activation: 'sigmoid' })] });
    const a = tn.input({ shape: [2] });
    const fun = tn.model({ inputs: a, outputs: tn.layers.dense({ units: 1, activation: 'sigmoid' }).apply(tn.layers.dense({ units: 8, activation: 'tanh' }).apply(a)) });
    fun.setWeights(seq.getWeights());
    for (const m of [seq, fun]) m.compile({ optimizer: tn.train.sgd(0.5), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const rng = makeRng(13);
    const n = 128;
    const xv = Float32Array.from({ length: n * 2 }, () => rng() * 2 - 1);
    const yv = Float32Array.from({ length: n }, (_, i) => (xv[2 * i] * xv[2 * i + 1] > 0 ? 1 : 0));
    const x = tn.tensor(xv, [n, 2]), y = tn.tensor(yv, [n, 1]);
    const hs = await seq.fit(x, y, { epochs: 150, batchSize: 32, shuffle: false, verbose: 0 });
    const hf = await fun.fit(x, y, { epochs: 150, batchSize: 32, shuffle: false, verbose: 0 });
    const ws = seq.getWeights(), wf = fun.getWeights();
    ws.forEach((w, i) => assertClose(wf[i].dataSync(), w.dataSync(), { atol: 1e-4, rtol: 1e-3, what: `weight ${i}` }));
    assertClose(hf.history.loss, hs.history.loss, { atol: 1e-5, rtol: 1e-3, what: 'loss curves' });
    assert.ok(hs.history.acc[149] > 0.9, `accuracy ${hs.history.acc[149]}`);
  });
});
