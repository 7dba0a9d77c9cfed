// Pooling: native kernels against float64 references on random inputs (odd sizes, strides
// unlike the window, valid/same), finite-difference gradients of every pooling layer,
// Keras-user checks through predict. Max pooling values are exact (a copy); average
// pooling atol 1e-6 + rtol 1e-5.
'use strict';
const assert = require('assert');
const { makeRandom, assertClose, gradCheck, tn } = require('./helpers');

const native = tn._native;

function axis(inSize, k, s, padding) {
  if (padding === 'same') {
    const out = Math.ceil(inSize / s);
    return { out, pad: Math.floor(Math.max((out - 1) * s + k - inSize, 0) / 2) };
  }
  return { out: Math.floor((inSize - k) / s) + 1, pad: 0 };
}

// float64 reference: y and, for max, the gradient routing (first maximum wins).
function poolRef(mode, x, B, H, W, C, ph, pw, sh, sw, padding, dy) {
  const h = axis(H, ph, sh, padding), w = axis(W, pw, sw, padding);
  const y = new Float64Array(B * h.out * w.out * C), dx = new Float64Array(x.length);
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < h.out; oh++)
      for (let ow = 0; ow < w.out; ow++)
        for (let c = 0; c < C; c++) {
          const taps = [];
          for (let i = oh * sh - h.pad; i < oh * sh - h.pad + ph; i++)
            for (let j = ow * sw - w.pad; j < ow * sw - w.pad + pw; j++)
              if (i >= 0 && i < H && j >= 0 && j < W) taps.push(((b * H + i) * W + j) * C + c);
          const o = ((b * h.out + oh) * w.out + ow) * C + c;
          if (mode === 'max') {
            let best = taps[0];
            for (const t of taps) if (x[t] > x[best]) best = t;
            y[o] = x[best];
            if (dy) dx[best] += dy[o];
          } else {
            y[o] = taps.reduce((s, t) => s + x[t], 0) / taps.length;
            if (dy) for (const t of taps) dx[t] += dy[o] / taps.length;
          }
        }
  return { y, dx, OH: h.out, OW: w.out, pt: h.pad, pl: w.pad };
}

const CASES = [
  // B, H, W, C, ph, pw, sh, sw, padding
  [2, 6, 6, 3, 2, 2, 2, 2, 'valid'],
  [2, 7, 5, 4, 2, 2, 2, 2, 'valid'],
  [2, 7, 5, 4, 2, 2, 2, 2, 'same'],
  [3, 9, 8, 2, 3, 3, 2, 2, 'same'],
  [1, 9, 11, 5, 3, 2, 1, 3, 'valid'],
  [2, 5, 5, 3, 3, 3, 1, 1, 'same'],
  [2, 8, 7, 2, 2, 3, 3, 2, 'valid'],
];

describe('pooling kernels (native) vs float64 reference', () => {
  const rand = makeRandom(17);
  for (const mode of ['max', 'avg']) {
    for (const [B, H, W, C, ph, pw, sh, sw, padding] of CASES) {
      it(`${mode} pool ${ph}x${pw} stride ${sh}x${sw} ${padding} on ${B}x${H}x${W}x${C}`, () => {
        const x = rand(B * H * W * C);
        const dyProbe = rand(B * H * W * C); // long enough for any output
        const r0 = poolRef(mode, x, B, H, W, C, ph, pw, sh, sw, padding, null);
        const n = r0.y.length;
        const dy = dyProbe.subarray(0, n);
        const r = poolRef(mode, x, B, H, W, C, ph, pw, sh, sw, padding, dy);
        const dims = Int32Array.from([B, H, W, C, r.OH, r.OW, ph, pw, sh, sw, r.pt, r.pl]);
        const y = new Float32Array(n), dx = new Float32Array(x.length).fill(NaN);
        if (mode === 'max') {
          const argmax = new Int32Array(n);
          native.maxPool2dForward(y, argmax, x, dims);
          native.maxPool2dBackward(dx, dy, argmax, dims);
          assertClose(y, r.y, { atol: 0, rtol: 0, what: 'max forward' });
        } else {
          native.avgPool2dForward(y, x, dims);
          native.avgPool2dBackward(dx, dy, dims);
          assertClose(y, r.y, { atol: 1e-6, rtol: 1e-5, what: 'avg forward' });
        }
        assertClose(dx, r.dx, { atol: 1e-6, rtol: 1e-5, what: `${mode} dx` });
      });
    }
  }
});

describe('pooling layers', () => {
  const rand = makeRandom(19);

  it('maxPooling2d / averagePooling2d through predict, with Keras defaults (strides = poolSize)', () => {
    const x = rand(2 * 7 * 6 * 3);
    for (const [factory, mode] of [['maxPooling2d', 'max'], ['averagePooling2d', 'avg']]) {
      for (const padding of ['valid', 'same']) {
        const model = tn.sequential({ layers: [tn.layers[factory]({ poolSize: [3, 2], padding, inputShape: [7, 6, 3] })] });
        const ref = poolRef(mode, x, 2, 7, 6, 3, 3, 2, 3, 2, padding, null);
        assert.deepStrictEqual(model.outputShape(), [ref.OH, ref.OW, 3]);
        assertClose(model.predict(tn.tensor(x, [2, 7, 6, 3])).dataSync(), ref.y, { atol: 1e-6, rtol: 1e-5, what: `${factory} ${padding}` });
      }
    }
    const m = tn.sequential({ layers: [tn.layers.maxPooling2d({ inputShape: [5, 5, 1] })] });
    assert.deepStrictEqual(m.outputShape(), [2, 2, 1]);
    assert.strictEqual(m.layers[0].name.startsWith('max_pooling2d'), true);
  });

  for (const [name, make, shape] of [
    ['maxPooling2d 2x2 valid', () => tn.layers.maxPooling2d({ poolSize: 2 }), [2, 5, 6, 3]],
    ['maxPooling2d 3x3 stride 2 same', () => tn.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), [2, 7, 7, 2]],
    ['averagePooling2d 2x3 same', () => tn.layers.averagePooling2d({ poolSize: [2, 3], padding: 'same' }), [2, 5, 7, 2]],
    ['globalAveragePooling2d', () => tn.layers.globalAveragePooling2d(), [3, 4, 5, 3]],
    ['globalMaxPooling2d', () => tn.layers.globalMaxPooling2d(), [3, 4, 5, 3]],
    ['maxPooling1d', () => tn.layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }), [2, 9, 3]],
    ['averagePooling1d', () => tn.layers.averagePooling1d({ poolSize: 2 }), [2, 9, 3]],
    ['globalAveragePooling1d', () => tn.layers.globalAveragePooling1d(), [2, 7, 4]],
    ['globalMaxPooling1d', () => tn.layers.globalMaxPooling1d(), [2, 7, 4]],
  ]) {
    it(`${name}: backward matches finite differences`, () => {
      const layer = make();
      const input = shape.slice(1);
      layer.ensureBuilt(input);
      // Values spaced >= 0.01 apart (a shuffled grid), so a step of 2e-3 never changes an argmax.
      const n = shape.reduce((a, b) => a * b);
      const order = Array.from({ length: n }, (_, i) => i);
      const r = rand(n, 0, 1);
      order.sort((a, b) => r[a] - r[b]);
      const x = new Float32Array(n);
      order.forEach((k, i) => (x[k] = (i - n / 2) * 0.01));
      gradCheck(layer, tn.tensor(x, shape), { h: 2e-3, atol: 1e-3, rtol: 1e-2 });
    });
  }

  it('global pooling gives one value per channel', () => {
    const x = rand(2 * 3 * 4 * 5);
    const avg = tn.sequential({ layers: [tn.layers.globalAveragePooling2d({ inputShape: [3, 4, 5] })] });
    const max = tn.sequential({ layers: [tn.layers.globalMaxPooling2d({ inputShape: [3, 4, 5] })] });
    assert.deepStrictEqual(avg.outputShape(), [5]);
    const want = { avg: new Float64Array(10), max: new Float64Array(10).fill(-Infinity) };
    for (let b = 0; b < 2; b++)
      for (let p = 0; p < 12; p++)
        for (let c = 0; c < 5; c++) {
          const v = x[(b * 12 + p) * 5 + c];
          want.avg[b * 5 + c] += v / 12;
          want.max[b * 5 + c] = Math.max(want.max[b * 5 + c], v);
        }
    assertClose(avg.predict(tn.tensor(x, [2, 3, 4, 5])).dataSync(), want.avg, { atol: 1e-6, what: 'global avg' });
    assertClose(max.predict(tn.tensor(x, [2, 3, 4, 5])).dataSync(), want.max, { atol: 0, rtol: 0, what: 'global max' });
  });

  it('validates its arguments in user terms', () => {
    assert.throws(() => tn.layers.maxPooling2d({ poolSize: 0 }), /poolSize/);
    assert.throws(() => tn.layers.averagePooling2d({ padding: 'causal' }), /padding/);
    assert.throws(() => tn.sequential({ layers: [tn.layers.maxPooling2d({ poolSize: 4, inputShape: [3, 3, 1] })] }), /smaller than/);
    assert.throws(() => tn.sequential({ layers: [tn.layers.globalMaxPooling2d({ inputShape: [3, 3] })] }), /expects inputs of shape/);
  });
});
