// tn.initializers: configs (with {seed}) as tfjs and Keras take them, seeds that reproduce
// whatever the global seed, the distributions' formulas, getConfig, and resolveInitializer.
'use strict';
const assert = require('assert');
const tn = require('..');
const { assertClose } = require('./gradcheck');
const { resolveInitializer, computeFans } = require('../dist/initializers');

const I = tn.initializers;

function stats(v) {
  const n = v.length;
  const mean = Array.from(v).reduce((s, x) => s + x, 0) / n;
  const variance = Array.from(v).reduce((s, x) => s + (x - mean) * (x - mean), 0) / n;
  return { mean, std: Math.sqrt(variance), min: Math.min(...v), max: Math.max(...v) };
}

const SEEDED = [
  () => I.glorotUniform({ seed: 7 }), () => I.glorotNormal({ seed: 7 }), () => I.heNormal({ seed: 7 }), () => I.heUniform({ seed: 7 }),
  () => I.leCunNormal({ seed: 7 }), () => I.leCunUniform({ seed: 7 }), () => I.orthogonal({ seed: 7 }),
  () => I.randomNormal({ seed: 7 }), () => I.truncatedNormal({ seed: 7 }), () => I.randomUniform({ seed: 7 }),
  () => I.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'untruncatedNormal', seed: 7 }),
];

describe('tn.initializers', () => {
  it('a seed gives the same values on every call and whatever the global seed', () => {
    for (const make of SEEDED) {
      tn.setSeed(1);
      const a = make().apply([6, 5]);
      const again = make().apply([6, 5]);
      tn.setSeed(123456);
      const b = make().apply([6, 5]);
      const init = make();
      const c1 = init.apply([6, 5]), c2 = init.apply([6, 5]);
      const name = make().className;
      assert.deepStrictEqual(Array.from(b), Array.from(a), `${name}: same seed, other global seed`);
      assert.deepStrictEqual(Array.from(again), Array.from(a), `${name}: a second initializer with the same seed`);
      assert.deepStrictEqual(Array.from(c2), Array.from(c1), `${name}: one initializer called twice`);
      assert.ok(a.some((x) => x !== 0), `${name}: not all zeros`);
    }
    // another seed gives other values
    assert.notDeepStrictEqual(Array.from(I.randomNormal({ seed: 8 }).apply([10])), Array.from(I.randomNormal({ seed: 7 }).apply([10])));
  });

  it('a seeded initializer leaves the global stream alone; unseeded ones follow tn.setSeed', () => {
    tn.setSeed(3);
    const first = I.glorotUniform().apply([4, 4]);
    const second = I.glorotUniform().apply([4, 4]);
    tn.setSeed(3);
    I.glorotUniform({ seed: 99 }).apply([50, 50]);
    assert.deepStrictEqual(Array.from(I.glorotUniform().apply([4, 4])), Array.from(first), 'the seeded draw did not advance the global stream');
    assert.deepStrictEqual(Array.from(I.glorotUniform().apply([4, 4])), Array.from(second));
    assert.notDeepStrictEqual(Array.from(second), Array.from(first));
  });

  it('a layer\'s kernel from a seeded initializer is the same whatever the global seed', () => {
    const kernel = (globalSeed) => {
      tn.setSeed(globalSeed);
      const d = tn.layers.dense({ units: 3, kernelInitializer: I.heNormal({ seed: 42 }) });
      d.apply(tn.zeros([1, 4]));
      return Array.from(d.getWeights()[0].dataSync());
    };
    assert.deepStrictEqual(kernel(1), kernel(2));
  });

  it('distributions follow Keras\' formulas (means, spreads, bounds)', () => {
    const shape = [200, 300];
    const { fanIn, fanOut } = computeFans(shape);
    // uniform limits sqrt(3 scale / fan)
    for (const [make, scale, fan] of [[I.glorotUniform, 1, (fanIn + fanOut) / 2], [I.heUniform, 2, fanIn], [I.leCunUniform, 1, fanIn]]) {
      const s = stats(make({ seed: 1 }).apply(shape));
      const limit = Math.sqrt(3 * scale / fan);
      assert.ok(s.min >= -limit && s.max <= limit && s.max > 0.99 * limit, `${make.name} bounds ${s.min}..${s.max} vs ${limit}`);
      assert.ok(Math.abs(s.std - limit / Math.sqrt(3)) < 0.02 * limit, `${make.name} std`);
    }
    // truncated normals: std sqrt(scale / fan) after truncation at 2 (corrected) stddevs
    for (const [make, scale, fan] of [[I.glorotNormal, 1, (fanIn + fanOut) / 2], [I.heNormal, 2, fanIn], [I.leCunNormal, 1, fanIn]]) {
      const s = stats(make({ seed: 2 }).apply(shape));
      const std = Math.sqrt(scale / fan);
      assert.ok(Math.abs(s.std - std) < 0.02 * std, `${make.name} std ${s.std} vs ${std}`);
      assert.ok(Math.max(-s.min, s.max) <= 2 * std / 0.87962566103423978 + 1e-7, `${make.name} truncated`);
    }
    const vs = stats(I.varianceScaling({ scale: 3, mode: 'fanOut', distribution: 'untruncatedNormal', seed: 3 }).apply(shape));
    assert.ok(Math.abs(vs.std - Math.sqrt(3 / fanOut)) < 0.02 * Math.sqrt(3 / fanOut), 'varianceScaling untruncated std');
    assert.ok(Math.max(-vs.min, vs.max) > 2.5 * Math.sqrt(3 / fanOut), 'untruncated: tails beyond 2 stddev');
    const rn = stats(I.randomNormal({ mean: 1.5, stddev: 0.2, seed: 4 }).apply(shape));
    assert.ok(Math.abs(rn.mean - 1.5) < 0.005 && Math.abs(rn.std - 0.2) < 0.005, `randomNormal ${rn.mean} ${rn.std}`);
    const tr = stats(I.truncatedNormal({ mean: -1, stddev: 0.5, seed: 5 }).apply(shape));
    assert.ok(tr.min >= -2 - 1e-6 && tr.max <= 1e-6 && Math.abs(tr.mean + 1) < 0.005, `truncatedNormal within mean ± 2 stddev: ${tr.min}..${tr.max}`);
    const ru = stats(I.randomUniform({ minval: 2, maxval: 3, seed: 6 }).apply(shape));
    assert.ok(ru.min >= 2 && ru.max < 3 && Math.abs(ru.mean - 2.5) < 0.01, 'randomUniform range');
    assert.deepStrictEqual(Array.from(I.constant({ value: 0.25 }).apply([2, 2])), [0.25, 0.25, 0.25, 0.25]);
    assert.deepStrictEqual(Array.from(I.identity({ gain: 2 }).apply([2, 3])), [2, 0, 0, 0, 2, 0]);
  });

  it('orthogonal gives orthonormal rows or columns (times gain), as Keras', () => {
    for (const [shape, gain] of [[[8, 5], 1], [[3, 7], 2], [[2, 2, 3, 4], 0.5]]) {
      const v = I.orthogonal({ gain, seed: 9 }).apply(shape);
      const cols = shape[shape.length - 1], rows = v.length / cols;
      // the shorter side is orthonormal: Q^T Q = gain^2 I over it
      const n = Math.min(rows, cols);
      const at = (i, k) => (rows >= cols ? v[k * cols + i] : v[i * cols + k]);
      const len = Math.max(rows, cols);
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++) {
          let dot = 0;
          for (let k = 0; k < len; k++) dot += at(a, k) * at(b, k);
          assert.ok(Math.abs(dot - (a === b ? gain * gain : 0)) < 1e-5, `orthogonal ${JSON.stringify(shape)}: <${a}, ${b}> = ${dot}`);
        }
      }
    }
    assert.throws(() => I.orthogonal().apply([5]), /rank >= 2.*\[5\]/);
  });

  it('getConfig and className are Keras\'', () => {
    const cases = [
      [I.glorotUniform(), 'GlorotUniform', { seed: null }], [I.glorotNormal({ seed: 3 }), 'GlorotNormal', { seed: 3 }],
      [I.heNormal(), 'HeNormal', { seed: null }], [I.heUniform(), 'HeUniform', { seed: null }],
      [I.leCunNormal(), 'LecunNormal', { seed: null }], [I.leCunUniform(), 'LecunUniform', { seed: null }],
      [I.varianceScaling({ mode: 'fanAvg', distribution: 'uniform', seed: 1 }), 'VarianceScaling',
        { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: 1 }],
      [I.varianceScaling(), 'VarianceScaling', { scale: 1, mode: 'fan_in', distribution: 'truncated_normal', seed: null }],
      [I.zeros(), 'Zeros', {}], [I.ones(), 'Ones', {}], [I.constant({ value: 2 }), 'Constant', { value: 2 }],
      [I.orthogonal({ gain: 2 }), 'Orthogonal', { gain: 2, seed: null }], [I.identity(), 'Identity', { gain: 1 }],
      [I.randomNormal({ seed: 5 }), 'RandomNormal', { mean: 0, stddev: 0.05, seed: 5 }],
      [I.truncatedNormal({ stddev: 1 }), 'TruncatedNormal', { mean: 0, stddev: 1, seed: null }],
      [I.randomUniform({ minval: -1 }), 'RandomUniform', { minval: -1, maxval: 0.05, seed: null }],
    ];
    for (const [init, className, config] of cases) {
      assert.strictEqual(init.className, className);
      assert.deepStrictEqual(init.getConfig(), config, className);
    }
  });

  it('config errors name the key; unknown keys list the known ones', () => {
    assert.throws(() => I.randomNormal({ stddev: -1 }), (e) => e instanceof RangeError && /randomNormal\(\{stddev\}\)/.test(e.message));
    assert.throws(() => I.randomNormal({ std: 1 }), /randomNormal: unknown option 'std'; the options are mean, stddev, seed/);
    assert.throws(() => I.glorotUniform({ gain: 1 }), /glorotUniform: unknown option 'gain'; the options are seed/);
    assert.throws(() => I.glorotUniform({ seed: 'x' }), /glorotUniform\(\{seed\}\)/);
    assert.throws(() => I.randomUniform({ minval: 1, maxval: 0 }), /randomUniform\(\{maxval\}\)/);
    assert.throws(() => I.varianceScaling({ scale: 0 }), /varianceScaling\(\{scale\}\)/);
    assert.throws(() => I.varianceScaling({ mode: 'fanMiddle' }), /varianceScaling\(\{mode\}\)/);
    assert.throws(() => I.varianceScaling({ distribution: 'cauchy' }), /varianceScaling\(\{distribution\}\)/);
    assert.throws(() => I.zeros({ value: 1 }), /zeros: unknown option 'value'; the options are none/);
    assert.throws(() => I.orthogonal(3), /orthogonal\(config\)/);
    assert.throws(() => I.identity().apply([2, 2, 2]), /2-D/);
  });

  it('resolveInitializer: names in every spelling, objects, and {className, config}', () => {
    for (const [name, cls] of [['glorotUniform', 'GlorotUniform'], ['glorot_uniform', 'GlorotUniform'], ['GlorotUniform', 'GlorotUniform'],
      ['leCunNormal', 'LecunNormal'], ['lecun_normal', 'LecunNormal'], ['LeCunNormal', 'LecunNormal'], ['zeros', 'Zeros'], ['ones', 'Ones'],
      ['orthogonal', 'Orthogonal'], ['randomNormal', 'RandomNormal'], ['random_uniform', 'RandomUniform'], ['truncatedNormal', 'TruncatedNormal'],
      ['identity', 'Identity'], ['varianceScaling', 'VarianceScaling'], ['constant', 'Constant'], ['normal', 'RandomNormal'], ['uniform', 'RandomUniform']]) {
      assert.strictEqual(resolveInitializer(name, 'kernelInitializer', 'zeros').className, cls, name);
    }
    assert.strictEqual(resolveInitializer(undefined, 'biasInitializer', 'zeros').className, 'Zeros');
    const mine = { className: 'Mine', apply: (s) => new Float32Array(s.reduce((a, b) => a * b, 1)).fill(3) };
    assert.strictEqual(resolveInitializer(mine, 'kernelInitializer', 'zeros'), mine);
    // Keras' serialized form, with snake_case values and null seeds
    const vs = resolveInitializer({ className: 'VarianceScaling', config: { scale: 2, mode: 'fan_avg', distribution: 'uniform', seed: null } },
      'kernelInitializer', 'zeros');
    assert.deepStrictEqual(vs.getConfig(), { scale: 2, mode: 'fan_avg', distribution: 'uniform', seed: null });
    const seeded = resolveInitializer({ className: 'RandomNormal', config: { mean: 1, stddev: 0.1, seed: 4 } }, 'kernelInitializer', 'zeros');
    assert.deepStrictEqual(Array.from(seeded.apply([5])), Array.from(I.randomNormal({ mean: 1, stddev: 0.1, seed: 4 }).apply([5])));
    assert.throws(() => resolveInitializer('glorot', 'kernelInitializer', 'zeros'), (e) => e instanceof TypeError && /kernelInitializer/.test(e.message));
    assert.throws(() => resolveInitializer({ className: 'Glorot' }, 'kernelInitializer', 'zeros'), /kernelInitializer: unknown initializer className 'Glorot'/);
    assert.throws(() => resolveInitializer({ className: 'Zeros', config: { seed: 1 } }, 'biasInitializer', 'zeros'), /unknown option 'seed'/);
    assert.throws(() => resolveInitializer(1, 'biasInitializer', 'zeros'), /biasInitializer/);
  });

  it('a name draws as its factory does under tn.setSeed', () => {
    tn.setSeed(17);
    const a = I.glorotUniform().apply([3, 3]);
    tn.setSeed(17);
    const b = resolveInitializer('glorot_uniform', 'k', 'zeros').apply([3, 3]);
    assertClose(a, b, { atol: 0, rtol: 0, what: 'glorotUniform via the factory and via its name' });
  });
});
