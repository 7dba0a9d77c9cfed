'use strict';
const assert = require('assert');
const { tn } = require('./helpers');
const { loadMnist, shiftImages } = require('../examples/mnist-data');

function mlp(inputDim, hidden, outputs, outputActivation) {
  return tn.sequential({
    layers: [
      tn.layers.dense({ units: hidden, activation: 'relu', inputShape: [inputDim] }),
      tn.layers.dense({ units: outputs, activation: outputActivation }),
    ],
  });
}

describe('Sequential models learn', () => {
  it('XOR to 100% accuracy (tanh hidden layer, sigmoid output, binary cross-entropy)', async () => {
    tn.setSeed(1);
    const x = tn.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tn.tensor2d([[0], [1], [1], [0]]);
    const model = tn.sequential({
      layers: [tn.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }), tn.layers.dense({ units: 1, activation: 'sigmoid' })],
    });
    model.compile({ optimizer: tn.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 200, batchSize: 4, verbose: 0 });
    assert.strictEqual(history.acc[history.acc.length - 1], 1);
    assert.ok(history.loss[history.loss.length - 1] < 0.05, `final loss ${history.loss.at(-1)}`);
    const pred = model.predict(x).dataSync();
    assert.deepStrictEqual(Array.from(pred, (p) => (p > 0.5 ? 1 : 0)), [0, 1, 1, 0]);
  });

  it('an MNIST subset (3,000 real digits) to >= 90% held-out accuracy in 8 epochs', async function () {
    this.timeout(60000);
    tn.setSeed(2);
    const { xTrain, labelsTrain, xTest, labelsTest } = loadMnist({ limit: 4000, testFraction: 0.25 });
    const model = mlp(784, 64, 10, 'softmax');
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(xTrain, labelsTrain, { epochs: 8, batchSize: 32, verbose: 0 });
    const [, acc] = await model.evaluate(xTest, labelsTest);
    assert.ok(acc.dataSync()[0] >= 0.9, `held-out accuracy ${acc.dataSync()[0]}`);
  });

  it('fit reads the training tensor\'s own buffer, so onEpochBegin can rewrite it (the demo\'s augmentation)', async () => {
    tn.setSeed(5);
    const values = new Float32Array(8);
    const x = tn.tensor(values, [8, 1]);
    const y = tn.tensor(new Float32Array(8), [8, 1]);
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'ones', useBias: false })] });
    model.compile({ optimizer: tn.train.sgd(1e-12), loss: 'meanSquaredError' }); // the kernel stays 1
    // The callback fills the buffer with 1s before epoch 0, 2s before epoch 1, 3s before epoch 2: loss (x·1 - 0)².
    const h = await model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [{ onEpochBegin: (epoch) => values.fill(epoch + 1) }] });
    h.loss.forEach((loss, epoch) => assert.ok(Math.abs(loss - (epoch + 1) ** 2) < 1e-5, `epoch ${epoch} loss ${loss}`));
  });

  it('shiftImages moves each 28x28 image by whole pixels with zeros shifted in', () => {
    const source = new Float32Array(2 * 784);
    source[0 * 784 + 5 * 28 + 7] = 1; // image 0: a dot at row 5, col 7
    source[1 * 784 + 0 * 28 + 27] = 1; // image 1: a dot in the top-right corner
    const target = new Float32Array(source.length).fill(9);
    // rand() values pick, per image, dx then dy from [-1, 0, 1]: image 0 moves (+1, -1), image 1 (+1, 0).
    const picks = [0.9, 0.1, 0.9, 0.5];
    shiftImages(source, target, 1, () => picks.shift());
    assert.strictEqual(target[0 * 784 + 4 * 28 + 8], 1);
    assert.strictEqual(target.slice(0, 784).reduce((a, b) => a + b, 0), 1);
    assert.strictEqual(target.slice(784).reduce((a, b) => a + b, 0), 0, 'a dot shifted off the edge is gone, and no stale 9s remain');
  });

  it('a regression (MSE) fits y = 3x - 1 with SGD', async () => {
    tn.setSeed(3);
    const xs = Float32Array.from({ length: 64 }, (_, i) => i / 32 - 1);
    const x = tn.tensor(xs, [64, 1]);
    const y = tn.tensor(xs.map((v) => 3 * v - 1), [64, 1]);
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [1] })] });
    model.compile({ optimizer: tn.train.sgd(0.1), loss: 'meanSquaredError' });
    await model.fit(x, y, { epochs: 100, batchSize: 16, verbose: 0 });
    const [k, b] = model.getWeights().map((w) => w.dataSync()[0]);
    assert.ok(Math.abs(k - 3) < 1e-2 && Math.abs(b + 1) < 1e-2, `kernel ${k}, bias ${b}`);
  });

  it('runs repeat exactly after tn.setSeed', async () => {
    const run = async () => {
      tn.setSeed(77);
      const model = mlp(4, 8, 3, 'softmax');
      model.add(tn.layers.dropout({ rate: 0.2 }));
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      const x = tn.tensor(Float32Array.from({ length: 40 }, (_, i) => Math.sin(i)), [10, 4]);
      const y = tn.oneHot(tn.tensor(Array.from({ length: 10 }, (_, i) => i % 3), [10], 'int32'), 3);
      const h = await model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
      return [h.loss, Array.from(model.getWeights()[0].dataSync())];
    };
    assert.deepStrictEqual(await run(), await run());
  });
});

describe('fit / evaluate / predict / summary', () => {
  const x = tn.tensor(Float32Array.from({ length: 200 }, (_, i) => Math.cos(i * 0.37)), [50, 4]);
  const labels = tn.tensor(Array.from({ length: 50 }, (_, i) => i % 2), [50], 'int32');
  const y = tn.oneHot(labels, 2);

  it('History has loss, acc and val_* per epoch; validationSplit takes the last samples', async () => {
    const model = mlp(4, 6, 2, 'softmax');
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 3, batchSize: 8, validationSplit: 0.2, verbose: 0 });
    assert.deepStrictEqual(Object.keys(h.history).sort(), ['acc', 'loss', 'val_acc', 'val_loss']);
    assert.strictEqual(h.loss.length, 3);
    assert.strictEqual(h.val_acc.length, 3);
    assert.deepStrictEqual(h.epoch, [0, 1, 2]);
    assert.strictEqual(h.params.samples, 40);
  });

  it('evaluate returns [loss, ...metrics] as scalars; predict batches and keeps order', async () => {
    const model = mlp(4, 6, 2, 'softmax');
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const [loss, acc] = await model.evaluate(x, y, { batchSize: 7 });
    assert.deepStrictEqual(loss.shape, []);
    assert.ok(loss.dataSync()[0] > 0 && acc.dataSync()[0] >= 0 && acc.dataSync()[0] <= 1);
    const all = model.predict(x, { batchSize: 50 }).dataSync();
    const batched = model.predict(x, { batchSize: 3 }).dataSync();
    assert.deepStrictEqual(Array.from(batched), Array.from(all));
  });

  it('callbacks see every hook in order; earlyStopping stops training', async () => {
    const model = mlp(4, 6, 2, 'softmax');
    model.compile({ optimizer: tn.train.sgd(1e-9), loss: 'categoricalCrossentropy' });
    const seen = [];
    const h = await model.fit(x, y, {
      epochs: 20, batchSize: 25, verbose: 0, validationData: [x, y],
      callbacks: [
        {
          onTrainBegin: () => seen.push('trainBegin'), onEpochBegin: (e) => seen.push(`epochBegin${e}`),
          onBatchEnd: async (b) => seen.push(`batchEnd${b}`), onEpochEnd: (e, logs) => seen.push(`epochEnd${e}:${'val_loss' in logs}`),
          onTrainEnd: () => seen.push('trainEnd'),
        },
        tn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 1, minDelta: 1e-3 }),
      ],
    });
    assert.deepStrictEqual(seen.slice(0, 5), ['trainBegin', 'epochBegin0', 'batchEnd0', 'batchEnd1', 'epochEnd0:true']);
    assert.strictEqual(seen[seen.length - 1], 'trainEnd');
    assert.ok(h.loss.length < 20, `stopped after ${h.loss.length} epochs`);
  });

  it('fit yields to the event loop between batches', async () => {
    const model = mlp(4, 6, 2, 'softmax');
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    // Another task that needs the event loop: it can only advance while fit yields.
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    await model.fit(x, y, { epochs: 2, batchSize: 1, verbose: 0 }); // 100 batches
    running = false;
    assert.ok(ticks >= 90, `the other task ran ${ticks} times during 100 batches`);
  });

  it('summary prints Keras-style output shapes and parameter counts', () => {
    const model = tn.sequential({
      layers: [tn.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }), tn.layers.dropout({ rate: 0.1 }),
        tn.layers.dense({ units: 10, activation: 'softmax' })],
    });
    const lines = [];
    model.summary(undefined, undefined, (l) => lines.push(l));
    const text = lines.join('\n');
    assert.match(text, /Layer \(type\)\s+Output shape\s+Param #/);
    assert.match(text, /\(Dense\)\s+\[null,64\]\s+50240/);
    assert.match(text, /\(Dropout\)\s+\[null,64\]\s+0/);
    assert.match(text, /Total params: 50,890/);
    assert.match(text, /Trainable params: 50,890/);
  });

  it('verbose 1 on a TTY draws a Keras progress bar with loss, metrics and ETA', async () => {
    const model = mlp(4, 6, 2, 'softmax');
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const write = process.stdout.write;
    const isTTY = process.stdout.isTTY;
    const out = [];
    process.stdout.isTTY = true;
    process.stdout.write = (s) => (out.push(String(s)), true);
    try {
      await model.fit(x, y, { epochs: 1, batchSize: 10, verbose: 1 });
    } finally {
      process.stdout.write = write;
      process.stdout.isTTY = isTTY;
    }
    const text = out.join('');
    assert.match(text, /^Epoch 1\/1\n/);
    assert.match(text, /\r1\/5 \[=*>\.+\] - ETA: [\d.]+m?s - loss: \d+\.\d{4} - acc: \d\.\d{4}/);
    assert.match(text, /\r5\/5 \[={30}\] - .*\/step - loss: \d+\.\d{4} - acc: \d\.\d{4}\x1b\[K\n$/);
  });

  it('verbose 1 without a TTY prints one line per epoch', async () => {
    const model = mlp(4, 6, 2, 'softmax');
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const write = process.stdout.write;
    const isTTY = process.stdout.isTTY;
    const out = [];
    process.stdout.isTTY = false;
    process.stdout.write = (s) => (out.push(String(s)), true);
    try {
      await model.fit(x, y, { epochs: 2, batchSize: 10, verbose: 1 });
    } finally {
      process.stdout.write = write;
      process.stdout.isTTY = isTTY;
    }
    assert.strictEqual(out.length, 2);
    assert.match(out[0], /^Epoch 1\/2 - .*\/step - loss: \d+\.\d{4} - acc: \d\.\d{4}\n$/);
  });
});

describe('bad input gives a clear JS error before native code runs', () => {
  const model = () => {
    const m = mlp(3, 4, 2, 'softmax');
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    return m;
  };

  it('layer configs', () => {
    assert.throws(() => tn.layers.dense({ units: -1 }), /Expected a positive integer for units but received -1 \(number\)/);
    assert.throws(() => tn.layers.dense({ units: 2, activation: 'relu7' }), /for activation but received 'relu7' \(string\)/);
    assert.throws(() => tn.layers.dense({ units: 2, kernelInitializer: 'magic' }), /kernelInitializer but received 'magic'/);
    assert.throws(() => tn.layers.dropout({ rate: 1 }), /Expected a number in \[0, 1\) for rate but received 1 \(number\)/);
    assert.throws(() => tn.layers.reshape({ targetShape: [2, -1, -1] }), /targetShape/);
    assert.throws(() => tn.sequential({ layers: [tn.layers.dense({ units: 2, inputShape: [4] }), tn.layers.reshape({ targetShape: [3] })] }),
      /Expected a targetShape with 2 elements per sample/);
  });

  it('compile and fit arguments', async () => {
    const m = model();
    assert.throws(() => m.compile({ optimizer: 'adam', loss: 'hinge' }), /Expected a loss .* but received 'hinge'/);
    assert.throws(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['f1'] }), /for metrics but received 'f1'/);
    await assert.rejects(m.fit(tn.zeros([5, 4]), tn.zeros([5, 2])), /Expected x of shape \[null, 3\] but received shape \[5, 4\]/);
    await assert.rejects(m.fit(tn.zeros([5, 3]), tn.zeros([4, 2])), /Expected y to have 5 samples .* but received shape \[4, 2\]/);
    await assert.rejects(m.fit(tn.zeros([5, 3]), tn.zeros([5, 3])), /Expected y of shape \[null, 2\] .* but received shape \[5, 3\]/);
    await assert.rejects(m.fit(tn.zeros([5, 3]), tn.zeros([5, 2]), { batchSize: 0 }), /Expected a positive integer for batchSize but received 0/);
    await assert.rejects(m.fit(tn.zeros([5, 3]), tn.zeros([5, 2]), { epochs: 1.5 }), /epochs but received 1.5/);
    await assert.rejects(m.fit([[1, 2, 3]], tn.zeros([1, 2])), /Expected a Tensor for x but received \[\[1, 2, 3\]\] \(array\)/);
    await assert.rejects(m.fit(tn.zeros([5, 3]), tn.zeros([5, 2]), { validationSplit: 1 }), /validationSplit/);
    await assert.rejects(model().fit(tn.zeros([2, 3]), tn.tensor([0, 2], [2], 'int32')), /shape \[null, 2\]/);
  });

  it('NaN in the data is reported with its position, not trained on silently', async () => {
    const x = tn.zeros([4, 3]);
    x.dataSync()[7] = NaN;
    await assert.rejects(model().fit(x, tn.zeros([4, 2]), { verbose: 0 }), /x holds NaN at flat index 7/);
  });

  it('the native NaN scan finds the first NaN wherever it is (block edges, the tail, subarrays)', () => {
    const native = tn._native;
    for (const n of [0, 1, 7, 1023, 1024, 1025, 5000]) {
      const values = new Float32Array(n).fill(1.5);
      assert.strictEqual(native.firstNaN(values), -1, `no NaN in ${n}`);
      for (const at of [0, 1022, 1023, 1024, 2047, 2048, n - 1].filter((i) => i >= 0 && i < n)) {
        values.fill(1.5);
        values[at] = NaN;
        if (at + 1 < n) values[n - 1] = NaN; // a later NaN must not be reported instead
        assert.strictEqual(native.firstNaN(values), at, `n ${n}, NaN at ${at}`);
      }
    }
    const buffer = new Float32Array(10);
    buffer[2] = NaN;
    buffer[6] = NaN;
    assert.strictEqual(native.firstNaN(buffer.subarray(4)), 2, 'indices are relative to the view');
    assert.strictEqual(native.firstNaN(new Float32Array([Infinity, -Infinity, 0])), -1, 'infinities are not NaN');
    assert.throws(() => native.firstNaN(new Int32Array(3)), /Float32Array/);
  });

  it('sparse labels out of range name the label', async () => {
    const m = mlp(3, 4, 2, 'softmax');
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await assert.rejects(m.fit(tn.zeros([2, 3]), tn.tensor([0, 2], [2], 'int32'), { verbose: 0 }),
      /Expected a class index in \[0, 2\) for y\[1\] but received 2 \(number\)/);
  });

  it('an uncompiled model and setWeights with wrong shapes', async () => {
    await assert.rejects(mlp(3, 4, 2).fit(tn.zeros([1, 3]), tn.zeros([1, 2])), /You must compile a model before training it/);
    const m = model();
    assert.throws(() => m.layers[0].setWeights([tn.zeros([3, 5]), tn.zeros([4])]),
      /Expected shape \[3, 4\] for weights\[0\] \(dense_\d+\/kernel\) but received shape \[3, 5\]/);
    assert.throws(() => m.layers[0].setWeights([tn.zeros([3, 4])]), /expects 2 weight tensors/);
  });

  it('the native side re-checks sizes and throws instead of crashing', () => {
    const n = tn._native;
    n.denseForward(new Float32Array(2), null, new Float32Array(3), new Float32Array(6), null, 1, 3, 2, 0, 0); // fits: no error
    assert.throws(() => n.denseForward(new Float32Array(1), null, new Float32Array(3), new Float32Array(6), null, 1, 3, 2, 0, 0),
      /Expected at least 2 elements in y but it has 1/);
    assert.throws(() => n.denseForward(new Float32Array(2), null, new Float32Array(3), new Float32Array(6), null, 1, 3, 2, 99, 0),
      /tensornode denseForward: unknown activation code 99/);
    assert.throws(() => n.lossForwardBackward(0, false, null, new Float32Array(4), new Float32Array(4), 0, 4),
      /tensornode lossForwardBackward: Expected a size \(an integer in \[1, 2\^40\]\) for rows but received a number \(0\)/);
  });
});
