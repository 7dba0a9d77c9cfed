// Merge layers (add, subtract, multiply, average, maximum, minimum, concatenate, dot):
// outputs against float64 references, with Keras' broadcasting; gradients through
// layer.call by finite differences; masks; configs; errors naming the layer.
'use strict';
const assert = require('assert');
const tn = require('..');
const { makeRng, seedOf, assertClose, checkGrad } = require('./gradcheck');

function randomTensor(shape, name, lo = -1, hi = 1) {
  const rng = makeRng(seedOf(name));
  const n = shape.reduce((a, b) => a * b, 1);
  return new tn.Tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * rng()), shape, 'float32');
}

/**
 * Tensors whose values are all distinct, at least 0.04 apart (a shuffled grid plus noise), so
 * maximum and minimum never meet a tie within a finite-difference step.
 */
function distinctTensors(shapes, name) {
  const rng = makeRng(seedOf(name));
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const order = Array.from({ length: total }, (_, i) => i);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let at = 0;
  return shapes.map((s, k) => new tn.Tensor(Float32Array.from({ length: sizes[k] }, () => -1 + 0.05 * order[at++] + 0.01 * rng()), s, 'float32'));
}

const stridesOf = (shape) => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

/** Keras' Merge: lower ranks get size-1 axes after the batch axis, then numpy broadcasting (float64). */
function mergeRef(tensors, f) {
  const rank = Math.max(...tensors.map((t) => t.rank));
  const shapes = tensors.map((t) => [t.shape[0], ...new Array(rank - t.rank).fill(1), ...t.shape.slice(1)]);
  const out = shapes[0].map((_, i) => Math.max(...shapes.map((s) => s[i])));
  const n = out.reduce((a, b) => a * b, 1);
  const outStrides = stridesOf(out);
  const result = new Float64Array(n);
  for (let flat = 0; flat < n; flat++) {
    const idx = out.map((d, i) => Math.floor(flat / outStrides[i]) % d);
    const vals = tensors.map((t, k) => {
      const s = shapes[k], st = stridesOf(s);
      return t.values[idx.reduce((o, v, i) => o + (s[i] === 1 ? 0 : v) * st[i], 0)];
    });
    result[flat] = f(vals);
  }
  return { shape: out, values: result };
}

const OPS = {
  add: (v) => v.reduce((a, b) => a + b),
  subtract: (v) => v[0] - v[1],
  multiply: (v) => v.reduce((a, b) => a * b),
  average: (v) => v.reduce((a, b) => a + b) / v.length,
  maximum: (v) => Math.max(...v),
  minimum: (v) => Math.min(...v),
};
const CLASS = { add: 'Add', subtract: 'Subtract', multiply: 'Multiply', average: 'Average', maximum: 'Maximum', minimum: 'Minimum' };

describe('elementwise merge layers', () => {
  for (const [name, ref] of Object.entries(OPS)) {
    const count = name === 'subtract' ? 2 : 3;

    it(`${name}: output and gradients on inputs of one shape`, () => {
      const xs = distinctTensors(new Array(count).fill([4, 3, 5]), name);
      const layer = tn.layers[name]();
      assert.strictEqual(layer.getClassName(), CLASS[name]);
      const y = layer.apply(xs);
      const want = mergeRef(xs, ref);
      assert.deepStrictEqual(y.shape, want.shape);
      assertClose(y.dataSync(), want.values, { what: name });
      checkGrad(`${name} layer`, (...ts) => layer.call(ts, {}), xs);
    });

    it(`${name}: Keras' broadcasting (size-1 axes, lower ranks expanded after the batch axis)`, () => {
      const shapes = name === 'subtract' ? [[3, 2, 4], [3, 4]] : [[3, 4], [3, 2, 4], [3, 2, 1]];
      const xs = distinctTensors(shapes, `${name} broadcast`);
      const layer = tn.layers[name]();
      assert.deepStrictEqual(layer.computeOutputShape(shapes.map((s) => s.slice(1))), [2, 4]);
      const y = layer.apply(xs);
      const want = mergeRef(xs, ref);
      assert.deepStrictEqual(y.shape, [3, 2, 4]);
      assertClose(y.dataSync(), want.values, { what: `${name} broadcast` });
      checkGrad(`${name} layer broadcast`, (...ts) => layer.call(ts, {}), xs);
    });
  }

  it('the tfjs list form: tn.layers.add([a, b]) is the new layer applied to the list', () => {
    const a = randomTensor([2, 3], 'list a'), b = randomTensor([2, 3], 'list b');
    assertClose(tn.layers.add([a, b]).dataSync(), mergeRef([a, b], OPS.add).values, { what: 'add([a, b])' });
    assertClose(tn.layers.maximum([a, b]).dataSync(), mergeRef([a, b], OPS.maximum).values, { what: 'maximum([a, b])' });
    assert.deepStrictEqual(tn.layers.concatenate([a, b]).shape, [2, 6]);
    assert.ok(tn.layers.add() instanceof tn.Layer);
    // a layer takes a single input in a list (Keras 3 allows one)
    assertClose(tn.layers.add().apply([a]).dataSync(), a.dataSync(), { what: 'add of one input' });
  });

  it('on symbolic tensors (the functional API) the factories infer the output shapes', () => {
    const { SymbolicTensor } = require('../dist/layers/topology');
    const a = new SymbolicTensor([null, 3], 'float32', 'a', null, 0), b = new SymbolicTensor([null, 2, 3], 'float32', 'b', null, 0);
    assert.deepStrictEqual(tn.layers.add([a, b]).shape, [null, 2, 3]);
    assert.deepStrictEqual(tn.layers.concatenate({ axis: 1 }).apply([b, b]).shape, [null, 4, 3]);
    assert.deepStrictEqual(tn.layers.dot({ axes: [2, 2] }).apply([b, b]).shape, [null, 2, 2]);
    assert.deepStrictEqual(tn.layers.dot({ axes: 1 }).apply([a, a]).shape, [null, 1]);
  });

  it('wrong inputs are errors naming the layer', () => {
    const a = randomTensor([2, 3], 'err a'), b = randomTensor([2, 4], 'err b');
    assert.throws(() => tn.layers.add({ name: 'my_add' }).apply([a, b]), /Layer my_add \(Add\): inputs have incompatible shapes \[null, 3\], \[null, 4\]/);
    assert.throws(() => tn.layers.subtract({ name: 'sub3' }).apply([a, a, a]), /Layer sub3 \(Subtract\) must be called on exactly 2 inputs but received 3/);
    assert.throws(() => tn.layers.multiply({ name: 'one' }).apply(a), /Layer one \(Multiply\) must be called on a list of inputs/);
    assert.throws(() => tn.layers.average({ name: 'bs' }).call([a, randomTensor([3, 3], 'other batch')], {}), /Layer bs \(Average\) cannot merge tensors with different batch sizes/);
    assert.throws(() => tn.layers.maximum({ name: 'm' }).call(a, {}), /Layer m \(Maximum\) must be called on a list of tensors/);
    assert.throws(() => tn.layers.add({ units: 3 }), /add: unknown option 'units'/);
    const built = tn.layers.add();
    built.apply([a, a]);
    assert.throws(() => built.apply([b, b]), /was built for input shape/);
  });

  it('getConfig is the base config', () => {
    const c = tn.layers.minimum({ name: 'mn' }).getConfig();
    assert.deepStrictEqual(c, { name: 'mn', trainable: true });
  });
});

describe('concatenate', () => {
  it('joins along the last axis by default and along any non-batch axis; gradients', () => {
    const a = randomTensor([2, 3, 4], 'cat a'), b = randomTensor([2, 3, 2], 'cat b'), c = randomTensor([2, 5, 4], 'cat c');
    const last = tn.layers.concatenate();
    const y = last.apply([a, b]);
    assert.deepStrictEqual(y.shape, [2, 3, 6]);
    const want = [];
    for (let r = 0; r < 6; r++) {
      for (let j = 0; j < 4; j++) want.push(a.values[r * 4 + j]);
      for (let j = 0; j < 2; j++) want.push(b.values[r * 2 + j]);
    }
    assertClose(y.dataSync(), want, { what: 'concatenate axis -1' });
    checkGrad('concatenate axis -1', (...ts) => last.call(ts, {}), [a, b]);
    const mid = tn.layers.concatenate({ axis: 1 });
    assert.deepStrictEqual(mid.computeOutputShape([[3, 4], [5, 4]]), [8, 4]);
    const y1 = mid.apply([a, c]);
    assert.deepStrictEqual(y1.shape, [2, 8, 4]);
    const want1 = [];
    for (let s = 0; s < 2; s++) {
      want1.push(...a.values.subarray(s * 12, s * 12 + 12));
      want1.push(...c.values.subarray(s * 20, s * 20 + 20));
    }
    assertClose(y1.dataSync(), want1, { what: 'concatenate axis 1' });
    checkGrad('concatenate axis 1', (...ts) => mid.call(ts, {}), [a, c]);
    assert.deepStrictEqual(tn.layers.concatenate({ axis: -2, name: 'cc' }).getConfig(), { name: 'cc', trainable: true, axis: -2 });
  });

  it('mismatched shapes and the batch axis are errors naming the layer', () => {
    const a = randomTensor([2, 3, 4], 'cat err a'), b = randomTensor([2, 5, 2], 'cat err b');
    assert.throws(() => tn.layers.concatenate({ name: 'cat' }).apply([a, b]), /Layer cat \(Concatenate\) needs inputs of matching shapes except along axis -1 but input 1 has shape \[null, 5, 2\]/);
    assert.throws(() => tn.layers.concatenate({ name: 'cat0', axis: 0 }).apply([a, a]), /Layer cat0 \(Concatenate\): axis 0 is the batch axis/);
    assert.throws(() => tn.layers.concatenate({ name: 'cat5', axis: 5 }).apply([a, a]), /Layer cat5 \(Concatenate\): axis 5 is out of range/);
    assert.throws(() => tn.layers.concatenate({ axis: 1.5 }), /concatenate\(\{axis\}\)/);
  });
});

/** float64 per-sample dot of x's axis a0 with y's axis a1 (full shapes), Keras' batch_dot layout. */
function batchDotRef(x, y, a0, a1, normalize) {
  const norm = (t, axis) => {
    const st = stridesOf(t.shape);
    const v = Float64Array.from(t.values);
    const sums = new Map();
    const key = (flat) => t.shape.map((d, i) => (i === axis ? 0 : Math.floor(flat / st[i]) % d)).join(',');
    for (let i = 0; i < v.length; i++) sums.set(key(i), (sums.get(key(i)) ?? 0) + v[i] * v[i]);
    return v.map((x0, i) => x0 / Math.sqrt(Math.max(sums.get(key(i)), 1e-14)));
  };
  const xv = normalize ? norm(x, a0) : x.values, yv = normalize ? norm(y, a1) : y.values;
  const xs = stridesOf(x.shape), ys = stridesOf(y.shape);
  const xRest = x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a0);
  const yRest = y.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a1);
  const outShape = [x.shape[0], ...xRest.map((i) => x.shape[i]), ...yRest.map((i) => y.shape[i])];
  const rec = (dims, idx, fn) => (dims.length === 0 ? fn(idx) : Array.from({ length: dims[0] }, (_, k) => rec(dims.slice(1), [...idx, k], fn)));
  const values = [];
  for (let b = 0; b < x.shape[0]; b++) {
    rec([...xRest.map((i) => x.shape[i]), ...yRest.map((i) => y.shape[i])], [], (idx) => {
      let s = 0;
      for (let k = 0; k < x.shape[a0]; k++) {
        let xo = b * xs[0] + k * xs[a0], yo = b * ys[0] + k * ys[a1];
        xRest.forEach((ax, j) => (xo += idx[j] * xs[ax]));
        yRest.forEach((ax, j) => (yo += idx[xRest.length + j] * ys[ax]));
        s += xv[xo] * yv[yo];
      }
      values.push(s);
    });
  }
  return { shape: outShape.length === 1 ? [x.shape[0], 1] : outShape, values };
}

describe('dot', () => {
  const cases = [
    // [x shape, y shape, axes, resolved [a0, a1]]
    [[3, 5], [3, 5], 1, [1, 1]],
    [[3, 5], [3, 5], -1, [1, 1]],
    [[2, 3, 5], [2, 10, 3], [1, 2], [1, 2]],   // Keras' docstring example: (2, 5, 10)
    [[2, 4, 3], [2, 4], [1, 1], [1, 1]],
    [[2, 3], [2, 3, 6], [1, 1], [1, 1]],
    [[2, 3, 4, 2], [2, 2, 5], [-1, 1], [3, 1]],
  ];
  for (const [sx, sy, axes, [a0, a1]] of cases) {
    for (const normalize of [false, true]) {
      it(`x ${JSON.stringify(sx)} · y ${JSON.stringify(sy)} over axes ${JSON.stringify(axes)}${normalize ? ', normalized' : ''}: output and gradients`, () => {
        const x = randomTensor(sx, `dot x ${sx} ${axes}`), y = randomTensor(sy, `dot y ${sy} ${axes}`);
        const layer = tn.layers.dot({ axes, normalize });
        const out = layer.apply([x, y]);
        const want = batchDotRef(x, y, a0, a1, normalize);
        assert.deepStrictEqual(out.shape, want.shape);
        assert.deepStrictEqual(layer.computeOutputShape([sx.slice(1), sy.slice(1)]), want.shape.slice(1));
        assertClose(out.dataSync(), want.values, { atol: 1e-5, what: 'dot' });
        checkGrad(`dot ${sx} ${sy} ${axes} ${normalize}`, (...ts) => layer.call(ts, {}), [x, y], { tol: 3e-2 });
      });
    }
  }

  it('normalize gives cosine similarities in [-1, 1]; config; errors', () => {
    const x = randomTensor([4, 6], 'cos x'), y = randomTensor([4, 6], 'cos y');
    const cos = tn.layers.dot({ axes: 1, normalize: true }).apply([x, y]).dataSync();
    assert.ok(Array.from(cos).every((c) => Math.abs(c) <= 1 + 1e-6));
    assertClose(tn.layers.dot({ axes: 1, normalize: true }).apply([x, x]).dataSync(), [1, 1, 1, 1], { atol: 1e-5, what: 'cos(x, x)' });
    assert.deepStrictEqual(tn.layers.dot({ axes: [1, 2], name: 'd' }).getConfig(), { name: 'd', trainable: true, axes: [1, 2], normalize: false });
    assert.throws(() => tn.layers.dot({ axes: 1, name: 'd1' }).apply([x, randomTensor([4, 5], 'other')]), /Layer d1 \(Dot\): incompatible input shapes \[null, 6\] and \[null, 5\]/);
    assert.throws(() => tn.layers.dot({ axes: 0, name: 'd0' }).apply([x, y]), /Layer d0 \(Dot\): cannot take the dot product over the batch axis/);
    assert.throws(() => tn.layers.dot({ axes: 1, name: 'd3' }).apply([x, y, y]), /Layer d3 \(Dot\) must be called on exactly 2 inputs but received 3/);
    assert.throws(() => tn.layers.dot({ axes: [1] }), /dot\(\{axes\}\)/);
    assert.throws(() => tn.layers.dot({ axes: 1, normalize: 1 }), /dot\(\{normalize\}\)/);
    assert.throws(() => tn.layers.dot({ axes: 1, axis: 1 }), /dot: unknown option 'axis'/);
  });
});

describe('merge masks (Keras 3)', () => {
  const mask = (rows) => tn.tensor2d(rows);
  const m1 = mask([[1, 1, 0], [1, 0, 0]]), m2 = mask([[1, 0, 0], [1, 1, 1]]);
  const x1 = randomTensor([2, 3, 2], 'mask x1', 0.5, 2), x2 = randomTensor([2, 3, 2], 'mask x2', -2, -0.5);

  it('the output mask is the OR of the input masks when every input has one, else none', () => {
    for (const name of Object.keys(OPS)) {
      const layer = tn.layers[name]();
      assert.deepStrictEqual(layer.computeMask([x1, x2], [m1, m2]).arraySync(), [[1, 1, 0], [1, 1, 1]], name);
      assert.strictEqual(layer.computeMask([x1, x2], [m1, null]), null, name);
      assert.strictEqual(layer.computeMask([x1, x2], null), null, name);
    }
    assert.strictEqual(tn.layers.dot({ axes: 2 }).computeMask([x1, x2], [m1, m2]), null);
    assert.throws(() => tn.layers.add({ name: 'am' }).computeMask([x1, x2], m1), /Layer am \(Add\) takes one mask per input/);
  });

  it('maximum and minimum take the unmasked operand at masked steps; multiply counts masked steps as 1', () => {
    const at = (t, s, r, f) => t.values[(s * 3 + r) * 2 + f];
    const maskAt = (m, s, r) => m.values[s * 3 + r] !== 0;
    const max = tn.layers.maximum().apply([x1, x2], { mask: [m1, m2] }).dataSync();
    const mul = tn.layers.multiply().apply([x1, x2], { mask: [m1, m2] }).dataSync();
    const maxOne = tn.layers.maximum().apply([x1, x2], { mask: [null, m2] }).dataSync();
    const wantMax = [], wantMul = [], wantMaxOne = [];
    for (let s = 0; s < 2; s++) {
      for (let r = 0; r < 3; r++) {
        for (let f = 0; f < 2; f++) {
          const a = at(x1, s, r, f), b = at(x2, s, r, f), ma = maskAt(m1, s, r), mb = maskAt(m2, s, r);
          // Keras' fold: x = where(mb, b, a); out = where(ma, a, x); max(out, x)
          const xb = mb ? b : a, oa = ma ? a : xb;
          wantMax.push(Math.max(oa, xb));
          wantMul.push(ma || mb ? (ma ? a : 1) * (mb ? b : 1) : 0);
          wantMaxOne.push(Math.max(a, mb ? b : a));
        }
      }
    }
    assertClose(max, wantMax, { what: 'masked maximum' });
    assertClose(mul, wantMul, { what: 'masked multiply' });
    assertClose(maxOne, wantMaxOne, { what: 'maximum with one mask' });
    // add ignores masks in its values
    assertClose(tn.layers.add().apply([x1, x2], { mask: [m1, m2] }).dataSync(), mergeRef([x1, x2], OPS.add).values, { what: 'add with masks' });
  });

  it('concatenate\'s mask: each mask over its input\'s features (ones without one), joined, any over the last axis', () => {
    const cat = tn.layers.concatenate({ axis: 1 });
    assert.deepStrictEqual(cat.computeMask([x1, x2], [m1, null]).arraySync(), [[1, 1, 0, 1, 1, 1], [1, 0, 0, 1, 1, 1]]);
    assert.deepStrictEqual(tn.layers.concatenate().computeMask([x1, x2], [m1, m2]).arraySync(), [[1, 1, 0], [1, 1, 1]]);
    assert.strictEqual(cat.computeMask([x1, x2], [null, null]), null);
  });
});
