// The rest of issue 12's tfjs-core ops: seeded random ops and multinomial, oneHot, topk, gather
// with batchDims, gatherND's gradient, stridedSlice's ellipsis and new-axis masks, TensorBuffer,
// and tidy/keep. Values against plain-JS references, gradients by finite differences.
'use strict';
const assert = require('assert');
const tn = require('..');
const { makeRng, seedOf, assertClose, checkGrad } = require('./gradcheck');

function rand(name, shape, lo = -1, hi = 1) {
  const rng = makeRng(seedOf(name));
  const n = shape.reduce((a, b) => a * b, 1);
  return new tn.Tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * rng()), shape, 'float32');
}
const stats = (v) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean: m, std: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length) };
};

describe('random ops (tfjs signatures, seeded)', () => {
  it('the same seed gives the same values; no seed follows tn.setSeed', () => {
    for (const f of ['randomNormal', 'randomUniform', 'truncatedNormal']) {
      const a = tn[f]([50], 0, 1, 'float32', 42), b = tn[f]([50], 0, 1, 'float32', 42), c = tn[f]([50], 0, 1, 'float32', 43);
      assert.deepStrictEqual(Array.from(a.values), Array.from(b.values), `${f}: seed 42 twice`);
      assert.notDeepStrictEqual(Array.from(a.values), Array.from(c.values), `${f}: seeds 42 and 43`);
    }
    tn.setSeed(5);
    const a = tn.randomNormal([20]);
    tn.setSeed(5);
    assert.deepStrictEqual(Array.from(tn.randomNormal([20]).values), Array.from(a.values));
  });
  it('have the asked distribution', () => {
    const n = tn.randomNormal([20000], 3, 2, 'float32', 1);
    const s = stats(Array.from(n.values));
    assert.ok(Math.abs(s.mean - 3) < 0.05 && Math.abs(s.std - 2) < 0.05, `normal: mean ${s.mean} std ${s.std}`);
    const t = Array.from(tn.truncatedNormal([20000], -1, 0.5, 'float32', 2).values);
    assert.ok(t.every((v) => v >= -2 - 1e-6 && v <= 1e-6), 'truncatedNormal stays within two standard deviations');
    const u = Array.from(tn.randomUniform([20000], -2, 4, 'float32', 3).values);
    assert.ok(u.every((v) => v >= -2 && v < 4));
    assert.ok(Math.abs(stats(u).mean - 1) < 0.05);
    const ints = tn.randomUniform([1000], 0, 10, 'int32', 4);
    assert.strictEqual(ints.dtype, 'int32');
    assert.ok(Array.from(ints.values).every((v) => Number.isInteger(v) && v >= 0 && v < 10));
    assert.strictEqual(tn.randomStandardNormal([2, 3], 'float32', 9).shape.join(), '2,3');
  });
  it('multinomial samples from softmax(logits), or from probabilities when normalized', () => {
    const s = tn.multinomial(tn.tensor([[0, Math.log(3)], [Math.log(9), 0]]), 4000, 7);
    assert.deepStrictEqual(s.shape, [2, 4000]);
    assert.strictEqual(s.dtype, 'int32');
    const ones = (row) => Array.from(s.values.subarray(row * 4000, (row + 1) * 4000)).filter((v) => v === 1).length / 4000;
    assert.ok(Math.abs(ones(0) - 0.75) < 0.03, `row 0: ${ones(0)} ones, expected 0.75`);
    assert.ok(Math.abs(ones(1) - 0.1) < 0.03, `row 1: ${ones(1)} ones, expected 0.1`);
    const p = tn.multinomial(tn.tensor([0, 0, 1]), 10, 1, true);
    assert.deepStrictEqual(Array.from(p.values), new Array(10).fill(2));
    assert.deepStrictEqual(Array.from(tn.multinomial(tn.tensor([1, 2]), 5, 3).values), Array.from(tn.multinomial(tn.tensor([1, 2]), 5, 3).values));
  });
  it('name bad arguments', () => {
    assert.throws(() => tn.randomNormal([2], 0, -1), /stdDev/);
    assert.throws(() => tn.randomUniform([2], 1, 0), /maxval/);
    assert.throws(() => tn.randomNormal([2], 0, 1, 'bool'), /randomNormal\(dtype\)/);
    assert.throws(() => tn.randomNormal([2], 0, 1, 'float32', 'x'), /seed/);
    assert.throws(() => tn.multinomial(tn.tensor([-1, 2]), 3, 1, true), /probabilities >= 0/);
    assert.throws(() => tn.multinomial(tn.tensor([1, 2]), 0), /numSamples/);
  });
});

describe('oneHot as tfjs', () => {
  it('int32 by default, onValue/offValue, any index shape, out-of-range rows off', () => {
    const h = tn.oneHot(tn.tensor([[1, 0], [2, 5]], undefined, 'int32'), 3);
    assert.strictEqual(h.dtype, 'int32');
    assert.deepStrictEqual(h.arraySync(), [[[0, 1, 0], [1, 0, 0]], [[0, 0, 1], [0, 0, 0]]]);
    assert.deepStrictEqual(tn.oneHot([0, 1], 2, 5, -1).arraySync(), [[5, -1], [-1, 5]]);
    const f = tn.oneHot([1], 3, 0.5, 0.1, 'float32');
    assertClose(f.values, [0.1, 0.5, 0.1]);
  });
});

describe('topk', () => {
  it('the k largest per row, sorted or in index order, ties to the lower index', () => {
    const x = tn.tensor([[3, 1, 4, 1, 5], [2, 7, 7, 1, 0]]);
    const { values, indices } = tn.topk(x, 3);
    assert.deepStrictEqual(values.arraySync(), [[5, 4, 3], [7, 7, 2]]);
    assert.deepStrictEqual(indices.arraySync(), [[4, 2, 0], [1, 2, 0]]);
    assert.deepStrictEqual(tn.topk(x, 3, false).indices.arraySync(), [[0, 2, 4], [0, 1, 2]]);
    const ints = tn.topk(tn.tensor([5, -2, 9], [3], 'int32'), 1);
    assert.strictEqual(ints.values.dtype, 'int32');
    assert.deepStrictEqual(Array.from(ints.values.values), [9]);
    assert.deepStrictEqual(tn.topk(rand('topk3', [2, 3, 4]), 2).values.shape, [2, 3, 2]);
    assert.throws(() => tn.topk(x, 6), /topk\(k\)/);
  });
  it('has a gradient into the picked entries', () => {
    checkGrad('topk', (t) => tn.topk(t, 2).values, [rand('topk grad', [3, 5])]);
  });
});

describe('gather with batchDims, gatherND gradient', () => {
  it('batchDims walks the leading axes of x and indices together (TensorFlow semantics)', () => {
    const x = rand('gbd x', [2, 3, 4, 2]);
    const idx = tn.tensor([[3, 0, 1], [2, 2, 0]], undefined, 'int32');
    const y = tn.gather(x, idx, 2, 1);  // x.shape[:2] + idx.shape[1:] + x.shape[3:]
    assert.deepStrictEqual(y.shape, [2, 3, 3, 2]);
    const want = [];
    for (let b = 0; b < 2; b++) for (let m = 0; m < 3; m++) for (let j = 0; j < 3; j++) for (let r = 0; r < 2; r++) {
      want.push(x.values[((b * 3 + m) * 4 + idx.values[b * 3 + j]) * 2 + r]);
    }
    assertClose(y.values, want, { atol: 0 });
    checkGrad('gather batchDims', (t) => tn.gather(t, idx, 2, 1), [x]);
    assert.throws(() => tn.gather(x, tn.tensor([[4, 0, 1], [0, 0, 0]], undefined, 'int32'), 2, 1), /gather\(indices\)\[0\]/);
    assert.throws(() => tn.gather(x, tn.tensor([[0], [0], [0]], undefined, 'int32'), 1, 1), /must agree on the first 1 axes/);
  });
  it('gatherND has a gradient (repeated indices add up)', () => {
    const x = rand('gnd x', [3, 4]);
    const idx = tn.tensor([[0, 1], [2, 3], [0, 1]], undefined, 'int32');
    checkGrad('gatherND', (t) => tn.gatherND(t, idx), [x]);
    checkGrad('gatherND rows', (t) => tn.gatherND(t, tn.tensor([[2], [2], [0]], undefined, 'int32')), [x]);
  });
});

describe('stridedSlice masks', () => {
  const x = tn.range(0, 60).reshape([3, 4, 5]);
  it('ellipsis stands for the axes the other entries leave over', () => {
    const y = tn.stridedSlice(x, [0, 1], [0, 4], [1, 2], 0, 0, 1);  // x[..., 1:4:2]
    assert.deepStrictEqual(y.shape, [3, 4, 2]);
    assert.deepStrictEqual(Array.from(y.values).slice(0, 4), [1, 3, 6, 8]);
    const z = tn.stridedSlice(x, [1, 0, 2], [2, 0, 3], [1, 1, 1], 0, 0, 2);  // x[1:2, ..., 2:3]
    assert.deepStrictEqual(z.shape, [1, 4, 1]);
    assert.deepStrictEqual(Array.from(z.values), [22, 27, 32, 37]);
  });
  it('newAxis inserts axes of size 1; shrink drops them; negative strides', () => {
    const y = tn.stridedSlice(x, [0, 2, 0], [0, 3, 0], [1, 1, 1], 0, 0, 0, 0b101);  // x[None, 2:3, None]
    assert.deepStrictEqual(y.shape, [1, 1, 1, 4, 5]);
    assert.strictEqual(y.values[0], 40);
    const s = tn.stridedSlice(x, [-1, 0, 4], [0, 0, 0], [1, 1, -1], 0, 0b110, 0, 0, 0b001);  // x[-1, :, 4::-1]
    assert.deepStrictEqual(s.shape, [4, 5]);
    assert.deepStrictEqual(Array.from(s.values).slice(0, 5), [44, 43, 42, 41, 40]);
    const e = tn.stridedSlice(x, [1, 0], [2, 0], [1, 1], 0, 0, 0b10, 0b00, 0b01);  // x[1, ...]
    assert.deepStrictEqual(e.shape, [4, 5]);
    assert.strictEqual(e.values[0], 20);
    checkGrad('stridedSlice ellipsis+newAxis', (t) => tn.stridedSlice(t, [0, 1, 0], [0, 3, 0], [1, 1, 1], 0, 0, 0b100, 0b001),
      [rand('ss grad', [2, 4, 3])]);
  });
  it('names bad masks', () => {
    assert.throws(() => tn.stridedSlice(x, [0, 0], [1, 1], [1, 1], 0, 0, 0b11), /at most one bit/);
    assert.throws(() => tn.stridedSlice(x, [0, 0, 0, 0], [1, 1, 1, 1]), /4 indexed axes but x has rank 3/);
    assert.throws(() => tn.stridedSlice(x, [0], [1, 2]), /same length/);
  });
});

describe('TensorBuffer', () => {
  it('set/get/toTensor/indexToLoc as tfjs; bufferSync copies', () => {
    const b = tn.buffer([2, 3], 'int32');
    b.set(7, 1, 2);
    b.set(3, 0, 1);
    assert.strictEqual(b.get(1, 2), 7);
    assert.deepStrictEqual(b.strides, [3]);
    assert.deepStrictEqual(b.indexToLoc(5), [1, 2]);
    assert.strictEqual(b.locToIndex([1, 2]), 5);
    const t = b.toTensor();
    assert.deepStrictEqual(t.arraySync(), [[0, 3, 0], [0, 0, 7]]);
    b.set(1, 0, 0);
    assert.strictEqual(t.values[0], 0, 'toTensor copies');
    const copy = t.bufferSync();
    copy.set(9, 0, 0);
    assert.strictEqual(t.values[0], 0, 'bufferSync copies');
    assert.throws(() => b.set(1, 2, 0), /TensorBuffer index 0/);
    assert.throws(() => b.get(0), /1 indices for a rank-2 buffer/);
    assert.throws(() => tn.buffer([2], 'float32', new Float32Array(3)), /3 values for shape \[2\]/);
  });
});

describe('tidy and keep', () => {
  it('tidy disposes what fn made except what it returns and what keep() marked', () => {
    let inner, kept;
    const out = tn.tidy(() => {
      inner = tn.ones([3]).add(1);
      kept = tn.keep(inner.mul(2));
      return { a: inner.sub(1), list: [inner.add(5)] };
    });
    assert.ok(inner.isDisposed, 'an intermediate is disposed');
    assert.ok(!kept.isDisposed, 'keep() survives');
    assert.deepStrictEqual(Array.from(out.a.values), [1, 1, 1]);
    assert.deepStrictEqual(Array.from(out.list[0].values), [7, 7, 7]);
    assert.throws(() => inner.add(1), /disposed/);
  });
  it('a model built and used inside tidy keeps working afterwards', () => {
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 2, inputShape: [3], activation: 'relu' })] });
    const x = tn.ones([4, 3]);
    const first = tn.tidy(() => model.predict(x));
    const second = model.predict(x);
    assert.deepStrictEqual(Array.from(first.values), Array.from(second.values));
  });
  it('variables made inside tidy survive it; a Promise result is an error', () => {
    const v = tn.tidy(() => tn.variable(tn.zeros([2])));
    assert.ok(!v.isDisposed);
    assert.throws(() => tn.tidy(async () => 1), /returned a Promise/);
    assert.throws(() => tn.tidy(5), /tidy\(fn\)/);
  });
});
