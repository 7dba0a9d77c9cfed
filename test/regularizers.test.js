// tn.regularizers and tn.constraints: Keras' formulas against float64 references on random
// weights, the regularizers' gradients by finite differences, configs and class names, and
// how strings, {className, config} objects and objects resolve.
'use strict';
const assert = require('assert');
const tn = require('..');
const { makeRng, assertClose, checkGrad } = require('./gradcheck');
const { resolveRegularizer } = require('../dist/regularizers');
const { resolveConstraint } = require('../dist/constraints');

/** Random values in (-2, 2) kept away from 0 (|x| >= 0.1), so |x|'s kink is never within a step. */
function randomWeights(shape, seed) {
  const rng = makeRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float32Array.from({ length: n }, () => {
    const m = 0.1 + 1.9 * rng();
    return rng() < 0.5 ? -m : m;
  });
  return new tn.Tensor(v, shape, 'float32');
}

const sumAbs = (v) => Array.from(v).reduce((s, x) => s + Math.abs(x), 0);
const sumSq = (v) => Array.from(v).reduce((s, x) => s + x * x, 0);

describe('tn.regularizers', () => {
  const w = randomWeights([5, 7], 11);

  it('l1, l2, l1l2 compute Keras\' penalties (defaults 0.01) against float64 references', () => {
    const cases = [
      [tn.regularizers.l1(), 0.01 * sumAbs(w.values)],
      [tn.regularizers.l1({ l1: 0.3 }), 0.3 * sumAbs(w.values)],
      [tn.regularizers.l2(), 0.01 * sumSq(w.values)],
      [tn.regularizers.l2({ l2: 0.25 }), 0.25 * sumSq(w.values)],
      [tn.regularizers.l1l2(), 0.01 * sumAbs(w.values) + 0.01 * sumSq(w.values)],
      [tn.regularizers.l1l2({ l1: 0.2, l2: 0.05 }), 0.2 * sumAbs(w.values) + 0.05 * sumSq(w.values)],
      [tn.regularizers.l1l2({ l1: 0, l2: 0.5 }), 0.5 * sumSq(w.values)],
      [tn.regularizers.l1l2({ l1: 0, l2: 0 }), 0],
    ];
    for (const [r, want] of cases) {
      const p = r.apply(w);
      assert.deepStrictEqual(p.shape, [], `${r.className} returns a scalar`);
      assertClose(p.dataSync(), [want], { rtol: 1e-5, atol: 1e-6, what: `${r.className} ${JSON.stringify(r.getConfig())}` });
    }
  });

  it('class names and configs are Keras\'', () => {
    assert.strictEqual(tn.regularizers.l1().className, 'L1');
    assert.strictEqual(tn.regularizers.l2().className, 'L2');
    assert.strictEqual(tn.regularizers.l1l2().className, 'L1L2');
    assert.deepStrictEqual(tn.regularizers.l1({ l1: 0.5 }).getConfig(), { l1: 0.5 });
    assert.deepStrictEqual(tn.regularizers.l2().getConfig(), { l2: 0.01 });
    assert.deepStrictEqual(tn.regularizers.l1l2({ l2: 0.2 }).getConfig(), { l1: 0.01, l2: 0.2 });
  });

  it('the penalties\' gradients match finite differences (they are built from engine ops)', () => {
    const x = randomWeights([3, 4], 5);
    for (const r of [tn.regularizers.l1({ l1: 0.7 }), tn.regularizers.l2({ l2: 0.4 }), tn.regularizers.l1l2({ l1: 0.3, l2: 0.6 })]) {
      checkGrad(`regularizer ${r.className}`, (t) => r.apply(t), [x], { h: 1e-2, tol: 1e-2 });
    }
    // and analytically: d(l1 |x| + l2 x^2)/dx = l1 sign(x) + 2 l2 x
    const g = tn.grad((t) => tn.regularizers.l1l2({ l1: 0.3, l2: 0.6 }).apply(t))(x);
    assertClose(g.dataSync(), Array.from(x.values, (v) => 0.3 * Math.sign(v) + 1.2 * v), { what: 'l1l2 gradient' });
  });

  it('bad factors and unknown options are errors naming them', () => {
    assert.throws(() => tn.regularizers.l1({ l1: -1 }), /l1\(\{l1\}\)/);
    assert.throws(() => tn.regularizers.l2({ l2: NaN }), /l2\(\{l2\}\)/);
    assert.throws(() => tn.regularizers.l1l2({ l1: 'a' }), /l1l2\(\{l1\}\)/);
    assert.throws(() => tn.regularizers.l1({ l2: 0.1 }), /unknown option 'l2'; the options are l1/);
    assert.throws(() => tn.regularizers.l1l2({ L1: 0.1 }), /unknown option 'L1'; the options are l1, l2/);
    assert.throws(() => tn.regularizers.l1().apply(tn.tensor([1, 2], [2], 'int32')), /float32/);
  });

  it('resolveRegularizer takes strings, {className, config} and objects; anything else is a TypeError naming the argument', () => {
    assert.strictEqual(resolveRegularizer(undefined, 'kernelRegularizer'), null);
    assert.strictEqual(resolveRegularizer(null, 'kernelRegularizer'), null);
    for (const [name, cls, config] of [['l1', 'L1', { l1: 0.01 }], ['l2', 'L2', { l2: 0.01 }], ['l1l2', 'L1L2', { l1: 0.01, l2: 0.01 }],
      ['L1', 'L1', { l1: 0.01 }], ['l1_l2', 'L1L2', { l1: 0.01, l2: 0.01 }]]) {
      const r = resolveRegularizer(name, 'kernelRegularizer');
      assert.strictEqual(r.className, cls, name);
      assert.deepStrictEqual(r.getConfig(), config, name);
    }
    const fromConfig = resolveRegularizer({ className: 'L1L2', config: { l1: 0.5, l2: 0 } }, 'kernelRegularizer');
    assert.deepStrictEqual([fromConfig.className, fromConfig.getConfig()], ['L1L2', { l1: 0.5, l2: 0 }]);
    const mine = { className: 'Mine', apply: (x) => tn.sum(x), getConfig: () => ({}) };
    assert.strictEqual(resolveRegularizer(mine, 'kernelRegularizer'), mine);
    assert.throws(() => resolveRegularizer('l3', 'kernelRegularizer'), (e) => e instanceof TypeError && /kernelRegularizer/.test(e.message) && /'l3'/.test(e.message));
    assert.throws(() => resolveRegularizer(0.01, 'biasRegularizer'), (e) => e instanceof TypeError && /biasRegularizer/.test(e.message));
    assert.throws(() => resolveRegularizer({ className: 'L3' }, 'biasRegularizer'), (e) => e instanceof TypeError && /biasRegularizer.*L3/.test(e.message));
    assert.throws(() => resolveRegularizer({ className: 'L1', config: { l1: 0.1, l2: 1 } }, 'biasRegularizer'), /unknown option 'l2'/);
    assert.throws(() => resolveRegularizer({ apply: 1 }, 'activityRegularizer'), (e) => e instanceof TypeError && /activityRegularizer/.test(e.message));
  });

  it('a layer weight created with a regularizer adds its penalty to regularizationLosses()', () => {
    class WithWeight extends tn.Layer {
      build() {
        this.w = this.addWeight('w', [2, 3], 'float32', 'ones', 'l2');
      }
      call(x) { return x; }
    }
    const layer = new WithWeight({});
    layer.apply(tn.zeros([1, 2]));
    const losses = layer.regularizationLosses();
    assert.strictEqual(losses.length, 1);
    assertClose(losses[0].dataSync(), [0.01 * 6], { what: 'l2 of ones [2, 3]' });
  });
});

/** Keras' norms over `axes` of a row-major array, kept per the other axes (float64). */
function normsRef(values, shape, axes) {
  const rank = shape.length;
  const ax = axes.map((a) => (a < 0 ? a + rank : a));
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const keyOf = (flat) => shape.map((d, i) => (ax.includes(i) ? 0 : Math.floor(flat / strides[i]) % d)).join(',');
  const sums = new Map();
  for (let i = 0; i < values.length; i++) sums.set(keyOf(i), (sums.get(keyOf(i)) ?? 0) + values[i] * values[i]);
  return Array.from(values, (_, i) => Math.sqrt(sums.get(keyOf(i))));
}

const EPS = 1e-7;
const clip = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

describe('tn.constraints', () => {
  const shapes = [[6, 4], [3, 3, 2, 5]];

  it('maxNorm matches w * clip(n, 0, max) / (eps + n) over axis (default axis 0, maxValue 2)', () => {
    for (const shape of shapes) {
      const w = randomWeights(shape, 21 + shape.length);
      for (const [args, axes] of [[{}, [0]], [{ maxValue: 1.5, axis: 1 }, [1]], [{ maxValue: 0.5, axis: [0, 1] }, [0, 1]], [{ maxValue: 3, axis: -1 }, [-1]]]) {
        const c = tn.constraints.maxNorm(args);
        const n = normsRef(w.values, shape, axes);
        const max = args.maxValue ?? 2;
        const want = Array.from(w.values, (v, i) => v * (clip(n[i], 0, max) / (EPS + n[i])));
        const got = c.apply(w);
        assert.deepStrictEqual(got.shape, shape);
        assert.notStrictEqual(got, w, 'a new tensor');
        assertClose(got.dataSync(), want, { what: `maxNorm ${JSON.stringify(args)} on ${JSON.stringify(shape)}` });
        // the norms really are capped
        const after = normsRef(got.values, shape, axes);
        assert.ok(after.every((x) => x <= max + 1e-5), `norms after maxNorm <= ${max}`);
      }
    }
  });

  it('nonNeg is max(w, 0); unitNorm is w / (eps + n)', () => {
    const w = randomWeights([5, 3], 31);
    assertClose(tn.constraints.nonNeg().apply(w).dataSync(), Array.from(w.values, (v) => Math.max(v, 0)), { what: 'nonNeg' });
    for (const axis of [0, 1, [0, 1]]) {
      const axes = Array.isArray(axis) ? axis : [axis];
      const n = normsRef(w.values, [5, 3], axes);
      const got = tn.constraints.unitNorm({ axis }).apply(w);
      assertClose(got.dataSync(), Array.from(w.values, (v, i) => v / (EPS + n[i])), { what: `unitNorm axis ${axis}` });
      assertClose(normsRef(got.values, [5, 3], axes), new Array(15).fill(1), { atol: 1e-5, what: 'unit norms' });
    }
  });

  it('minMaxNorm matches w * (rate * clip(n, min, max) + (1 - rate) * n) / (eps + n)', () => {
    for (const shape of shapes) {
      const w = randomWeights(shape, 41 + shape.length);
      const all = shape.map((_, i) => i).slice(0, -1);  // each output unit's incoming weights
      for (const args of [{}, { minValue: 1, maxValue: 1.5 }, { minValue: 0.5, maxValue: 2, rate: 0.3, axis: all }]) {
        const axes = args.axis === undefined ? [0] : args.axis;
        const n = normsRef(w.values, shape, axes);
        const lo = args.minValue ?? 0, hi = args.maxValue ?? 1, rate = args.rate ?? 1;
        const want = Array.from(w.values, (v, i) => v * ((rate * clip(n[i], lo, hi) + (1 - rate) * n[i]) / (EPS + n[i])));
        assertClose(tn.constraints.minMaxNorm(args).apply(w).dataSync(), want, { what: `minMaxNorm ${JSON.stringify(args)}` });
      }
    }
  });

  it('class names and configs are Keras\' (camelCase keys)', () => {
    assert.deepStrictEqual([tn.constraints.maxNorm().className, tn.constraints.maxNorm().getConfig()], ['MaxNorm', { maxValue: 2, axis: 0 }]);
    assert.deepStrictEqual([tn.constraints.nonNeg().className, tn.constraints.nonNeg().getConfig()], ['NonNeg', {}]);
    assert.deepStrictEqual([tn.constraints.unitNorm({ axis: 1 }).className, tn.constraints.unitNorm({ axis: 1 }).getConfig()], ['UnitNorm', { axis: 1 }]);
    assert.deepStrictEqual(tn.constraints.minMaxNorm({ rate: 0.5 }).getConfig(), { minValue: 0, maxValue: 1, rate: 0.5, axis: 0 });
    assert.strictEqual(tn.constraints.minMaxNorm().className, 'MinMaxNorm');
  });

  it('bad options are errors naming them', () => {
    assert.throws(() => tn.constraints.maxNorm({ maxValue: -1 }), /maxNorm\(\{maxValue\}\)/);
    assert.throws(() => tn.constraints.maxNorm({ axis: 0.5 }), /maxNorm\(\{axis\}\)/);
    assert.throws(() => tn.constraints.maxNorm({ max_value: 1 }), /unknown option 'max_value'; the options are maxValue, axis/);
    assert.throws(() => tn.constraints.minMaxNorm({ minValue: 2, maxValue: 1 }), /minMaxNorm\(\{maxValue\}\)/);
    assert.throws(() => tn.constraints.unitNorm({ axis: 2 }).apply(randomWeights([2, 2], 1)), /axis 2 is out of range.*\[2, 2\]/);
  });

  it('resolveConstraint takes tfjs and Keras names, {className, config} (snake_case too) and objects', () => {
    assert.strictEqual(resolveConstraint(undefined, 'kernelConstraint'), null);
    for (const [name, cls] of [['maxNorm', 'MaxNorm'], ['max_norm', 'MaxNorm'], ['MaxNorm', 'MaxNorm'], ['nonNeg', 'NonNeg'], ['non_neg', 'NonNeg'],
      ['unitNorm', 'UnitNorm'], ['unit_norm', 'UnitNorm'], ['minMaxNorm', 'MinMaxNorm'], ['min_max_norm', 'MinMaxNorm']]) {
      assert.strictEqual(resolveConstraint(name, 'kernelConstraint').className, cls, name);
    }
    const c = resolveConstraint({ className: 'MaxNorm', config: { max_value: 3, axis: [0, 1] } }, 'kernelConstraint');
    assert.deepStrictEqual([c.className, c.getConfig()], ['MaxNorm', { maxValue: 3, axis: [0, 1] }]);
    const mine = { className: 'Mine', apply: (w) => tn.abs(w), getConfig: () => ({}) };
    assert.strictEqual(resolveConstraint(mine, 'kernelConstraint'), mine);
    assert.throws(() => resolveConstraint('clip', 'kernelConstraint'), (e) => e instanceof TypeError && /kernelConstraint/.test(e.message) && /'clip'/.test(e.message));
    assert.throws(() => resolveConstraint(2, 'biasConstraint'), (e) => e instanceof TypeError && /biasConstraint/.test(e.message));
    assert.throws(() => resolveConstraint({ className: 'Clip' }, 'biasConstraint'), (e) => e instanceof TypeError && /biasConstraint.*Clip/.test(e.message));
  });

  it('a weight\'s constraint is applied in place by applyConstraint', () => {
    class WithWeight extends tn.Layer {
      build() {
        this.w = this.addWeight('w', [4, 3], 'float32', 'ones', undefined, true, 'unitNorm');
      }
      call(x) { return x; }
    }
    const layer = new WithWeight({});
    layer.apply(tn.zeros([1, 2]));
    layer.w.applyConstraint();
    assertClose(layer.w.value, new Array(12).fill(1 / (2 + EPS)), { what: 'ones [4, 3] with unit columns' });
  });
});
