// Keras 3 .keras files: fixtures written by Keras 3 (scripts/fixtures/make_keras_io_fixtures.py)
// load with Keras' predictions; ours round-trip bit-identically; damaged files and layers or
// options without a counterpart are clear errors. (That Keras loads the files written here was
// checked with scripts/fixtures/check_keras_loads_ours.py; the tests need no Python.)
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { tn, assertClose } = require('./helpers');
const { modelZoo, randomizeWeights, sampleInput } = require('./io-helpers');

const FIXTURES = path.join(__dirname, 'fixtures', 'io');
const MODELS = ['dense', 'conv2d', 'conv1d', 'flatten_reshape', 'embedding_rnn', 'bidirectional', 'compiled', 'compiled_rmsprop', 'compiled_sgd'];

function fixture(name) {
  const fx = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'));
  return { ...fx, x: tn.tensor(fx.input, undefined, fx.input_dtype), y: Float32Array.from(fx.prediction.flat(Infinity)) };
}

function tmpfile(name) {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tn-keras-')), name);
}

function same(a, b, what) {
  assert.strictEqual(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
}

describe('io: Keras 3 .keras files', () => {
  for (const name of MODELS) {
    it(`${name}.keras (written by Keras ${fixture(name).keras_version}) loads with Keras' predictions, and re-saves bit-identically`, async () => {
      const fx = fixture(name);
      const model = await tn.loadLayersModel(`file://${path.join(FIXTURES, `${name}.keras`)}`);
      const y = model.predict(fx.x).dataSync();
      assertClose(y, fx.y, { atol: 1e-6, rtol: 1e-5, what: `${name} vs Keras` });
      const file = tmpfile(`${name}.keras`);
      await model.save(`file://${file}`, model.optimizer ? { includeOptimizer: true } : undefined);
      const again = await tn.loadLayersModel(`file://${file}`);
      same(again.predict(fx.x).dataSync(), y, 'predictions after our round trip');
      if (process.env.KEEP_KERAS_DIR) fs.copyFileSync(file, path.join(process.env.KEEP_KERAS_DIR, `${name}.keras`));
    });
  }

  it('a compiled model comes back compiled, with the optimizer state Keras saved (iterations, Adam slots)', async () => {
    const model = await tn.loadLayersModel(`file://${path.join(FIXTURES, 'compiled.keras')}`);
    assert.strictEqual(model.optimizer.getClassName(), 'Adam');
    assert.strictEqual(model.optimizer.iterations, 2);
    assert.ok(Math.abs(model.optimizer.learningRate - 0.01) < 1e-8);
    const slots = await model.optimizer.getWeights();
    // after two Adam steps the m slots is (1 - beta1) * grad: non-zero somewhere
    assert.ok(slots.filter((s) => s.name.endsWith('/m')).some((s) => s.tensor.dataSync().some((v) => v !== 0)));
    const fx = fixture('compiled');
    const [loss] = await model.evaluate(fx.x, tn.oneHot(tn.tensor([0, 1, 0], [3], 'int32'), 2));
    assert.ok(Number.isFinite(loss.dataSync()[0]));
  });

  for (const [name, opt] of [['compiled', 'Adam'], ['compiled_rmsprop', 'RMSProp'], ['compiled_sgd', 'Momentum']]) {
    it(`${name}.keras (${opt}, saved by Keras after 2 steps): our next step gives the weights of Keras' next step`, async () => {
      const fx = fixture(name);
      const model = await tn.loadLayersModel(`file://${path.join(FIXTURES, `${name}.keras`)}`);
      assert.strictEqual(model.optimizer.getClassName(), opt);
      assert.strictEqual(model.optimizer.iterations, 2);
      model.trainOnBatch(fx.x, tn.tensor(fx.target));
      const ours = model.getWeights().map((w) => w.dataSync());
      assert.strictEqual(ours.length, fx.weights_after_next_step.length);
      ours.forEach((w, i) => assertClose(w, fx.weights_after_next_step[i], { atol: 1e-6, rtol: 1e-5, what: `${name} weight ${i} after the next step` }));
      // without the saved optimizer state the next step is another one (so the check above can fail)
      const fresh = await tn.loadLayersModel(`file://${path.join(FIXTURES, `${name}.keras`)}`);
      await fresh.optimizer.setWeights([{ name: 'iter', tensor: tn.tensor(new Int32Array([0]), [], 'int32') }]);
      const zeroed = (await fresh.optimizer.getWeights()).slice(1).map((w) => ({ name: w.name, tensor: tn.zerosLike(w.tensor) }));
      await fresh.optimizer.setWeights(zeroed);
      fresh.trainOnBatch(fx.x, tn.tensor(fx.target));
      const diff = fresh.getWeights().map((w, i) => Math.max(...Array.from(w.dataSync(), (v, k) => Math.abs(v - fx.weights_after_next_step[i][k]))));
      assert.ok(Math.max(...diff) > 1e-4, `fresh optimizer differs by only ${Math.max(...diff)}`);
    });
  }

  for (const [name, make, shape, dtype] of modelZoo()) {
    it(`our ${name} model round-trips through .keras bit-identically`, async () => {
      const model = make();
      randomizeWeights(model);
      const file = tmpfile('m.keras');
      await model.save(`file://${file}`);
      const loaded = await tn.loadLayersModel(`file://${file}`);
      const x = sampleInput(shape, dtype);
      same(loaded.predict(x).dataSync(), model.predict(x).dataSync(), 'predictions');
    });
  }

  it('resumed training from a .keras saved with includeOptimizer equals uninterrupted training', async () => {
    tn.setSeed(5);
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 6, activation: 'relu', inputShape: [3] }), tn.layers.dense({ units: 2, activation: 'softmax' })] });
    model.compile({ optimizer: tn.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x = tn.randomUniform([16, 3]);
    const y = tn.oneHot(tn.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 2), [16], 'int32'), 2);
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const file = tmpfile('resume.keras');
    await model.save(`file://${file}`, { includeOptimizer: true });
    const b = await tn.loadLayersModel(`file://${file}`);
    assert.strictEqual(b.optimizer.iterations, 8);
    tn.setSeed(6);
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    tn.setSeed(6);
    await b.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    same(b.getWeights().flatMap((w) => Array.from(w.dataSync())), model.getWeights().flatMap((w) => Array.from(w.dataSync())), 'weights');
  });

  it('a layer or an option without a counterpart is an error naming it', async () => {
    await assert.rejects(tn.loadLayersModel(`file://${path.join(FIXTURES, 'unsupported.keras')}`),
      /layer 'layer_normalization' \(LayerNormalization\) has no counterpart in tensornode/);
    await assert.rejects(tn.loadLayersModel(`file://${path.join(FIXTURES, 'regularized.keras')}`),
      /\(Dense\): option kernel_regularizer=.*"L2".* has no counterpart in tensornode/);
  });

  it('truncated and bit-flipped .keras files are errors naming the file', async () => {
    const good = fs.readFileSync(path.join(FIXTURES, 'bidirectional.keras'));
    const file = tmpfile('bad.keras');
    for (const cut of [10, Math.floor(good.length / 2), good.length - 30]) {
      fs.writeFileSync(file, good.subarray(0, cut));
      await assert.rejects(tn.loadLayersModel(`file://${file}`), (e) => e.message.includes(file));
    }
    // flip one bit at many places; every result is an error naming the file, never a model with other weights
    const fx = fixture('bidirectional');
    let loadedSame = 0, errors = 0;
    for (let at = 0; at < good.length; at += Math.floor(good.length / 60)) {
      const c = Buffer.from(good);
      c[at] ^= 1 << (at % 8);
      fs.writeFileSync(file, c);
      try {
        const m = await tn.loadLayersModel(`file://${file}`);
        // a flip in a part no check covers (zip padding, an unused HDF5 byte) must leave the model intact
        assertClose(m.predict(fx.x).dataSync(), fx.y, { atol: 1e-6, rtol: 1e-5, what: `flip at ${at}` });
        loadedSame++;
      } catch (e) {
        if (e.code === 'ERR_ASSERTION') throw e;
        assert.ok(e.message.includes(file), e.message);
        errors++;
      }
    }
    assert.ok(errors > 40, `${errors} errors, ${loadedSame} intact loads`);
  });

  it('a missing entry and a shape mismatch in model.weights.h5 are errors', async () => {
    const fflate = require('fflate');
    const files = fflate.unzipSync(fs.readFileSync(path.join(FIXTURES, 'dense.keras')));
    const file = tmpfile('x.keras');
    fs.writeFileSync(file, fflate.zipSync({ 'config.json': files['config.json'], 'metadata.json': files['metadata.json'] }));
    await assert.rejects(tn.loadLayersModel(`file://${file}`), /has no model\.weights\.h5/);
    const config = JSON.parse(Buffer.from(files['config.json']).toString());
    config.config.layers[1].config.units = 6;   // the file's kernel is [4, 5]
    fs.writeFileSync(file, fflate.zipSync({ ...files, 'config.json': Buffer.from(JSON.stringify(config)) }));
    await assert.rejects(tn.loadLayersModel(`file://${file}`), /layers\/dense\/vars\/0 has shape \[4, 5\] but .*kernel of layer 'dense(_\d+)?' has shape \[4, 6\]/);
  });
});
