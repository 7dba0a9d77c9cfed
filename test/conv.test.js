// Conv2D / Conv1D / ZeroPadding2D / UpSampling2D: native kernels against float64 references
// on random inputs, finite-difference gradients of every layer, Keras-user checks through
// setWeights/predict. Tolerances: forward/backward kernels atol 1e-4 + rtol 1e-4 (float32
// sums of up to ~600 products of values in [-1, 1]); gradient checks as stated per test.
'use strict';
const assert = require('assert');
const { makeRandom, assertClose, gradCheck, tn } = require('./helpers');

const native = tn._native;

// Keras geometry (Note [Keras conv geometry] in lib/layers/conv.ts), one axis.
function axis(inSize, k, s, d, padding) {
  const eff = (k - 1) * d + 1;
  if (padding === 'same') {
    const out = Math.ceil(inSize / s);
    return { out, pad: Math.floor(Math.max((out - 1) * s + eff - inSize, 0) / 2) };
  }
  return { out: Math.floor((inSize - eff) / s) + 1, pad: 0 };
}

function geometry(c) {
  const h = axis(c.H, c.kh, c.sh, c.dh, c.padding), w = axis(c.W, c.kw, c.sw, c.dw, c.padding);
  return { ...c, OH: h.out, OW: w.out, pt: h.pad, pl: w.pad };
}

function dimsOf(g) {
  return Int32Array.from([g.B, g.H, g.W, g.cin, g.OH, g.OW, g.cout, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl]);
}

// Calls f(b, oh, ow, kh, kw, xIndexBase) for every in-image tap.
function forTaps(g, f) {
  for (let b = 0; b < g.B; b++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let kh = 0; kh < g.kh; kh++) {
          const ih = oh * g.sh - g.pt + kh * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          for (let kw = 0; kw < g.kw; kw++) {
            const iw = ow * g.sw - g.pl + kw * g.dw;
            if (iw < 0 || iw >= g.W) continue;
            f(((b * g.OH + oh) * g.OW + ow) * g.cout, ((b * g.H + ih) * g.W + iw) * g.cin, (kh * g.kw + kw) * g.cin * g.cout);
          }
        }
}

function convForwardRef(g, x, k) {
  const y = new Float64Array(g.B * g.OH * g.OW * g.cout);
  forTaps(g, (yo, xo, ko) => {
    for (let ci = 0; ci < g.cin; ci++) {
      const xv = x[xo + ci];
      for (let co = 0; co < g.cout; co++) y[yo + co] += xv * k[ko + ci * g.cout + co];
    }
  });
  return y;
}

function convBackwardRef(g, x, k, dy) {
  const dx = new Float64Array(x.length), dk = new Float64Array(k.length);
  forTaps(g, (yo, xo, ko) => {
    for (let ci = 0; ci < g.cin; ci++) {
      for (let co = 0; co < g.cout; co++) {
        dx[xo + ci] += dy[yo + co] * k[ko + ci * g.cout + co];
        dk[ko + ci * g.cout + co] += dy[yo + co] * x[xo + ci];
      }
    }
  });
  return { dx, dk };
}

const CASES = [
  // name, B, H, W, cin, cout, kh, kw, sh, sw, dh, dw, padding
  ['3x3 valid', 2, 7, 9, 3, 5, 3, 3, 1, 1, 1, 1, 'valid'],
  ['3x3 same odd sizes', 3, 7, 5, 2, 4, 3, 3, 1, 1, 1, 1, 'same'],
  ['2x2 same (extra pad bottom/right)', 2, 6, 6, 3, 3, 2, 2, 1, 1, 1, 1, 'same'],
  ['5x3 stride 2x3 same', 2, 11, 10, 3, 6, 5, 3, 2, 3, 1, 1, 'same'],
  ['3x3 stride 2 valid', 1, 9, 8, 4, 2, 3, 3, 2, 2, 1, 1, 'valid'],
  ['3x3 dilation 2 valid', 2, 9, 10, 2, 3, 3, 3, 1, 1, 2, 2, 'valid'],
  ['3x2 dilation 2x3 same', 2, 8, 9, 3, 4, 3, 2, 1, 1, 2, 3, 'same'],
  ['1x1 pointwise', 3, 5, 4, 7, 6, 1, 1, 1, 1, 1, 1, 'valid'],
  ['1x1 stride 2', 2, 5, 7, 3, 4, 1, 1, 2, 2, 1, 1, 'same'],
  ['kernel = image', 2, 4, 3, 2, 5, 4, 3, 1, 1, 1, 1, 'valid'],
  ['4x4 stride 3 same', 2, 10, 7, 3, 2, 4, 4, 3, 3, 1, 1, 'same'],
].map(([name, B, H, W, cin, cout, kh, kw, sh, sw, dh, dw, padding]) =>
  geometry({ name, B, H, W, cin, cout, kh, kw, sh, sw, dh, dw, padding }));

describe('conv2d kernels (native) vs float64 reference', () => {
  const rand = makeRandom(31);

  for (const g of CASES) {
    it(`forward and backward: ${g.name}`, () => {
      const x = rand(g.B * g.H * g.W * g.cin), k = rand(g.kh * g.kw * g.cin * g.cout);
      const ny = g.B * g.OH * g.OW * g.cout;
      const y = new Float32Array(ny);
      native.conv2dForward(y, null, x, k, null, dimsOf(g), 0, 0);
      assertClose(y, convForwardRef(g, x, k), { atol: 1e-4, rtol: 1e-4, what: `${g.name} forward` });
      const yr = new Float32Array(ny);
      native.conv2dForwardReference(yr, x, k, dimsOf(g));
      assertClose(yr, convForwardRef(g, x, k), { atol: 1e-4, rtol: 1e-4, what: `${g.name} native reference` });

      const dy = rand(ny);
      const dx = new Float32Array(x.length).fill(NaN), dk = new Float32Array(k.length).fill(NaN);
      native.conv2dBackward(dx, dk, null, null, dy, x, k, null, y, dimsOf(g), 0, 0, false);
      const ref = convBackwardRef(g, x, k, dy);
      assertClose(dx, ref.dx, { atol: 1e-4, rtol: 1e-4, what: `${g.name} dx` });
      assertClose(dk, ref.dk, { atol: 1e-4, rtol: 1e-4, what: `${g.name} dkernel` });
      // Without dx (first layer): the same kernel gradient, dx untouched.
      const dk2 = new Float32Array(k.length);
      native.conv2dBackward(null, dk2, null, null, dy, x, k, null, y, dimsOf(g), 0, 0, false);
      assertClose(dk2, ref.dk, { atol: 1e-4, rtol: 1e-4, what: `${g.name} dkernel without dx` });
    });
  }

  it('processes large batches in chunks (im2col workspace bound) with the same result', function () {
    this.timeout(60000);
    // cols per image: 40*40*(3*3*48) = 691200 floats; the 4M-float bound gives chunks of 6
    // images in forward and 3 in backward: 13 images -> 3 and 5 chunks, the last one partial.
    const g = geometry({ name: 'chunked', B: 13, H: 40, W: 40, cin: 48, cout: 3, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, padding: 'same' });
    const x = rand(g.B * g.H * g.W * g.cin), k = rand(g.kh * g.kw * g.cin * g.cout);
    const y = new Float32Array(g.B * g.OH * g.OW * g.cout);
    native.conv2dForward(y, null, x, k, null, dimsOf(g), 0, 0);
    assertClose(y, convForwardRef(g, x, k), { atol: 2e-4, rtol: 1e-4, what: 'chunked forward' });
    const dy = rand(y.length);
    const dx = new Float32Array(x.length), dk = new Float32Array(k.length);
    native.conv2dBackward(dx, dk, null, null, dy, x, k, null, y, dimsOf(g), 0, 0, false);
    const ref = convBackwardRef(g, x, k, dy);
    assertClose(dx, ref.dx, { atol: 2e-4, rtol: 1e-4, what: 'chunked dx' });
    // dkernel sums 13*1600 products per entry.
    assertClose(dk, ref.dk, { atol: 2e-3, rtol: 1e-4, what: 'chunked dkernel' });
  });

  it('rejects inconsistent geometry and short buffers instead of touching memory', () => {
    const g = CASES[0];
    const bad = dimsOf(g);
    bad[4] += 5; // output height that cannot come from this input
    const x = new Float32Array(g.B * g.H * g.W * g.cin), k = new Float32Array(g.kh * g.kw * g.cin * g.cout);
    assert.throws(() => native.conv2dForward(new Float32Array(1e5), null, x, k, null, bad, 0, 0), /conv2d/);
    assert.throws(() => native.conv2dForward(new Float32Array(3), null, x, k, null, dimsOf(g), 0, 0), /at least/);
  });
});

describe('conv2d layer', () => {
  const rand = makeRandom(41);

  it('matches the reference through setWeights/predict, with bias and relu', () => {
    for (const g of CASES.slice(0, 8)) {
      const layer = tn.layers.conv2d({
        filters: g.cout, kernelSize: [g.kh, g.kw], strides: [g.sh, g.sw], dilationRate: [g.dh, g.dw], padding: g.padding,
        activation: 'relu', inputShape: [g.H, g.W, g.cin],
      });
      const model = tn.sequential({ layers: [layer] });
      assert.deepStrictEqual(model.outputShape(), [g.OH, g.OW, g.cout], g.name);
      const k = rand(g.kh * g.kw * g.cin * g.cout), bias = rand(g.cout), x = rand(g.B * g.H * g.W * g.cin);
      layer.setWeights([tn.tensor(k, [g.kh, g.kw, g.cin, g.cout]), tn.tensor(bias, [g.cout])]);
      const got = model.predict(tn.tensor(x, [g.B, g.H, g.W, g.cin])).dataSync();
      const want = convForwardRef(g, x, k).map((v, i) => Math.max(0, v + bias[i % g.cout]));
      assertClose(got, want, { atol: 1e-4, rtol: 1e-4, what: `conv2d layer ${g.name}` });
    }
  });

  it("'same' padding puts the extra row/column at the bottom/right, as Keras", () => {
    // 4x4 input 1..16, 2x2 kernel of ones, 'same': y[i][j] = x[i][j] + x[i][j+1] + x[i+1][j] + x[i+1][j+1]
    // with zeros past the bottom/right edge.
    const layer = tn.layers.conv2d({ filters: 1, kernelSize: 2, padding: 'same', useBias: false, kernelInitializer: 'ones', inputShape: [4, 4, 1] });
    const model = tn.sequential({ layers: [layer] });
    const x = Float32Array.from({ length: 16 }, (_, i) => i + 1);
    const got = Array.from(model.predict(tn.tensor(x, [1, 4, 4, 1])).dataSync());
    const at = (i, j) => (i < 4 && j < 4 ? x[i * 4 + j] : 0);
    const want = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) want.push(at(i, j) + at(i, j + 1) + at(i + 1, j) + at(i + 1, j + 1));
    assert.deepStrictEqual(got, want);
  });

  const gradCases = [
    ['3x3 valid relu', { filters: 3, kernelSize: 3, activation: 'relu' }, [2, 6, 5, 2]],
    ['3x3 same tanh, stride 2', { filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }, [2, 7, 6, 3]],
    ['2x3 dilation 2 same linear', { filters: 2, kernelSize: [2, 3], dilationRate: 2, padding: 'same' }, [2, 6, 7, 2]],
    ['1x1 sigmoid', { filters: 5, kernelSize: 1, activation: 'sigmoid' }, [3, 3, 4, 4]],
    ['no bias elu', { filters: 3, kernelSize: [3, 2], useBias: false, activation: 'elu' }, [2, 5, 4, 3]],
  ];
  for (const [name, args, shape] of gradCases) {
    it(`backward matches finite differences: ${name}`, () => {
      tn.setSeed(3);
      const layer = tn.layers.conv2d({ ...args, inputShape: shape.slice(1) });
      tn.sequential({ layers: [layer] });
      // relu: a small step, so few samples straddle the kink (see gradCheck).
      gradCheck(layer, tn.tensor(rand(shape.reduce((a, b) => a * b)), shape),
        args.activation === 'relu' ? { h: 2e-3, atol: 4e-3, rtol: 2e-2 } : { h: 1e-2, atol: 2e-3, rtol: 2e-2 });
    });
  }

  it('skips the input gradient when asked (first layer) and still writes the weight gradients', () => {
    const layer = tn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [5, 5, 2] });
    tn.sequential({ layers: [layer] });
    const x = tn.tensor(rand(2 * 5 * 5 * 2), [2, 5, 5, 2]);
    const dy = tn.tensor(rand(2 * 5 * 5 * 3), [2, 5, 5, 3]);
    layer.forward(x, true);
    assert.ok(layer.backward(dy, true) !== null);
    const withDx = layer.trainableVariables.map((v) => Float32Array.from(v.grad));
    layer.forward(x, true);
    assert.strictEqual(layer.backward(dy, false), null);
    layer.trainableVariables.forEach((v, i) => assertClose(v.grad, withDx[i], { atol: 0, rtol: 0, what: v.name }));
  });

  it('validates its arguments in user terms', () => {
    assert.throws(() => tn.layers.conv2d({ filters: 0, kernelSize: 3 }), /Expected a positive integer for filters but received 0/);
    assert.throws(() => tn.layers.conv2d({ filters: 2, kernelSize: [3] }), /kernelSize/);
    assert.throws(() => tn.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'full' }), /Expected one of 'valid', 'same' for padding/);
    assert.throws(() => tn.layers.conv2d({ filters: 2, kernelSize: 3, strides: -1 }), /strides/);
    assert.throws(() => tn.sequential({ layers: [tn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5] })] }),
      /expects inputs of shape \[batch, height, width, channels\]/);
    assert.throws(() => tn.sequential({ layers: [tn.layers.conv2d({ filters: 2, kernelSize: 5, inputShape: [3, 3, 1] })] }),
      /smaller than/);
  });

  it('has Keras weight layouts, names and output shapes in summary()', () => {
    const model = tn.sequential({
      layers: [
        tn.layers.zeroPadding2d({ padding: [[1, 2], [0, 1]], inputShape: [9, 8, 3] }),
        tn.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same' }),
        tn.layers.upSampling2d({ size: [2, 3] }),
        tn.layers.conv2d({ filters: 2, kernelSize: 3 }),
      ],
    });
    const lines = [];
    model.summary(undefined, undefined, (l) => lines.push(l));
    const text = lines.join('\n');
    assert.match(text, /\[null,12,9,3\]/);
    assert.match(text, /\[null,6,5,4\]/);
    assert.match(text, /\[null,12,15,4\]/);
    assert.match(text, /\[null,10,13,2\]/);
    assert.deepStrictEqual(model.layers[1].getWeights().map((w) => w.shape), [[3, 2, 3, 4], [4]]);
    assert.strictEqual(model.layers[1].countParams(), 3 * 2 * 3 * 4 + 4);
  });
});

describe('conv1d layer', () => {
  const rand = makeRandom(43);

  // float64 reference: y[b, t, co] = sum_{k, ci} x[b, t*s - pad + k*d, ci] * kernel[k, ci, co]
  function conv1dRef(x, kernel, B, T, cin, cout, K, s, d, padding) {
    const eff = (K - 1) * d + 1;
    const out = padding === 'valid' ? Math.floor((T - eff) / s) + 1 : Math.ceil(T / s);
    const pad = padding === 'causal' ? eff - 1 : padding === 'same' ? Math.floor(Math.max((out - 1) * s + eff - T, 0) / 2) : 0;
    const y = new Float64Array(B * out * cout);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < out; t++)
        for (let k = 0; k < K; k++) {
          const it = t * s - pad + k * d;
          if (it < 0 || it >= T) continue;
          for (let ci = 0; ci < cin; ci++)
            for (let co = 0; co < cout; co++) y[(b * out + t) * cout + co] += x[(b * T + it) * cin + ci] * kernel[(k * cin + ci) * cout + co];
        }
    return { y, out };
  }

  for (const [padding, K, s, d] of [['valid', 3, 1, 1], ['same', 4, 2, 1], ['causal', 3, 1, 2], ['same', 2, 1, 3], ['valid', 1, 1, 1]]) {
    it(`forward (setWeights/predict) and gradients: padding ${padding}, kernel ${K}, stride ${s}, dilation ${d}`, () => {
      const B = 2, T = 11, cin = 3, cout = 4;
      const layer = tn.layers.conv1d({ filters: cout, kernelSize: K, strides: s, dilationRate: d, padding, inputShape: [T, cin] });
      const model = tn.sequential({ layers: [layer] });
      const kernel = rand(K * cin * cout), bias = rand(cout), x = rand(B * T * cin);
      layer.setWeights([tn.tensor(kernel, [K, cin, cout]), tn.tensor(bias, [cout])]);
      const ref = conv1dRef(x, kernel, B, T, cin, cout, K, s, d, padding);
      assert.deepStrictEqual(model.outputShape(), [ref.out, cout]);
      const got = model.predict(tn.tensor(x, [B, T, cin])).dataSync();
      assertClose(got, ref.y.map((v, i) => v + bias[i % cout]), { atol: 1e-5, rtol: 1e-4, what: `conv1d ${padding}` });
      gradCheck(layer, tn.tensor(x, [B, T, cin]));
    });
  }
});

describe('zeroPadding2d and upSampling2d layers', () => {
  const rand = makeRandom(47);

  it('zeroPadding2d pads with zeros and its gradient crops', () => {
    const layer = tn.layers.zeroPadding2d({ padding: [[1, 2], [3, 0]], inputShape: [3, 4, 2] });
    const model = tn.sequential({ layers: [layer] });
    assert.deepStrictEqual(model.outputShape(), [6, 7, 2]);
    const x = rand(2 * 3 * 4 * 2);
    const y = model.predict(tn.tensor(x, [2, 3, 4, 2])).dataSync();
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 6; i++)
        for (let j = 0; j < 7; j++)
          for (let c = 0; c < 2; c++) {
            const inside = i >= 1 && i < 4 && j >= 3;
            const want = inside ? x[((b * 3 + i - 1) * 4 + j - 3) * 2 + c] : 0;
            assert.strictEqual(y[((b * 6 + i) * 7 + j) * 2 + c], want);
          }
    gradCheck(layer, tn.tensor(x, [2, 3, 4, 2]));
    assert.deepStrictEqual(tn.sequential({ layers: [tn.layers.zeroPadding2d({ inputShape: [2, 2, 1] })] }).outputShape(), [4, 4, 1]);
    assert.throws(() => tn.layers.zeroPadding2d({ padding: -1 }), /padding/);
  });

  it('upSampling2d repeats rows and columns (nearest) and its gradient sums the blocks', () => {
    const layer = tn.layers.upSampling2d({ size: [2, 3], inputShape: [3, 2, 2] });
    const model = tn.sequential({ layers: [layer] });
    assert.deepStrictEqual(model.outputShape(), [6, 6, 2]);
    const x = rand(2 * 3 * 2 * 2);
    const y = model.predict(tn.tensor(x, [2, 3, 2, 2])).dataSync();
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 6; i++)
        for (let j = 0; j < 6; j++)
          for (let c = 0; c < 2; c++) assert.strictEqual(y[((b * 6 + i) * 6 + j) * 2 + c], x[((b * 3 + (i >> 1)) * 2 + Math.floor(j / 3)) * 2 + c]);
    gradCheck(layer, tn.tensor(x, [2, 3, 2, 2]));
    assert.throws(() => tn.layers.upSampling2d({ interpolation: 'bilinear' }), /interpolation/);
  });
});
