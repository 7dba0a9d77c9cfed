// Embedding: gather forward (exact), range and integrality errors naming the bad index, the
// sparse gradient (rows in the batch = sum of their dy rows, every other row exactly 0, also
// for rows the previous batch used), maskZero, and training through a model.
'use strict';
const assert = require('assert');
const { makeRandom, assertClose, tn } = require('./helpers');

function built(args, shape) {
  const l = tn.layers.embedding(args);
  l.ensureBuilt(shape);
  return l;
}

describe('embedding layer', () => {
  it('forward gathers table rows (int32 and integral float32 indices); output [batch, length, outputDim]', () => {
    const l = built({ inputDim: 7, outputDim: 3 }, [4]);
    const table = makeRandom(1)(21);
    l.setWeights([tn.tensor(table, [7, 3])]);
    const idx = [0, 6, 2, 2, 5, 1, 3, 0];
    for (const x of [tn.tensor(Int32Array.from(idx), [2, 4]), tn.tensor(Float32Array.from(idx), [2, 4])]) {
      const y = l.forward(x, false);
      assert.deepStrictEqual(y.shape, [2, 4, 3]);
      const want = new Float32Array(24);
      idx.forEach((r, i) => want.set(table.subarray(r * 3, r * 3 + 3), i * 3));
      assert.deepStrictEqual(Array.from(y.dataSync()), Array.from(want));
    }
    assert.strictEqual(l.inputDtype, 'int32');
  });

  it('an index out of range or not an integer is a clear error naming its position and value', () => {
    const l = built({ inputDim: 5, outputDim: 2 }, [3]);
    assert.throws(() => l.forward(tn.tensor(Int32Array.from([1, 2, 3, 4, 5, 0]), [2, 3]), false),
      (e) => e instanceof RangeError && /\[0, 5\)/.test(e.message) && /input\[1, 1\]/.test(e.message) && /received 5/.test(e.message));
    assert.throws(() => l.forward(tn.tensor(Int32Array.from([1, -1, 3]), [1, 3]), false), /input\[0, 1\] but received -1/);
    assert.throws(() => l.forward(tn.tensor(Float32Array.from([1, 2.5, 3]), [1, 3]), false), /integer index for input\[0, 1\]/);
    const m = tn.sequential({ layers: [tn.layers.embedding({ inputDim: 5, outputDim: 2, inputLength: 3 })] });
    assert.throws(() => m.predict(tn.tensor([[1, 2, 9]])), /input\[0, 2\] but received 9/);
    assert.throws(() => tn.layers.embedding({ inputDim: 0, outputDim: 2 }), /positive integer for inputDim/);
  });

  it('backward: rows in the batch get the sum of their dy rows, all others exactly 0 (also rows of the previous batch)', () => {
    const V = 50, D = 4;
    const l = built({ inputDim: V, outputDim: D }, [3]);
    const rand = makeRandom(2);
    const check = (idx) => {
      const x = tn.tensor(Int32Array.from(idx), [2, 3]);
      l.forward(x, true);
      const dy = rand(6 * D);
      assert.strictEqual(l.backward(tn.tensor(dy, [2, 3, D]), false), null);
      const want = new Float64Array(V * D);
      idx.forEach((r, i) => { for (let d = 0; d < D; d++) want[r * D + d] += dy[i * D + d]; });
      assertClose(l.embeddings.grad, want, { atol: 1e-6, rtol: 1e-6, what: 'dembeddings' });
    };
    check([3, 7, 3, 49, 0, 3]);
    check([8, 9, 10, 11, 12, 8]); // rows 3, 7, 49, 0 from the step before must now be 0
    check([0, 0, 0, 0, 0, 0]);
  });

  it('a large batch (scatter split over threads) gives the same gradient', () => {
    const V = 300, D = 32, n = 64 * 40;
    const l = built({ inputDim: V, outputDim: D }, [40]);
    const u = makeRandom(5)(n, 0, 1);
    const idx = Int32Array.from(u, (v) => Math.floor(v * v * V)); // skewed: many repeats
    l.forward(tn.tensor(idx, [64, 40]), true);
    const dy = makeRandom(6)(n * D);
    l.backward(tn.tensor(dy, [64, 40, D]), false);
    const want = new Float64Array(V * D);
    idx.forEach((r, i) => { for (let d = 0; d < D; d++) want[r * D + d] += dy[i * D + d]; });
    assertClose(l.embeddings.grad, want, { atol: 1e-4, rtol: 1e-5, what: 'dembeddings (threads)' });
  });

  it('maskZero makes a [batch, length] mask of the non-zero indices', () => {
    const l = built({ inputDim: 5, outputDim: 2, maskZero: true }, [4]);
    const x = tn.tensor(Int32Array.from([0, 1, 0, 4, 2, 2, 0, 0]), [2, 4]);
    l.forward(x, false);
    const m = l.computeMask(x, null);
    assert.deepStrictEqual(m.shape, [2, 4]);
    assert.deepStrictEqual(Array.from(m.dataSync()), [0, 1, 0, 1, 1, 1, 0, 0]);
    assert.strictEqual(built({ inputDim: 5, outputDim: 2 }, [4]).computeMask(x, null), null);
  });

  it('trains in a model: Embedding -> GlobalAveragePooling1D -> Dense learns which token a sequence holds', async () => {
    tn.setSeed(3);
    const n = 400, T = 6, rand = makeRandom(9);
    const u = rand(n * T, 0, 1);
    const x = Int32Array.from(u, (v) => 1 + Math.floor(v * 9));
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = x.subarray(i * T, (i + 1) * T).includes(7) ? 1 : 0;
    const model = tn.sequential({
      layers: [
        tn.layers.embedding({ inputDim: 10, outputDim: 8, inputLength: T }),
        tn.layers.globalAveragePooling1d(),
        tn.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: tn.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(tn.tensor(x, [n, T]), tn.tensor(y, [n, 1]), { epochs: 30, batchSize: 32, verbose: 0 });
    const acc = h.history.acc[h.history.acc.length - 1];
    assert.ok(acc >= 0.95, `accuracy ${acc}`);
  });
});
