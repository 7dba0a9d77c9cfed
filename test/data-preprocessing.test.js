// tn.preprocessing: padSequences and textVectorization against Keras 3's outputs, and
// ImageDataGenerator's transforms against Keras' apply_transform (scipy) on the same images
// (fixture from test/fixtures/make_keras_fixtures.py); a text classifier trained on vectorized text.
'use strict';
const assert = require('assert');
const { tn, assertClose } = require('./helpers');

const fixture = require('./fixtures/keras_data.json');
const values = (t) => Array.from(t.dataSync());
const camel = (args) => Object.fromEntries(Object.entries(args).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c) => c.toUpperCase()), v]));

describe('tn.preprocessing.sequence.padSequences', () => {
  it('equals keras.utils.pad_sequences for maxlen, padding, truncating and value', () => {
    const { sequences, cases } = fixture.padSequences;
    for (const c of cases) {
      const t = tn.preprocessing.sequence.padSequences(sequences, camel(c.args));
      assert.strictEqual(t.dtype, 'int32');
      assert.deepStrictEqual(t.arraySync(), c.out, JSON.stringify(c.args));
    }
  });

  it('float32, typed arrays, empty input; fractions for int32 are errors, not truncated', () => {
    const f = tn.preprocessing.sequence.padSequences([Float32Array.of(0.5, 1.5)], { dtype: 'float32', maxlen: 3, value: -1 });
    assert.strictEqual(f.dtype, 'float32');
    assert.deepStrictEqual(values(f), [-1, 0.5, 1.5]);
    assert.deepStrictEqual(tn.preprocessing.sequence.padSequences([]).shape, [0, 0]);
    assert.deepStrictEqual(tn.preprocessing.sequence.padSequences([[1], [2, 3]], { maxlen: 0 }).shape, [2, 0]);
    assert.throws(() => tn.preprocessing.sequence.padSequences([[1, 2.5]]), /Expected an int32 integer for sequences\[0\]\[1\] but received 2.5/);
    assert.throws(() => tn.preprocessing.sequence.padSequences([[1]], { padding: 'middle' }), /Expected one of 'pre', 'post' for padding/);
    assert.throws(() => tn.preprocessing.sequence.padSequences([[1]], { maxLen: 3 }), /unknown option 'maxLen'/);
    assert.throws(() => tn.preprocessing.sequence.padSequences([5]), /Expected an array of numbers for sequences\[0\]/);
  });
});

describe('tn.preprocessing.textVectorization', () => {
  it('adapt() builds Keras\' vocabulary (counts, then ties) and apply() gives Keras\' ids', () => {
    const { corpus, probe, cases } = fixture.textVectorization;
    for (const c of cases) {
      const v = tn.preprocessing.textVectorization(camel(c.args));
      v.adapt(corpus);
      assert.deepStrictEqual(v.getVocabulary(), c.vocabulary, `vocabulary for ${JSON.stringify(c.args)}`);
      const ids = v.apply(probe);
      assert.strictEqual(ids.dtype, 'int32');
      assert.deepStrictEqual(ids.arraySync(), c.out, `ids for ${JSON.stringify(c.args)}`);
    }
  });

  it('adapt from a dataset; a fixed vocabulary; custom standardize and split; one text; errors', async () => {
    const v = tn.preprocessing.textVectorization({ outputSequenceLength: 3 });
    await v.adapt(tn.data.array([['b a', 'b'], 'c b a']));
    assert.deepStrictEqual(v.getVocabulary(), ['', '[UNK]', 'b', 'a', 'c']);
    assert.deepStrictEqual(values(v.apply('A b z d')), [3, 2, 1]);
    const fixed = tn.preprocessing.textVectorization({ vocabulary: ['x', 'y'], split: (t) => t.split('-'), standardize: (t) => t.trim() });
    assert.deepStrictEqual(fixed.getVocabulary(), ['', '[UNK]', 'x', 'y']);
    assert.deepStrictEqual(fixed.apply([' x-y-q ', 'y']).arraySync(), [[2, 3, 1], [3, 0, 0]]);
    assert.strictEqual(fixed.vocabularySize(), 4);
    assert.throws(() => tn.preprocessing.textVectorization({ outputMode: 'multi_hot' }), /outputMode 'multi_hot' is not implemented/);
    assert.throws(() => tn.preprocessing.textVectorization({ ngrams: 2 }), /ngrams is not implemented/);
    assert.throws(() => tn.preprocessing.textVectorization({ maxTokens: 2 }), /maxTokens/);
    assert.throws(() => tn.preprocessing.textVectorization({ vocabulary: ['a', 'a'] }), /holds 'a' twice/);
    assert.throws(() => v.apply([3]), /Expected a string for texts\[0\] but received 3/);
    assert.throws(() => v.adapt(['ok', null]), /Expected a string for texts\[1\]/);
  });

  it('vectorized text trains an Embedding + LSTM sentiment classifier', async function () {
    this.timeout(60000);
    const good = ['great', 'good', 'lovely', 'fine', 'excellent', 'nice'];
    const bad = ['awful', 'bad', 'poor', 'terrible', 'boring', 'dull'];
    const filler = ['the', 'movie', 'was', 'really', 'plot', 'acting', 'and', 'quite'];
    let s = 3;
    const rand = (n) => ((s = (s * 1664525 + 1013904223) >>> 0) % n);
    const texts = [];
    const labels = [];
    for (let i = 0; i < 240; i++) {
      const positive = i % 2 === 0;
      const words = Array.from({ length: 3 + rand(5) }, () => filler[rand(filler.length)]);
      words.splice(rand(words.length + 1), 0, (positive ? good : bad)[rand(6)]);
      texts.push(`${words.join(' ')}${rand(2) ? '!' : '.'}`);
      labels.push(positive ? 1 : 0);
    }
    const vectorize = tn.preprocessing.textVectorization({ maxTokens: 40, outputSequenceLength: 10 });
    vectorize.adapt(texts.slice(0, 200));
    tn.setSeed(7);
    const model = tn.sequential({
      layers: [
        tn.layers.embedding({ inputDim: vectorize.vocabularySize(), outputDim: 8, maskZero: true, inputShape: [10] }),
        tn.layers.lstm({ units: 8 }),
        tn.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: tn.train.adam(0.02), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const x = vectorize.apply(texts);
    const y = tn.tensor(Float32Array.from(labels), [240, 1]);
    const xs = tn.tensor(x.dataSync().slice(0, 2000), [200, 10], 'int32');
    await model.fit(xs, tn.tensor(y.dataSync().slice(0, 200), [200, 1]), { epochs: 12, batchSize: 20, verbose: 0 });
    const [, acc] = await model.evaluate(tn.tensor(x.dataSync().slice(2000), [40, 10], 'int32'), tn.tensor(y.dataSync().slice(200), [40, 1]));
    assert.ok(acc.dataSync()[0] >= 0.9, `held-out accuracy ${acc.dataSync()[0]}`);
  });
});

describe('tn.preprocessing.image.imageDataGenerator transforms', () => {
  const T = fixture.applyTransform;

  it('applyTransform equals Keras\' (scipy.ndimage) for rotation, shift, shear, zoom, every fill mode, order 0 and 1', () => {
    const img = tn.tensor(Float32Array.from(T.image), T.shape);
    for (const c of T.cases) {
      const gen = tn.preprocessing.image.imageDataGenerator({ fillMode: c.fillMode, cval: -3, interpolationOrder: c.order });
      assertClose(values(gen.applyTransform(img, c.params)), c.out, { atol: 1e-3, rtol: 1e-5, what: `${JSON.stringify(c.params)} ${c.fillMode} order ${c.order}` });
    }
    assert.deepStrictEqual(values(img), T.image.map(Math.fround), 'the input is not changed');
  });

  it('flips, channel shift and brightness equal Keras\'; standardize equals Keras\'', () => {
    const img = tn.tensor(Float32Array.from(T.image8), T.shape8);
    const gen = tn.preprocessing.image.imageDataGenerator();
    for (const c of T.extra) {
      const p = c.params;
      const out = gen.applyTransform(img, { flipHorizontal: p.flip_horizontal, flipVertical: p.flip_vertical,
        channelShiftIntensity: p.channel_shift_intensity, brightness: p.brightness });
      assertClose(values(out), c.out, { atol: 1e-4, what: JSON.stringify(p) });
    }
    const std = tn.preprocessing.image.imageDataGenerator({ rescale: 1 / 255, samplewiseCenter: true, samplewiseStdNormalization: true });
    assertClose(values(std.standardize(img)), fixture.standardize.out, { atol: 1e-5, what: 'standardize' });
  });

  it('widthShiftRange shifts along the width, heightShiftRange along the height, in the documented units', () => {
    const w = tn.preprocessing.image.imageDataGenerator({ widthShiftRange: 0.25 });
    const h = tn.preprocessing.image.imageDataGenerator({ heightShiftRange: 3 });
    for (let seed = 0; seed < 50; seed++) {
      const pw = w.getRandomTransform([8, 20, 3], seed);
      assert.ok(pw.ty === 0 && Math.abs(pw.tx) <= 5, `width shift ${pw.tx} of a 20-wide image`);
      const ph = h.getRandomTransform([8, 20, 3], seed);
      assert.ok(ph.tx === 0 && [-2, -1, 0, 1, 2].includes(ph.ty), `an integer range of 3 draws whole pixels in (-3, 3): ${ph.ty}`);
    }
    // A one-pixel dot moves along x for tx, along y for ty.
    const dot = new Float32Array(5 * 5);
    dot[2 * 5 + 2] = 1;
    const g = tn.preprocessing.image.imageDataGenerator({ fillMode: 'constant' });
    const where = (t) => values(t).indexOf(1);
    assert.strictEqual(where(g.applyTransform(tn.tensor(dot, [5, 5, 1]), { tx: 1 })), 2 * 5 + 1);
    assert.strictEqual(where(g.applyTransform(tn.tensor(dot, [5, 5, 1]), { ty: 1 })), 1 * 5 + 2);
    const zoom = tn.preprocessing.image.imageDataGenerator({ zoomRange: [0.5, 0.8] });
    const z = zoom.getRandomTransform([4, 4, 1], 1);
    assert.ok(z.zx >= 0.5 && z.zx < 0.8 && z.zy >= 0.5 && z.zy < 0.8);
    const r = tn.preprocessing.image.imageDataGenerator({ rotationRange: 10, horizontalFlip: true }).getRandomTransform([4, 4, 1], 2);
    assert.ok(Math.abs(r.theta) <= 10 && typeof r.flipHorizontal === 'boolean');
  });

  it('flow(x, y): augmented in-memory batches, labels kept with their images', async () => {
    const n = 10;
    const x = tn.tensor(Float32Array.from({ length: n * 4 * 4 }, (_, i) => Math.floor(i / 16)), [n, 4, 4, 1]);
    const y = tn.tensor(Int32Array.from({ length: n }, (_, i) => i), [n], 'int32');
    const it = tn.preprocessing.image.imageDataGenerator({ horizontalFlip: true, rescale: 2 }).flow(x, y, { batchSize: 4, seed: 1 });
    assert.strictEqual(it.size, 3);
    const batches = await it.toArray();
    assert.deepStrictEqual(batches.map(([b]) => b.shape[0]), [4, 4, 2]);
    for (const [bx, by] of batches) {
      values(by).forEach((label, k) => assert.ok(values(bx).slice(k * 16, (k + 1) * 16).every((v) => v === 2 * label)));
    }
    assert.deepStrictEqual(batches.flatMap(([, by]) => values(by)).sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    assert.throws(() => tn.preprocessing.image.imageDataGenerator().flow(x, y, { subset: 'training' }), /subset is not implemented/);
  });
});
