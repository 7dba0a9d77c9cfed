'use strict';
const assert = require('assert');
const { tn } = require('./helpers');

describe('tensors and the zero-copy contract', () => {
  it('tn.tensor(float32Array, shape) aliases the caller\'s buffer', () => {
    const values = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = tn.tensor(values, [2, 3]);
    assert.deepStrictEqual(t.shape, [2, 3]);
    assert.strictEqual(t.dataSync(), values, 'dataSync returns the very same array');
    assert.strictEqual(t.dataSync().buffer, values.buffer, 'same ArrayBuffer');
    values[0] = 42;
    assert.strictEqual(t.dataSync()[0], 42, 'a write by the caller is seen by the tensor');
  });

  it('a subarray view keeps its offset (no copy)', () => {
    const backing = new Float32Array(10).map((_, i) => i);
    const t = tn.tensor(backing.subarray(4, 8), [2, 2]);
    assert.strictEqual(t.dataSync().buffer, backing.buffer);
    assert.deepStrictEqual(Array.from(t.dataSync()), [4, 5, 6, 7]);
  });

  it('native kernels read and write the aliased memory in place', () => {
    const x = new Float32Array([1, -2, 3, -4]);
    const layer = tn.layers.activation({ activation: 'relu', inputShape: [4] });
    tn.sequential({ layers: [layer] });
    const y = layer.forward(tn.tensor(x, [1, 4]), false);
    assert.deepStrictEqual(Array.from(y.dataSync()), [1, 0, 3, 0]);
    x[1] = 5; // the caller changes its buffer: the next forward sees it
    assert.deepStrictEqual(Array.from(layer.forward(tn.tensor(x, [1, 4]), false).dataSync()), [1, 5, 3, 0]);
  });

  it('dataSync() of a CPU tensor is a view: writing to it changes the tensor; data() is its async form', async () => {
    const t = tn.zeros([3]);
    t.dataSync()[1] = 7;
    assert.deepStrictEqual(Array.from(t.dataSync()), [0, 7, 0]);
    assert.strictEqual(await t.data(), t.dataSync());
  });

  it('the aliased buffer stays alive while the tensor lives (GC)', async function () {
    if (typeof global.gc !== 'function') {
      // Without --expose-gc we can still check that the tensor holds the reference itself.
      const t = tn.tensor(new Float32Array([9, 8, 7]), [3]);
      assert.deepStrictEqual(Array.from(t.dataSync()), [9, 8, 7]);
      return;
    }
    let t = tn.tensor(new Float32Array(1000).fill(3), [1000]);
    global.gc();
    assert.strictEqual(t.dataSync()[999], 3);
    t = null;
  });

  it('plain and nested arrays are copied; shapes are inferred', () => {
    const nested = [[1, 2, 3], [4, 5, 6]];
    const t = tn.tensor(nested);
    assert.deepStrictEqual(t.shape, [2, 3]);
    nested[0][0] = 100;
    assert.strictEqual(t.dataSync()[0], 1);
    assert.deepStrictEqual(t.arraySync(), [[1, 2, 3], [4, 5, 6]]);
    const flat = [1, 2, 3, 4];
    const u = tn.tensor(flat, [2, 2]);
    flat[0] = 9;
    assert.strictEqual(u.dataSync()[0], 1);
  });

  it('int32 tensors hold class indices; argMax and oneHot', () => {
    const labels = tn.tensor([2, 0, 1], [3], 'int32');
    assert.strictEqual(labels.dtype, 'int32');
    assert.ok(labels.dataSync() instanceof Int32Array);
    const hot = tn.oneHot(labels, 3);
    assert.deepStrictEqual(hot.arraySync(), [[0, 0, 1], [1, 0, 0], [0, 1, 0]]);
    assert.deepStrictEqual(Array.from(hot.argMax(-1).dataSync()), [2, 0, 1]);
    const ints = new Int32Array([1, 2]);
    assert.strictEqual(tn.tensor(ints).dataSync(), ints, 'Int32Array aliased too');
  });

  it('reshape shares memory; dispose drops it and later use says so', () => {
    const t = tn.tensor(new Float32Array(6), [2, 3]);
    const r = t.reshape([3, -1]);
    assert.deepStrictEqual(r.shape, [3, 2]);
    assert.strictEqual(r.dataSync(), t.dataSync());
    t.dispose();
    assert.ok(t.isDisposed);
    assert.throws(() => t.dataSync(), /was disposed/);
  });

  it('bad input names the argument, the expected and the actual value', () => {
    assert.throws(() => tn.tensor([1, 2, 3], [2, 2]), /Cannot reshape a tensor of 3 elements into shape \[2, 2\]/);
    assert.throws(() => tn.tensor([[1, 2], [3]]), /Expected an array of length 2 for values\[1\] but received \[3\] \(array\)/);
    assert.throws(() => tn.tensor('abc'), /Expected a typed array, an array or a number for values but received 'abc' \(string\)/);
    assert.throws(() => tn.tensor([1.5], [1], 'int32'), /Expected integers for an int32 tensor for values\[0\] but received 1.5/);
    assert.throws(() => tn.tensor([1], [1], 'float64'), /Expected 'float32' or 'int32' for dtype but received 'float64'/);
    assert.throws(() => tn.oneHot([0, 1.5], 3), /integers for an int32 tensor for oneHot\(indices\)\[1\] but received 1.5/);
    assert.throws(() => tn.oneHot([0, 1], 0), /oneHot\(depth\)/);
  });

  it('tidy, dispose and keep exist so TensorFlow.js code ports unchanged', () => {
    const t = tn.tidy(() => tn.ones([2]));
    assert.deepStrictEqual(Array.from(t.dataSync()), [1, 1]);
    assert.strictEqual(tn.tidy('named', () => 3), 3);
    assert.strictEqual(tn.keep(t), t);
    const a = tn.zeros([1]), b = tn.zeros([1]);
    tn.dispose([a, { b }]);
    assert.ok(a.isDisposed && b.isDisposed);
    assert.throws(() => tn.tidy(42), /Expected a function for tidy\(fn\) but received 42 \(number\)/);
  });
});
