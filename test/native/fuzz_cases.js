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
// 'list' (an array of Float32Arrays), 'list?'.
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
};

/**
 * The i-th case of a seed: a function, its arguments, whether it must throw and what was done.
 * Deterministic in (seed, i).
 */
function makeCase(native, seed, i) {
  const r = makeRng((seed * 1000003 + i * 7919) >>> 0);
  const names = [...Object.keys(SPECS).map((n) => ['', n]), ...Object.keys(CUDA_SPECS).map((n) => ['cudaOps.', n])];
  const [prefix, name] = names[i % names.length];
  const spec = prefix ? CUDA_SPECS[name] : SPECS[name];
  const descs = spec(r);
  const variation = r.pick([null, null, 'shared', 'offset']);
  const args = descs.map((d) => valueOf(d, r, variation));
  const kinds = Object.keys(MALFORMATIONS);
  let result = null;
  for (let tries = 0; tries < 20 && result === null; tries++) result = MALFORMATIONS[r.pick(kinds)](args, descs, r);
  if (result === null) result = { what: 'extra arguments only', must: false };
  if (args.length === descs.length && r.chance(0.2)) args.push(...Array.from({ length: r.int(1, 3) }, () => r.pick([1, 'x', null, new Float32Array(2), {}])));
  const fn = prefix ? native.cudaOps[name] : native[name];
  return { name: prefix + name, fn, args, must: result.must, what: result.what + (variation ? `, ${variation} arrays` : '') };
}

/** A valid call of every function (to show the builders are right: the mutations then test one thing). */
function validCalls(native, seed) {
  const r = makeRng(seed);
  const out = [];
  for (const [prefix, specs] of [['', SPECS], ['cudaOps.', CUDA_SPECS]]) {
    for (const [name, spec] of Object.entries(specs)) {
      const descs = spec(r);
      if (descs.some((d) => d.noValidCall)) continue;
      const variation = r.pick([null, 'shared', 'offset']);
      out.push({ name: prefix + name, fn: prefix ? native.cudaOps[name] : native[name], args: descs.map((d) => valueOf(d, r, variation)) });
    }
  }
  return out;
}

module.exports = { SPECS, CUDA_SPECS, makeCase, validCalls, makeRng };
