// Malformed calls through the PUBLIC API (tensors, layers, models, optimizers, settings), for
// test/api-fuzz.test.js: each case must throw (or reject with) a JS Error whose message says
// what was wrong — never crash, hang, return, or train on garbage. Seeded and deterministic.
'use strict';
const path = require('path');
const tn = require(path.resolve(__dirname, '..', '..'));
const { makeRng } = require('./fuzz_cases');

const BAD_NUMBERS = [-1, 0, 1.5, NaN, Infinity, -Infinity, '3', null, true, {}, [], [2], () => 1];
const BAD_SHAPES = [[-2], [1.5], [2, -3], [NaN], ['2'], 'x', 5, [[2]], [Infinity], {}, [-1, -1]];
// (null is Keras' None: the default activation, so it is not here.)
const BAD_STRINGS = ['relu7', '', 'RELU ', 5, {}, [], 'softmax2'];

function xy(r, n = 8, inDim = 4, outDim = 3) {
  const x = tn.tensor(Float32Array.from({ length: n * inDim }, () => r.next()), [n, inDim]);
  const y = tn.oneHot(tn.tensor(Int32Array.from({ length: n }, (_, i) => i % outDim), [n]), outDim);
  return { x, y };
}

function mlp(inDim = 4, outDim = 3) {
  const m = tn.sequential({
    layers: [tn.layers.dense({ units: 5, activation: 'relu', inputShape: [inDim] }), tn.layers.dense({ units: outDim, activation: 'softmax' })],
  });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

// Each generator: (r) => [description, () => value | Promise]
const GENERATORS = {
  tensorValues: (r) => {
    const v = r.pick(['abc', {}, Symbol('s'), () => 1, [[1, 2], [3]], [1, [2]], [[1], 'x'], undefined, new Map(), [NaN, 'x']]);
    return [`tensor(${typeof v})`, () => tn.tensor(v)];
  },
  tensorShape: (r) => {
    const shape = r.pick([...BAD_SHAPES, [3], [2, 3], [7], [0], [-1, 3], [5, -1]]);
    return [`tensor([1, 2, 3, 4], ${JSON.stringify(shape)})`, () => tn.tensor([1, 2, 3, 4], shape)];
  },
  tensorDtype: (r) => {
    const dtype = r.pick(['float64', 'int64', 'bool8', 5, {}, 'FLOAT32']);
    return [`tensor dtype ${String(dtype)}`, () => tn.tensor([1, 2], [2], dtype)];
  },
  int32Values: (r) => {
    const v = r.pick([NaN, 0.5, 2 ** 31, -(2 ** 31) - 1, Infinity, 1e300, -0.25]);
    return [`int32 value ${v}`, () => tn.tensor([1, v, 3], [3], 'int32')];
  },
  rankedFactory: (r) => {
    const f = r.pick(['tensor1d', 'tensor2d', 'tensor3d', 'tensor4d']);
    const values = r.pick([[1, 2, 3, 4], [[1, 2], [3, 4]], [[[1]]], 5]);
    const rank = { tensor1d: 1, tensor2d: 2, tensor3d: 3, tensor4d: 4 }[f];
    const actual = Array.isArray(values) ? (Array.isArray(values[0]) ? (Array.isArray(values[0][0]) ? 3 : 2) : 1) : 0;
    if (actual === rank) return [`${f} bad shape`, () => tn[f](values, [99])];
    return [`${f} of rank ${actual}`, () => tn[f](values)];
  },
  constructorMismatch: (r) => {
    const len = r.int(0, 10), shape = [r.int(1, 4), r.int(1, 4)];
    const values = r.pick([new Float32Array(len === shape[0] * shape[1] ? len + 1 : len), new Int32Array(shape[0] * shape[1]), [1, 2], new Float64Array(shape[0] * shape[1])]);
    return [`new Tensor(${values.constructor.name}(${values.length}), ${JSON.stringify(shape)}, 'float32')`, () => new tn.Tensor(values, shape, 'float32')];
  },
  fillShape: (r) => {
    const f = r.pick(['zeros', 'ones', 'randomNormal', 'randomUniform']);
    const shape = r.pick(BAD_SHAPES);
    return [`${f}(${JSON.stringify(shape)})`, () => tn[f](shape)];
  },
  fillValue: (r) => {
    const v = r.pick([NaN, 0.5, 2 ** 40, '1', null]);
    return [`fill int32 ${v}`, () => tn.fill([2, 2], v, 'int32')];
  },
  oneHot: (r) => {
    const idx = r.pick([[0.5], [NaN], [2 ** 31], [0, 1.5]]);  // out-of-range indices are valid (a row of offValue, as tfjs)
    const depth = r.pick([3, 0, -1, 1.5, NaN, '3']);
    return [`oneHot(${JSON.stringify(idx)}, ${depth})`, () => tn.oneHot(idx, depth)];
  },
  reshape: (r) => {
    const shape = r.pick([[5], [-1, -1], [0, -1], [3, -1], [2, 3], ...BAD_SHAPES]);
    return [`reshape(${JSON.stringify(shape)})`, () => tn.tensor([1, 2, 3, 4]).reshape(shape)];
  },
  argMax: (r) => {
    const axis = r.pick([2, 5, -3, 'x', 1.5]); // tfjs' axes of a rank-2 tensor are -2..1
    return [`argMax(${axis})`, () => tn.tensor([[1, 2], [3, 4]]).argMax(axis)];
  },
  disposed: (r) => {
    const use = r.pick(['dataSync', 'arraySync', 'reshape', 'clone', 'argMax']);
    return [`${use} after dispose`, () => {
      const t = tn.tensor([1, 2, 3, 4], [2, 2]);
      t.dispose();
      return use === 'reshape' ? t.reshape([4]) : t[use]();
    }];
  },
  detached: (r) => {
    const use = r.pick(['dataSync', 'predict', 'fit', 'clone', 'reshape']);
    return [`${use} on a detached tensor`, () => {
      const values = new Float32Array(8);
      const t = tn.tensor(values, [2, 4]);
      structuredClone(values.buffer, { transfer: [values.buffer] });
      if (use === 'predict') return mlp().predict(t);
      if (use === 'fit') return mlp().fit(t, tn.zeros([2, 3]), { verbose: 0 });
      if (use === 'reshape') return t.reshape([8]);
      return t[use]();
    }];
  },
  denseConfig: (r) => {
    const key = r.pick(['units', 'activation', 'useBias', 'kernelInitializer', 'inputShape']);
    const value = key === 'activation' ? r.pick(BAD_STRINGS) : key === 'useBias' ? r.pick([1, 'yes', null]) : key === 'kernelInitializer'
      ? r.pick(['glorot', 5, {}]) : key === 'inputShape' ? r.pick(BAD_SHAPES) : r.pick(BAD_NUMBERS);
    return [`dense ${key}=${String(value)}`, () => tn.layers.dense({ units: 3, [key]: value })];
  },
  convConfig: (r) => {
    const layer = r.pick(['conv2d', 'conv1d']);
    const key = r.pick(['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation']);
    const value = key === 'padding' ? r.pick(['full', 'SAME', 3, 'causal2']) : key === 'activation' ? r.pick(BAD_STRINGS)
      : r.pick([...BAD_NUMBERS.filter((v) => v !== null && !(Array.isArray(v) && v[0] === 2)), [0, 1], [-1, 2], [1, 2, 3], [1.5, 1]]);  // [2] is a valid conv1d size
    return [`${layer} ${key}=${JSON.stringify(value)}`, () => tn.layers[layer]({ filters: 2, kernelSize: 3, [key]: value })];
  },
  poolConfig: (r) => {
    const layer = r.pick(['maxPooling2d', 'averagePooling2d', 'maxPooling1d']);
    const key = r.pick(['poolSize', 'strides', 'padding']);
    const value = key === 'padding' ? r.pick(['full', 1]) : r.pick([0, -1, 1.5, NaN, [0, 2], [2, -2], 'x']);
    return [`${layer} ${key}=${JSON.stringify(value)}`, () => tn.layers[layer]({ [key]: value })];
  },
  dropoutRate: (r) => {
    const rate = r.pick([1, 1.5, -0.1, NaN, '0.5', null]);
    return [`dropout rate ${rate}`, () => tn.layers.dropout({ rate })];
  },
  recurrentConfig: (r) => {
    const layer = r.pick(['lstm', 'gru', 'simpleRNN']);
    const key = r.pick(['units', 'activation', 'dropout', 'recurrentDropout', 'returnSequences']);
    const value = key === 'activation' ? r.pick(BAD_STRINGS) : key === 'returnSequences' ? r.pick([1, 'no']) : key.endsWith('ropout')
      ? r.pick([1, -0.5, NaN]) : r.pick(BAD_NUMBERS);
    return [`${layer} ${key}=${String(value)}`, () => tn.layers[layer]({ units: 4, [key]: value })];
  },
  embeddingConfig: (r) => {
    const key = r.pick(['inputDim', 'outputDim', 'maskZero']);
    const value = key === 'maskZero' ? r.pick([1, 'yes']) : r.pick(BAD_NUMBERS);
    return [`embedding ${key}=${String(value)}`, () => tn.layers.embedding({ inputDim: 10, outputDim: 4, [key]: value })];
  },
  fitData: (r) => {
    const bad = r.pick(['xNotTensor', 'yNotTensor', 'xShape', 'yShape', 'xNaN', 'yRows', 'xRank']);
    return [`fit ${bad}`, () => {
      const { x, y } = xy(r);
      const m = mlp();
      if (bad === 'xNotTensor') return m.fit(r.pick([[1, 2], null, 'x', new Float32Array(32)]), y, { verbose: 0 });
      if (bad === 'yNotTensor') return m.fit(x, r.pick([[1, 2], null, 5]), { verbose: 0 });
      if (bad === 'xShape') return m.fit(tn.zeros([8, 5]), y, { verbose: 0 });
      if (bad === 'yShape') return m.fit(x, tn.zeros([8, 4]), { verbose: 0 });
      if (bad === 'xNaN') {
        x.dataSync()[r.int(0, 31)] = NaN;
        return m.fit(x, y, { verbose: 0 });
      }
      if (bad === 'yRows') return m.fit(x, tn.zeros([7, 3]), { verbose: 0 });
      return m.fit(tn.zeros([4]), y, { verbose: 0 });
    }];
  },
  fitArgs: (r) => {
    const key = r.pick(['epochs', 'batchSize', 'validationSplit', 'verbose', 'shuffle', 'callbacks', 'initialEpoch', 'validationData']);
    const value = key === 'validationSplit' ? r.pick([1, 0, 1.5, -0.2, NaN, 'x']) : key === 'shuffle' ? r.pick([1, 'yes'])
      : key === 'callbacks' ? r.pick([5, 'x', [null], [3]]) : key === 'verbose' ? r.pick([3, -1, 'x', true])
        : key === 'validationData' ? r.pick([[tn.zeros([2, 4])], 'x', [tn.zeros([2, 5]), tn.zeros([2, 3])], [tn.zeros([2, 4]), tn.zeros([2, 9])]])
          : key === 'initialEpoch' ? r.pick([-1, 5, 1.5, NaN]) : r.pick([0, -1, 1.5, NaN, Infinity, '3']);
    return [`fit ${key}=${String(value)}`, () => {
      const { x, y } = xy(r);
      return mlp().fit(x, y, { epochs: 2, verbose: 0, [key]: value });
    }];
  },
  predictInput: (r) => {
    const bad = r.pick(['shape', 'rank', 'notTensor', 'NaN', 'batchSize']);
    return [`predict ${bad}`, () => {
      const m = mlp();
      if (bad === 'shape') return m.predict(tn.zeros([3, r.pick([1, 3, 5, 40])]));
      if (bad === 'rank') return m.predict(tn.zeros([4]));
      if (bad === 'notTensor') return m.predict(r.pick([[[1, 2, 3, 4]], null, new Float32Array(4)]));
      if (bad === 'NaN') return m.predict(tn.tensor([1, NaN, 2, 3], [1, 4]));
      return m.predict(tn.zeros([3, 4]), { batchSize: r.pick([0, -1, 1.5, 'x']) });
    }];
  },
  evaluate: (r) => {
    const bad = r.pick(['shape', 'uncompiled', 'batchSize']);
    return [`evaluate ${bad}`, () => {
      const { x, y } = xy(r);
      if (bad === 'uncompiled') {
        const m = tn.sequential({ layers: [tn.layers.dense({ units: 3, inputShape: [4] })] });
        return m.evaluate(x, y);
      }
      if (bad === 'shape') return mlp().evaluate(x, tn.zeros([8, 2]));
      return mlp().evaluate(x, y, { batchSize: r.pick([0, -3, NaN]) });
    }];
  },
  trainOnBatch: (r) => [`trainOnBatch shapes`, () => mlp().trainOnBatch(tn.zeros([r.int(1, 4), r.pick([3, 5])]), tn.zeros([2, r.pick([2, 3])]))],
  compileArgs: (r) => {
    const key = r.pick(['optimizer', 'loss', 'metrics']);
    const value = key === 'metrics' ? r.pick(['acc2', ['accuracy', 'f1x'], 5]) : r.pick(['adamx', 5, null, {}, 'mse2']);
    return [`compile ${key}=${String(value)}`, () => {
      const m = tn.sequential({ layers: [tn.layers.dense({ units: 3, inputShape: [4] })] });
      return m.compile({ optimizer: 'adam', loss: 'meanSquaredError', [key]: value });
    }];
  },
  setWeights: (r) => {
    const bad = r.pick(['count', 'shape', 'notTensor']);
    return [`setWeights ${bad}`, () => {
      const m = mlp();
      const w = m.getWeights();
      if (bad === 'count') return m.setWeights(w.slice(0, r.int(0, w.length - 1)));
      if (bad === 'shape') {
        w[r.int(0, w.length - 1)] = tn.zeros([r.int(1, 3), 7]);
        return m.setWeights(w);
      }
      w[0] = r.pick([null, [1, 2], 'x']);
      return m.setWeights(w);
    }];
  },
  sequentialAdd: (r) => [`sequential add`, () => {
    const m = tn.sequential();
    const l = tn.layers.dense({ units: 2, inputShape: [3] });
    m.add(l);
    return m.add(r.pick([l, null, {}, 'dense', tn.layers.dense({ units: 2, inputShape: [5] })]));
  }],
  optimizers: (r) => {
    const which = r.pick(['sgd', 'momentum', 'adam', 'adamw', 'rmsprop']);
    const v = r.pick([-1, NaN, Infinity, 'x', 2]);
    return [`train.${which}(${v})`, () => {
      if (which === 'momentum') return tn.train.momentum(0.1, v === 2 ? 1 : v);
      if (which === 'rmsprop') return r.chance(0.5) ? tn.train.rmsprop(v === 2 ? -2 : v) : tn.train.rmsprop(0.1, 0.9, 0, 1e-7, true);
      if (which === 'adam') return tn.train.adam(0.1, v === 2 ? 1 : v);
      if (which === 'adamw') return tn.train.adamw(0.1, v === 2 ? -1 : v);
      return tn.train.sgd(v === 2 ? 0 : v);
    }];
  },
  learningRate: (r) => [`learningRate setter`, () => {
    const o = tn.train.adam();
    o.learningRate = r.pick([NaN, -1, Infinity, 'x', null, undefined]);
  }],
  settings: (r) => {
    const which = r.pick(['setNumThreads', 'setBackend', 'setSeed']);
    if (which === 'setNumThreads') return ['setNumThreads', () => tn.setNumThreads(r.pick([0, -1, 1025, 2 ** 31, 1.5, NaN, '2']))];
    if (which === 'setBackend') return ['setBackend', () => tn.setBackend(r.pick(['tpu', 5, null, 'cuda']))];
    return ['setSeed', () => tn.setSeed(r.pick([NaN, 'x', null, -1.5, {}]))];
  },
  readIdx: (r) => ['readIdx', () => tn.data.readIdx(r.pick(['/nonexistent/file.idx', 5, null, __filename]))],
};

function makeApiCase(seed, i) {
  const r = makeRng((seed * 2654435761 + i * 40503) >>> 0);
  const names = Object.keys(GENERATORS);
  const name = names[i % names.length];
  const [what, run] = GENERATORS[name](r);
  return { name, what, run };
}

module.exports = { makeApiCase, GENERATORS };
