// Tensors that cannot lie about their memory, bounded caches, and honest training state
// (the public-API side of the native-safety work; the native side is in native-*.test.js).
'use strict';
const assert = require('assert');
const { tn, makeRandom } = require('./helpers');

function smallModel(seed = 1) {
  tn.setSeed(seed);
  return tn.sequential({
    layers: [
      tn.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }),
      tn.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
}

function data(n, seed = 3) {
  const rand = makeRandom(seed);
  const x = tn.tensor(rand(n * 3), [n, 3]);
  const y = tn.oneHot(tn.tensor(Int32Array.from({ length: n }, (_, i) => i % 2), [n]), 2);
  return { x, y };
}

describe('tensors cannot lie about their memory', () => {
  it('new tn.Tensor checks the values against the shape and the dtype', () => {
    assert.throws(() => new tn.Tensor(new Float32Array(5), [2, 3]), /Expected 6 values for shape \[2, 3\] but received Float32Array\(5\)/);
    assert.throws(() => new tn.Tensor(new Float32Array(7), [2, 3]), RangeError);
    assert.throws(() => new tn.Tensor(new Float32Array(6), [2, -3]), /Expected a shape \(an array of non-negative integers\) for shape/);
    assert.throws(() => new tn.Tensor(new Float32Array(6), [2, 3], 'int32'), /Expected a Int32Array for a int32 tensor for values/);
    assert.throws(() => new tn.Tensor([1, 2], [2]), /Expected a Float32Array for a float32 tensor for values but received \[1, 2\]/);
    assert.throws(() => new tn.Tensor(new Float32Array(1), [1], 'float64'), /Expected 'float32', 'int32' or 'bool' for dtype/);
    assert.strictEqual(new tn.Tensor(new Float32Array(6), [2, 3]).size, 6);
    assert.strictEqual(new tn.Tensor(new Float32Array(0), [0, 3]).size, 0);
  });

  it('a tensor whose ArrayBuffer was transferred away says so on every use', async () => {
    const values = new Float32Array([1, 2, 3, 4]);
    const t = tn.tensor(values, [2, 2]);
    structuredClone(values.buffer, { transfer: [values.buffer] });
    const detached = /memory of this tensor of shape \[2, 2\] was transferred away \(its ArrayBuffer is detached/;
    assert.throws(() => t.dataSync(), detached);
    await assert.rejects(t.data(), detached);
    assert.throws(() => t.arraySync(), detached);
    assert.throws(() => t.reshape([4]), detached);
    assert.throws(() => t.clone(), detached);
    assert.throws(() => t.argMax(), detached);
    const model = smallModel();
    // Through the model API: a transferred training set is named, not read as empty.
    const { y } = data(2);
    const x = tn.tensor(new Float32Array(6), [2, 3]);
    structuredClone(x.dataSync().buffer, { transfer: [x.dataSync().buffer] });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await assert.rejects(model.fit(x, y, { verbose: 0 }), /transferred away/);
    assert.throws(() => model.predict(x), /transferred away/);
    assert.throws(() => tn.tensor(new Float32Array(new ArrayBuffer(0)), [2]), /Cannot reshape a tensor of 0 elements/);
  });

  it('int32 tensors refuse NaN, fractions and values outside int32 instead of wrapping them', () => {
    assert.throws(() => tn.tensor([NaN], [1], 'int32'), /Expected integers for an int32 tensor for values\[0\] but received NaN/);
    assert.throws(() => tn.tensor([2 ** 31], [1], 'int32'), /values\[0\] = 2147483648 is outside the int32 range/);
    assert.throws(() => tn.tensor(new Float32Array([1, -3e9]), [2], 'int32'), /values\[1\] = -3000000000 is outside the int32 range/);
    assert.throws(() => tn.fill([2], 2 ** 40, 'int32'), /Expected an integer in int32 range for value/);
    assert.throws(() => tn.fill([2], 0.5, 'int32'), /Expected an integer in int32 range for value/);
    assert.throws(() => tn.fill([2], 1, 'int64'), /Expected 'float32' or 'int32' for dtype/);
    assert.deepStrictEqual(Array.from(tn.tensor([-(2 ** 31), 2 ** 31 - 1], [2], 'int32').dataSync()), [-(2 ** 31), 2 ** 31 - 1]);
  });

  it('setNumThreads takes [1, 1024]', () => {
    const before = tn.getNumThreads();
    for (const bad of [0, -1, 1025, 2 ** 31, 1.5, NaN, '2']) assert.throws(() => tn.setNumThreads(bad), /threads/);
    assert.strictEqual(tn.getNumThreads(), before);
  });

  it('a NaN, infinite, negative or non-number learning rate is an error when set', () => {
    const opt = tn.train.adam(0.01);
    for (const bad of [NaN, Infinity, -0.1, '0.1', undefined, null]) {
      assert.throws(() => { opt.learningRate = bad; }, /Expected a finite number >= 0 for learningRate/);
    }
    assert.strictEqual(opt.learningRate, 0.01);
    opt.learningRate = 0; // a schedule may end at 0
    assert.strictEqual(opt.learningRate, 0);
    assert.throws(() => tn.train.sgd(NaN), /learningRate/);
  });
});

describe('options that were accepted and ignored', () => {
  it('a later layer whose inputShape contradicts the model is an error; initialEpoch is an integer below epochs', async () => {
    const m = tn.sequential({ layers: [tn.layers.dense({ units: 2, inputShape: [3] })] });
    assert.throws(() => m.add(tn.layers.dense({ units: 2, inputShape: [5] })), /declares inputShape \[null, 5\] but the layer before it .* outputs \[null, 2\]/);
    m.add(tn.layers.dense({ units: 2, inputShape: [2] })); // agrees: fine, as Keras
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const { x } = data(4);
    await assert.rejects(m.fit(x, tn.zeros([4, 2]), { epochs: 3, initialEpoch: 1.5, verbose: 0 }), /Expected a non-negative integer for initialEpoch/);
    await assert.rejects(m.fit(x, tn.zeros([4, 2]), { epochs: 3, initialEpoch: 3, verbose: 0 }), /below epochs/);
  });
});

describe('bounded memory', () => {
  it('predict with many batch sizes keeps a bounded number of buffers per layer', () => {
    const model = smallModel();
    const x = tn.tensor(new Float32Array(300 * 3).fill(0.5), [300, 3]);
    const sizes = [];
    for (let b = 1; b <= 60; b++) sizes.push(b);
    for (const b of sizes) model.predict(x, { batchSize: b });
    for (const layer of model.layers) {
      // eslint-disable-next-line dot-notation
      const slots = [...layer['buffers'].values()];
      assert.ok(slots.length <= 2, `${layer.name} holds ${slots.length} buffers`);
      // One backing array per buffer name, at most 1.5 times the largest batch's need.
      for (const slot of slots) assert.ok(slot.storage.length <= 1.5 * 60 * 4 + 1, `${layer.name}: ${slot.storage.length}`);
      for (const slot of slots) assert.ok(slot.views.length <= 4);
    }
    // Results are still right after evictions: the same rows give the same outputs at any batch size.
    const a = model.predict(x, { batchSize: 7 }).dataSync();
    const b = model.predict(x, { batchSize: 300 }).dataSync();
    assert.deepStrictEqual(Array.from(a), Array.from(b));
  });
});

describe('bounded memory: views of one buffer', () => {
  it('a recurrent dropout mask made for a larger batch after a smaller one is right everywhere', () => {
    tn.setSeed(4);
    const layer = tn.layers.lstm({ units: 3, dropout: 0.5, recurrentDropout: 0.5 });
    layer.ensureBuilt([4, 2]);
    const rand = makeRandom(9);
    for (const batch of [2, 7, 3, 11]) {
      layer.forward(tn.tensor(rand(batch * 4 * 2), [batch, 4, 2]), true);
      // eslint-disable-next-line dot-notation
      const ones = layer['buffers'].get('ones:float32').views[0].dataSync();
      assert.ok(ones.every((v) => v === 1), `batch ${batch}: the ones buffer holds ${Array.from(ones)}`);
    }
  });
});

describe('honest training state', () => {
  it('freezing a layer and compiling again takes effect in the next fit', async () => {
    const model = smallModel();
    const { x, y } = data(16);
    model.compile({ optimizer: tn.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const first = model.layers[0];
    first.trainable = false;
    model.compile({ optimizer: tn.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    const frozen = first.getWeights().map((w) => Array.from(w.dataSync()));
    const head = model.layers[1].getWeights().map((w) => Array.from(w.dataSync()));
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    assert.deepStrictEqual(first.getWeights().map((w) => Array.from(w.dataSync())), frozen, 'the frozen layer did not move');
    assert.notDeepStrictEqual(model.layers[1].getWeights().map((w) => Array.from(w.dataSync())), head, 'the head trained');
    // Unfreezing takes effect too.
    first.trainable = true;
    model.compile({ optimizer: tn.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    assert.notDeepStrictEqual(first.getWeights().map((w) => Array.from(w.dataSync())), frozen, 'the unfrozen layer trained');
  });

  it('a layer frozen by a callback between batches stops moving at once (no stale gradient applied)', async () => {
    const model = smallModel();
    const { x, y } = data(32);
    model.compile({ optimizer: tn.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    let atFreeze = null;
    await model.fit(x, y, {
      epochs: 1, batchSize: 8, shuffle: false, verbose: 0,
      callbacks: [{ onBatchEnd: (batch) => {
        if (batch === 1) {
          model.layers[0].trainable = false;
          atFreeze = model.layers[0].getWeights().map((w) => Array.from(w.dataSync()));
        }
      } }],
    });
    assert.deepStrictEqual(model.layers[0].getWeights().map((w) => Array.from(w.dataSync())), atFreeze);
  });

  it('a second fit while the first is running is a clear error, and the first completes', async () => {
    const model = smallModel();
    const { x, y } = data(64);
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const first = model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    await assert.rejects(model.fit(x, y, { verbose: 0 }), /another fit\(\) call on it is still running/);
    assert.throws(() => model.trainOnBatch(x, y), /Cannot start trainOnBatch .* another fit\(\) call on it is still running/);
    const h = await first;
    assert.strictEqual(h.loss.length, 3);
    await model.fit(x, y, { epochs: 1, verbose: 0 }); // and a later one starts again
    assert.strictEqual(model.isTraining, false);
  });

  it('a fit that throws leaves the model able to fit again', async () => {
    const model = smallModel();
    const { x, y } = data(8);
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await assert.rejects(model.fit(x, y, { verbose: 0, callbacks: [{ onBatchEnd: () => { throw new Error('boom'); } }] }), /boom/);
    assert.strictEqual(model.isTraining, false);
    await model.fit(x, y, { epochs: 1, verbose: 0 });
  });

  it('stopTraining set in onBatchEnd stops after that batch; the epoch still ends with its logs', async () => {
    const model = smallModel();
    const { x, y } = data(80);
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const batches = [];
    const epochsEnded = [];
    const h = await model.fit(x, y, {
      epochs: 5, batchSize: 8, verbose: 0,
      callbacks: [{
        onBatchEnd: (batch) => {
          batches.push(batch);
          if (batch === 2) model.stopTraining = true;
        },
        onEpochEnd: (epoch, logs) => epochsEnded.push([epoch, logs.loss]),
      }],
    });
    assert.deepStrictEqual(batches, [0, 1, 2]);
    assert.strictEqual(epochsEnded.length, 1);
    assert.strictEqual(h.epoch.length, 1);
    assert.ok(Number.isFinite(h.loss[0]));
  });
});
