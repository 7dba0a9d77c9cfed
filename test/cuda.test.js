// CUDA backend: the reason it is or is not available, everywhere; and, where a GPU and the plugin
// exist, parity of the plugin's ops (dense, activations, bias, dropout, losses, metrics, optimizers)
// with the CPU addon on random inputs. The GPU part runs through native.cudaOps, which mirrors the CPU
// glue's signatures on host arrays (native/addon/cuda_loader.cpp); it skips cleanly elsewhere, naming why.
'use strict';
const assert = require('assert');
const path = require('path');
const tn = require('..');
const { native } = require('../dist/native');
const { makeRandom, assertClose } = require('./helpers');

describe('cuda backend status', () => {
  it('backendInfo() says whether CUDA is available and exactly why not', () => {
    const { cuda } = tn.backendInfo();
    assert.strictEqual(typeof cuda.available, 'boolean');
    assert.strictEqual(cuda.available, false, 'the training loop does not dispatch to CUDA yet');
    assert.ok(cuda.reason.length > 20, `reason too vague: '${cuda.reason}'`);
    assert.ok(Array.isArray(cuda.attempts));
    if (cuda.pluginLoaded) {
      assert.match(cuda.reason, /training loop does not dispatch to it yet/);
      assert.match(cuda.info.name, /\S/);
      assert.match(cuda.info.cudnn, /^9\./);
    } else {
      // One of the loader's reasons: not built / a library missing / no driver / no GPU / env path missing.
      assert.match(cuda.reason, /not built|missing|could not be loaded|cannot run here|does not exist|driver|GPU/);
    }
  });

  it('setBackend("cuda") throws that reason and leaves the backend on cpu', () => {
    const { cuda } = tn.backendInfo();
    assert.throws(() => tn.setBackend('cuda'), (e) => e.message === `Cannot use the cuda backend: ${cuda.reason}`);
    assert.strictEqual(tn.getBackend(), 'cpu');
    tn.setBackend('cpu');
    assert.throws(() => tn.setBackend('tpu'), TypeError);
  });

  it('a plugin path that does not exist is reported as such (fresh process)', () => {
    const { execFileSync } = require('child_process');
    const out = execFileSync(process.execPath, ['-e', "console.log(require('.').backendInfo().cuda.reason)"], {
      cwd: path.resolve(__dirname, '..'),
      env: { ...process.env, TENSORNODE_CUDA_PLUGIN: '/nonexistent/libtensornode_cuda.so' },
    }).toString();
    assert.match(out, /TENSORNODE_CUDA_PLUGIN=\/nonexistent\/libtensornode_cuda\.so does not exist/);
  });

  it('cudaOps refuse to run without the plugin, naming the reason', function () {
    if (tn.backendInfo().cuda.pluginLoaded) this.skip();
    const a = new Float32Array(4);
    assert.throws(() => native.cudaOps.multiply(a, a, a, 4), /CUDA plugin is not available: /);
  });
});

// ---- parity with the CPU addon (GPU machines with the plugin built only) ----
const status = tn.backendInfo().cuda;
const gpuDescribe = status.pluginLoaded ? describe : describe.skip;
if (!status.pluginLoaded && process.env.TENSORNODE_REQUIRE_CUDA === '1') {
  // npm run test:gpu: a GPU run that silently skipped would look like a pass.
  describe('cuda parity', () => {
    it('needs the CUDA plugin (TENSORNODE_REQUIRE_CUDA=1)', () => assert.fail(`CUDA plugin not usable: ${status.reason}`));
  });
} else if (!status.pluginLoaded) {
  // Shown in the mocha output so a skipped GPU suite is never mistaken for a passing one.
  describe(`cuda parity (skipped: ${status.reason})`, () => {
    it.skip('runs where a GPU, the driver, cuDNN 9 and the built plugin exist (npm run build:cuda && npm run test:gpu)');
  });
}

gpuDescribe('cuda parity with the CPU backend', function () {
  this.timeout(120000);
  const cpu = native;
  const gpu = native.cudaOps;
  const rand = makeRandom(2024);
  const tol = { atol: 2e-5, rtol: 2e-4 };

  const ACTS = { linear: 0, relu: 1, sigmoid: 2, tanh: 3, softmax: 4, leakyRelu: 5, elu: 6, selu: 7, gelu: 8, softplus: 9,
    relu6: 10, softsign: 11, swish: 12 };

  for (const [name, code] of Object.entries(ACTS)) {
    it(`activation ${name}: forward and backward`, () => {
      const rows = 37, cols = 129, n = rows * cols, alpha = name === 'leakyRelu' ? 0.2 : 1;
      const x = rand(n, -4, 8); // relu6's upper kink and saturated sigmoids included
      const yc = new Float32Array(n), yg = new Float32Array(n);
      cpu.activationForward(yc, x, rows, cols, code, alpha);
      gpu.activationForward(yg, x, rows, cols, code, alpha);
      assertClose(yg, yc, { ...tol, what: `${name} forward` });
      const dy = rand(n);
      const dxc = new Float32Array(n), dxg = new Float32Array(n);
      cpu.activationBackward(dxc, dy, x, yc, rows, cols, code, alpha);
      gpu.activationBackward(dxg, dy, x, yc, rows, cols, code, alpha);
      assertClose(dxg, dxc, { ...tol, what: `${name} backward` });
    });
  }

  for (const [act, withZ] of [[0, false], [1, false], [1, true], [8, true], [4, true], [2, false]]) {
    for (const [batch, inDim, outDim] of [[1, 3, 5], [64, 784, 128], [33, 17, 10]]) {
      it(`dense act=${act} z=${withZ} ${batch}x${inDim}->${outDim}: forward and backward`, () => {
        const x = rand(batch * inDim), kernel = rand(inDim * outDim, -0.2, 0.2), bias = rand(outDim);
        const run = (ops) => {
          const y = new Float32Array(batch * outDim), z = withZ ? new Float32Array(batch * outDim) : null;
          ops.denseForward(y, z, x, kernel, bias, batch, inDim, outDim, act, 0);
          return { y, z };
        };
        const c = run(cpu), g = run(gpu);
        // fp32 on both (TF32 off): differences are summation order only.
        const mtol = { atol: 1e-4, rtol: 1e-3 };
        assertClose(g.y, c.y, { ...mtol, what: 'y' });
        if (withZ) assertClose(g.z, c.z, { ...mtol, what: 'z' });
        const dy = rand(batch * outDim);
        const back = (ops) => {
          const dx = new Float32Array(batch * inDim), dk = new Float32Array(inDim * outDim), db = new Float32Array(outDim);
          const scratch = new Float32Array(batch * outDim);
          ops.denseBackward(dx, dk, db, scratch, dy, x, kernel, c.z, c.y, batch, inDim, outDim, act, 0, false);
          return { dx, dk, db };
        };
        if (act === 4) return; // softmax: the loss fuses its gradient (dyIsPreActivation), see lossForwardBackward
        const bc = back(cpu), bg = back(gpu);
        assertClose(bg.dx, bc.dx, { ...mtol, what: 'dx' });
        assertClose(bg.dk, bc.dk, { ...mtol, what: 'dkernel' });
        assertClose(bg.db, bc.db, { ...mtol, what: 'dbias' });
      });
    }
  }

  it('bias add and bias backward', () => {
    const rows = 300, cols = 70;
    const y0 = rand(rows * cols), bias = rand(cols);
    const yc = Float32Array.from(y0), yg = Float32Array.from(y0);
    cpu.biasAdd(yc, bias, rows, cols);
    gpu.biasAdd(yg, bias, rows, cols);
    assertClose(yg, yc, { ...tol, what: 'biasAdd' });
    const dbc = new Float32Array(cols), dbg = new Float32Array(cols);
    cpu.biasBackward(dbc, y0, rows, cols);
    gpu.biasBackward(dbg, y0, rows, cols);
    assertClose(dbg, dbc, { atol: 1e-4, rtol: 1e-4, what: 'biasBackward' });
  });

  it('dropout: the same seed gives the same mask bit for bit; multiply', () => {
    const n = 100003, x = rand(n);
    for (const [rate, seed] of [[0.5, 7], [0.1, 123456789], [0, 1]]) {
      const yc = new Float32Array(n), mc = new Float32Array(n), yg = new Float32Array(n), mg = new Float32Array(n);
      cpu.dropoutForward(yc, mc, x, n, rate, seed);
      gpu.dropoutForward(yg, mg, x, n, rate, seed);
      assert.deepStrictEqual(mg, mc, `mask rate ${rate} seed ${seed}`);
      assertClose(yg, yc, { atol: 0, rtol: 0, what: 'dropout y' });
    }
    const a = rand(n), b = rand(n), oc = new Float32Array(n), og = new Float32Array(n);
    cpu.multiply(oc, a, b, n);
    gpu.multiply(og, a, b, n);
    assertClose(og, oc, { atol: 0, rtol: 0, what: 'multiply' });
  });

  const LOSSES = { mse: 0, mae: 1, bce: 2, cce: 3, scce: 4 };
  for (const [name, code] of Object.entries(LOSSES)) {
    for (const fromLogits of [false, true]) {
      if (fromLogits && code < 2) continue;
      it(`loss ${name}${fromLogits ? ' from logits' : ''}: value (accumulated on the device) and gradient`, () => {
        const rows = 129, cols = code === 2 ? 3 : 10;
        let input = rand(rows * cols, fromLogits ? -6 : 0.001, fromLogits ? 6 : 1);
        let target;
        if (code === 4) target = Int32Array.from({ length: rows }, (_, i) => (i * 7) % cols);
        else if (code === 3) {
          target = new Float32Array(rows * cols);
          for (let r = 0; r < rows; r++) target[r * cols + ((r * 3) % cols)] = 1;
        } else if (code === 2) target = Float32Array.from(rand(rows * cols, 0, 1), (v) => (v > 0.5 ? 1 : 0));
        else target = rand(rows * cols);
        if (code === 2 && !fromLogits) input[0] = 1; // a clipped probability: zero gradient on both
        const gc = new Float32Array(rows * cols), gg = new Float32Array(rows * cols);
        const lc = cpu.lossForwardBackward(code, fromLogits, gc, input, target, rows, cols);
        const lg = gpu.lossForwardBackward(code, fromLogits, gg, input, target, rows, cols);
        assert.ok(Math.abs(lg - lc) <= 1e-6 + 1e-5 * Math.abs(lc), `loss ${lg} vs cpu ${lc}`);
        assertClose(gg, gc, { atol: 1e-7, rtol: 1e-4, what: `${name} grad` });
      });
    }
  }

  it('scce reports an out-of-range label like the CPU', () => {
    const labels = Int32Array.from([0, 1, 12]);
    assert.throws(() => gpu.lossForwardBackward(4, true, null, rand(30), labels, 3, 10), /sparse label 12 at row 2/);
  });

  it('accuracy counts (binary, categorical, sparse)', () => {
    const rows = 257, cols = 10, pred = rand(rows * cols);
    const onehot = new Float32Array(rows * cols);
    const labels = Int32Array.from({ length: rows }, (_, r) => (r * 5) % cols);
    labels.forEach((l, r) => (onehot[r * cols + l] = 1));
    pred[3 * cols + 4] = pred[3 * cols + 7] = 5; // a tie: the first index wins on both
    for (const [kind, target, logits] of [[0, onehot, true], [0, onehot, false], [1, onehot, false], [2, labels, false]]) {
      assert.strictEqual(gpu.accuracyCount(kind, logits, pred, target, rows, cols),
        cpu.accuracyCount(kind, logits, pred, target, rows, cols), `kind ${kind}`);
    }
  });

  const OPTIMIZERS = [
    ['sgd', 0, { learningRate: 0.1 }, false, false],
    ['momentum', 0, { learningRate: 0.1, momentum: 0.9 }, true, false],
    ['nesterov', 0, { learningRate: 0.1, momentum: 0.9, nesterov: true }, true, false],
    ['adam', 1, { learningRate: 0.01, step: 3 }, true, true],
    ['adamw', 2, { learningRate: 0.01, weightDecay: 0.004, step: 5 }, true, true],
    ['rmsprop', 3, { learningRate: 0.01, rho: 0.9 }, true, false],
    ['rmsprop+momentum', 3, { learningRate: 0.01, rho: 0.9, momentum: 0.5 }, true, true],
  ];
  for (const [name, kind, hyper, slotA, slotB] of OPTIMIZERS) {
    it(`optimizer ${name}: one multi-tensor update of many parameters`, () => {
      const sizes = [1, 4095, 4096, 4097, 100000, 3]; // chunk boundaries of the multi-tensor launch
      const make = () => sizes.map((n) => rand(n));
      const params = make(), grads = make(), a = slotA ? sizes.map((n) => rand(n, 0.01, 1)) : null;
      const b = slotB ? sizes.map((n) => rand(n, 0.01, 1)) : null;
      const copy = (xs) => (xs ? xs.map((x) => Float32Array.from(x)) : null);
      const pc = copy(params), ac = copy(a), bc = copy(b), pg = copy(params), ag = copy(a), bg = copy(b);
      for (let step = 0; step < 3; step++) {
        const h = { ...hyper, step: (hyper.step ?? 1) + step };
        cpu.optimizerUpdate(kind, h, pc, grads, ac, bc);
        gpu.optimizerUpdate(kind, h, pg, grads, ag, bg);
      }
      const flat = (xs) => Float32Array.from(xs.flatMap((x) => Array.from(x)));
      assertClose(flat(pg), flat(pc), { atol: 1e-6, rtol: 1e-5, what: `${name} params` });
      if (a) assertClose(flat(ag), flat(ac), { atol: 1e-6, rtol: 1e-5, what: `${name} slotA` });
      if (b) assertClose(flat(bg), flat(bc), { atol: 1e-6, rtol: 1e-5, what: `${name} slotB` });
    });
  }
});

// ---- the cuDNN slice (ABI 2): conv, pooling, batch norm, RNN, embedding, and the fallback rule ----
gpuDescribe('cuda parity with the CPU backend: cuDNN slice', function () {
  this.timeout(120000);
  const cpu = native;
  const gpu = native.cudaOps;
  const rand = makeRandom(2025);
  const mtol = { atol: 1e-4, rtol: 1e-3 }; // fp32, TF32 off: summation order only

  // Keras padding: 'valid' or 'same' (extra pad at the bottom/right).
  const pads = (inSize, k, s, d, padding) => {
    const eff = (k - 1) * d + 1;
    if (padding === 'valid') return { out: Math.floor((inSize - eff) / s) + 1, before: 0 };
    const out = Math.ceil(inSize / s);
    const total = Math.max((out - 1) * s + eff - inSize, 0);
    return { out, before: Math.floor(total / 2) };
  };
  const convDims = (b, h, w, cin, cout, kh, kw, sh, sw, dh, dw, padding) => {
    const ph = pads(h, kh, sh, dh, padding), pw = pads(w, kw, sw, dw, padding);
    return Int32Array.from([b, h, w, cin, ph.out, pw.out, cout, kh, kw, sh, sw, dh, dw, ph.before, pw.before]);
  };

  const CONVS = [
    // b, h, w, cin, cout, kh, kw, sh, sw, dh, dw, padding
    [2, 9, 9, 3, 8, 3, 3, 1, 1, 1, 1, 'same'],
    [3, 10, 7, 4, 5, 3, 3, 2, 2, 1, 1, 'same'], // asymmetric: the extra row/column at the bottom/right
    [2, 8, 8, 2, 4, 2, 2, 1, 1, 1, 1, 'same'], // even kernel: pad 0 top, 1 bottom
    [2, 11, 11, 3, 6, 3, 3, 2, 2, 1, 1, 'valid'],
    [1, 12, 12, 2, 3, 3, 3, 1, 1, 2, 2, 'same'], // dilation
    [4, 1, 30, 5, 7, 1, 5, 1, 2, 1, 1, 'same'], // Conv1D as H = 1
    [2, 6, 6, 16, 16, 1, 1, 1, 1, 1, 1, 'valid'], // pointwise
  ];
  for (const c of CONVS) {
    it(`conv2d ${c.join(',')}: forward, backward-data and backward-filter`, () => {
      const dims = convDims(...c);
      assert.strictEqual(gpu.supportsConv2d(dims), null, 'Keras padding must run on cuDNN');
      const [b, h, w, cin, oh, ow, cout, kh, kw] = dims;
      const x = rand(b * h * w * cin), kernel = rand(kh * kw * cin * cout, -0.3, 0.3);
      const yc = new Float32Array(b * oh * ow * cout), yg = new Float32Array(yc.length);
      cpu.conv2dForward(yc, null, x, kernel, null, dims, 0, 0);
      gpu.conv2dForward(yg, x, kernel, dims);
      assertClose(yg, yc, { ...mtol, what: 'conv y' });
      const dy = rand(yc.length);
      const dxc = new Float32Array(x.length), dkc = new Float32Array(kernel.length);
      const dxg = new Float32Array(x.length), dkg = new Float32Array(kernel.length);
      cpu.conv2dBackward(dxc, dkc, null, null, dy, x, kernel, null, yc, dims, 0, 0, true);
      gpu.conv2dBackward(dxg, dkg, dy, x, kernel, dims);
      assertClose(dxg, dxc, { ...mtol, what: 'conv dx' });
      assertClose(dkg, dkc, { ...mtol, what: 'conv dkernel' });
    });
  }

  const poolDims = (b, h, w, c, p, s, padding) => {
    const ph = pads(h, p, s, 1, padding), pw = pads(w, p, s, 1, padding);
    return Int32Array.from([b, h, w, c, ph.out, pw.out, p, p, s, s, ph.before, pw.before]);
  };
  for (const pc of [[2, 8, 8, 3, 2, 2, 'valid'], [2, 9, 9, 4, 3, 2, 'same'], [3, 7, 5, 2, 3, 1, 'same'], [1, 6, 6, 5, 6, 6, 'valid']]) {
    it(`max and average pooling ${pc.join(',')}: forward and backward`, () => {
      const dims = poolDims(...pc);
      assert.strictEqual(gpu.supportsMaxPool2d(dims), null);
      const [b, h, w, c, oh, ow] = dims;
      const x = rand(b * h * w * c), dy = rand(b * oh * ow * c);
      const ny = dy.length;
      const yc = new Float32Array(ny), yg = new Float32Array(ny), argmax = new Int32Array(ny);
      cpu.maxPool2dForward(yc, argmax, x, dims);
      gpu.maxPool2dForward(yg, x, dims);
      assertClose(yg, yc, { atol: 0, rtol: 0, what: 'maxpool y' });
      const dxc = new Float32Array(x.length), dxg = new Float32Array(x.length);
      cpu.maxPool2dBackward(dxc, dy, argmax, dims);
      gpu.maxPool2dBackward(dxg, dy, x, yc, dims);
      assertClose(dxg, dxc, { atol: 1e-6, rtol: 1e-6, what: 'maxpool dx' });
      const ac = new Float32Array(ny), ag = new Float32Array(ny);
      cpu.avgPool2dForward(ac, x, dims);
      gpu.avgPool2dForward(ag, x, dims);
      assertClose(ag, ac, { atol: 1e-6, rtol: 1e-5, what: 'avgpool y' });
      const daC = new Float32Array(x.length), daG = new Float32Array(x.length);
      cpu.avgPool2dBackward(daC, dy, dims);
      gpu.avgPool2dBackward(daG, dy, x, ac, dims);
      assertClose(daG, daC, { atol: 1e-6, rtol: 1e-5, what: 'avgpool dx' });
    });
  }

  it('supports() names what falls back to the CPU (asymmetric pooling, masked RNN, GRU resetAfter=false)', () => {
    // pool 2 stride 1 'same' on 5x5: total pad 1 -> 0 top, 1 bottom: cuDNN cannot pad that way.
    assert.match(gpu.supportsMaxPool2d(poolDims(1, 5, 5, 1, 2, 1, 'same')), /asymmetric/);
    assert.match(gpu.supportsRnn(1, 2, 3, 4, 5, 3, 2, false, true, false, true, false), /mask/);
    assert.match(gpu.supportsRnn(1, 2, 3, 4, 5, 3, 2, false, true, false, false, true), /dropout/);
    assert.match(gpu.supportsRnn(3, 2, 3, 4, 5, 3, 2, false, true, false, false, false), /resetAfter=false/);
    assert.match(gpu.supportsRnn(1, 2, 3, 4, 5, 1, 2, false, true, false, false, false), /activations/);
    assert.strictEqual(gpu.supportsRnn(2, 2, 3, 4, 5, 3, 2, true, false, false, false, false), null);
  });

  for (const [outer, C, inner] of [[64, 16, 1], [7, 5, 9], [1, 3, 40]]) {
    for (const training of [true, false]) {
      it(`batch norm (${outer}, ${C}, ${inner}) training=${training}: forward, moving statistics, backward`, () => {
        const n = outer * C * inner;
        const x = rand(n, -2, 3), gamma = rand(C, 0.5, 1.5), beta = rand(C);
        const mm0 = rand(C), mv0 = rand(C, 0.5, 2);
        const run = (ops) => {
          const r = { y: new Float32Array(n), mean: new Float32Array(C), invstd: new Float32Array(C),
            mm: Float32Array.from(mm0), mv: Float32Array.from(mv0) };
          ops.batchNormForward(r.y, r.mean, r.invstd, r.mm, r.mv, x, gamma, beta, outer, C, inner, 0.99, 1e-3, training);
          return r;
        };
        const c = run(cpu), g = run(gpu);
        for (const k of ['y', 'mean', 'invstd', 'mm', 'mv']) assertClose(g[k], c[k], { ...mtol, what: `bn ${k}` });
        const dy = rand(n);
        const back = (ops) => {
          const r = { dx: new Float32Array(n), dg: new Float32Array(C), db: new Float32Array(C) };
          ops.batchNormBackward(r.dx, r.dg, r.db, dy, x, c.mean, c.invstd, gamma, outer, C, inner, training);
          return r;
        };
        const bc = back(cpu), bg = back(gpu);
        for (const k of ['dx', 'dg', 'db']) assertClose(bg[k], bc[k], { ...mtol, what: `bn ${k}` });
      });
    }
  }

  // cell codes: 0 SimpleRNN, 1 LSTM, 2 GRU resetAfter. Activations: tanh 3, sigmoid 2.
  const RNNS = [
    [1, false, true], [1, true, false], [2, false, true], [2, true, true], [2, false, false], [0, false, true],
  ];
  for (const [cell, goBackwards, returnSequences] of RNNS) {
    it(`rnn cell=${cell} goBackwards=${goBackwards} returnSequences=${returnSequences}: forward and backward`, () => {
      const B = 3, T = 7, F = 5, U = 6, G = cell === 0 ? 1 : cell === 1 ? 4 : 3, GU = G * U;
      const nb = cell === 2 ? 2 * GU : GU;
      const act = 3, rec = 2;
      const x = rand(B * T * F), kernel = rand(F * GU, -0.4, 0.4), recurrent = rand(U * GU, -0.4, 0.4), bias = rand(nb, -0.2, 0.2);
      const ny = returnSequences ? B * T * U : B * U;
      const dy = rand(ny);
      const sizes = [cell, B, T, F, U, act, rec, goBackwards, returnSequences, false];
      // CPU: forward with its saved buffers, then backward.
      const yc = new Float32Array(ny), xs = new Float32Array(T * B * F), gates = new Float32Array(T * B * GU);
      const states = new Float32Array((T + 1) * B * U), cells = cell === 1 ? new Float32Array((T + 1) * B * U) : null;
      const aux = cell === 2 ? new Float32Array(T * B * U) : null;
      cpu.rnnForward(yc, xs, gates, states, cells, aux, null, x, kernel, recurrent, bias, null, null, null, ...sizes);
      const dxc = new Float32Array(B * T * F), dkc = new Float32Array(F * GU), drc = new Float32Array(U * GU);
      const dbc = new Float32Array(nb);
      cpu.rnnBackward(dxc, dkc, drc, dbc, new Float32Array(T * B * GU), cell === 2 ? new Float32Array(T * B * GU) : null,
        new Float32Array(T * B * F), dy, xs, gates, states, cells, aux, null, kernel, recurrent, null, null, null, ...sizes);
      const yg = new Float32Array(ny), dxg = new Float32Array(B * T * F), dkg = new Float32Array(F * GU);
      const drg = new Float32Array(U * GU), dbg = new Float32Array(nb);
      gpu.rnnForwardBackward(yg, dxg, dkg, drg, dbg, dy, x, kernel, recurrent, bias, ...sizes);
      assertClose(yg, yc, { ...mtol, what: 'rnn y' });
      assertClose(dxg, dxc, { ...mtol, what: 'rnn dx' });
      assertClose(dkg, dkc, { ...mtol, what: 'rnn dkernel' });
      assertClose(drg, drc, { ...mtol, what: 'rnn drecurrent' });
      assertClose(dbg, dbc, { ...mtol, what: 'rnn dbias' });
    });
  }

  it('embedding: gather, bad index position, sparse scatter-add gradient', () => {
    const V = 50, D = 12, n = 200;
    const table = rand(V * D);
    const indices = Int32Array.from({ length: n }, (_, i) => (i * 7919) % V);
    const yc = new Float32Array(n * D), yg = new Float32Array(n * D);
    assert.strictEqual(cpu.embeddingForward(yc, table, indices, n, V, D), -1);
    assert.strictEqual(gpu.embeddingForward(yg, table, indices, n, V, D), -1);
    assertClose(yg, yc, { atol: 0, rtol: 0, what: 'embedding y' });
    const bad = Int32Array.from(indices);
    bad[17] = V;
    bad[90] = -1;
    assert.strictEqual(gpu.embeddingForward(new Float32Array(n * D), table, bad, n, V, D), 17);
    const dy = rand(n * D);
    const prev = Int32Array.from([1, 2, 3, 49]);
    const dtc = rand(V * D), dtg = Float32Array.from(dtc); // rows outside prev ∪ indices keep their values
    cpu.embeddingBackward(dtc, dy, indices, prev, n, prev.length, V, D);
    gpu.embeddingBackward(dtg, dy, indices, prev, n, prev.length, V, D);
    assertClose(dtg, dtc, { atol: 1e-5, rtol: 1e-5, what: 'embedding dtable' });
  });
});
