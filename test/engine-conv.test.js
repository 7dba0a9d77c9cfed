// The conv / pool / batch-norm engine ops (lib/ops/conv.ts, native/cpu/ops_conv.cpp): forward
// against float64 references written here, agreement with the layers (which still run the old
// glue), finite-difference gradients of every float input, and argument errors.
// Tolerances: forward atol 1e-4 + rtol 1e-4 (float32 sums of a few dozen products in [-1, 1]).
'use strict';
const assert = require('assert');
const tn = require('..');
const { makeRandom } = require('./helpers');
const { checkGrad, assertClose } = require('./gradcheck');
const { batchNormTraining } = require('../dist/ops/conv');

const rand = makeRandom(1234);
const T = (shape, lo = -1, hi = 1) => new tn.Tensor(rand(shape.reduce((a, b) => a * b, 1), lo, hi), shape, 'float32');
const close = (a, e, what) => assertClose(a, e, { atol: 1e-4, rtol: 1e-4, what });

// tfjs geometry of one axis, written independently of lib/ops/conv.ts.
function axis(n, k, s, d, pad) {
  const eff = (k - 1) * d + 1;
  if (pad === 'same') {
    const out = Math.ceil(n / s), total = Math.max((out - 1) * s + eff - n, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const [b, a] = pad === 'valid' ? [0, 0] : pad;
  return { out: Math.floor((n + b + a - eff) / s) + 1, before: b };
}
function padsOf(pad) {
  if (pad === 'valid' || pad === 'same') return [pad, pad];
  if (typeof pad === 'number') return [[pad, pad], [pad, pad]];
  return [pad[1], pad[2]];
}

function conv2dRef(x, xs, f, fs, strides, dil, pad) {
  const [B, H, W, C] = xs, [KH, KW, , CO] = fs;
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
  const [dh, dw] = typeof dil === 'number' ? [dil, dil] : dil;
  const [ph, pw] = padsOf(pad);
  const ah = axis(H, KH, sh, dh, ph), aw = axis(W, KW, sw, dw, pw);
  const y = new Float64Array(B * ah.out * aw.out * CO);
  for (let b = 0; b < B; b++) for (let oh = 0; oh < ah.out; oh++) for (let ow = 0; ow < aw.out; ow++) for (let co = 0; co < CO; co++) {
    let s = 0;
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * sh - ah.before + kh * dh;
      if (ih < 0 || ih >= H) continue;
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * sw - aw.before + kw * dw;
        if (iw < 0 || iw >= W) continue;
        for (let c = 0; c < C; c++) s += x[((b * H + ih) * W + iw) * C + c] * f[((kh * KW + kw) * C + c) * CO + co];
      }
    }
    y[((b * ah.out + oh) * aw.out + ow) * CO + co] = s;
  }
  return { y, shape: [B, ah.out, aw.out, CO] };
}

function poolRef(mode, x, xs, [PH, PW], [sh, sw], pad) {
  const [B, H, W, C] = xs, [ph, pw] = padsOf(pad);
  const ah = axis(H, PH, sh, 1, ph), aw = axis(W, PW, sw, 1, pw);
  const y = new Float64Array(B * ah.out * aw.out * C);
  for (let b = 0; b < B; b++) for (let oh = 0; oh < ah.out; oh++) for (let ow = 0; ow < aw.out; ow++) for (let c = 0; c < C; c++) {
    let m = -Infinity, s = 0, n = 0;
    for (let i = 0; i < PH; i++) for (let j = 0; j < PW; j++) {
      const ih = oh * sh - ah.before + i, iw = ow * sw - aw.before + j;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      const v = x[((b * H + ih) * W + iw) * C + c];
      m = Math.max(m, v); s += v; n++;
    }
    y[((b * ah.out + oh) * aw.out + ow) * C + c] = mode === 'max' ? m : s / n;
  }
  return { y, shape: [B, ah.out, aw.out, C] };
}

const ACT = {
  linear: (v) => v, relu: (v) => Math.max(v, 0), relu6: (v) => Math.min(Math.max(v, 0), 6), sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  elu: (v) => (v > 0 ? v : Math.exp(v) - 1), tanh: Math.tanh,
};

const CONV_CASES = [
  // [x shape, filter shape, strides, pad, dilations]
  [[1, 5, 7, 1], [3, 3, 1, 2], 1, 'valid', 1],
  [[2, 5, 7, 3], [3, 2, 3, 4], 2, 'same', 1],
  [[2, 7, 5, 3], [3, 3, 3, 2], 1, 'same', 2],
  [[1, 5, 7, 3], [2, 3, 3, 2], [2, 1], 'valid', 1],
  [[2, 5, 7, 1], [3, 3, 1, 3], 1, 1, [2, 1]],
  [[2, 5, 7, 3], [3, 3, 3, 2], 2, [[0, 0], [1, 0], [2, 1], [0, 0]], 1],
  [[2, 5, 7, 3], [1, 1, 3, 4], 1, 'valid', 1],
];

describe('engine conv ops', () => {
  it('conv2d matches a float64 reference (odd sizes, strides, dilation, every padding form, batch 1 and 2)', () => {
    for (const [xs, fs, s, pad, d] of CONV_CASES) {
      const x = T(xs), f = T(fs);
      const ref = conv2dRef(x.values, xs, f.values, fs, s, d, pad);
      const y = tn.conv2d(x, f, s, pad, 'NHWC', d);
      assert.deepStrictEqual(y.shape, ref.shape, JSON.stringify([xs, fs, s, pad, d]));
      close(y.values, ref.y, `conv2d ${JSON.stringify([xs, fs, s, pad, d])}`);
    }
    // rank 3: no batch axis
    const x = T([5, 7, 3]), f = T([3, 3, 3, 2]);
    const y = tn.conv2d(x, f, 1, 'same');
    assert.deepStrictEqual(y.shape, [5, 7, 2]);
    close(y.values, conv2dRef(x.values, [1, 5, 7, 3], f.values, [3, 3, 3, 2], 1, 1, 'same').y, 'conv2d rank 3');
  });

  it('conv1d is conv2d over height 1 (stride, dilation, same/valid/number pad)', () => {
    for (const [pad, stride, dil] of [['valid', 1, 1], ['same', 2, 1], ['same', 1, 2], [1, 2, 1]]) {
      const x = T([2, 7, 3]), f = T([3, 3, 2]);
      const ref = conv2dRef(x.values, [2, 1, 7, 3], f.values, [1, 3, 3, 2], [1, stride], [1, dil],
        typeof pad === 'number' ? [[0, 0], [0, 0], [pad, pad], [0, 0]] : pad);
      const y = tn.conv1d(x, f, stride, pad, 'NWC', dil);
      assert.deepStrictEqual(y.shape, [2, ref.shape[2], 2]);
      close(y.values, ref.y, `conv1d ${pad} ${stride} ${dil}`);
    }
  });

  it('fused.conv2d adds the bias and applies the activation in the kernel', () => {
    const x = T([2, 5, 7, 3]), f = T([3, 3, 3, 4]), b = T([4]);
    const ref = conv2dRef(x.values, [2, 5, 7, 3], f.values, [3, 3, 3, 4], 2, 1, 'same');
    for (const act of ['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'tanh', 'leakyrelu']) {
      const alpha = 0.1;
      const fn = act === 'leakyrelu' ? (v) => (v > 0 ? v : alpha * v) : ACT[act];
      const want = ref.y.map((v, i) => fn(v + b.values[i % 4]));
      const y = tn.fused.conv2d({ x, filter: f, strides: 2, pad: 'same', bias: b, activation: act, leakyreluAlpha: alpha });
      close(y.values, want, `fused.conv2d ${act}`);
    }
    // no bias, default activation: plain conv2d
    close(tn.fused.conv2d({ x, filter: f, strides: 2, pad: 'same' }).values, ref.y, 'fused.conv2d without bias');
  });

  it('conv2dTranspose is the adjoint of conv2d: <conv(u), v> = <u, convT(v)>', () => {
    for (const [pad, s] of [['same', 2], ['valid', 1], ['valid', 2]]) {
      const u = T([2, 5, 7, 3]), f = T([3, 3, 3, 2]);
      const cu = tn.conv2d(u, f, s, pad);
      const v = T(cu.shape);
      const tv = tn.conv2dTranspose(v, f, [2, 5, 7, 3], s, pad);
      assert.deepStrictEqual(tv.shape, [2, 5, 7, 3]);
      let a = 0, b = 0;
      for (let i = 0; i < cu.size; i++) a += cu.values[i] * v.values[i];
      for (let i = 0; i < u.size; i++) b += u.values[i] * tv.values[i];
      assert.ok(Math.abs(a - b) < 1e-3 * (1 + Math.abs(a)), `${pad} ${s}: ${a} vs ${b}`);
    }
  });

  it('maxPool and avgPool match float64 references (padding never counted)', () => {
    for (const [xs, size, s, pad] of [[[1, 5, 7, 1], 2, 2, 'valid'], [[2, 5, 7, 3], 3, 2, 'same'], [[2, 5, 7, 2], [2, 3], 1, 'same'],
      [[2, 5, 7, 3], 3, 2, 1], [[1, 5, 7, 2], 3, 1, [[0, 0], [2, 0], [1, 1], [0, 0]]]]) {
      const x = T(xs);
      const sz = typeof size === 'number' ? [size, size] : size, st = [s, s];
      for (const mode of ['max', 'avg']) {
        const ref = poolRef(mode, x.values, xs, sz, st, pad);
        const y = mode === 'max' ? tn.maxPool(x, size, s, pad) : tn.avgPool(x, size, s, pad);
        assert.deepStrictEqual(y.shape, ref.shape);
        close(y.values, ref.y, `${mode}Pool ${JSON.stringify([xs, size, s, pad])}`);
      }
    }
    assert.deepStrictEqual(tn.maxPool(T([5, 7, 2]), 2, 2, 'same').shape, [3, 4, 2]);
  });

  it('batchNorm normalizes with the given statistics over the last axis; batchNormTraining with the batch statistics', () => {
    const x = T([2, 3, 5, 4]), mean = T([4]), variance = T([4], 0.5, 2), offset = T([4]), scale = T([4]);
    const want = Float64Array.from(x.values, (v, i) => {
      const c = i % 4;
      return scale.values[c] * (v - mean.values[c]) / Math.sqrt(variance.values[c] + 1e-3) + offset.values[c];
    });
    close(tn.batchNorm(x, mean, variance, offset, scale, 1e-3).values, want, 'batchNorm');
    // defaults (offset 0, scale 1), scalar statistics broadcast, rank 2
    const x2 = T([3, 4]);
    close(tn.batchNorm(x2, 0.5, 2).values, Float64Array.from(x2.values, (v) => (v - 0.5) / Math.sqrt(2.001)), 'batchNorm scalars');

    for (const ax of [-1, 1]) {
      const { y, mean: m, variance: v } = batchNormTraining(x, scale.shape[0] === x.shape[3] && ax === -1 ? scale : null, null, 1e-3, ax);
      const C = x.shape[ax < 0 ? 3 : 1], n = x.size / C;
      const chan = (i) => (ax < 0 ? i % 4 : Math.floor(i / 20) % 3);
      const mu = new Float64Array(C), va = new Float64Array(C);
      x.values.forEach((val, i) => (mu[chan(i)] += val / n));
      x.values.forEach((val, i) => (va[chan(i)] += (val - mu[chan(i)]) ** 2 / n));
      close(m.values, mu, `batchNormTraining mean axis ${ax}`);
      close(v.values, va, `batchNormTraining variance axis ${ax}`);
      const g = (c) => (ax < 0 ? scale.values[c] : 1);
      close(y.values, Float64Array.from(x.values, (val, i) => g(chan(i)) * (val - mu[chan(i)]) / Math.sqrt(va[chan(i)] + 1e-3)),
        `batchNormTraining y axis ${ax}`);
    }
  });

  it('gives the values of the layers (which run the old glue) for the same weights', () => {
    const x = T([2, 5, 7, 3]);
    const conv = tn.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu' });
    conv.ensureBuilt([5, 7, 3]);
    const [k, b] = conv.getWeights();
    close(conv.forward(x, false).values,
      tn.fused.conv2d({ x, filter: k, strides: 2, pad: 'same', bias: b, activation: 'elu' }).values, 'conv2d layer');
    const dil = tn.layers.conv2d({ filters: 2, kernelSize: [3, 2], dilationRate: 2, padding: 'valid', useBias: false });
    dil.ensureBuilt([5, 7, 3]);
    close(dil.forward(x, false).values, tn.conv2d(x, dil.getWeights()[0], 1, 'valid', 'NHWC', 2).values, 'dilated conv2d layer');
    const c1 = tn.layers.conv1d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' });
    const x1 = T([2, 7, 3]);
    c1.ensureBuilt([7, 3]);
    const [k1, b1] = c1.getWeights();
    close(c1.forward(x1, false).values, tn.fused.conv2d({ x: tn.reshape(x1, [2, 1, 7, 3]), filter: tn.reshape(k1, [1, 3, 3, 2]),
      strides: [1, 2], pad: 'same', bias: b1 }).values, 'conv1d layer');
    const mp = tn.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' });
    mp.ensureBuilt([5, 7, 3]);
    close(mp.forward(x, false).values, tn.maxPool(x, 3, 2, 'same').values, 'maxPooling2d layer');
    const ap = tn.layers.averagePooling2d({ poolSize: 2, padding: 'same' });
    ap.ensureBuilt([5, 7, 3]);
    close(ap.forward(x, false).values, tn.avgPool(x, 2, 2, 'same').values, 'averagePooling2d layer');
    const bn = tn.layers.batchNormalization({ epsilon: 1e-3 });
    bn.ensureBuilt([5, 7, 3]);
    const [gamma, beta, mm, mv] = [T([3]), T([3]), T([3]), T([3], 0.5, 2)];
    bn.setWeights([gamma, beta, mm, mv]);
    close(bn.forward(x, false).values, tn.batchNorm(x, mm, mv, beta, gamma, 1e-3).values, 'batchNormalization layer (inference)');
    close(bn.forward(x, true).values, batchNormTraining(x, gamma, beta, 1e-3).y.values, 'batchNormalization layer (training)');
  });

  describe('gradients by finite differences', () => {
    it('conv2d (x, filter) over the padding forms, strides and dilation', () => {
      for (const [xs, fs, s, pad, d] of CONV_CASES.slice(0, 6)) {
        checkGrad(`conv2d ${JSON.stringify([xs, fs, s, pad, d])}`, (x, f) => tn.conv2d(x, f, s, pad, 'NHWC', d), [T(xs), T(fs)]);
      }
    });
    it('fused.conv2d (x, filter, bias) with linear, relu, elu, sigmoid, leakyrelu', () => {
      for (const act of ['linear', 'relu', 'elu', 'sigmoid', 'leakyrelu']) {
        checkGrad(`fused.conv2d ${act}`, (x, f, b) => tn.fused.conv2d({ x, filter: f, strides: 2, pad: 'same', bias: b, activation: act }),
          [T([2, 5, 7, 3]), T([3, 3, 3, 2]), T([2])]);
      }
      checkGrad('fused.conv2d scalar bias', (x, f, b) => tn.fused.conv2d({ x, filter: f, strides: 1, pad: 'valid', bias: b }),
        [T([1, 5, 7, 2]), T([2, 2, 2, 3]), T([])]);
    });
    it('conv1d and conv2dTranspose', () => {
      checkGrad('conv1d', (x, f) => tn.conv1d(x, f, 2, 'same', 'NWC', 1), [T([2, 7, 3]), T([3, 3, 2])]);
      checkGrad('conv1d dilation', (x, f) => tn.conv1d(x, f, 1, 'valid', 'NWC', 2), [T([1, 7, 2]), T([2, 2, 3])]);
      checkGrad('conv2dTranspose', (x, f) => tn.conv2dTranspose(x, f, [2, 5, 7, 3], 2, 'same'), [T([2, 3, 4, 2]), T([3, 3, 3, 2])]);
    });
    it('maxPool (away from ties) and avgPool', () => {
      // distinct values at least 0.05 apart, so a step of 0.01 never moves an argmax
      const n = 2 * 5 * 7 * 2, perm = Array.from({ length: n }, (_, i) => i).sort(() => rand(1)[0]);
      const x = new tn.Tensor(Float32Array.from(perm, (p) => p * 0.05 - 3), [2, 5, 7, 2], 'float32');
      for (const [size, s, pad] of [[2, 2, 'valid'], [3, 2, 'same'], [[2, 3], 1, 1]]) {
        checkGrad(`maxPool ${size} ${s} ${pad}`, (t) => tn.maxPool(t, size, s, pad), [x], { h: 1e-2 });
        checkGrad(`avgPool ${size} ${s} ${pad}`, (t) => tn.avgPool(t, size, s, pad), [T([2, 5, 7, 2])]);
      }
    });
    it('batchNorm (x, mean, variance, offset, scale)', () => {
      checkGrad('batchNorm', (x, m, v, o, s) => tn.batchNorm(x, m, v, o, s, 1e-3), [T([2, 3, 5, 3]), T([3]), T([3], 0.5, 2), T([3]), T([3])],
        { h: 1e-3 });
      checkGrad('batchNorm broadcast scalars', (x, m, v) => tn.batchNorm(x, m, v), [T([4, 3]), T([]), T([], 0.5, 2)], { h: 1e-3 });
    });
    it('batchNormTraining through the batch statistics (and the mean/variance outputs)', () => {
      checkGrad('batchNormTraining', (x, s, o) => batchNormTraining(x, s, o, 1e-3).y, [T([2, 3, 5, 3]), T([3]), T([3])], { h: 1e-3 });
      checkGrad('batchNormTraining axis 1', (x, s, o) => batchNormTraining(x, s, o, 1e-3, 1).y, [T([4, 3, 2]), T([3]), T([3])], { h: 1e-3 });
      checkGrad('batchNormTraining statistics', (x) => {
        const r = batchNormTraining(x, null, null, 1e-3);
        return tn.concat([tn.reshape(r.y, [-1]), r.mean, r.variance]);
      }, [T([3, 2, 3])], { h: 1e-3 });
    });
  });

  it('bad arguments are TypeErrors / RangeErrors naming the argument', () => {
    const x = T([2, 5, 7, 3]), f = T([3, 3, 3, 2]);
    assert.throws(() => tn.conv2d(x, f, 1, 'same', 'NCHW'), (e) => e instanceof RangeError && /NCHW/.test(e.message));
    assert.throws(() => tn.conv2d(x, f, 0, 'same'), (e) => e instanceof TypeError && /strides/.test(e.message));
    assert.throws(() => tn.conv2d(x, f, 1, 'full'), (e) => e instanceof TypeError && /pad/.test(e.message));
    assert.throws(() => tn.conv2d(x, T([3, 3, 2, 2]), 1, 'same'), (e) => e instanceof RangeError && /channels/.test(e.message));
    assert.throws(() => tn.conv2d(T([5, 7]), f, 1, 'same'), (e) => e instanceof RangeError && /rank/.test(e.message));
    assert.throws(() => tn.conv2d(x, f, 1, [[0, 0], [3, 0], [0, 0], [0, 0]]), (e) => e instanceof RangeError && /smaller than the window/.test(e.message));
    assert.throws(() => tn.conv2d(x, f, 1, [[1, 0], [0, 0], [0, 0], [0, 0]]), (e) => e instanceof RangeError && /pad/.test(e.message));
    assert.throws(() => tn.conv2d(x, T([6, 3, 3, 2]), 1, 'valid'), (e) => e instanceof RangeError && /height/.test(e.message));
    assert.throws(() => tn.conv2d(x, f, 1, 1, 'NHWC', 1, 'ceil'), (e) => e instanceof RangeError && /dimRoundingMode/.test(e.message));
    assert.throws(() => tn.conv2d(tn.tensor([[[[1]]]], [1, 1, 1, 1], 'int32'), f, 1, 'same'), (e) => e instanceof TypeError && /float32/.test(e.message));
    assert.throws(() => tn.conv1d(T([2, 7, 3]), T([3, 3, 2]), 1, 'same', 'NCW'), (e) => e instanceof RangeError && /NCW/.test(e.message));
    assert.throws(() => tn.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', activation: 'prelu' }), (e) => e instanceof RangeError && /prelu/.test(e.message));
    assert.throws(() => tn.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', activation: 'relu7' }), (e) => e instanceof TypeError && /activation/.test(e.message));
    assert.throws(() => tn.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', bias: T([3]) }), (e) => e instanceof RangeError && /bias/.test(e.message));
    assert.throws(() => tn.maxPool(x, 0, 1, 'same'), (e) => e instanceof TypeError && /filterSize/.test(e.message));
    assert.throws(() => tn.avgPool(x, 6, 1, 'valid'), (e) => e instanceof RangeError && /height/.test(e.message));
    assert.throws(() => tn.batchNorm(x, T([2]), T([3])), (e) => e instanceof RangeError && /mean/.test(e.message));
    assert.throws(() => tn.batchNorm(x, T([3]), T([3]), undefined, undefined, 0), (e) => e instanceof RangeError && /varianceEpsilon/.test(e.message));
    assert.throws(() => tn.conv2dTranspose(T([2, 3, 4, 2]), f, [2, 6, 7, 3], 2, 'valid'), (e) => e instanceof RangeError && /outputShape/.test(e.message));
    // the native kernel re-checks what TS checked
    const native = tn._native, id = tn.opNames.indexOf('conv2d');
    assert.throws(() => native.runOp(id, [new Float32Array(2 * 5 * 7 * 2), x.values, f.values], 1, Int32Array.of(4, 2, 5, 7, 2, 4, 2, 5, 7, 3, 4, 3, 3, 3, 2),
      Float64Array.of(1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)), /conv2d: height output 5 does not follow/);
  });
});
