// The native boundary's fuzz cases: for every function the addon exports, a builder of VALID
// calls (random small sizes, buffers of exactly the lengths the sizes need), and a seeded
// generator that breaks a valid call in one way — a missing or wrongly typed argument, a
// short, detached or wrong-typed array, a negative, fractional, non-finite or huge size, an
// unknown code, bad geometry, out-of-range indices — and dresses it with harmless variations
// (SharedArrayBuffer-backed arrays, subarray views at an offset, extra arguments).
//
// Each case says whether it MUST throw (every malformation except the few below) or MAY
// return (a huge leading dimension of a one-row matrix, a geometry entry that still fits,
// index values a kernel is documented to skip or report): a MAY case checks only that
// nothing crashes or hangs. Run by test/native/fuzz_child.js; see test/native-fuzz.test.js.
'use strict';

// ---- argument descriptions --------------------------------------------------------------
// kind: 'f32' | 'i32' (a typed array of `len`, required), 'f32?' | 'i32?' (optional: the
// valid call passes an array or null), 'size' (an integer; `ld` marks a leading dimension),
// 'int' (an integer that is not a size: a seed), 'code' (an enum value in [0, max]), 'num'
// (a finite number), 'bool', 'dims' (an Int32Array of geometry), 'str', 'hyper' (an object),
// 'list' (an array of Float32Arrays), 'list?'; for runOp (see "runOp" below) 'tensors' (the
// [outputs..., inputs...] typed arrays of a call model), 'shapes' (its Int32Array of ranks and
// dims) and 'attrs' (its Float64Array, or null / undefined / empty where the op has none), with
// the op id a 'code' and nOutputs a 'size' carrying the same model.
const F = (len, fill) => ({ kind: 'f32', len, fill });
const Fo = (len, present) => ({ kind: 'f32?', len, present });
const I = (len, fill, { strict = true } = {}) => ({ kind: 'i32', len, fill, strict });
const Io = (len, present, fill) => ({ kind: 'i32?', len, present, fill, strict: true });
const S = (value, opts = {}) => ({ kind: 'size', value, ...opts });
const Code = (value, max) => ({ kind: 'code', value, max });
const Num = (value, lo = -Infinity, hi = Infinity) => ({ kind: 'num', value, lo, hi });
const Bool = (value) => ({ kind: 'bool', value });
const Dims = (values, { pads = [] } = {}) => ({ kind: 'dims', values, pads });

function makeRng(seed) {
  let s = (seed >>> 0) || 1;
  const next = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 4294967296);
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (list) => list[Math.floor(next() * list.length)];
  const chance = (p) => next() < p;
  return { next, int, pick, chance };
}

function extent(rows, cols, ld) {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

// A valid conv2d geometry (pads 0 or 'same'-like within the window), as glue_conv.cpp's dims.
function convDims(r) {
  const batch = r.int(1, 3), inH = r.int(1, 7), inW = r.int(1, 7), inC = r.int(1, 3), outC = r.int(1, 3);
  const dH = r.int(1, 2), dW = r.int(1, 2);
  const kH = r.int(1, Math.max(1, Math.floor((inH - 1) / dH) + 1)), kW = r.int(1, Math.max(1, Math.floor((inW - 1) / dW) + 1));
  const effH = (kH - 1) * dH + 1, effW = (kW - 1) * dW + 1;
  const sH = r.int(1, 3), sW = r.int(1, 3);
  const padTop = r.chance(0.5) ? 0 : r.int(0, effH - 1), padLeft = r.chance(0.5) ? 0 : r.int(0, effW - 1);
  const outH = Math.max(1, Math.floor((inH + padTop - effH) / sH) + 1), outW = Math.max(1, Math.floor((inW + padLeft - effW) / sW) + 1);
  return [batch, inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, dH, dW, padTop, padLeft];
}

function poolDims(r) {
  const batch = r.int(1, 3), inH = r.int(1, 7), inW = r.int(1, 7), c = r.int(1, 3);
  const pH = r.int(1, inH), pW = r.int(1, inW), sH = r.int(1, 3), sW = r.int(1, 3);
  const outH = Math.floor((inH - pH) / sH) + 1, outW = Math.floor((inW - pW) / sW) + 1;
  return [batch, inH, inW, c, outH, outW, pH, pW, sH, sW, 0, 0];
}

const RNN_ACTIVATIONS = [0, 1, 2, 3, 10, 11];

// The sizes of an RNN call and its buffers (see native/cpu/rnn.h).
function rnnShape(r) {
  const cell = r.int(0, 3), B = r.int(1, 3), T = r.int(1, 4), Fdim = r.int(1, 3), U = r.int(1, 3);
  const G = cell === 0 ? 1 : cell === 1 ? 4 : 3, GU = G * U;
  const retSeq = r.chance(0.5);
  return {
    cell, B, T, F: Fdim, U, GU, retSeq,
    y: retSeq ? B * T * U : B * U, x: B * T * Fdim, gates: T * B * GU, states: (T + 1) * B * U, steps: T * B * U,
    kernel: Fdim * GU, recurrent: U * GU, bias: cell === 2 ? 2 * GU : GU,
    tail: () => [Code(cell, 3), S(B, { min: 1 }), S(T, { min: 1 }), S(Fdim, { min: 1 }), S(U, { min: 1 }),
      { kind: 'code', value: r.pick(RNN_ACTIVATIONS), max: 12, rnnActivation: true },
      { kind: 'code', value: r.pick(RNN_ACTIVATIONS), max: 12, rnnActivation: true },
      Bool(r.chance(0.5)), Bool(retSeq), Bool(r.chance(0.5))],
  };
}

// Every exported function: (rng) -> argument descriptions of a valid call. `cuda: true` specs
// are the cudaOps mirrors (their valid calls throw "the CUDA plugin is not available" where it
// is not, after checking every argument).
const SPECS = {
  sgemm: (r) => sgemmArgs(r),
  sgemmReference: (r) => sgemmArgs(r),
  denseForward: (r) => {
    const b = r.int(1, 5), i = r.int(1, 6), o = r.int(1, 6);
    return [F(b * o), Fo(b * o, r.chance(0.5)), F(b * i), F(i * o), Fo(o, r.chance(0.5)), S(b, { min: 1 }), S(i, { min: 1 }),
      S(o, { min: 1 }), Code(r.int(0, 12), 12), Num(0.1)];
  },
  denseBackward: (r) => {
    const b = r.int(1, 5), i = r.int(1, 6), o = r.int(1, 6);
    // dzScratch (3) and z (7) are needed only for some activations: present, but null is valid too.
    return [Fo(b * i, r.chance(0.5)), F(i * o), Fo(o, r.chance(0.5)), Fo(b * o, true), F(b * o), F(b * i), F(i * o), Fo(b * o, true),
      F(b * o), S(b, { min: 1 }), S(i, { min: 1 }), S(o, { min: 1 }), Code(r.int(0, 12), 12), Num(0.1), Bool(r.chance(0.3))];
  },
  activationForward: (r) => {
    const rows = r.int(1, 5), cols = r.int(1, 6);
    return [F(rows * cols), F(rows * cols), S(rows), S(cols), Code(r.int(0, 12), 12), Num(0.2)];
  },
  activationBackward: (r) => {
    const rows = r.int(1, 5), cols = r.int(1, 6);
    return [F(rows * cols), F(rows * cols), Fo(rows * cols, true), Fo(rows * cols, true), S(rows), S(cols), Code(r.int(0, 12), 12), Num(0.2)];
  },
  biasAdd: (r) => {
    const rows = r.int(1, 5), cols = r.int(1, 6);
    return [F(rows * cols), F(cols), S(rows), S(cols)];
  },
  biasBackward: (r) => {
    const rows = r.int(1, 5), cols = r.int(1, 6);
    return [F(cols), F(rows * cols), S(rows), S(cols)];
  },
  dropoutForward: (r) => {
    const n = r.int(1, 40);
    return [F(n), F(n), F(n), S(n), Num(r.pick([0, 0.25, 0.5]), 0, 0.999), { kind: 'int', value: r.int(0, 1000), lo: 0, hi: 0xffffffff }];
  },
  multiply: (r) => {
    const n = r.int(1, 40);
    return [F(n), F(n), F(n), S(n)];
  },
  firstNaN: (r) => [Object.assign(F(r.int(1, 40)), { anyLength: true })], // scans the array's own length
  lossForwardBackward: (r) => {
    const loss = r.int(0, 4), rows = r.int(1, 5), cols = r.int(1, 6);
    const target = loss === 4 ? I(rows, () => r.int(0, cols - 1)) : F(rows * cols, () => r.next());
    if (loss === 4) target.labelsBelow = cols; // out-of-range labels are an error here
    return [Code(loss, 4), Bool(r.chance(0.5)), Fo(rows * cols, r.chance(0.5)), F(rows * cols, () => r.next()), target,
      S(rows, { min: 1 }), S(cols, { min: 1 })];
  },
  accuracyCount: (r) => {
    const kind = r.int(0, 2), rows = r.int(1, 5), cols = r.int(1, 6);
    const target = kind === 2 ? I(rows, () => r.int(0, cols - 1), { strict: false }) : F(rows * cols);
    return [Code(kind, 2), Bool(r.chance(0.5)), F(rows * cols), target, S(rows, { min: 1 }), S(cols, { min: 1 })];
  },
  optimizerUpdate: (r) => {
    const kind = r.int(0, 3);
    const momentum = kind === 0 || kind === 3 ? r.pick([0, 0.9]) : 0;
    const sizes = Array.from({ length: r.int(1, 4) }, () => r.int(1, 20));
    const slotA = kind !== 0 || momentum > 0, slotB = kind === 1 || kind === 2 || (kind === 3 && momentum > 0);
    const hyper = { learningRate: 0.01, step: r.int(1, 5) };
    if (kind === 0) Object.assign(hyper, { momentum, nesterov: r.chance(0.5) });
    if (kind === 1 || kind === 2) Object.assign(hyper, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    if (kind === 2) hyper.weightDecay = 0.004;
    if (kind === 3) Object.assign(hyper, { rho: 0.9, momentum, epsilon: 1e-7 });
    return [Code(kind, 3), { kind: 'hyper', value: hyper }, { kind: 'list', sizes }, { kind: 'list', sizes },
      { kind: 'list?', sizes, present: slotA, required: slotA }, { kind: 'list?', sizes, present: slotB, required: slotB }];
  },
  setNumThreads: () => [{ kind: 'int', value: 2, lo: 1, hi: 1024, noValidCall: true }],
  numThreads: () => [],
  gemmKernel: () => [],
  conv2dForward: (r) => {
    const d = convDims(r);
    const [b, h, w, ci, oh, ow, co, kh, kw] = d;
    return [F(b * oh * ow * co), Fo(b * oh * ow * co, r.chance(0.5)), F(b * h * w * ci), F(kh * kw * ci * co), Fo(co, r.chance(0.5)),
      convDimsArg(d), Code(r.int(0, 12), 12), Num(0.1)];
  },
  conv2dBackward: (r) => {
    const d = convDims(r);
    const [b, h, w, ci, oh, ow, co, kh, kw] = d;
    const ny = b * oh * ow * co;
    return [Fo(b * h * w * ci, r.chance(0.5)), F(kh * kw * ci * co), Fo(co, r.chance(0.5)), Fo(ny, true), F(ny), F(b * h * w * ci),
      F(kh * kw * ci * co), Fo(ny, true), F(ny), convDimsArg(d), Code(r.int(0, 12), 12), Num(0.1), Bool(r.chance(0.3))];
  },
  conv2dForwardReference: (r) => {
    const d = convDims(r);
    const [b, h, w, ci, oh, ow, co, kh, kw] = d;
    return [F(b * oh * ow * co), F(b * h * w * ci), F(kh * kw * ci * co), convDimsArg(d)];
  },
  maxPool2dForward: (r) => {
    const d = poolDims(r);
    const [b, h, w, c, oh, ow] = d;
    return [F(b * oh * ow * c), I(b * oh * ow * c, () => 0), F(b * h * w * c), poolDimsArg(d)];
  },
  maxPool2dBackward: (r) => {
    const d = poolDims(r);
    const [b, h, w, c, oh, ow] = d;
    // argmax values outside the image are skipped by the kernel (a MAY case), never written.
    return [F(b * h * w * c), F(b * oh * ow * c), I(b * oh * ow * c, () => r.int(0, h * w * c - 1), { strict: false }), poolDimsArg(d)];
  },
  avgPool2dForward: (r) => {
    const d = poolDims(r);
    const [b, h, w, c, oh, ow] = d;
    return [F(b * oh * ow * c), F(b * h * w * c), poolDimsArg(d)];
  },
  avgPool2dBackward: (r) => {
    const d = poolDims(r);
    const [b, h, w, c, oh, ow] = d;
    return [F(b * h * w * c), F(b * oh * ow * c), poolDimsArg(d)];
  },
  batchNormForward: (r) => {
    const o = r.int(1, 4), c = r.int(1, 4), i = r.int(1, 3), n = o * c * i;
    return [F(n), F(c), F(c), F(c), F(c, () => 1), F(n), Fo(c, r.chance(0.5)), Fo(c, r.chance(0.5)), S(o, { min: 1 }),
      S(c, { min: 1 }), S(i, { min: 1 }), Num(0.99), Num(1e-3), Bool(r.chance(0.5))];
  },
  batchNormBackward: (r) => {
    const o = r.int(1, 4), c = r.int(1, 4), i = r.int(1, 3), n = o * c * i;
    return [Fo(n, r.chance(0.7)), Fo(c, r.chance(0.5)), Fo(c, r.chance(0.5)), F(n), F(n), F(c), F(c, () => 1), Fo(c, r.chance(0.5)),
      S(o, { min: 1 }), S(c, { min: 1 }), S(i, { min: 1 }), Bool(r.chance(0.5))];
  },
  zeroPad2dForward: (r) => padArgs(r, true),
  zeroPad2dBackward: (r) => padArgs(r, false),
  upSampling2dForward: (r) => upArgs(r, true),
  upSampling2dBackward: (r) => upArgs(r, false),
  rnnForward: (r) => {
    const s = rnnShape(r);
    const recMask = r.chance(0.3);
    return [F(s.y), F(s.x), F(s.gates), F(s.states), s.cell === 1 ? F(s.states) : Fo(s.states, false),
      s.cell >= 2 ? F(s.steps) : Fo(s.steps, false), recMask ? F(s.steps) : Fo(s.steps, false), F(s.x), F(s.kernel),
      F(s.recurrent), Fo(s.bias, r.chance(0.7)), Fo(s.B * s.T, r.chance(0.3)), Fo(s.B * s.F, r.chance(0.3)),
      recMask ? F(s.B * s.U) : Fo(s.B * s.U, false), ...s.tail()];
  },
  rnnBackward: (r) => {
    const s = rnnShape(r);
    const recMask = r.chance(0.3), dx = r.chance(0.5);
    return [Fo(s.x, dx), F(s.kernel), F(s.recurrent), Fo(s.bias, r.chance(0.7)), F(s.gates),
      s.cell === 2 ? F(s.gates) : Fo(s.gates, false), dx ? F(s.x) : Fo(s.x, false), F(s.y), F(s.x), F(s.gates), F(s.states),
      s.cell === 1 ? F(s.states) : Fo(s.states, false), s.cell >= 2 ? F(s.steps) : Fo(s.steps, false),
      recMask ? F(s.steps) : Fo(s.steps, false), F(s.kernel), F(s.recurrent), Fo(s.B * s.T, r.chance(0.3)),
      Fo(s.B * s.F, r.chance(0.3)), recMask ? F(s.B * s.U) : Fo(s.B * s.U, false), ...s.tail()];
  },
  embeddingForward: (r) => {
    const n = r.int(1, 6), vocab = r.int(1, 5), dim = r.int(1, 4);
    // An index outside [0, vocab) is reported by the return value (a MAY case), not thrown.
    return [F(n * dim), F(vocab * dim), I(n, () => r.int(0, vocab - 1), { strict: false }), S(n), S(vocab, { min: 1 }), S(dim, { min: 1 })];
  },
  embeddingBackward: (r) => {
    const n = r.int(1, 6), prev = r.int(0, 3), vocab = r.int(1, 5), dim = r.int(1, 4);
    const idx = I(n, () => r.int(0, vocab - 1));
    idx.labelsBelow = vocab;
    return [F(vocab * dim), F(n * dim), idx, prev > 0 ? Object.assign(I(prev, () => r.int(0, vocab - 1)), { labelsBelow: vocab }) : Io(0, false),
      S(n), S(prev), S(vocab, { min: 1 }), S(dim, { min: 1 })];
  },
  cudaStatus: () => [{ kind: 'str', value: require('path').resolve(__dirname, '..', '..') }],
};

function sgemmArgs(r) {
  const ta = r.chance(0.5), tb = r.chance(0.5);
  const M = r.int(1, 6), N = r.int(1, 6), K = r.int(0, 6);
  const [aRows, aCols] = ta ? [K, M] : [M, K], [bRows, bCols] = tb ? [N, K] : [K, N];
  const lda = aCols + r.int(0, 2), ldb = bCols + r.int(0, 2), ldc = N + r.int(0, 2);
  return [Bool(ta), Bool(tb), S(M), S(N), S(K), Num(1), F(extent(aRows, aCols, lda)), S(lda, { ld: true, rows: aRows, cols: aCols }),
    F(extent(bRows, bCols, ldb)), S(ldb, { ld: true, rows: bRows, cols: bCols }), Num(0), F(extent(M, N, ldc)),
    S(ldc, { ld: true, rows: M, cols: N })];
}

function convDimsArg(d) {
  return Dims(d, { pads: [13, 14] });
}

function poolDimsArg(d) {
  return Dims(d, { pads: [10, 11] });
}

function padArgs(r, forward) {
  const b = r.int(1, 2), h = r.int(1, 4), w = r.int(1, 4), c = r.int(1, 3);
  const t = r.int(0, 2), bo = r.int(0, 2), l = r.int(0, 2), ri = r.int(0, 2);
  const small = b * h * w * c, big = b * (h + t + bo) * (w + l + ri) * c;
  return [F(forward ? big : small), F(forward ? small : big), S(b, { min: 1 }), S(h, { min: 1 }), S(w, { min: 1 }),
    S(c, { min: 1 }), S(t), S(bo), S(l), S(ri)];
}

function upArgs(r, forward) {
  const b = r.int(1, 2), h = r.int(1, 4), w = r.int(1, 4), c = r.int(1, 3), sh = r.int(1, 3), sw = r.int(1, 3);
  const small = b * h * w * c, big = small * sh * sw;
  return [F(forward ? big : small), F(forward ? small : big), S(b, { min: 1 }), S(h, { min: 1 }), S(w, { min: 1 }),
    S(c, { min: 1 }), S(sh, { min: 1 }), S(sw, { min: 1 })];
}

// The cudaOps mirrors: the CPU signatures where they match, their own where they differ.
const CUDA_SPECS = {
  denseForward: SPECS.denseForward,
  denseBackward: SPECS.denseBackward,
  activationForward: SPECS.activationForward,
  activationBackward: SPECS.activationBackward,
  biasAdd: SPECS.biasAdd,
  biasBackward: SPECS.biasBackward,
  dropoutForward: SPECS.dropoutForward,
  multiply: SPECS.multiply,
  lossForwardBackward: SPECS.lossForwardBackward,
  accuracyCount: SPECS.accuracyCount,
  optimizerUpdate: SPECS.optimizerUpdate,
  batchNormForward: SPECS.batchNormForward,
  batchNormBackward: SPECS.batchNormBackward,
  embeddingForward: SPECS.embeddingForward,
  embeddingBackward: SPECS.embeddingBackward,
  supportsConv2d: (r) => [convDimsArg(convDims(r))],
  supportsMaxPool2d: (r) => [poolDimsArg(poolDims(r))],
  supportsAvgPool2d: (r) => [poolDimsArg(poolDims(r))],
  supportsRnn: (r) => [...rnnShape(r).tail(), Bool(r.chance(0.5)), Bool(r.chance(0.5))],
  conv2dForward: (r) => {
    const d = convDims(r);
    const [b, h, w, ci, oh, ow, co, kh, kw] = d;
    return [F(b * oh * ow * co), F(b * h * w * ci), F(kh * kw * ci * co), convDimsArg(d)];
  },
  conv2dBackward: (r) => {
    const d = convDims(r);
    const [b, h, w, ci, oh, ow, co, kh, kw] = d;
    return [Fo(b * h * w * ci, r.chance(0.5)), F(kh * kw * ci * co), F(b * oh * ow * co), F(b * h * w * ci), F(kh * kw * ci * co),
      convDimsArg(d)];
  },
  maxPool2dForward: (r) => cudaPoolForward(r),
  avgPool2dForward: (r) => cudaPoolForward(r),
  maxPool2dBackward: (r) => cudaPoolBackward(r),
  avgPool2dBackward: (r) => cudaPoolBackward(r),
  rnnForwardBackward: (r) => {
    const s = rnnShape(r);
    return [F(s.y), Fo(s.x, r.chance(0.5)), F(s.kernel), F(s.recurrent), Fo(s.bias, r.chance(0.7)), F(s.y), F(s.x), F(s.kernel),
      F(s.recurrent), Fo(s.bias, r.chance(0.7)), ...s.tail()];
  },
};

function cudaPoolForward(r) {
  const d = poolDims(r);
  const [b, h, w, c, oh, ow] = d;
  return [F(b * oh * ow * c), F(b * h * w * c), poolDimsArg(d)];
}

function cudaPoolBackward(r) {
  const d = poolDims(r);
  const [b, h, w, c, oh, ow] = d;
  return [F(b * h * w * c), F(b * oh * ow * c), F(b * h * w * c), F(b * oh * ow * c), poolDimsArg(d)];
}

// ---- runOp: the op table's one entry point ---------------------------------------------------
// runOp(op, tensors, nOutputs, shapes, attrs) (native/addon/glue_dispatch.cpp). A valid call is
// a model `call` = { op (name), outs, ins (tensor models: { dtype 'f32'|'i32'|'bool', shape,
// fill?, alt? (other dtypes this tensor may take and stay valid) }), attrs (numbers) | null,
// ints (per attribute: [lo, hi] when the kernel reads it as an integer in that range, else null),
// bad (op-specific breakers: (call, r) -> { attrs?, what } | null, each a MUST-throw change) }.
// The five argument descriptions share it:
//   'opId'    the op's id in opTable() (its malformations are those of 'code')
//   'tensors' the [outputs..., inputs...] typed arrays (harmless variations: SharedArrayBuffer-
//             backed, or all tensors as non-overlapping views of ONE buffer at offsets)
//   'nOut'    nOutputs (a 'size' otherwise)
//   'shapes'  the Int32Array [rank, dims..., ...]
//   'attrs'   the Float64Array of attributes, or null where the op has none
let opIds = null;
function opId(name) {
  if (!opIds) {
    const { native } = require(require('path').resolve(__dirname, '..', '..', 'dist', 'native.js'));
    opIds = new Map(native.opTable().map((n, i) => [n, i]));
  }
  if (!opIds.has(name)) throw new Error(`fuzz_cases: no op ${name} in opTable()`);
  return opIds.get(name);
}
const opCount = () => (opId('neg'), opIds.size);

const TYPES = { f32: Float32Array, i32: Int32Array, bool: Uint8Array };
const DTYPES = Object.keys(TYPES);
const T = (dtype, shape, opts = {}) => ({ dtype, shape, ...opts });
const prod = (shape) => shape.reduce((p, d) => p * d, 1);

function randShape(r, { rank = r.int(0, 4), lo = 1, hi = 4, empty = 0.08 } = {}) {
  return Array.from({ length: rank }, () => (r.chance(empty) ? 0 : r.int(lo, hi)));
}
// A shape that broadcasts to `out` (numpy rules): a suffix of it, some axes 1.
function broadcastFrom(r, out) {
  const keep = r.int(0, out.length);
  return out.slice(out.length - keep).map((d) => (r.chance(0.3) ? 1 : d));
}
function shuffled(r, list) {
  const a = list.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
const intRange = (n, range) => Array.from({ length: n }, () => range);

const UNARY_F32 = ['sqrt', 'rsqrt', 'exp', 'expm1', 'log', 'log1p', 'reciprocal', 'floor', 'ceil', 'round', 'sin', 'cos',
  'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'erf'];
const UNARY_NUM = ['neg', 'abs', 'sign', 'square'];
const BINARY_NUM = ['add', 'sub', 'mul', 'floorDiv', 'mod', 'pow', 'maximum', 'minimum', 'squaredDifference'];
const BINARY_F32 = ['div', 'atan2'];
const COMPARE = ['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual'];
const LOGICAL = ['logicalAnd', 'logicalOr', 'logicalXor'];

function reduceSplit(r, shape) {
  const a = r.int(0, shape.length), b = r.int(a, shape.length);
  return { outer: prod(shape.slice(0, a)), mid: prod(shape.slice(a, b)), inner: prod(shape.slice(b)), kept: [...shape.slice(0, a), ...shape.slice(b)] };
}
// Breakers of a reduction's (outer, mid, inner): a product that is not x's size (x is never empty).
const badSplit = (call, r) => {
  const k = r.int(0, 2), attrs = call.attrs.slice();
  attrs[k] = attrs[k] + r.pick([1, -1, 2]);
  return { attrs, what: `attrs[${k}] = ${attrs[k]} (outer*mid*inner != x's size)` };
};

// Valid-call builders, one per op family (names for the reports). Sizes stay small.
const OP_BUILDERS = {
  binary(r) {
    const kind = r.int(0, 3);
    const op = kind === 0 ? r.pick(BINARY_NUM) : kind === 1 ? r.pick(BINARY_F32) : kind === 2 ? r.pick(COMPARE) : r.pick(LOGICAL);
    const dt = kind === 1 ? 'f32' : kind === 3 ? 'bool' : kind === 2 ? r.pick(DTYPES) : r.pick(['f32', 'i32']);
    const out = randShape(r);
    return { op, outs: [T(kind >= 2 ? 'bool' : dt, out)], ins: [T(dt, broadcastFrom(r, out)), T(dt, broadcastFrom(r, out))], attrs: null };
  },
  unary(r) {
    const kind = r.int(0, 3), shape = randShape(r);
    if (kind === 0) { const dt = r.pick(['f32', 'i32']); return { op: r.pick(UNARY_NUM), outs: [T(dt, shape)], ins: [T(dt, shape)], attrs: null }; }
    if (kind === 1) return { op: r.pick(['isNaN', 'isFinite', 'isInf']), outs: [T('bool', shape)], ins: [T('f32', shape)], attrs: null };
    if (kind === 2) return { op: 'logicalNot', outs: [T('bool', shape)], ins: [T('bool', shape)], attrs: null };
    return { op: r.pick(UNARY_F32), outs: [T('f32', shape)], ins: [T('f32', shape)], attrs: null };
  },
  cast(r) {
    const shape = randShape(r);
    return { op: 'cast', outs: [T(r.pick(DTYPES), shape, { alt: DTYPES })], ins: [T(r.pick(DTYPES), shape, { alt: DTYPES })], attrs: null };
  },
  clipByValue(r) {
    const shape = randShape(r), lo = r.next() - 1, hi = lo + r.next();
    return { op: 'clipByValue', outs: [T('f32', shape)], ins: [T('f32', shape)], attrs: [lo, hi], ints: [null, null],
      bad: [(c) => ({ attrs: [c.attrs[1] + 1, c.attrs[1]], what: 'lo > hi' })] };
  },
  activation(r) {
    const shape = randShape(r), grad = r.chance(0.4);
    return { op: grad ? 'activationGrad' : 'activation', outs: [T('f32', shape)], ins: Array.from({ length: grad ? 3 : 1 }, () => T('f32', shape)),
      attrs: [r.int(0, 12), r.pick([0, 0.1, 0.3])], ints: [[0, 12], null] };
  },
  where(r) {
    const out = randShape(r), dt = r.pick(DTYPES);
    return { op: 'where', outs: [T(dt, out)], ins: [T('bool', broadcastFrom(r, out)), T(dt, broadcastFrom(r, out)), T(dt, broadcastFrom(r, out))], attrs: null };
  },
  broadcastTo(r) {
    const out = randShape(r), dt = r.pick(DTYPES);
    return { op: 'broadcastTo', outs: [T(dt, out)], ins: [T(dt, broadcastFrom(r, out))], attrs: null };
  },
  reduce(r) {
    const shape = randShape(r, { empty: 0 }), s = reduceSplit(r, shape);
    const kind = r.int(0, 2);
    const op = kind === 0 ? r.pick(['sum', 'prod', 'max', 'min']) : kind === 1 ? r.pick(['any', 'all']) : r.pick(['argMax', 'argMin']);
    const dt = kind === 1 ? 'bool' : r.pick(['f32', 'i32']);
    const outDt = kind === 2 ? 'i32' : dt;
    return { op, outs: [T(outDt, s.kept)], ins: [T(dt, shape, kind === 2 ? { alt: ['f32', 'i32'] } : {})], attrs: [s.outer, s.mid, s.inner],
      ints: intRange(3, [0, 2 ** 40]), bad: [badSplit] };
  },
  cumsum(r) {
    const shape = randShape(r, { empty: 0 }), s = reduceSplit(r, shape), dt = r.pick(['f32', 'i32']);
    return { op: 'cumsum', outs: [T(dt, shape)], ins: [T(dt, shape)], attrs: [s.outer, s.mid, s.inner, r.int(0, 1), r.int(0, 1)],
      ints: [...intRange(3, [0, 2 ** 40]), [0, 1], [0, 1]], bad: [badSplit] };
  },
  transpose(r) {
    const x = randShape(r, { rank: r.int(1, 5) }), perm = shuffled(r, x.map((_, i) => i)), dt = r.pick(DTYPES);
    return { op: 'transpose', outs: [T(dt, perm.map((p) => x[p]))], ins: [T(dt, x)], attrs: perm, ints: intRange(x.length, [0, x.length - 1]),
      bad: x.length < 2 ? [] : [(c, r2) => {
        const attrs = c.attrs.slice(), i = r2.int(0, attrs.length - 1);
        attrs[i] = attrs[(i + r2.int(1, attrs.length - 1)) % attrs.length];
        return { attrs, what: `perm ${attrs} repeats an axis` };
      }] };
  },
  stridedSlice(r) {
    const x = randShape(r, { rank: r.int(1, 4), hi: 6, empty: 0 }), grad = r.chance(0.3), dt = grad ? 'f32' : r.pick(DTYPES);
    const begin = [], stride = [], y = [];
    for (const d of x) {
      const s = r.pick([1, 1, 2, 3, -1, -2]), b = r.int(0, d - 1);
      const most = s > 0 ? Math.floor((d - 1 - b) / s) + 1 : Math.floor(b / -s) + 1;
      begin.push(b); stride.push(s); y.push(r.int(1, most));
    }
    const [outShape, inShape] = grad ? [x, y] : [y, x];
    return { op: grad ? 'stridedSliceGrad' : 'stridedSlice', outs: [T(dt, outShape)], ins: [T(dt, inShape)], attrs: [...begin, ...stride],
      ints: [...x.map((d) => [0, d - 1]), ...x.map(() => [-(2 ** 40), 2 ** 40])],
      bad: [(c, r2) => {
        const attrs = c.attrs.slice(), k = r2.int(0, x.length - 1), how = r2.int(0, 2);
        if (how === 0) attrs[x.length + k] = 0;
        else if (how === 1) attrs[x.length + k] = r2.pick([2 ** 40, -(2 ** 40), 2 ** 30]) * (y[k] > 1 ? 1 : 0) || 0; // stride 0 when one element
        else {
          // begin moved so the slice's last read leaves the axis
          const n = y[k], s = attrs[x.length + k];
          attrs[k] = s > 0 ? x[k] - 1 - (n - 1) * s + 1 : (n - 1) * -s - 1;
          if (attrs[k] < 0 || attrs[k] > x[k] - 1) attrs[x.length + k] = 0;
        }
        return { attrs, what: `slice attrs ${attrs} read outside x ${x}` };
      }] };
  },
  concat(r) {
    const rank = r.int(1, 4), y = randShape(r, { rank }), axis = r.int(0, rank - 1), k = r.pick([1, 2, 3, 3, 3, 5]), dt = r.pick(DTYPES);
    const parts = Array.from({ length: k }, () => r.int(0, 3));
    y[axis] = parts.reduce((a, b) => a + b, 0);
    return { op: 'concat', outs: [T(dt, y)], ins: parts.map((p) => T(dt, y.map((d, i) => (i === axis ? p : d)))), attrs: [axis],
      ints: [[0, rank - 1]] };
  },
  gather(r) {
    const x = randShape(r, { rank: r.int(1, 3), empty: 0 }), axis = r.int(0, x.length - 1), ind = randShape(r, { rank: r.int(0, 2), empty: 0 });
    const grad = r.chance(0.3), dt = grad ? 'f32' : r.pick(DTYPES);
    const y = [...x.slice(0, axis), ...ind, ...x.slice(axis + 1)];
    const indices = T('i32', ind, { fill: () => r.int(0, x[axis] - 1), indicesBelow: x[axis] });
    return grad
      ? { op: 'gatherGrad', outs: [T('f32', x)], ins: [T('f32', y), indices], attrs: [axis], ints: [[0, x.length - 1]] }
      : { op: 'gather', outs: [T(dt, y)], ins: [T(dt, x), indices], attrs: [axis], ints: [[0, x.length - 1]] };
  },
  gatherND(r) {
    const x = randShape(r, { rank: r.int(1, 3), empty: 0 }), k = r.int(1, x.length), m = r.int(1, 3), dt = r.pick(DTYPES);
    return { op: 'gatherND', outs: [T(dt, [m, ...x.slice(k)])], ins: [T(dt, x), T('i32', [m, k], { fill: (i) => r.int(0, x[i % k] - 1), indicesBelow: Math.min(...x.slice(0, k)) })],
      attrs: null };
  },
  pad(r) {
    const x = randShape(r, { rank: r.int(0, 3) }), dt = r.pick(DTYPES);
    const before = x.map(() => r.int(0, 2)), y = x.map((d, i) => d + before[i] + r.int(0, 2));
    const value = dt === 'f32' ? r.next() : dt === 'i32' ? r.int(-5, 5) : r.int(0, 1);
    return { op: 'pad', outs: [T(dt, y)], ins: [T(dt, x)], attrs: [value, ...before], ints: [null, ...x.map(() => [0, 2 ** 40])],
      bad: [
        ...(x.length ? [(c, r2) => {
          const attrs = c.attrs.slice(), k = r2.int(0, x.length - 1);
          attrs[1 + k] = y[k] - x[k] + r2.int(1, 3);
          return { attrs, what: `pad before ${attrs[1 + k]} on axis ${k} does not fit` };
        }] : []),
        ...(dt === 'i32' ? [(c, r2) => ({ attrs: [r2.pick([0.5, NaN, 2 ** 31, -(2 ** 31) - 1]), ...c.attrs.slice(1)], what: 'an int32 pad value that is not one' })] : []),
      ] };
  },
  tile(r) {
    const x = randShape(r, { rank: r.int(0, 3) }), dt = r.pick(DTYPES);
    return { op: 'tile', outs: [T(dt, x.map((d) => d * r.int(1, 3)))], ins: [T(dt, x)], attrs: null };
  },
  reverse(r) {
    const x = randShape(r), dt = r.pick(DTYPES);
    return { op: 'reverse', outs: [T(dt, x)], ins: [T(dt, x)], attrs: x.map(() => r.int(0, 1)), ints: x.map(() => [0, 1]) };
  },
  matMul(r) {
    const M = r.int(0, 4), N = r.int(1, 4), K = r.int(0, 4), ta = r.int(0, 1), tb = r.int(0, 1);
    const batch = randShape(r, { rank: r.int(0, 2), hi: 3, empty: 0.05 });
    const ab = broadcastFrom(r, batch), bb = broadcastFrom(r, batch);
    return { op: 'matMul', outs: [T('f32', [...batch, M, N])], ins: [T('f32', [...ab, ...(ta ? [K, M] : [M, K])]), T('f32', [...bb, ...(tb ? [N, K] : [K, N])])],
      attrs: [ta, tb], ints: [[0, 1], [0, 1]] };
  },
  logSoftmax(r) {
    const x = randShape(r), grad = r.chance(0.4);
    return { op: grad ? 'logSoftmaxGrad' : 'logSoftmax', outs: [T('f32', x)], ins: Array.from({ length: grad ? 2 : 1 }, () => T('f32', x)), attrs: null };
  },
  dense(r) {
    const lead = randShape(r, { rank: r.int(1, 2), empty: 0.05 }), inDim = r.int(1, 4), out = r.int(1, 4);
    const act = r.int(0, 12), bias = r.chance(0.6), x = [...lead, inDim], y = [...lead, out];
    const call = { attrs: [act, r.pick([0, 0.1, 0.3])], ints: [[0, 12], null] };
    if (!r.chance(0.4)) {
      return { ...call, op: 'dense', outs: act === 0 ? [T('f32', y)] : [T('f32', y), T('f32', y)],
        ins: [T('f32', x), T('f32', [inDim, out]), ...(bias ? [T('f32', [out])] : [])], optionalLastInput: bias };
    }
    const wantDx = r.int(0, 1);
    return { op: 'denseGrad', attrs: [...call.attrs, r.int(0, 1), wantDx], ints: [...call.ints, [0, 1], [0, 1]],
      outs: [...(wantDx ? [T('f32', x)] : []), T('f32', [inDim, out]), ...(bias ? [T('f32', [out])] : [])],
      ins: [T('f32', y), T('f32', x), T('f32', [inDim, out]), T('f32', y), ...(act !== 0 ? [T('f32', y)] : [])],
      optionalLastInput: true };  // z is optional where the activation's backward reads only y; and without z, 4 inputs stay valid
  },
  softmaxCrossEntropy(r) {
    const rows = randShape(r, { rank: r.int(0, 2), empty: 0.05 }), classes = r.int(1, 5), x = [...rows, classes];
    const labels = r.chance(0.5) ? T('i32', rows, { fill: () => r.int(0, classes - 1), indicesBelow: classes }) : T('f32', x);
    return r.chance(0.5)
      ? { op: 'softmaxCrossEntropy', outs: [T('f32', rows), T('f32', x)], ins: [T('f32', x), labels], attrs: null }
      : { op: 'softmaxCrossEntropyGrad', outs: [T('f32', x)], ins: [T('f32', rows), T('f32', x), labels], attrs: null };
  },
  // rnnSequence / rnnSequenceGrad (native/core/ops/rnn.def): a random cell, sizes and optional
  // tensors; every shape follows from x (dx for the gradient) and recurrentKernel.
  rnnSequence(r) {
    const cell = r.int(0, 3), lstm = cell === 1, aux = cell >= 2, G = cell === 0 ? 1 : lstm ? 4 : 3;
    const B = r.int(1, 3), Tn = r.int(1, 4), Fd = r.int(1, 3), U = r.int(1, 3), GU = G * U;
    const retSeq = r.int(0, 1);
    const has = { bias: r.int(0, 1), mask: r.int(0, 1), inMask: r.int(0, 1), recMask: r.int(0, 1), h0: r.int(0, 1), c0: lstm ? r.int(0, 1) : 0 };
    const attrs = [cell, r.pick(RNN_ACTIVATIONS), r.pick(RNN_ACTIVATIONS), r.int(0, 1), retSeq, r.int(0, 1),
      has.bias, has.mask, has.inMask, has.recMask, has.h0, has.c0];
    const f = (shape) => T('f32', shape);
    const y = f(retSeq ? [B, Tn, U] : [B, U]), bu = () => f([B, U]);
    const saved = [f([Tn, B, Fd]), f([Tn, B, GU]), f([Tn + 1, B, U]), ...(lstm ? [f([Tn + 1, B, U])] : []), ...(aux ? [f([Tn, B, U])] : []),
      ...(has.recMask ? [f([Tn, B, U])] : [])];
    const x = f([B, Tn, Fd]), kernel = f([Fd, GU]), rec = f([U, GU]), bias = f(cell === 2 ? [2, GU] : [GU]);
    const masks = [...(has.mask ? [f([B, Tn])] : []), ...(has.inMask ? [f([B, Fd])] : []), ...(has.recMask ? [bu()] : [])];
    const grad = r.chance(0.4);
    const ints = [[0, 3], [0, 12], [0, 12], ...intRange(9, [0, 1])];
    const bad = [
      (c, r2) => { const attrs2 = c.attrs.slice(); attrs2[r2.int(1, 2)] = r2.pick([4, 5, 6, 7, 8, 9, 12]); return { attrs: attrs2, what: 'an activation the gate kernels cannot fuse' }; },
      (c, r2) => { const attrs2 = c.attrs.slice(), k = r2.int(6, 10); attrs2[k] = 1 - attrs2[k]; return { attrs: attrs2, what: `flag ${k} flipped: one tensor more or less than the list` }; },
      (c) => { const attrs2 = c.attrs.slice(); attrs2[4] = 1 - attrs2[4]; return { attrs: attrs2, what: 'returnSequences flipped: y / dy of the other shape' }; },
      (c) => (lstm ? null : { attrs: [...c.attrs.slice(0, 11), 1], what: 'c0 for a cell without one' }),
    ];
    if (!grad) {
      return { op: 'rnnSequence', outs: [y, bu(), ...(lstm ? [bu()] : []), ...saved],
        ins: [x, kernel, rec, ...(has.bias ? [bias] : []), ...masks, ...(has.h0 ? [bu()] : []), ...(has.c0 ? [bu()] : [])], attrs, ints, bad };
    }
    return { op: 'rnnSequenceGrad', outs: [x, kernel, rec, ...(has.bias ? [bias] : []), ...(has.h0 ? [bu()] : []), ...(has.c0 ? [bu()] : [])],
      ins: [y, bu(), ...(lstm ? [bu()] : []), ...saved, kernel, rec, ...masks], attrs, ints, bad };
  },
  // conv2d / conv2dGrad / conv2dBackpropInput (native/core/ops/conv.def): a valid NHWC geometry.
  conv(r) {
    const B = r.int(1, 2), cin = r.int(1, 3), cout = r.int(1, 3), geo = [];
    for (let k = 0; k < 2; k++) {
      const kk = r.int(1, 3), s = r.int(1, 2), d = r.int(1, 2), eff = (kk - 1) * d + 1;
      const before = r.int(0, eff - 1), after = r.int(0, eff - 1), n = r.int(Math.max(1, eff - before - after), 6);
      geo.push({ kk, s, d, before, after, n, out: Math.floor((n + before + after - eff) / s) + 1 });
    }
    const [h, w] = geo, kind = r.int(0, 5), act = kind === 5 ? 0 : r.int(0, 12), hasBias = kind === 5 ? 0 : r.int(0, 1);
    const needsZ = act > 4;
    const attrs = [h.s, w.s, h.d, w.d, h.before, h.after, w.before, w.after, hasBias, act, r.pick([0, 0.2])];
    const ints = [[1, 2 ** 20], [1, 2 ** 20], [1, 2 ** 20], [1, 2 ** 20], [0, 2 ** 30], [0, 2 ** 30], [0, 2 ** 30], [0, 2 ** 30], [0, 1], [0, 12], null];
    const x = T('f32', [B, h.n, w.n, cin]), f = T('f32', [h.kk, w.kk, cin, cout]), y = T('f32', [B, h.out, w.out, cout]);
    const bias = hasBias ? [T('f32', [cout])] : [];
    const bad = [(c) => { const a = c.attrs.slice(); a[4] = a[4] + eff0(h); return { attrs: a, what: `padTop ${a[4]} not below the window` }; }];
    if (kind === 5) return { op: 'conv2dBackpropInput', outs: [x], ins: [y, f], attrs, ints, bad };
    if (kind >= 3) return { op: 'conv2dGrad', outs: [x, f, ...bias], ins: [y, x, f, y, ...(needsZ ? [y] : [])], attrs, ints, bad };
    return { op: 'conv2d', outs: [y, ...(needsZ ? [y] : [])], ins: [x, f, ...bias], attrs, ints, bad };
  },
  pool(r) {
    const B = r.int(1, 2), C = r.int(1, 3), geo = [];
    for (let k = 0; k < 2; k++) {
      const p = r.int(1, 3), s = r.int(1, 2), before = r.int(0, p - 1), after = r.int(0, p - 1), n = r.int(Math.max(1, p - before - after), 6);
      geo.push({ p, s, before, after, n, out: Math.floor((n + before + after - p) / s) + 1 });
    }
    const [h, w] = geo, kind = r.int(0, 3);
    const attrs = [h.p, w.p, h.s, w.s, h.before, h.after, w.before, w.after];
    const ints = [[1, 2 ** 30], [1, 2 ** 30], [1, 2 ** 20], [1, 2 ** 20], [0, 2 ** 30], [0, 2 ** 30], [0, 2 ** 30], [0, 2 ** 30]];
    const x = T('f32', [B, h.n, w.n, C]), y = T('f32', [B, h.out, w.out, C]);
    const argmax = T('i32', [B, h.out, w.out, C], { fill: () => r.int(-2, B * h.n * w.n * C + 2) });
    if (kind === 0) return { op: 'maxPool', outs: [y, T('i32', y.shape)], ins: [x], attrs, ints };
    if (kind === 1) return { op: 'maxPoolGrad', outs: [x], ins: [y, argmax], attrs, ints };
    return { op: kind === 2 ? 'avgPool' : 'avgPoolGrad', outs: [kind === 2 ? y : x], ins: [kind === 2 ? x : y], attrs, ints };
  },
  batchNorm(r) {
    const x = randShape(r, { rank: r.int(1, 4), empty: 0 }), kind = r.int(0, 3), eps = r.pick([1e-3, 1e-5, 0.1]);
    const C = x[x.length - 1], c = () => T('f32', [C], { fill: () => 0.5 + r.next() });
    if (kind === 0) return { op: 'batchNorm', outs: [T('f32', x)], ins: [T('f32', x), c(), c(), c(), c()], attrs: [eps], ints: [null] };
    if (kind === 1) return { op: 'batchNormGrad', outs: [T('f32', x), c(), c(), c(), c()], ins: [T('f32', x), T('f32', x), c(), c(), c()], attrs: [eps], ints: [null] };
    const axis = r.int(0, x.length - 1), A = x[axis], a = () => T('f32', [A], { fill: () => 0.5 + r.next() });
    if (kind === 2) return { op: 'batchNormTraining', outs: [T('f32', x), a(), a(), a()], ins: [T('f32', x), a(), a()], attrs: [axis, eps], ints: [[0, x.length - 1], null] };
    return { op: 'batchNormTrainingGrad', outs: [T('f32', x), a(), a()], ins: [T('f32', x), T('f32', x), a(), a(), a(), a(), a()], attrs: [axis, eps],
      ints: [[0, x.length - 1], null] };
  },
};
const eff0 = (g) => (g.kk - 1) * g.d + 1;
const OP_FAMILIES = Object.keys(OP_BUILDERS);

function runOpArgs(r, family = r.pick(OP_FAMILIES)) {
  const call = OP_BUILDERS[family](r);
  call.family = family;
  call.ints = call.ints ?? (call.attrs ? call.attrs.map(() => null) : []);
  call.bad = call.bad ?? [];
  call.tensors = [...call.outs, ...call.ins];
  return [{ kind: 'code', value: opId(call.op), max: opCount() - 1, call }, { kind: 'tensors', call }, S(call.outs.length, { nOut: true }),
    { kind: 'shapes', call }, { kind: 'attrs', call }];
}

function fillTensor(a, t, r) {
  for (let i = 0; i < a.length; i++) {
    a[i] = t.fill ? t.fill(i) : t.dtype === 'f32' ? r.next() * 2 - 1 : t.dtype === 'i32' ? r.int(-5, 5) : r.int(0, 1);
  }
  return a;
}

// The tensors of a call. 'offset': all of them non-overlapping views of one ArrayBuffer, with
// gaps (4-byte aligned); 'shared': the same over a SharedArrayBuffer, or each in its own.
// (runOp once rejected SharedArrayBuffer-backed arrays; glue_dispatch.cpp now reads them with
// napi_get_typedarray_info, so they are fuzzed like everywhere else.)
const RUN_OP_SHARED = true;
function tensorValues(call, r, variation) {
  if (variation === 'shared' && !RUN_OP_SHARED) variation = 'offset';
  const pooled = variation === 'offset' || (variation === 'shared' && r.chance(0.5));
  if (!pooled) return call.tensors.map((t) => fillTensor(typedArray(TYPES[t.dtype], prod(t.shape), () => 0, r, variation), t, r));
  const at = [];
  let bytes = 4 * r.int(0, 3);
  for (const i of shuffled(r, call.tensors.map((_, k) => k))) { // laid out in a random order, with gaps
    const t = call.tensors[i];
    at[i] = bytes;
    bytes += Math.ceil((prod(t.shape) * TYPES[t.dtype].BYTES_PER_ELEMENT) / 4) * 4 + 4 * r.int(0, 2);
  }
  const buffer = variation === 'shared' ? new SharedArrayBuffer(bytes + 8) : new ArrayBuffer(bytes + 8);
  return call.tensors.map((t, i) => fillTensor(new TYPES[t.dtype](buffer, at[i], prod(t.shape)), t, r));
}

function shapesValue(shapes) {
  return Int32Array.from(shapes.flatMap((s) => [s.length, ...s]));
}

// The must-throw changes of a runOp call (each returns { what, must } or null when it does
// not apply). `args` = [op, tensors, nOutputs, shapes, attrs] of a valid call.
const RUN_OP_BREAKERS = {
  notTypedElement(args, call, r) {
    const i = r.int(0, call.tensors.length - 1);
    args[1] = args[1].slice();
    args[1][i] = r.pick([null, undefined, 3, 'x', {}, [1, 2], new ArrayBuffer(8), new DataView(new ArrayBuffer(8)), Array.from(args[1][i])]);
    return { what: `tensors[${i}] is not a typed array`, must: true };
  },
  holeyTensors(args, call, r) {
    const list = new Array(call.tensors.length);
    const skip = r.int(0, list.length - 1);
    args[1].forEach((a, i) => { if (i !== skip) list[i] = a; });
    args[1] = list;
    return { what: `tensors[${skip}] is a hole`, must: true };
  },
  otherArrayType(args, call, r) {
    const i = r.int(0, call.tensors.length - 1), n = prod(call.tensors[i].shape);
    args[1] = args[1].slice();
    args[1][i] = new (r.pick([Float64Array, Int16Array, Uint16Array, Uint32Array, Int8Array, Uint8ClampedArray, BigInt64Array]))(n);
    return { what: `tensors[${i}] a ${args[1][i].constructor.name}`, must: true };
  },
  otherDtype(args, call, r) {
    const i = r.int(0, call.tensors.length - 1), t = call.tensors[i];
    const dt = r.pick(DTYPES.filter((d) => d !== t.dtype));
    args[1] = args[1].slice();
    args[1][i] = fillTensor(new TYPES[dt](prod(t.shape)), { dtype: dt }, r);
    return { what: `tensors[${i}] (${t.dtype}) a ${dt} array`, must: !(t.alt ?? []).includes(dt) };
  },
  lengthOff(args, call, r) {
    const i = r.int(0, call.tensors.length - 1), t = call.tensors[i], n = prod(t.shape);
    const len = n > 0 && r.chance(0.5) ? n - 1 : n + r.pick([1, 1, 2, 7]);
    args[1] = args[1].slice();
    args[1][i] = r.chance(0.5) ? new TYPES[t.dtype](len) : new TYPES[t.dtype](len + 3).subarray(3);
    return { what: `tensors[${i}] holds ${len} of ${n} elements`, must: true };
  },
  detachedTensor(args, call, r) {
    const nonEmpty = call.tensors.map((t, i) => i).filter((i) => prod(call.tensors[i].shape) > 0);
    if (nonEmpty.length === 0) return null;
    const i = r.pick(nonEmpty);
    args[1] = args[1].slice();
    args[1][i] = detached(TYPES[call.tensors[i].dtype], 4);
    return { what: `tensors[${i}] detached`, must: true };
  },
  tooManyTensors(args, call, r) {
    const extra = r.pick([17 - call.ins.length, 17 - call.ins.length + r.int(1, 4), 33 - call.tensors.length, 40]);
    args[1] = [...args[1], ...Array.from({ length: extra }, () => new Float32Array(1))];
    args[3] = Int32Array.from([...args[3], ...Array.from({ length: extra }, () => 0)]);
    return { what: `${args[1].length} tensors (${args[1].length - call.outs.length} inputs)`, must: true };
  },
  oneTensorMoreOrLess(args, call, r) {
    const shapes = call.tensors.map((t) => t.shape.slice());
    args[1] = args[1].slice();
    if (r.chance(0.5) && call.ins.length > 1) {
      args[1].pop();
      shapes.pop();
      args[3] = shapesValue(shapes);
      // concat without an empty part is still a valid concat; an op whose last input is optional
      // (dense's bias, denseGrad's z) is still a valid call without it
      const empty = prod(call.tensors[call.tensors.length - 1].shape) === 0;
      return { what: `${args[1].length - call.outs.length} inputs (the last dropped)`,
        must: !(call.op === 'concat' && empty) && !call.optionalLastInput };
    } else {
      args[1].push(new Float32Array(1));
      shapes.push([]);
    }
    args[3] = shapesValue(shapes);
    return { what: `${args[1].length - call.outs.length} inputs`, must: true };
  },
  // The shapes array.
  shapesCut(args, call, r) {
    if (args[3].length === 0) return null;
    args[3] = args[3].slice(0, r.int(0, args[3].length - 1));
    return { what: `shapes cut to ${args[3].length} values`, must: true };
  },
  shapesExtra(args, call, r) {
    args[3] = Int32Array.from([...args[3], ...Array.from({ length: r.int(1, 3) }, () => r.int(0, 3))]);
    return { what: `shapes with ${args[3].length} values (extra at the end)`, must: true };
  },
  shapeValue(args, call, r) {
    const i = r.int(0, call.tensors.length - 1), shapes = call.tensors.map((t) => t.shape.slice());
    const how = r.int(0, 4);
    let what, must = true;
    if (how === 0 && shapes[i].length > 0) {
      shapes[i][r.int(0, shapes[i].length - 1)] = r.pick([-1, -2, -(2 ** 31)]);
      what = 'a negative dimension';
    } else if (how === 1) {
      args[3] = shapesValue(shapes);
      // the rank entry of tensor i, replaced by one above 8 (or negative)
      let at = 0;
      for (let k = 0; k < i; k++) at += 1 + shapes[k].length;
      args[3][at] = r.pick([9, 10, 16, 2 ** 31 - 1, -1]);
      return { what: `tensor ${i}'s rank ${args[3][at]}`, must: true };
    } else if (how === 2) {
      shapes[i] = r.pick([[2 ** 20, 2 ** 20, 2], [2 ** 31 - 1, 2 ** 31 - 1], [2 ** 14, 2 ** 14, 2 ** 14], [65536, 65536, 65536, 65536, 1, 1, 1, 1]]);
      what = `a shape of ${prod(shapes[i])} elements (> 2^40)`;
    } else if (how === 3 && shapes[i].length > 0) {
      const k = r.int(0, shapes[i].length - 1);
      shapes[i][k] += r.pick([1, 2]);
      what = `dimension ${k} grown`;
      must = prod(call.tensors[i].shape) > 0;
    } else {
      shapes[i] = [...shapes[i], ...Array.from({ length: 9 - shapes[i].length }, () => 1)];
      what = 'rank 9 (all ones)';
    }
    args[3] = shapesValue(shapes);
    return { what: `tensor ${i}: ${what}`, must };
  },
  // attributes
  attrsCount(args, call, r) {
    const n = call.attrs ? call.attrs.length : 0;
    const m = r.pick([n + 1, n + 2, Math.max(0, n - 1), 65, 100]);
    if (m === n) return null;
    const attrs = new Float64Array(m);
    for (let k = 0; k < m; k++) attrs[k] = k < n ? call.attrs[k] : r.int(0, 1);
    args[4] = attrs;
    return { what: `${m} attributes (wants ${n})`, must: true };
  },
  attrOutOfRange(args, call, r) {
    const ints = call.ints.map((v, k) => k).filter((k) => call.ints[k]);
    if (ints.length === 0) return null;
    const k = r.pick(ints), [lo, hi] = call.ints[k];
    args[4] = Float64Array.from(call.attrs);
    args[4][k] = r.pick([lo - 1, hi + 1, hi + 1000, -(2 ** 53), 2 ** 53, 2 ** 63, call.attrs[k] + 0.5, NaN, Infinity, -Infinity]);
    return { what: `attrs[${k}] = ${args[4][k]} (wants an integer in [${lo}, ${hi}])`, must: true };
  },
  attrOpSpecific(args, call, r) {
    if (call.bad.length === 0) return null;
    const b = r.pick(call.bad)(call, r);
    if (!b) return null;
    if (b.attrs) args[4] = Float64Array.from(b.attrs);
    return { what: b.what, must: true };
  },
  indexOutOfRange(args, call, r) {
    const at = call.tensors.findIndex((t) => t.indicesBelow !== undefined && prod(t.shape) > 0);
    if (at < 0) return null;
    const t = call.tensors[at];
    args[1] = args[1].slice();
    const values = Int32Array.from(args[1][at]);
    values[r.int(0, values.length - 1)] = r.pick([-1, -(2 ** 31), 2 ** 31 - 1, t.indicesBelow === undefined ? 1000 : 1000 + t.indicesBelow, 4096]);
    args[1][at] = values;
    return { what: `tensors[${at}] holds an index out of range`, must: true };
  },
  // an output sharing memory with another tensor
  aliasSame(args, call, r) {
    if (prod(call.outs[0].shape) === 0) return null;
    const j = r.int(call.outs.length, call.tensors.length - 1);
    args[1] = args[1].slice();
    args[1][j] = args[1][0];
    return { what: `output 0 passed again as tensors[${j}]`, must: true };
  },
  aliasOverlap(args, call, r) {
    const out = call.outs[0], nOut = prod(out.shape);
    const js = call.tensors.map((t, i) => i).filter((i) => i >= call.outs.length && prod(call.tensors[i].shape) > 0);
    if (nOut === 0 || js.length === 0) return null;
    const j = r.pick(js), nIn = prod(call.tensors[j].shape), Type = TYPES[out.dtype];
    // One buffer of out's element type: the two views overlap by at least one element.
    const shift = r.int(-(nIn - 1), nOut - 1), base = Math.max(0, -shift);
    const buffer = new Type(base + Math.max(nOut, shift + nIn) + 2);
    args[1] = args[1].slice();
    args[1][0] = buffer.subarray(base, base + nOut);
    args[1][j] = buffer.subarray(base + shift, base + shift + nIn);
    return { what: `output 0 and tensors[${j}] overlap (views ${shift} apart in one buffer)`, must: true };
  },
};

const RUN_OP_GROUPS = {
  opTensors: ['notTypedElement', 'holeyTensors', 'otherArrayType', 'otherDtype', 'lengthOff', 'detachedTensor', 'tooManyTensors',
    'oneTensorMoreOrLess', 'indexOutOfRange'],
  opShapes: ['shapesCut', 'shapesExtra', 'shapeValue'],
  opAttrs: ['attrsCount', 'attrOutOfRange', 'attrOpSpecific', 'attrOpSpecific', 'indexOutOfRange', 'indexOutOfRange'],
  opAlias: ['aliasSame', 'aliasOverlap'],
};
function runOpMalformation(group) {
  return (args, descs, r) => {
    const call = descs.find((d) => d.kind === 'tensors')?.call;
    if (!call || args.length < 5) return null;
    for (let tries = 0; tries < 8; tries++) {
      const result = RUN_OP_BREAKERS[r.pick(RUN_OP_GROUPS[group])](args, call, r);
      if (result) return result;
    }
    return null;
  };
}

SPECS.runOp = Object.assign((r, family) => runOpArgs(r, family), { weight: 15, variants: OP_FAMILIES });
SPECS.opTable = () => []; // no arguments; extra ones are ignored

// Calls that crashed or hung the native code when this fuzzer found them (fixed since: sizes
// checked in ops_reduce.cpp, strides bounded in ops_shape.cpp, empty outputs returned at once).
// test/native-fuzz.test.js runs each in its own child process: it must throw, or return at once
// where the result is empty.
const KNOWN_CRASHES = [
  { name: 'runOp', what: 'sum: outer*inner wraps int64 when mid = 0 (77158673929 * 239075442 = 2^64 + 2): writes far past y (SIGSEGV)',
    args: () => [opId('sum'), [new Float32Array(2), new Float32Array(0)], 1, Int32Array.of(1, 2, 1, 0), Float64Array.of(77158673929, 0, 239075442)] },
  { name: 'runOp', what: 'any: the same wrap (mid = 0) (SIGSEGV)',
    args: () => [opId('any'), [new Uint8Array(2), new Uint8Array(0)], 1, Int32Array.of(1, 2, 1, 0), Float64Array.of(77158673929, 0, 239075442)] },
  { name: 'runOp', what: 'cumsum: outer = 2^40, mid = 0 on an empty x: 2^40 empty lines (hang)',
    args: () => [opId('cumsum'), [new Float32Array(0), new Float32Array(0)], 1, Int32Array.of(1, 0, 1, 0), Float64Array.of(2 ** 40, 0, 1, 0, 0)] },
  { name: 'runOp', what: 'stridedSlice: (n-1)*stride = 2^24 * 2^40 wraps to 0, passes the bounds check, reads 2^40 apart (SIGSEGV)',
    args: () => [opId('stridedSlice'), [new Uint8Array(2 ** 24 + 1), new Uint8Array(1)], 1, Int32Array.of(1, 2 ** 24 + 1, 1, 1), Float64Array.of(0, 2 ** 40)] },
  { name: 'runOp', what: 'stridedSliceGrad: the same wrap, WRITES 2^40 * 4 bytes apart (SIGSEGV)',
    args: () => [opId('stridedSliceGrad'), [new Float32Array(1), new Float32Array(2 ** 24 + 1)], 1, Int32Array.of(1, 1, 1, 2 ** 24 + 1), Float64Array.of(0, 2 ** 40)] },
  { name: 'runOp', what: 'gather: x [2^20,2^20,1,0] along axis 2: outer = 2^40 rows of 0 bytes (hang)',
    args: () => [opId('gather'), [new Float32Array(0), new Float32Array(0), Int32Array.of(0)], 1,
      Int32Array.of(4, 2 ** 20, 2 ** 20, 1, 0, 4, 2 ** 20, 2 ** 20, 1, 0, 1, 1), Float64Array.of(2)] },
  { name: 'runOp', what: 'gatherGrad: dx [2^20,2^20,1,0] along axis 2: 2^40 outer iterations (hang)',
    args: () => [opId('gatherGrad'), [new Float32Array(0), new Float32Array(0), Int32Array.of(0)], 1,
      Int32Array.of(4, 2 ** 20, 2 ** 20, 1, 0, 4, 2 ** 20, 2 ** 20, 1, 0, 1, 1), Float64Array.of(2)] },
];

function knownCrashCase(native, i) {
  const k = KNOWN_CRASHES[i];
  return { name: k.name, fn: native[k.name], args: k.args(), must: true, what: `known crash ${i}: ${k.what}` };
}

// ---- making values ------------------------------------------------------------------------

function typedArray(Type, len, fill, r, variation) {
  const plain = new Type(len);
  for (let i = 0; i < len; i++) plain[i] = fill ? fill(i) : (r.next() * 2 - 1);
  if (variation === 'shared') {
    const shared = new Type(new SharedArrayBuffer(Math.max(1, len) * Type.BYTES_PER_ELEMENT), 0, len);
    shared.set(plain);
    return shared;
  }
  if (variation === 'offset') {
    const at = 1 + Math.floor(r.next() * 5);
    const big = new Type(len + at + 3);
    big.set(plain, at);
    return big.subarray(at, at + len);
  }
  return plain;
}

function detached(Type, len) {
  const a = new Type(Math.max(1, len));
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

/** The JS value of one argument description in a valid call. */
function valueOf(desc, r, variation) {
  switch (desc.kind) {
    case 'f32': return typedArray(Float32Array, desc.len, desc.fill, r, variation);
    case 'f32?': return desc.present ? typedArray(Float32Array, desc.len, desc.fill, r, variation) : null;
    case 'i32': return typedArray(Int32Array, desc.len, desc.fill, r, variation);
    case 'i32?': return desc.present ? typedArray(Int32Array, desc.len, desc.fill, r, variation) : null;
    case 'dims': return Int32Array.from(desc.values);
    case 'list': return desc.sizes.map((n) => typedArray(Float32Array, n, null, r, variation));
    case 'list?': return desc.present ? desc.sizes.map((n) => typedArray(Float32Array, n, null, r, variation)) : null;
    case 'hyper': return { ...desc.value };
    case 'tensors': return tensorValues(desc.call, r, variation);
    case 'shapes': return shapesValue(desc.call.tensors.map((t) => t.shape));
    case 'attrs': return desc.call.attrs ? Float64Array.from(desc.call.attrs) : r.pick([null, null, undefined, new Float64Array(0)]);
    default: return desc.value;
  }
}

const isBuffer = (d) => d.kind === 'f32' || d.kind === 'i32' || (d.kind === 'f32?' && d.present) || (d.kind === 'i32?' && d.present);
const isRequired = (d) => !['f32?', 'i32?', 'list?'].includes(d.kind) || (d.kind === 'list?' && d.required);

// ---- malformations ------------------------------------------------------------------------
// Each returns { what, must } after changing `args` in place, or null when it does not apply.
const HUGE = [2 ** 31, 2 ** 32, 2 ** 40 + 1, 2 ** 53, 2 ** 61, 2 ** 62, 2 ** 63, 1e300];
const NON_INTEGER = [-1, -(2 ** 31), -(2 ** 53), 0.5, 1.5, NaN, Infinity, -Infinity];
const NOT_A_NUMBER = ['3', true, null, undefined, {}, [], [3], 3n, () => 3];

function wrongTypeFor(desc, r) {
  switch (desc.kind) {
    case 'f32': case 'f32?':
      return r.pick([new Float64Array(desc.len), new Int32Array(desc.len), new Uint8Array(desc.len * 4), Array.from({ length: desc.len }, () => 0),
        3, 'abc', {}, new ArrayBuffer(desc.len * 4), new DataView(new ArrayBuffer(8)), ...(desc.kind === 'f32' ? [null, undefined] : [])]);
    case 'i32': case 'i32?':
      return r.pick([new Float32Array(desc.len), new Uint32Array(desc.len), new Int16Array(desc.len), [0], 1, ...(desc.kind === 'i32' ? [null, undefined] : [])]);
    case 'dims': return r.pick([new Float32Array(desc.values), Array.from(desc.values), null, 7]);
    case 'bool': return r.pick([0, 1, 'true', null, undefined, {}]);
    case 'str': return r.pick([1, null, undefined, {}, ['x']]);
    case 'hyper': return r.pick([null, undefined, 3, 'adam']);
    case 'list': return r.pick([null, undefined, new Float32Array(3), 'x', 5]);
    case 'list?': return r.pick([new Float32Array(3), 'x', 5, {}]);
    case 'tensors': return r.pick([null, undefined, new Float32Array(3), { length: 2, 0: new Float32Array(1) }, 'x', 5, new Map()]);
    case 'shapes': {
      const v = shapesValue(desc.call.tensors.map((t) => t.shape));
      return r.pick([Float32Array.from(v), Array.from(v), Uint32Array.from(v), Int16Array.from(v), null, undefined, 'x']);
    }
    case 'attrs': {
      const v = desc.call.attrs ?? [];
      return r.pick([Float32Array.from(v), Array.from(v), Int32Array.from(v), 3, 'x', {}, true, new ArrayBuffer(8 * v.length)]);
    }
    default: return r.pick(NOT_A_NUMBER);
  }
}

const MALFORMATIONS = {
  // Drop every argument from a required one on.
  missing(args, descs, r) {
    const required = descs.map((d, i) => (isRequired(d) ? i : -1)).filter((i) => i >= 0);
    if (required.length === 0) return null;
    const at = r.pick(required);
    args.length = at;
    return { what: `arguments from ${at} on missing`, must: true };
  },
  wrongType(args, descs, r) {
    const candidates = descs.map((d, i) => i).filter((i) => isRequired(descs[i]) || descs[i].kind === 'f32?' || descs[i].kind === 'i32?');
    if (candidates.length === 0) return null;
    const at = r.pick(candidates);
    args[at] = wrongTypeFor(descs[at], r);
    return { what: `argument ${at} (${descs[at].kind}) of the wrong type`, must: true };
  },
  shortArray(args, descs, r) {
    const candidates = descs.map((d, i) => i).filter((i) => isBuffer(descs[i]) && descs[i].len > 0 && !descs[i].anyLength);
    if (candidates.length === 0) return null;
    const at = r.pick(candidates);
    const Type = descs[at].kind.startsWith('f32') ? Float32Array : Int32Array;
    const short = r.int(0, descs[at].len - 1);
    args[at] = r.chance(0.5) ? new Type(short) : new Type(descs[at].len + 4).subarray(4 + (descs[at].len - short), 4 + descs[at].len);
    return { what: `argument ${at} holds ${short} of ${descs[at].len} elements`, must: true };
  },
  detachedArray(args, descs, r) {
    const candidates = descs.map((d, i) => i).filter((i) => isBuffer(descs[i]) && descs[i].len > 0);
    if (candidates.length === 0) return null;
    const at = r.pick(candidates);
    args[at] = detached(descs[at].kind.startsWith('f32') ? Float32Array : Int32Array, descs[at].len);
    return { what: `argument ${at} detached`, must: true };
  },
  badSize(args, descs, r) {
    const candidates = descs.map((d, i) => i).filter((i) => descs[i].kind === 'size');
    if (candidates.length === 0) return null;
    const at = r.pick(candidates);
    const d = descs[at];
    const huge = r.chance(0.5);
    const value = huge ? r.pick(HUGE) : r.pick(NON_INTEGER);
    args[at] = value;
    // A huge leading dimension of a matrix of one row, or of no columns, spans nothing more: valid.
    const must = !(huge && d.ld && (d.rows <= 1 || d.cols === 0));
    return { what: `size argument ${at} = ${value}`, must };
  },
  // Two sizes whose int64 product wraps around to a small number (or whose negatives cancel):
  // what made the old length checks pass for any buffer.
  wrapSizes(args, descs, r) {
    const candidates = descs.map((d, i) => i).filter((i) => descs[i].kind === 'size' && !descs[i].ld);
    if (candidates.length < 2) return null;
    const a = r.pick(candidates);
    const b = r.pick(candidates.filter((i) => i !== a));
    const [va, vb] = r.pick([[2 ** 32, 2 ** 32], [2 ** 61, 8], [2 ** 62, 4], [2 ** 33, 2 ** 31], [-1, -1], [-(2 ** 32), -(2 ** 32)], [2 ** 63, 2]]);
    args[a] = va;
    args[b] = vb;
    return { what: `size arguments ${a} = ${va} and ${b} = ${vb}`, must: true };
  },
  sizeOffByOne(args, descs, r) {
    const candidates = descs.map((d, i) => i).filter((i) => descs[i].kind === 'size');
    if (candidates.length === 0) return null;
    const at = r.pick(candidates);
    args[at] = descs[at].value + r.pick([1, 2, 7, -1]);
    return { what: `size argument ${at} = ${args[at]} (was ${descs[at].value})`, must: false };
  },
  badCode(args, descs, r) {
    const candidates = descs.map((d, i) => i).filter((i) => descs[i].kind === 'code' || descs[i].kind === 'int');
    if (candidates.length === 0) return null;
    const at = r.pick(candidates);
    const d = descs[at];
    const hi = d.kind === 'code' ? d.max : d.hi, lo = d.kind === 'code' ? 0 : d.lo;
    const value = r.pick([lo - 1, hi + 1, hi + 1000, 2 ** 53, -(2 ** 31), 0.5, NaN, Infinity, ...(d.rnnActivation ? [4, 5, 6, 7, 8, 9, 12] : [])]);
    args[at] = value;
    return { what: `code argument ${at} = ${value}`, must: true };
  },
  badNumber(args, descs, r) {
    const candidates = descs.map((d, i) => i).filter((i) => descs[i].kind === 'num');
    if (candidates.length === 0) return null;
    const at = r.pick(candidates);
    const d = descs[at];
    const value = r.pick([NaN, Infinity, -Infinity, ...(Number.isFinite(d.hi) ? [d.hi + 1, 1] : []), ...(Number.isFinite(d.lo) ? [d.lo - 1] : [])]);
    args[at] = value;
    return { what: `number argument ${at} = ${value}`, must: true };
  },
  badDims(args, descs, r) {
    const at = descs.findIndex((d) => d.kind === 'dims');
    if (at < 0) return null;
    const d = descs[at];
    const dims = Int32Array.from(d.values);
    const how = r.int(0, 3);
    if (how === 0) {
      args[at] = dims.subarray(0, r.int(0, dims.length - 1));
      return { what: `dims of ${args[at].length} entries`, must: true };
    }
    const k = r.int(0, dims.length - 1);
    if (how === 1) {
      dims[k] = r.pick([-1, -(2 ** 31)]);
      args[at] = dims;
      return { what: `dims[${k}] = ${dims[k]}`, must: true };
    }
    if (how === 2 && !d.pads.includes(k)) {
      dims[k] = 0;
      args[at] = dims;
      return { what: `dims[${k}] = 0`, must: true };
    }
    dims[k] = r.pick([2 ** 31 - 1, 2 ** 20, 65536, d.values[k] + 1]);
    args[at] = dims;
    return { what: `dims[${k}] = ${dims[k]}`, must: false };
  },
  badIndices(args, descs, r) {
    const candidates = descs.map((d, i) => i).filter((i) => isBuffer(descs[i]) && descs[i].kind.startsWith('i32') && descs[i].len > 0);
    if (candidates.length === 0) return null;
    const at = r.pick(candidates);
    const d = descs[at];
    const values = Int32Array.from(args[at]);
    values[r.int(0, values.length - 1)] = r.pick([-1, -(2 ** 31), 2 ** 31 - 1, (d.labelsBelow ?? 1000) + r.int(0, 3)]);
    args[at] = values;
    return { what: `argument ${at} holds an index out of range`, must: d.labelsBelow !== undefined && d.strict };
  },
  badHyper(args, descs, r) {
    const at = descs.findIndex((d) => d.kind === 'hyper');
    if (at < 0) return null;
    const key = r.pick(['learningRate', 'beta1', 'beta2', 'epsilon', 'momentum', 'rho', 'step', 'weightDecay', 'nesterov']);
    args[at] = { ...args[at], [key]: key === 'nesterov' ? r.pick([1, 'yes']) : r.pick([NaN, -1, 'x', Infinity, ...(key === 'step' ? [0, 1.5] : [])]) };
    return { what: `hyper.${key} = ${args[at][key]}`, must: true };
  },
  badList(args, descs, r) {
    const candidates = descs.map((d, i) => i).filter((i) => (descs[i].kind === 'list' || (descs[i].kind === 'list?' && descs[i].present)));
    if (candidates.length === 0) return null;
    const at = r.pick(candidates);
    const list = args[at].slice();
    const how = r.int(0, 3);
    if (how === 0 && at > 2) list.pop();  // a grads/slot list shorter than params
    else if (how === 0) list.push(new Float32Array(3));
    else if (how === 1) list[r.int(0, list.length - 1)] = new Float32Array(0);
    else if (how === 2) list[r.int(0, list.length - 1)] = r.pick([new Float64Array(4), 'x', {}, 3]);
    else list[r.int(0, list.length - 1)] = detached(Float32Array, 4);
    args[at] = list;
    // An empty params[i] only makes that parameter empty (its grads/slots then need nothing).
    return { what: `list argument ${at} changed (${how})`, must: !(how === 1 && at === 2) };
  },
  missingSlots(args, descs) {
    const at = descs.findIndex((d) => d.kind === 'list?' && d.required);
    if (at < 0) return null;
    args[at] = null;
    return { what: `list argument ${at} (a slot the optimizer needs) null`, must: true };
  },
  // runOp's (see RUN_OP_BREAKERS)
  opTensors: runOpMalformation('opTensors'),
  opShapes: runOpMalformation('opShapes'),
  opAttrs: runOpMalformation('opAttrs'),
  opAlias: runOpMalformation('opAlias'),
};

/**
 * The i-th case of a seed: a function, its arguments, whether it must throw and what was done.
 * Deterministic in (seed, i).
 */
function makeCase(native, seed, i) {
  const r = makeRng((seed * 1000003 + i * 7919) >>> 0);
  const names = caseNames();
  const [prefix, name] = names[i % names.length];
  const spec = prefix ? CUDA_SPECS[name] : SPECS[name];
  const descs = spec(r);
  const call = descs.find((d) => d.kind === 'tensors')?.call;
  let variation = r.pick([null, null, 'shared', 'offset']);
  if (call && variation === 'shared' && !RUN_OP_SHARED) variation = 'offset'; // see RUN_OP_SHARED
  const args = descs.map((d) => valueOf(d, r, variation));
  // runOp's own malformations only where they apply (the other functions keep their mix), and
  // there three times as often as the generic ones.
  const own = Object.keys(MALFORMATIONS).filter((k) => k.startsWith('op'));
  const kinds = [...Object.keys(MALFORMATIONS).filter((k) => !k.startsWith('op')), ...(call ? [...own, ...own, ...own] : [])];
  let result = null;
  for (let tries = 0; tries < 20 && result === null; tries++) result = MALFORMATIONS[r.pick(kinds)](args, descs, r);
  if (result === null) result = { what: 'extra arguments only', must: false };
  if (args.length === descs.length && r.chance(0.2)) args.push(...Array.from({ length: r.int(1, 3) }, () => r.pick([1, 'x', null, new Float32Array(2), {}])));
  const fn = prefix ? native.cudaOps[name] : native[name];
  return { name: prefix + name, fn, args, must: result.must, op: call?.op, family: call?.family,
    what: (call ? `${call.op}: ` : '') + result.what + (variation ? `, ${variation} arrays` : '') };
}

// Every function once per round; one with a `weight` (runOp, whose calls span the op table) that many times.
let caseNameList = null;
function caseNames() {
  if (!caseNameList) {
    caseNameList = [];
    for (const [n, spec] of Object.entries(SPECS)) for (let k = 0; k < (spec.weight ?? 1); k++) caseNameList.push(['', n]);
    for (const n of Object.keys(CUDA_SPECS)) caseNameList.push(['cudaOps.', n]);
  }
  return caseNameList;
}

/** A valid call of every function (to show the builders are right: the mutations then test one thing). */
function validCalls(native, seed) {
  const r = makeRng(seed);
  const out = [];
  for (const [prefix, specs] of [['', SPECS], ['cudaOps.', CUDA_SPECS]]) {
    for (const [name, spec] of Object.entries(specs)) {
      for (const variant of spec.variants ?? [undefined]) { // runOp: every op family
        const descs = spec(r, variant);
        if (descs.some((d) => d.noValidCall)) continue;
        const variation = r.pick([null, 'shared', 'offset']);
        const call = descs.find((d) => d.kind === 'tensors')?.call;
        out.push({ name: prefix + name + (call ? ` ${call.op}` : ''), fn: prefix ? native.cudaOps[name] : native[name],
          args: descs.map((d) => valueOf(d, r, variation)) });
      }
    }
  }
  return out;
}

module.exports = { SPECS, CUDA_SPECS, OP_FAMILIES, KNOWN_CRASHES, makeCase, knownCrashCase, validCalls, makeRng };
