// The tfjs-core-style ops engine (lib/ops, lib/engine, native/cpu/ops_*.cpp), checked as data:
//   1. FORWARD: one table entry per op case; every entry runs the op (as a function and, where
//      the Tensor method exists, as a method) on seeded random inputs and compares against a
//      float64 reference written below in plain JS.
//   2. GRADIENTS: one table entry per differentiable op case; every entry goes through
//      checkGrad(), which compares tn.grads against central finite differences of
//      loss = sum(f(...xs) * W) (W fixed random weights, passed as dy).
//   3. A few error cases and the gradient API (grad, valueAndGrad, variableGrads, customGrad).
// The references are self-contained (no helpers.js) so the table reads on its own; checkGrad and
// the comparisons come from test/gradcheck.js, shared with the fused-op tests.
'use strict';
const assert = require('assert');
const tn = require('..');

const { makeRng, seedOf, assertShape, assertClose, checkGrad } = require('./gradcheck');

// ---- input specs: how a table entry describes its inputs -----------------------------------
// Specs are made lazily with the entry's own RNG. `away` lists points a value must stay at least
// 0.05 from: the kinks of non-smooth ops (0 for relu/abs, integers for floor ...), so neither
// the forward comparison nor a finite difference with h = 1e-2 straddles one.

/** float32 uniform in [lo, hi), never exactly 0, kept `dist` away from each point of `away`. */
const U = (shape, lo = -1, hi = 1, away = [], dist = 0.05) => ({ kind: 'uniform', shape, lo, hi, away, dist });
/** int32 uniform integers in [lo, hi], never 0 when nonzero is set (divisors). */
const I = (shape, lo, hi, nonzero = false) => ({ kind: 'int', shape, lo, hi, nonzero });
/** Random bool. */
const B = (shape) => ({ kind: 'bool', shape });
/** Fixed values. */
const V = (values, shape, dtype = 'float32') => ({ kind: 'fixed', values, shape, dtype });
/**
 * float32 values -1 + offset + 0.2 k (k = 0 .. size-1), shuffled: no near-ties for
 * max/min/argMax. Two inputs with offsets 0 and 0.1 never come within 0.1 of each other
 * (maximum/minimum).
 */
const D = (shape, offset = 0) => ({ kind: 'distinct', shape, offset });

const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);

function makeTensor(spec, rng) {
  const n = sizeOf(spec.shape);
  if (spec.kind === 'fixed') {
    const Arr = spec.dtype === 'int32' ? Int32Array : spec.dtype === 'bool' ? Uint8Array : Float32Array;
    return new tn.Tensor(Arr.from(spec.values), spec.shape.slice(), spec.dtype);
  }
  if (spec.kind === 'bool') {
    return new tn.Tensor(Uint8Array.from({ length: n }, () => (rng() < 0.5 ? 1 : 0)), spec.shape.slice(), 'bool');
  }
  if (spec.kind === 'int') {
    const v = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      do v[i] = spec.lo + Math.floor(rng() * (spec.hi - spec.lo + 1)); while (spec.nonzero && v[i] === 0);
    }
    return new tn.Tensor(v, spec.shape.slice(), 'int32');
  }
  if (spec.kind === 'distinct') {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return new tn.Tensor(Float32Array.from(order, (k) => -1 + spec.offset + 0.2 * k), spec.shape.slice(), 'float32');
  }
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let x;
    do x = Math.fround(spec.lo + (spec.hi - spec.lo) * rng());
    while (x === 0 || spec.away.some((p) => Math.abs(x - p) < spec.dist));
    v[i] = x;
  }
  return new tn.Tensor(v, spec.shape.slice(), 'float32');
}
const makeInputs = (name, specs) => {
  const rng = makeRng(seedOf(name));
  return specs.map((s) => makeTensor(s, rng));
};

// ---- float64 references on plain {shape, data} arrays --------------------------------------

const nd = (t) => ({ shape: t.shape.slice(), data: Float64Array.from(t.values) });
function unravel(i, shape) {
  const idx = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}
const ravel = (idx, shape) => idx.reduce((acc, v, d) => acc * shape[d] + v, 0);
function broadcastShape(...shapes) {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    const dims = shapes.map((s) => s[s.length - rank + i] ?? 1);
    return dims.includes(0) ? 0 : Math.max(...dims);  // 0 broadcasts with 1 (numpy): an empty axis stays empty
  });
}
/** The element of x at output index idx of a broadcast result. */
function at(x, idx) {
  const lead = idx.length - x.shape.length;
  return x.data[ravel(x.shape.map((d, k) => (d === 1 ? 0 : idx[lead + k])), x.shape)];
}
/** Elementwise fn over broadcast inputs. */
function ew(fn, ...xs) {
  const shape = broadcastShape(...xs.map((x) => x.shape));
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    data[i] = fn(...xs.map((x) => at(x, idx)));
  }
  return { shape, data };
}
/** Output of outShape whose element at idx is x at inIdx(idx) (null: fill). Transpose, slice, tile ... */
function remap(x, outShape, inIdx, fill = 0) {
  const data = new Float64Array(sizeOf(outShape));
  for (let i = 0; i < data.length; i++) {
    const j = inIdx(unravel(i, outShape));
    data[i] = j === null ? fill : x.data[ravel(j, x.shape)];
  }
  return { shape: outShape.slice(), data };
}
const normAxes = (axis, rank) => (axis === undefined ? [...Array(rank).keys()]
  : (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q));
/** fn(values along the reduced axes, in row-major order) for each kept index. */
function reduceRef(x, axis, keepDims, fn) {
  const axes = normAxes(axis, x.shape.length);
  const full = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups = Array.from({ length: sizeOf(full) }, () => []);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape);
    groups[ravel(idx.map((v, d) => (axes.includes(d) ? 0 : v)), full)].push(x.data[i]);
  }
  const shape = keepDims ? full : x.shape.filter((_, i) => !axes.includes(i));
  return { shape, data: Float64Array.from(groups, fn) };
}
/** Applies fn to each 1-D run along axis (fn maps an array to an array of the same length). */
function alongAxis(x, axis, fn) {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const data = new Float64Array(x.data.length);
  const inner = sizeOf(x.shape.slice(a + 1)), d = x.shape[a], outer = sizeOf(x.shape.slice(0, a));
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const run = Array.from({ length: d }, (_, m) => x.data[(o * d + m) * inner + j]);
      fn(run).forEach((v, m) => (data[(o * d + m) * inner + j] = v));
    }
  }
  return { shape: x.shape.slice(), data };
}
function matMulRef(a, b, ta, tb) {
  const ra = a.shape.length, rb = b.shape.length;
  const [m, k] = ta ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, m, n];
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    const bidx = idx.slice(0, -2), r = idx[idx.length - 2], c = idx[idx.length - 1];
    let acc = 0;
    for (let p = 0; p < k; p++) {
      const ai = ta ? [p, r] : [r, p], bi = tb ? [c, p] : [p, c];
      acc += pick(a, bidx, ai) * pick(b, bidx, bi);
    }
    data[i] = acc;
  }
  return { shape, data };
}
/** x[batch..., i, j] with x's batch axes broadcast against bidx. */
function pick(x, bidx, [i, j]) {
  const xb = x.shape.slice(0, -2), lead = bidx.length - xb.length;
  const idx = [...xb.map((d, k) => (d === 1 ? 0 : bidx[lead + k])), i, j];
  return x.data[ravel(idx, x.shape)];
}
function erfRef(x) {  // Taylor series, accurate to ~1e-12 for |x| < 3 (inputs stay there)
  let term = x, sum = x;
  for (let n = 1; n < 80; n++) {
    term *= -x * x / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const sigm = (x) => 1 / (1 + Math.exp(-x));
const roundHalfEven = (x) => {
  const f = Math.floor(x), d = x - f;
  return d < 0.5 ? f : d > 0.5 ? f + 1 : (f % 2 === 0 ? f : f + 1);
};
const floorMod = (a, b) => a - b * Math.floor(a / b);
const softmaxRun = (r) => {
  const m = Math.max(...r), e = r.map((v) => Math.exp(v - m)), s = e.reduce((p, q) => p + q, 0);
  return e.map((v) => v / s);
};
const logSumExpRun = (r) => {
  const m = Math.max(...r);
  return m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0));
};
const sumRun = (r) => r.reduce((s, v) => s + v, 0);
const cumsumRun = (exclusive, reverse) => (r) => {
  const src = reverse ? r.slice().reverse() : r, out = [];
  let acc = 0;
  for (const v of src) {
    if (exclusive) { out.push(acc); acc += v; } else { acc += v; out.push(acc); }
  }
  return reverse ? out.reverse() : out;
};
function concatRef(xs, axis) {
  const shape = xs[0].shape.slice();
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    let k = 0, off = idx[axis];
    while (off >= xs[k].shape[axis]) off -= xs[k++].shape[axis];
    const j = idx.slice();
    j[axis] = off;
    data[i] = xs[k].data[ravel(j, xs[k].shape)];
  }
  return { shape, data };
}
const sliceRef = (x, begin, size) => remap(x, size, (idx) => idx.map((v, d) => v + begin[d]));
/** numpy-style x[b:e:s] per axis, with the (begin, end, stride) already resolved. */
const stridedRef = (x, starts, sizes, steps) => remap(x, sizes, (idx) => idx.map((v, d) => starts[d] + v * steps[d]));
const reshapeRef = (x, shape) => ({ shape, data: x.data });

// ---- 1. FORWARD TABLE --------------------------------------------------------------------------
// Entry: { name, op (a tn function name), inputs: [specs], args: [extra non-tensor arguments],
//   ref: (ndInputs, args) => {shape, data} in float64, dtype: expected output dtype (default the
//   first input's), call: optional (...tensors) => Tensor when the op takes no plain tensor list,
//   tol: optional {atol, rtol}, exact: true for int/bool outputs (compared with ===) }.

const unaryCases = [
  // [op, reference, input range / kinks]
  ['neg', (x) => -x, U([2, 3])],
  ['abs', Math.abs, U([2, 3])],
  ['sign', Math.sign, U([7])],
  ['square', (x) => x * x, U([2, 1, 3])],
  ['sqrt', Math.sqrt, U([2, 3], 0.01, 4)],
  ['rsqrt', (x) => 1 / Math.sqrt(x), U([2, 3], 0.01, 4)],
  ['exp', Math.exp, U([2, 3], -5, 5)],
  ['expm1', Math.expm1, U([2, 3], -1e-3, 1e-3)],   // small inputs: expm1 must not be exp(x) - 1
  ['log', Math.log, U([2, 3], 0.01, 10)],
  ['log1p', Math.log1p, U([2, 3], -1e-3, 1e-3)],   // small inputs: log1p must not be log(1 + x)
  ['reciprocal', (x) => 1 / x, U([2, 3], -3, 3, [0])],
  ['floor', Math.floor, U([2, 3], -3, 3)],
  ['ceil', Math.ceil, U([2, 3], -3, 3)],
  ['round', roundHalfEven, U([2, 3], -3, 3)],
  ['sin', Math.sin, U([2, 3], -4, 4)],
  ['cos', Math.cos, U([2, 3], -4, 4)],
  ['tan', Math.tan, U([2, 3], -1.3, 1.3)],
  ['asin', Math.asin, U([2, 3], -0.9, 0.9)],
  ['acos', Math.acos, U([2, 3], -0.9, 0.9)],
  ['atan', Math.atan, U([2, 3], -4, 4)],
  ['sinh', Math.sinh, U([2, 3], -3, 3)],
  ['cosh', Math.cosh, U([2, 3], -3, 3)],
  ['erf', erfRef, U([2, 3], -2.9, 2.9)],
  ['relu', (x) => Math.max(0, x), U([2, 3])],
  ['relu6', (x) => Math.min(Math.max(0, x), 6), U([3, 4], -8, 8)],
  ['elu', (x) => (x > 0 ? x : Math.expm1(x)), U([2, 3], -3, 3)],
  ['selu', (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x)), U([2, 3], -3, 3)],
  ['sigmoid', sigm, U([2, 3], -6, 6)],
  ['tanh', Math.tanh, U([2, 3], -3, 3)],
  ['softplus', (x) => Math.log1p(Math.exp(x)), U([2, 3], -6, 6)],
  ['softsign', (x) => x / (1 + Math.abs(x)), U([2, 3], -3, 3)],
  ['gelu', (x) => 0.5 * x * (1 + erfRef(x / Math.SQRT2)), U([2, 3], -2.9, 2.9)],
  ['swish', (x) => x * sigm(x), U([2, 3], -6, 6)],
];

const binaryCases = [
  ['add', (a, b) => a + b],
  ['sub', (a, b) => a - b],
  ['mul', (a, b) => a * b],
  ['div', (a, b) => a / b, [0.2, 2]],          // divisor range
  ['floorDiv', (a, b) => Math.floor(a / b), [0.2, 2]],
  ['mod', floorMod, [0.2, 2]],
  ['pow', (a, b) => a ** b, null, [0.1, 3]],   // base range (positive)
  ['maximum', Math.max],
  ['minimum', Math.min],
  ['squaredDifference', (a, b) => (a - b) ** 2],
  ['atan2', Math.atan2],
];
// The broadcasting shapes every binary op runs on: same shape, [2,3]+[3], [2,1,4]*[3,1],
// scalar with tensor both ways, rank 4 with size-1 axes, and an empty axis.
const binaryShapes = [[[2, 3], [2, 3]], [[2, 3], [3]], [[2, 1, 4], [3, 1]], [[], [2, 3]], [[2, 3], []],
  [[1, 2, 1, 3], [2, 1, 2, 1]], [[2, 0, 3], [3]]];

const forwardTable = [
  ...unaryCases.flatMap(([op, f, spec]) => [
    { name: op, op, inputs: [spec], ref: ([x]) => ew(f, x) },
    // rank 0 and rank 4 (odd sizes) with the same reference
    { name: `${op} rank 0`, op, inputs: [{ ...spec, shape: [] }], ref: ([x]) => ew(f, x) },
    { name: `${op} rank 4`, op, inputs: [{ ...spec, shape: [2, 1, 3, 5] }], ref: ([x]) => ew(f, x) },
  ]),
  { name: 'round half to even', op: 'round', inputs: [V([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5], [7])], ref: ([x]) => ew(roundHalfEven, x) },
  // int32 unary ops stay int32 (exact)
  { name: 'neg int32', op: 'neg', inputs: [I([5], -9, 9)], ref: ([x]) => ew((v) => -v, x), exact: true },
  { name: 'abs int32', op: 'abs', inputs: [I([5], -9, 9)], ref: ([x]) => ew(Math.abs, x), exact: true },
  { name: 'square int32', op: 'square', inputs: [I([5], -9, 9)], ref: ([x]) => ew((v) => v * v, x), exact: true },

  ...binaryCases.flatMap(([op, f, bRange, aRange]) => binaryShapes.map(([sa, sb]) => ({
    name: `${op} [${sa}] with [${sb}]`, op,
    inputs: [U(sa, ...(aRange ?? [-2, 2])), U(sb, ...(bRange ?? [-2, 2]))],
    ref: ([a, b]) => ew(f, a, b),
    // mod: a small remainder of a larger a carries a's float32 rounding (absolute, not relative)
    tol: op === 'mod' ? { atol: 1e-5, rtol: 1e-5 } : undefined,
  }))),
  // divisors of either sign for floorDiv/mod (numpy: the remainder takes the divisor's sign)
  { name: 'mod negative divisor', op: 'mod', inputs: [U([2, 3], -5, 5), V([-1.5, 2.5, -3.25], [3])], ref: ([a, b]) => ew(floorMod, a, b) },
  { name: 'floorDiv negative divisor', op: 'floorDiv', inputs: [U([2, 3], -5, 5), V([-1.5, 2.5, -3.25], [3])],
    ref: ([a, b]) => ew((p, q) => Math.floor(p / q), a, b) },
  // int32 arithmetic is exact and stays int32
  ...[['add', (a, b) => a + b], ['sub', (a, b) => a - b], ['mul', (a, b) => a * b], ['floorDiv', (a, b) => Math.floor(a / b)],
    ['mod', floorMod], ['maximum', Math.max], ['minimum', Math.min], ['div', (a, b) => Math.floor(a / b)]].map(([op, f]) => ({
    name: `${op} int32 [2,3] with [3]`, op, inputs: [I([2, 3], -20, 20), I([3], -6, 6, true)], ref: ([a, b]) => ew(f, a, b), exact: true,
  })),
  { name: 'add int32 tensor + number stays int32', op: 'add', inputs: [I([4], -5, 5)], args: [3], ref: ([a]) => ew((v) => v + 3, a), exact: true },
  { name: 'add number mixes into float32', op: 'mul', inputs: [U([4])], args: [2.5], ref: ([a]) => ew((v) => v * 2.5, a) },

  // comparisons and logic: bool outputs (inputs are small integers in float, so ties occur)
  ...[['equal', (a, b) => a === b], ['notEqual', (a, b) => a !== b], ['greater', (a, b) => a > b],
    ['greaterEqual', (a, b) => a >= b], ['less', (a, b) => a < b], ['lessEqual', (a, b) => a <= b]].flatMap(([op, f]) => [
    { name: `${op} [2,3] with [3]`, op, inputs: [V([0, 1, 2, 1, 1, 0], [2, 3]), V([1, 1, 0], [3])], ref: ([a, b]) => ew((p, q) => +f(p, q), a, b),
      dtype: 'bool', exact: true },
    { name: `${op} int32 with scalar`, op, inputs: [I([2, 4], -2, 2)], args: [0], ref: ([a]) => ew((p) => +f(p, 0), a), dtype: 'bool', exact: true },
  ]),
  ...[['logicalAnd', (a, b) => a && b], ['logicalOr', (a, b) => a || b], ['logicalXor', (a, b) => a !== b]].map(([op, f]) => ({
    name: `${op} [2,1,4] with [3,1]`, op, inputs: [B([2, 1, 4]), B([3, 1])], ref: ([a, b]) => ew((p, q) => +f(!!p, !!q), a, b), dtype: 'bool', exact: true,
  })),
  { name: 'logicalNot', op: 'logicalNot', inputs: [B([2, 3])], ref: ([a]) => ew((p) => +!p, a), dtype: 'bool', exact: true },
  { name: 'where broadcast', op: 'where', inputs: [B([2, 1, 3]), U([3]), U([4, 1])], ref: ([c, a, b]) => ew((p, q, r) => (p ? q : r), c, a, b), dtype: 'float32' },
  { name: 'where int32', op: 'where', inputs: [B([4]), I([4], -9, 9), I([4], -9, 9)], ref: ([c, a, b]) => ew((p, q, r) => (p ? q : r), c, a, b), dtype: 'int32', exact: true },
  ...[['isNaN', Number.isNaN], ['isFinite', Number.isFinite], ['isInf', (v) => v === Infinity || v === -Infinity]].map(([op, f]) => ({
    name: op, op, inputs: [V([1, NaN, Infinity, -Infinity, 0, -2.5], [2, 3])], ref: ([a]) => ew((p) => +f(p), a), dtype: 'bool', exact: true,
  })),
  { name: 'cast float32 -> int32 truncates', op: 'cast', inputs: [V([1.7, -1.7, 2.5, -0.2], [4])], args: ['int32'], ref: ([a]) => ew(Math.trunc, a), dtype: 'int32', exact: true },
  { name: 'cast float32 -> bool', op: 'cast', inputs: [V([1.7, 0, -0.2, 0], [2, 2])], args: ['bool'], ref: ([a]) => ew((v) => +(v !== 0), a), dtype: 'bool', exact: true },
  { name: 'cast bool -> float32', op: 'cast', inputs: [B([5])], args: ['float32'], ref: ([a]) => a, dtype: 'float32' },
  { name: 'clipByValue', op: 'clipByValue', inputs: [U([3, 4], -2, 2)], args: [-0.5, 0.7], ref: ([a]) => ew((v) => Math.min(Math.max(v, -0.5), 0.7), a) },
  { name: 'leakyRelu default alpha 0.2', op: 'leakyRelu', inputs: [U([2, 3])], ref: ([a]) => ew((v) => (v > 0 ? v : 0.2 * v), a) },
  { name: 'leakyRelu alpha 0.05', op: 'leakyRelu', inputs: [U([2, 3])], args: [0.05], ref: ([a]) => ew((v) => (v > 0 ? v : 0.05 * v), a) },
  { name: 'prelu broadcast alpha', op: 'prelu', inputs: [U([2, 3]), U([3], 0, 0.5)], ref: ([a, al]) => ew((v, p) => (v > 0 ? v : p * v), a, al) },
  { name: 'softmax last axis', op: 'softmax', inputs: [U([2, 5], -3, 3)], ref: ([a]) => alongAxis(a, -1, softmaxRun) },
  { name: 'softmax dim 0 of rank 3', op: 'softmax', inputs: [U([3, 2, 2], -3, 3)], args: [0], ref: ([a]) => alongAxis(a, 0, softmaxRun) },
  { name: 'softmax size-1 axis', op: 'softmax', inputs: [U([3, 1])], ref: ([a]) => alongAxis(a, -1, softmaxRun) },
  { name: 'logSoftmax last axis', op: 'logSoftmax', inputs: [U([2, 5], -3, 3)], ref: ([a]) => alongAxis(a, -1, (r) => softmaxRun(r).map(Math.log)) },
  { name: 'logSoftmax axis 1 of rank 3', op: 'logSoftmax', inputs: [U([2, 3, 2], -3, 3)], args: [1], ref: ([a]) => alongAxis(a, 1, (r) => softmaxRun(r).map(Math.log)) },
  { name: 'broadcastTo', op: 'broadcastTo', inputs: [U([3, 1])], args: [[2, 3, 4]], ref: ([a]) => ew((v) => v, a, { shape: [2, 3, 4], data: new Float64Array(24) }) },

  // reductions: axis undefined / number / negative / non-adjacent list, keepDims, rank 0, empty
  ...[['sum', sumRun], ['mean', (r) => sumRun(r) / r.length], ['prod', (r) => r.reduce((p, v) => p * v, 1)],
    ['max', (r) => Math.max(...r)], ['min', (r) => Math.min(...r)], ['logSumExp', logSumExpRun]].flatMap(([op, f]) =>
    [[undefined, false], [1, false], [-1, true], [[0, 2], false], [[0, 2], true], [[0, 1, 2], true]].map(([axis, keepDims]) => ({
      name: `${op} axis ${JSON.stringify(axis)} keepDims ${keepDims}`, op, inputs: [U([2, 3, 4])], args: [axis, keepDims],
      ref: ([a]) => reduceRef(a, axis, keepDims, f), tol: { atol: 1e-5, rtol: 1e-5 },
    })).concat([
      { name: `${op} of a rank-0 tensor`, op, inputs: [U([])], ref: ([a]) => reduceRef(a, undefined, false, f) },
      { name: `${op} rank 4, axis 3 (size 1)`, op, inputs: [U([2, 1, 3, 1])], args: [3], ref: ([a]) => reduceRef(a, 3, false, f) },
    ])),
  // empty reductions: tfjs gives the identity (sum 0, prod 1, max -inf, min +inf)
  { name: 'sum over an empty axis', op: 'sum', inputs: [V([], [2, 0, 3])], args: [1], ref: ([a]) => reduceRef(a, 1, false, sumRun) },
  { name: 'prod over an empty axis', op: 'prod', inputs: [V([], [2, 0])], args: [1], ref: ([a]) => reduceRef(a, 1, false, () => 1) },
  { name: 'max over an empty axis', op: 'max', inputs: [V([], [2, 0])], args: [1], ref: ([a]) => reduceRef(a, 1, false, () => -Infinity) },
  { name: 'sum int32 axis 0', op: 'sum', inputs: [I([3, 4], -50, 50)], args: [0], ref: ([a]) => reduceRef(a, 0, false, sumRun), exact: true },
  { name: 'sum int32 all', op: 'sum', inputs: [I([3, 4], -50, 50)], ref: ([a]) => reduceRef(a, undefined, false, sumRun), exact: true },
  { name: 'sum bool counts as int32', op: 'sum', inputs: [B([3, 4])], args: [1], ref: ([a]) => reduceRef(a, 1, false, sumRun), dtype: 'int32', exact: true },
  { name: 'max int32', op: 'max', inputs: [I([3, 4], -50, 50)], args: [1], ref: ([a]) => reduceRef(a, 1, false, (r) => Math.max(...r)), exact: true },
  ...[['argMax', (r) => r.indexOf(Math.max(...r))], ['argMin', (r) => r.indexOf(Math.min(...r))]].flatMap(([op, f]) => [0, 1, -1].map((axis) => ({
    name: `${op} axis ${axis}`, op, inputs: [D([3, 4, 2])], args: [axis], ref: ([a]) => reduceRef(a, axis, false, f), dtype: 'int32', exact: true,
  }))),
  { name: 'argMax default axis 0', op: 'argMax', inputs: [D([4, 3])], ref: ([a]) => reduceRef(a, 0, false, (r) => r.indexOf(Math.max(...r))), dtype: 'int32', exact: true },
  { name: 'argMax first of ties', op: 'argMax', inputs: [V([1, 3, 3, 0], [4])], ref: () => ({ shape: [], data: [1] }), dtype: 'int32', exact: true },
  ...[['any', (r) => +r.some((v) => v)], ['all', (r) => +r.every((v) => v)]].flatMap(([op, f]) => [[undefined, false], [1, false], [[0, 2], true]].map(([axis, keepDims]) => ({
    name: `${op} axis ${JSON.stringify(axis)} keepDims ${keepDims}`, op, inputs: [B([2, 3, 2])], args: [axis, keepDims],
    ref: ([a]) => reduceRef(a, axis, keepDims, f), dtype: 'bool', exact: true,
  }))),
  { name: 'moments mean axis [0,2]', op: 'moments', call: (x) => tn.moments(x, [0, 2]).mean, inputs: [U([2, 3, 4])], ref: ([a]) => reduceRef(a, [0, 2], false, (r) => sumRun(r) / r.length) },
  { name: 'moments variance axis 1 keepDims', op: 'moments', call: (x) => tn.moments(x, 1, true).variance, inputs: [U([2, 3, 4])],
    ref: ([a]) => reduceRef(a, 1, true, (r) => { const m = sumRun(r) / r.length; return sumRun(r.map((v) => (v - m) ** 2)) / r.length; }) },
  { name: 'norm euclidean all', op: 'norm', inputs: [U([3, 4])], ref: ([a]) => reduceRef(a, undefined, false, (r) => Math.sqrt(sumRun(r.map((v) => v * v)))) },
  { name: 'norm 1 axis 1', op: 'norm', inputs: [U([3, 4])], args: [1, 1], ref: ([a]) => reduceRef(a, 1, false, (r) => sumRun(r.map(Math.abs))) },
  { name: 'norm Infinity axis 0 keepDims', op: 'norm', inputs: [U([3, 4])], args: [Infinity, 0, true], ref: ([a]) => reduceRef(a, 0, true, (r) => Math.max(...r.map(Math.abs))) },
  { name: 'norm 2 axis -1', op: 'norm', inputs: [U([3, 4])], args: [2, -1], ref: ([a]) => reduceRef(a, -1, false, (r) => Math.sqrt(sumRun(r.map((v) => v * v)))) },
  ...[[0, false, false], [1, false, false], [1, true, false], [1, false, true], [-1, true, true]].map(([axis, ex, rev]) => ({
    name: `cumsum axis ${axis} exclusive ${ex} reverse ${rev}`, op: 'cumsum', inputs: [U([2, 4, 3])], args: [axis, ex, rev],
    ref: ([a]) => alongAxis(a, axis, cumsumRun(ex, rev)), tol: { atol: 1e-5, rtol: 1e-5 },
  })),
  { name: 'cumsum int32', op: 'cumsum', inputs: [I([5], -9, 9)], ref: ([a]) => alongAxis(a, 0, cumsumRun(false, false)), exact: true },

  // matMul: all transpose combinations, batch broadcasting, a size-1 inner dimension
  ...[[false, false], [true, false], [false, true], [true, true]].flatMap(([ta, tb]) => [
    { name: `matMul 2-D ta ${ta} tb ${tb}`, op: 'matMul', inputs: [U(ta ? [4, 3] : [3, 4]), U(tb ? [5, 4] : [4, 5])], args: [ta, tb],
      ref: ([a, b]) => matMulRef(a, b, ta, tb), tol: { atol: 1e-5, rtol: 1e-5 } },
    { name: `matMul batch [2,1,..] x [3,..] ta ${ta} tb ${tb}`, op: 'matMul', inputs: [U(ta ? [2, 1, 4, 3] : [2, 1, 3, 4]), U(tb ? [3, 5, 4] : [3, 4, 5])],
      args: [ta, tb], ref: ([a, b]) => matMulRef(a, b, ta, tb), tol: { atol: 1e-5, rtol: 1e-5 } },
  ]),
  { name: 'matMul inner dim 1', op: 'matMul', inputs: [U([3, 1]), U([1, 2])], ref: ([a, b]) => matMulRef(a, b, false, false) },
  { name: 'matMul larger (blocked kernel path)', op: 'matMul', inputs: [U([37, 70]), U([70, 45])], ref: ([a, b]) => matMulRef(a, b, false, false), tol: { atol: 1e-4, rtol: 1e-4 } },
  { name: 'dot vector . vector', op: 'dot', inputs: [U([5]), U([5])], ref: ([a, b]) => reshapeRef(matMulRef(reshapeRef(a, [1, 5]), reshapeRef(b, [5, 1]), false, false), []) },
  { name: 'dot matrix . vector', op: 'dot', inputs: [U([3, 5]), U([5])], ref: ([a, b]) => reshapeRef(matMulRef(a, reshapeRef(b, [5, 1]), false, false), [3]) },
  { name: 'dot vector . matrix', op: 'dot', inputs: [U([3]), U([3, 2])], ref: ([a, b]) => reshapeRef(matMulRef(reshapeRef(a, [1, 3]), b, false, false), [2]) },
  { name: 'dot matrix . matrix', op: 'dot', inputs: [U([2, 3]), U([3, 2])], ref: ([a, b]) => matMulRef(a, b, false, false) },
  { name: 'outerProduct', op: 'outerProduct', inputs: [U([3]), U([4])], ref: ([a, b]) => ew((p, q) => p * q, reshapeRef(a, [3, 1]), b) },

  // shapes and data movement
  { name: 'transpose default (reverse axes)', op: 'transpose', inputs: [U([2, 3, 4])], ref: ([a]) => remap(a, [4, 3, 2], (i) => i.slice().reverse()) },
  { name: 'transpose perm [1,0,2]', op: 'transpose', inputs: [U([2, 3, 4])], args: [[1, 0, 2]], ref: ([a]) => remap(a, [3, 2, 4], ([i, j, k]) => [j, i, k]) },
  { name: 'transpose rank 4 perm [0,3,1,2]', op: 'transpose', inputs: [U([2, 3, 1, 4])], args: [[0, 3, 1, 2]], ref: ([a]) => remap(a, [2, 4, 3, 1], ([i, l, j, k]) => [i, j, k, l]) },
  { name: 'transpose int32', op: 'transpose', inputs: [I([2, 3], -9, 9)], ref: ([a]) => remap(a, [3, 2], ([i, j]) => [j, i]), exact: true },
  { name: 'reshape with -1', op: 'reshape', inputs: [U([2, 3, 4])], args: [[4, -1]], ref: ([a]) => reshapeRef(a, [4, 6]) },
  { name: 'expandDims axis -1', op: 'expandDims', inputs: [U([2, 3])], args: [-1], ref: ([a]) => reshapeRef(a, [2, 3, 1]) },
  { name: 'expandDims of a scalar', op: 'expandDims', inputs: [U([])], ref: ([a]) => reshapeRef(a, [1]) },
  { name: 'squeeze all', op: 'squeeze', inputs: [U([1, 3, 1, 2])], ref: ([a]) => reshapeRef(a, [3, 2]) },
  { name: 'squeeze listed axis', op: 'squeeze', inputs: [U([1, 3, 1, 2])], args: [[2]], ref: ([a]) => reshapeRef(a, [1, 3, 2]) },
  { name: 'flatten', op: 'flatten', inputs: [U([2, 3, 2])], ref: ([a]) => reshapeRef(a, [12]) },
  { name: 'clone', op: 'clone', inputs: [U([2, 3])], ref: ([a]) => a },
  { name: 'concat axis 1', op: 'concat', call: (a, b, c) => tn.concat([a, b, c], 1), inputs: [U([2, 1, 3]), U([2, 4, 3]), U([2, 2, 3])],
    ref: (xs) => concatRef(xs, 1) },
  { name: 'concat axis -1 with an empty part', op: 'concat', call: (a, b) => tn.concat([a, b], -1), inputs: [U([2, 3]), V([], [2, 0])], ref: (xs) => concatRef(xs, 1) },
  { name: 'concat method', op: 'concat', call: (a, b) => a.concat(b, 0), inputs: [U([1, 3]), U([2, 3])], ref: (xs) => concatRef(xs, 0) },
  { name: 'concat int32 axis 0', op: 'concat', call: (a, b) => tn.concat([a, b]), inputs: [I([2, 2], -9, 9), I([1, 2], -9, 9)], ref: (xs) => concatRef(xs, 0), exact: true },
  { name: 'stack axis 1', op: 'stack', call: (a, b) => tn.stack([a, b], 1), inputs: [U([2, 3]), U([2, 3])],
    ref: (xs) => concatRef(xs.map((x) => reshapeRef(x, [2, 1, 3])), 1) },
  { name: 'stack scalars', op: 'stack', call: (a, b, c) => tn.stack([a, b, c]), inputs: [U([]), U([]), U([])], ref: (xs) => concatRef(xs.map((x) => reshapeRef(x, [1])), 0) },
  ...[0, 1, 2].map((k) => ({ name: `unstack axis 1 part ${k}`, op: 'unstack', call: (a) => tn.unstack(a, 1)[k], inputs: [U([2, 3, 2])],
    ref: ([a]) => reshapeRef(sliceRef(a, [0, k, 0], [2, 1, 2]), [2, 2]) })),
  ...[0, 1].map((k) => ({ name: `split in 2 along axis 1 part ${k}`, op: 'split', call: (a) => tn.split(a, 2, 1)[k], inputs: [U([2, 4])],
    ref: ([a]) => sliceRef(a, [0, 2 * k], [2, 2]) })),
  ...[[0, 0, 1], [1, 1, 3], [2, 4, 1]].map(([k, b, s]) => ({ name: `split sizes [1,-1,1] part ${k}`, op: 'split', call: (a) => tn.split(a, [1, -1, 1], 0)[k],
    inputs: [U([5, 2])], ref: ([a]) => sliceRef(a, [b, 0], [s, 2]) })),
  { name: 'slice begin/size with -1', op: 'slice', inputs: [U([3, 4, 2])], args: [[1, 1, 0], [2, -1, 1]], ref: ([a]) => sliceRef(a, [1, 1, 0], [2, 3, 1]) },
  { name: 'slice number begin', op: 'slice', inputs: [U([4, 3])], args: [2], ref: ([a]) => sliceRef(a, [2, 0], [2, 3]) },
  { name: 'slice to an empty result', op: 'slice', inputs: [U([4, 3])], args: [[1, 0], [0, 3]], ref: ([a]) => sliceRef(a, [1, 0], [0, 3]) },
  { name: 'stridedSlice stride 2', op: 'stridedSlice', inputs: [U([5, 4])], args: [[0, 1], [5, 4], [2, 1]], ref: ([a]) => stridedRef(a, [0, 1], [3, 3], [2, 1]) },
  { name: 'stridedSlice negative stride', op: 'stridedSlice', inputs: [U([5, 4])], args: [[4, 3], [0, 0], [-2, -1]], ref: ([a]) => stridedRef(a, [4, 3], [2, 3], [-2, -1]) },
  { name: 'stridedSlice negative indices, masks', op: 'stridedSlice', inputs: [U([5, 4])], args: [[-2, 0], [0, -1], [-1, 1], 0, 1],
    // endMask bit 0: axis 0 runs from -2 (= 3) to the start; axis 1 from 0 to -1 (= 3)
    ref: ([a]) => stridedRef(a, [3, 0], [4, 3], [-1, 1]) },
  { name: 'stridedSlice shrinkAxisMask', op: 'stridedSlice', inputs: [U([5, 4])], args: [[2, 0], [3, 4], [1, 1], 0, 0, 0, 0, 1],
    ref: ([a]) => reshapeRef(stridedRef(a, [2, 0], [1, 4], [1, 1]), [4]) },
  { name: 'gather axis 0 with repeats', op: 'gather', inputs: [U([4, 3]), V([3, 0, 3], [3], 'int32')], ref: ([a, i]) => remap(a, [3, 3], ([p, q]) => [i.data[p], q]) },
  { name: 'gather axis 1 with 2-D indices', op: 'gather', inputs: [U([2, 4, 3]), V([1, 0, 3, 3], [2, 2], 'int32')], args: [1],
    ref: ([a, i]) => remap(a, [2, 2, 2, 3], ([p, r, s, q]) => [p, i.data[r * 2 + s], q]) },
  { name: 'gather from array indices', op: 'gather', call: (a) => tn.gather(a, [2, 1]), inputs: [U([3, 2])], ref: ([a]) => remap(a, [2, 2], ([p, q]) => [2 - p, q]) },
  { name: 'gatherND', op: 'gatherND', inputs: [U([3, 4, 2]), V([2, 1, 0, 3], [2, 2], 'int32')], ref: ([a]) => remap(a, [2, 2], ([p, q]) => (p === 0 ? [2, 1, q] : [0, 3, q])) },
  { name: 'gatherND full index', op: 'gatherND', inputs: [U([3, 4]), V([2, 1, 0, 3, 1, 1], [3, 2], 'int32')], ref: ([a]) => ({ shape: [3], data: [a.data[9], a.data[3], a.data[5]] }) },
  { name: 'tile', op: 'tile', inputs: [U([2, 1, 3])], args: [[2, 3, 1]], ref: ([a]) => remap(a, [4, 3, 3], ([p, q, r]) => [p % 2, q % 1, r]) },
  { name: 'tile int32', op: 'tile', inputs: [I([2], -9, 9)], args: [[3]], ref: ([a]) => remap(a, [6], ([p]) => [p % 2]), exact: true },
  { name: 'pad', op: 'pad', inputs: [U([2, 3])], args: [[[1, 0], [2, 1]]],
    ref: ([a]) => remap(a, [3, 6], ([p, q]) => (p >= 1 && q >= 2 && q < 5 ? [p - 1, q - 2] : null)) },
  { name: 'pad constant value, rank 3', op: 'pad', inputs: [U([1, 2, 2])], args: [[[0, 1], [1, 1], [0, 0]], 7],
    ref: ([a]) => remap(a, [2, 4, 2], ([p, q, r]) => (p < 1 && q >= 1 && q < 3 ? [p, q - 1, r] : null), 7) },
  { name: 'reverse axis 1', op: 'reverse', inputs: [U([2, 3, 2])], args: [1], ref: ([a]) => remap(a, [2, 3, 2], ([p, q, r]) => [p, 2 - q, r]) },
  { name: 'reverse all axes', op: 'reverse', inputs: [U([2, 3])], ref: ([a]) => remap(a, [2, 3], ([p, q]) => [1 - p, 2 - q]) },
  { name: 'reverse axes [0,2]', op: 'reverse', inputs: [U([2, 3, 2])], args: [[0, 2]], ref: ([a]) => remap(a, [2, 3, 2], ([p, q, r]) => [1 - p, q, 1 - r]) },

  // out-of-range begin/end clamp (tfjs), both directions
  { name: 'stridedSlice clamps begin/end', op: 'stridedSlice', inputs: [U([5])], args: [[-10], [10], [1]], ref: ([a]) => a },
  { name: 'stridedSlice clamps, reversed', op: 'stridedSlice', inputs: [U([5])], args: [[10], [-10], [-1]], ref: ([a]) => remap(a, [5], ([p]) => [4 - p]) },

  // numerically hard inputs: the kernels must be stable (no inf/NaN where the value is finite)
  ...[['sigmoid', sigm], ['softplus', (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))], ['tanh', Math.tanh],
    ['swish', (x) => x * sigm(x)], ['elu', (x) => (x > 0 ? x : Math.expm1(x))], ['softsign', (x) => x / (1 + Math.abs(x))]].map(([op, f]) => ({
    name: `${op} at extreme inputs`, op, inputs: [V([-100, -20, -1e-4, 1e-4, 20, 100], [6])], ref: ([a]) => ew(f, a),
    tol: { atol: 1e-30, rtol: 1e-5 },  // tiny results (sigmoid(-100) ~ 4e-44) must be right too, relatively
  })),
  { name: 'softmax of large logits', op: 'softmax', inputs: [V([1000, 1001, 999, -1000, 0, 1000], [2, 3])], ref: ([a]) => alongAxis(a, -1, softmaxRun) },
  { name: 'logSoftmax of large logits', op: 'logSoftmax', inputs: [V([1000, 1001, 999, -1000, 0, 1000], [2, 3])], ref: ([a]) => alongAxis(a, -1, (r) => { const l = logSumExpRun(r); return r.map((v) => v - l); }) },
  { name: 'logSumExp of large values and an all -inf row', op: 'logSumExp', inputs: [V([1000, 1001, 999, -Infinity, -Infinity, -Infinity], [2, 3])], args: [1],
    ref: () => ({ shape: [2], data: [logSumExpRun([1000, 1001, 999]), -Infinity] }) },
  { name: 'NaN propagates through maximum/minimum-based ops', op: 'maximum', inputs: [V([NaN, 1, 2], [3]), V([1, NaN, 1], [3])], ref: () => ({ shape: [3], data: [NaN, NaN, 2] }) },
  { name: 'pow int32 stays int32', op: 'pow', inputs: [V([2, 3, -2, 5], [4], 'int32'), V([3, 2, 3, 0], [4], 'int32')], ref: () => ({ shape: [4], data: [8, 9, -8, 1] }), exact: true },
  { name: 'mean of int32 is float32', op: 'mean', inputs: [V([1, 2, 4, 4], [2, 2], 'int32')], args: [1], ref: () => ({ shape: [2], data: [1.5, 4] }), dtype: 'float32' },
  { name: 'prod int32', op: 'prod', inputs: [I([3, 4], -3, 3)], args: [1], ref: ([a]) => reduceRef(a, 1, false, (r) => r.reduce((p, v) => p * v, 1)), exact: true },

  // rank 5/6 and sizes past the kernels' parallel threshold (1 << 15 elements) and blocking
  { name: 'add rank 6 broadcast', op: 'add', inputs: [U([2, 1, 3, 1, 2, 1]), U([1, 2, 1, 2, 1, 3])], ref: ([a, b]) => ew((p, q) => p + q, a, b) },
  { name: 'transpose rank 5', op: 'transpose', inputs: [U([2, 3, 1, 2, 2])], args: [[4, 2, 0, 3, 1]], ref: ([a]) => remap(a, [2, 1, 2, 2, 3], ([e, c, p, d, b]) => [p, b, c, d, e]) },
  { name: 'mul [300,129] by [129] (parallel broadcast)', op: 'mul', inputs: [U([300, 129]), U([129])], ref: ([a, b]) => ew((p, q) => p * q, a, b) },
  { name: 'mul [129] by [300,129] (scalar-row broadcast first)', op: 'mul', inputs: [U([129]), U([300, 129])], ref: ([a, b]) => ew((p, q) => p * q, a, b) },
  { name: 'where [300,1] cond with [129] and [300,129]', op: 'where', inputs: [B([300, 1]), U([129]), U([300, 129])], ref: ([c, a, b]) => ew((p, q, r) => (p ? q : r), c, a, b), dtype: 'float32' },
  { name: 'exp of 40000 elements (parallel unary)', op: 'exp', inputs: [U([40000])], ref: ([a]) => ew(Math.exp, a) },
  { name: 'sum axis 0 of [300,129]', op: 'sum', inputs: [U([300, 129])], args: [0], ref: ([a]) => reduceRef(a, 0, false, sumRun), tol: { atol: 1e-4, rtol: 1e-4 } },
  { name: 'sum axis 1 of [300,129]', op: 'sum', inputs: [U([300, 129])], args: [1], ref: ([a]) => reduceRef(a, 1, false, sumRun), tol: { atol: 1e-4, rtol: 1e-4 } },
  { name: 'sum all of 40000', op: 'sum', inputs: [U([40000])], ref: ([a]) => reduceRef(a, undefined, false, sumRun), tol: { atol: 1e-3, rtol: 1e-4 } },
  { name: 'max axis [0,2] of [40,30,40]', op: 'max', inputs: [U([40, 30, 40])], args: [[0, 2]], ref: ([a]) => reduceRef(a, [0, 2], false, (r) => Math.max(...r)) },
  { name: 'argMax axis 0 of [300,129]', op: 'argMax', inputs: [D([300, 129])], ref: ([a]) => reduceRef(a, 0, false, (r) => r.indexOf(Math.max(...r))), dtype: 'int32', exact: true },
  { name: 'transpose [130,300]', op: 'transpose', inputs: [U([130, 300])], ref: ([a]) => remap(a, [300, 130], ([i, j]) => [j, i]) },
  { name: 'softmax rows of [300,129]', op: 'softmax', inputs: [U([300, 129], -3, 3)], ref: ([a]) => alongAxis(a, -1, softmaxRun) },
  { name: 'cumsum axis 0 of [300,129]', op: 'cumsum', inputs: [U([300, 129])], ref: ([a]) => alongAxis(a, 0, cumsumRun(false, false)), tol: { atol: 1e-4, rtol: 1e-4 } },
  { name: 'matMul batch [3,64,200] x [200,48] tb', op: 'matMul', inputs: [U([3, 64, 200]), U([48, 200])], args: [false, true],
    ref: ([a, b]) => matMulRef(a, b, false, true), tol: { atol: 1e-4, rtol: 1e-4 } },
  { name: 'gather 300 rows of [400,129]', op: 'gather', call: (a) => tn.gather(a, tn.tensor(Array.from({ length: 300 }, (_, i) => (i * 7) % 400), [300], 'int32')),
    inputs: [U([400, 129])], ref: ([a]) => remap(a, [300, 129], ([p, q]) => [(p * 7) % 400, q]) },

  // creation
  { name: 'zerosLike', op: 'zerosLike', inputs: [I([2, 3], -9, 9)], ref: ([a]) => ({ shape: a.shape, data: new Float64Array(6) }), exact: true },
  { name: 'onesLike', op: 'onesLike', inputs: [U([2, 3])], ref: ([a]) => ({ shape: a.shape, data: new Float64Array(6).fill(1) }) },
  { name: 'range', op: 'range', call: () => tn.range(1, 2.1, 0.3), inputs: [], ref: () => ({ shape: [4], data: [1, 1.3, 1.6, 1.9] }), dtype: 'float32' },
  { name: 'range negative step int32', op: 'range', call: () => tn.range(5, 0, -2, 'int32'), inputs: [], ref: () => ({ shape: [3], data: [5, 3, 1] }), dtype: 'int32', exact: true },
  { name: 'linspace', op: 'linspace', call: () => tn.linspace(-1, 1, 5), inputs: [], ref: () => ({ shape: [5], data: [-1, -0.5, 0, 0.5, 1] }), dtype: 'float32' },
  { name: 'eye 2x3 batch [2]', op: 'eye', call: () => tn.eye(2, 3, [2]), inputs: [], dtype: 'float32',
    ref: () => ({ shape: [2, 2, 3], data: [1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0] }) },
];

// Ops whose Tensor method is not tfjs' (or does not exist): only the function is called.
const noMethod = new Set(['where', 'moments', 'outerProduct', 'zerosLike', 'onesLike', 'range', 'linspace', 'eye']);

describe('engine ops: forward values against float64 references', () => {
  for (const e of forwardTable) {
    it(e.name, () => {
      const xs = makeInputs(e.name, e.inputs);
      const args = e.args ?? [];
      const want = e.ref(xs.map(nd), args);
      const results = [['function', e.call ? e.call(...xs) : tn[e.op](...xs, ...args)]];
      // The chainable method must agree with the function (the same op, tensor first).
      if (!e.call && !noMethod.has(e.op) && xs.length > 0) results.push(['method', xs[0][e.op](...xs.slice(1), ...args)]);
      const dtype = e.dtype ?? xs[0].dtype;
      for (const [how, y] of results) {
        const what = `${e.name} (${how})`;
        assert.strictEqual(y.dtype, dtype, `${what}: dtype ${y.dtype}, expected ${dtype}`);
        assertShape(y.shape, want.shape, what);
        // (+ 0 turns a reference -0 into 0: int32 has no -0)
        if (e.exact) assert.deepStrictEqual(Array.from(y.values, (v) => v + 0), Array.from(want.data, (v) => v + 0), `${what}: values`);
        else assertClose(y.values, want.data, { ...e.tol, what });
      }
      // The op must not write into its inputs.
      const again = makeInputs(e.name, e.inputs);
      xs.forEach((x, i) => assert.deepStrictEqual(Array.from(x.values), Array.from(again[i].values), `${e.name}: input ${i} was modified`));
    });
  }
});

// ---- 2. GRADIENT TABLE -------------------------------------------------------------------------

// checkGrad (test/gradcheck.js) compares tn.grads against central finite differences.

// Entry: { name, f: (...tensors) => Tensor, inputs: [specs], tol?, h? }. Kinks are kept away
// from by the specs (see U's `away`, D's spacing).
const kinks = {
  abs: [0], sign: [0], relu: [0], relu6: [0, 6], elu: [0], selu: [0],
  floor: [-3, -2, -1, 0, 1, 2, 3], ceil: [-3, -2, -1, 0, 1, 2, 3], round: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5],
};
// Ranges where a finite difference with h = 1e-2 is accurate (the forward ranges of expm1/log1p
// are tiny on purpose; near 0, sqrt/rsqrt/log/reciprocal have huge third derivatives).
const gradRanges = { sqrt: [0.3, 4], rsqrt: [0.3, 4], log: [0.3, 10], expm1: [-0.5, 0.5], log1p: [-0.5, 0.5] };
const unaryGradCases = unaryCases.map(([op, , spec]) => {
  const [lo, hi] = gradRanges[op] ?? [spec.lo, spec.hi];
  // sign/floor/ceil/round have a zero gradient: checked too, away from their jumps
  const input = op === 'reciprocal' ? U([2, 3], -2, 2, [0], 0.3) : U([2, 3], lo, hi, kinks[op] ?? []);
  return { name: op, f: (x) => tn[op](x), inputs: [input] };
});

const gradTable = [
  ...unaryGradCases,
  { name: 'leakyRelu', f: (x) => tn.leakyRelu(x, 0.1), inputs: [U([2, 3], -1, 1, [0])] },
  { name: 'prelu (alpha broadcast)', f: (x, a) => tn.prelu(x, a), inputs: [U([2, 3], -1, 1, [0]), U([3], 0.1, 0.5)] },
  { name: 'clipByValue', f: (x) => tn.clipByValue(x, -0.4, 0.6), inputs: [U([3, 4], -1, 1, [-0.4, 0.6])] },
  { name: 'cast float32 -> float32', f: (x) => tn.cast(x, 'float32'), inputs: [U([3])] },
  { name: 'softmax', f: (x) => tn.softmax(x), inputs: [U([2, 4], -2, 2)] },
  { name: 'softmax dim 0', f: (x) => tn.softmax(x, 0), inputs: [U([3, 2], -2, 2)] },
  { name: 'logSoftmax', f: (x) => tn.logSoftmax(x), inputs: [U([2, 4], -2, 2)] },
  { name: 'logSoftmax axis 0 of rank 3', f: (x) => tn.logSoftmax(x, 0), inputs: [U([3, 2, 2], -2, 2)] },

  // binary ops, each on the same shapes and on broadcast shapes (gradient summed to each input's shape)
  ...binaryCases.filter(([op]) => op !== 'floorDiv').flatMap(([op, , bRange, aRange]) =>
    [[[2, 3], [2, 3]], [[2, 3], [3]], [[2, 1, 4], [3, 1]], [[], [2, 3]], [[2, 3], [1, 1]]].map(([sa, sb]) => ({
      name: `${op} [${sa}] with [${sb}]`, f: (a, b) => tn[op](a, b),
      inputs: op === 'maximum' || op === 'minimum' ? [D(sa), D(sb, 0.1)]      // never within 0.1: no ties
        : op === 'mod' ? [U(sa, 0.1, 0.9), U(sb, 1.2, 2)]                     // a / b in (0, 1): floor constant
          : op === 'atan2' ? [U(sa, -2, 2, [0], 0.3), U(sb, -2, 2, [0], 0.3)] // away from the origin and the branch cut
            : op === 'pow' ? [U(sa, 0.5, 2.5), U(sb, -2, 2)]                  // positive base, not too small
              : [U(sa, ...(aRange ?? [-2, 2])), U(sb, ...(bRange ?? [-2, 2]))],
    }))),
  { name: 'floorDiv (zero gradient)', f: (a, b) => tn.floorDiv(a, b), inputs: [U([4], 0.1, 0.9), U([4], 1.2, 2)] },
  { name: 'mod a > b', f: (a, b) => tn.mod(a, b), inputs: [V([2.5, -2.5, 3.3, 5.1], [4]), V([1.2, 1.2, -1.4, 2.1], [4])] },
  { name: 'pow negative base, integer exponent (d/d base only)', f: (a) => tn.pow(a, 3), inputs: [U([4], -2, 2)] },
  { name: 'where broadcast', f: (a, b, c) => tn.where(c, a, b), inputs: [U([3]), U([2, 1]), V([1, 0, 1, 0, 0, 1], [2, 3], 'bool')] },
  { name: 'broadcastTo', f: (x) => tn.broadcastTo(x, [2, 3, 4]), inputs: [U([3, 1])] },

  // reductions over various axes, with and without keepDims
  ...['sum', 'mean', 'prod', 'max', 'min', 'logSumExp'].flatMap((op) =>
    [[undefined, false], [0, false], [-1, true], [[0, 2], false], [[0, 2], true], [1, true]].map(([axis, keepDims]) => ({
      name: `${op} axis ${JSON.stringify(axis)} keepDims ${keepDims}`, f: (x) => tn[op](x, axis, keepDims),
      inputs: [op === 'max' || op === 'min' ? D([2, 3, 2]) : U([2, 3, 2], 0.5, 1.5)],
    }))),
  { name: 'prod with an exact 0', f: (x) => tn.prod(x, 1), inputs: [V([2, 0, 3, -1, 0.5, 1.5, 0, 0, 2], [3, 3])] },
  { name: 'prod all with an exact 0', f: (x) => tn.prod(x), inputs: [V([1.5, 0, -2, 0.7], [4])] },
  { name: 'sum of a rank-0 tensor', f: (x) => tn.sum(x), inputs: [U([])] },
  { name: 'moments variance', f: (x) => tn.moments(x, 1).variance, inputs: [U([3, 4])] },
  { name: 'moments mean keepDims', f: (x) => tn.moments(x, [0, 1], true).mean, inputs: [U([3, 4])] },
  { name: 'norm euclidean', f: (x) => tn.norm(x), inputs: [U([3, 4])] },
  { name: 'norm 1 axis 1', f: (x) => tn.norm(x, 1, 1), inputs: [U([3, 4], -1, 1, [0])] },
  { name: 'norm Infinity axis 0', f: (x) => tn.norm(x, Infinity, 0), inputs: [D([3, 4], 1.1)] },  // all positive: no |x| ties
  ...[[0, false, false], [1, true, false], [1, false, true], [-1, true, true]].map(([axis, ex, rev]) => ({
    name: `cumsum axis ${axis} exclusive ${ex} reverse ${rev}`, f: (x) => tn.cumsum(x, axis, ex, rev), inputs: [U([2, 4])],
  })),

  // matMul: all four transpose combinations, 2-D and with a broadcast batch
  ...[[false, false], [true, false], [false, true], [true, true]].flatMap(([ta, tb]) => [
    { name: `matMul ta ${ta} tb ${tb}`, f: (a, b) => tn.matMul(a, b, ta, tb), inputs: [U(ta ? [4, 3] : [3, 4]), U(tb ? [2, 4] : [4, 2])] },
    { name: `matMul batch [2,1,..] x [3,..] ta ${ta} tb ${tb}`, f: (a, b) => tn.matMul(a, b, ta, tb),
      inputs: [U(ta ? [2, 1, 3, 2] : [2, 1, 2, 3]), U(tb ? [3, 2, 3] : [3, 3, 2])] },
  ]),
  { name: 'matMul rank 3 x rank 2', f: (a, b) => tn.matMul(a, b), inputs: [U([2, 2, 3]), U([3, 2])] },
  { name: 'dot vector . matrix', f: (a, b) => tn.dot(a, b), inputs: [U([3]), U([3, 2])] },
  { name: 'outerProduct', f: (a, b) => tn.outerProduct(a, b), inputs: [U([3]), U([2])] },

  // shape and data movement
  { name: 'transpose perm [2,0,1]', f: (x) => tn.transpose(x, [2, 0, 1]), inputs: [U([2, 3, 2])] },
  { name: 'transpose default', f: (x) => tn.transpose(x), inputs: [U([2, 3])] },
  { name: 'reshape', f: (x) => tn.reshape(x, [3, -1]).mul(tn.range(0, 6).reshape([3, 2])), inputs: [U([2, 3])] },
  { name: 'expandDims + squeeze', f: (x) => tn.squeeze(tn.expandDims(x, 1)).mul(x), inputs: [U([3])] },
  { name: 'slice', f: (x) => tn.slice(x, [1, 0], [2, -1]), inputs: [U([4, 3])] },
  { name: 'stridedSlice stride 2', f: (x) => tn.stridedSlice(x, [0, 1], [5, 4], [2, 2]), inputs: [U([5, 4])] },
  { name: 'stridedSlice negative stride', f: (x) => tn.stridedSlice(x, [4, 3], [0, 0], [-2, -1]), inputs: [U([5, 4])] },
  { name: 'stridedSlice shrinkAxisMask', f: (x) => tn.stridedSlice(x, [1, 0], [2, 4], [1, 1], 0, 0, 0, 0, 1), inputs: [U([3, 4])] },
  { name: 'concat axis 1 (three inputs)', f: (a, b, c) => tn.concat([a, b, c], 1), inputs: [U([2, 1]), U([2, 3]), U([2, 2])] },
  { name: 'concat the same tensor twice (accumulation)', f: (a) => tn.concat([a, a], 0), inputs: [U([2, 2])] },
  { name: 'stack axis 1', f: (a, b) => tn.stack([a, b], 1), inputs: [U([2, 3]), U([2, 3])] },
  { name: 'unstack part 1', f: (x) => tn.unstack(x, 1)[1], inputs: [U([2, 3])] },
  { name: 'split sizes [1,-1] (both parts used)', f: (x) => { const [p, q] = tn.split(x, [1, -1], 1); return tn.concat([q, p.mul(3)], 1); }, inputs: [U([2, 4])] },
  { name: 'gather axis 0 with repeated indices', f: (x, i) => tn.gather(x, i), inputs: [U([4, 2]), V([3, 1, 3, 3], [4], 'int32')] },
  { name: 'gather axis 1, 2-D indices', f: (x, i) => tn.gather(x, i, 1), inputs: [U([2, 3, 2]), V([2, 0, 2, 1], [2, 2], 'int32')] },
  { name: 'tile', f: (x) => tn.tile(x, [2, 1, 3]), inputs: [U([2, 2, 1])] },
  { name: 'pad', f: (x) => tn.pad(x, [[1, 2], [0, 1]], 5), inputs: [U([2, 3])] },
  { name: 'reverse axis 1', f: (x) => tn.reverse(x, 1), inputs: [U([2, 3, 2])] },
  { name: 'reverse all', f: (x) => tn.reverse(x), inputs: [U([2, 3])] },
  { name: 'clone', f: (x) => tn.clone(x), inputs: [U([3])] },
  // composite: fan-out through several ops (Note [Gradient accumulation] in lib/engine/tape.ts)
  { name: 'composite fan-out', f: (x, w) => tn.tanh(tn.matMul(x, w)).add(x.sum(1, true)).mul(tn.sigmoid(x.mean())), inputs: [U([3, 2]), U([2, 2])] },
];

describe('engine ops: gradients against central finite differences', () => {
  it('checkGrad itself catches a wrong gradient', () => {
    // a gradient off by 10% must fail: the tolerance is not so loose that anything passes
    const wrong = tn.customGrad((x) => ({ value: x.square(), gradFunc: (dy) => dy.mul(x).mul(2.2) }));
    assert.throws(() => checkGrad('wrong', (x) => wrong(x), [tn.tensor([0.5, 1, -2])]), /d loss \/ d input 0/);
  });
  for (const e of gradTable) {
    it(e.name, () => checkGrad(e.name, e.f, makeInputs(e.name, e.inputs), { h: e.h, tol: e.tol }));
  }
});

// Gradients past the kernels' parallel threshold, too big for finite differences: compared with
// their closed forms instead (the broadcast reduction, matMul's dA = W B^T and dB = A^T W).
describe('engine ops: large gradients against closed forms', () => {
  it('add [300,129] + [129]: db is the column sum of dy', () => {
    const [a, b, w] = makeInputs('large add', [U([300, 129]), U([129]), U([300, 129])]);
    const [ga, gb] = tn.grads((p, q) => tn.add(p, q))([a, b], w);
    assertClose(ga.values, w.values);
    assertClose(gb.values, reduceRef(nd(w), 0, false, sumRun).data, { atol: 1e-4, rtol: 1e-4 });
  });
  it('matMul [70,90] x [90,50]', () => {
    const [a, b, w] = makeInputs('large matMul', [U([70, 90]), U([90, 50]), U([70, 50])]);
    const [ga, gb] = tn.grads((p, q) => tn.matMul(p, q))([a, b], w);
    assertClose(ga.values, matMulRef(nd(w), nd(b), false, true).data, { atol: 1e-4, rtol: 1e-4 });
    assertClose(gb.values, matMulRef(nd(a), nd(w), true, false).data, { atol: 1e-4, rtol: 1e-4 });
  });
  it('gather 300 of 100 rows accumulates repeated rows', () => {
    const [x, w] = makeInputs('large gather', [U([100, 129]), U([300, 129])]);
    const idx = Array.from({ length: 300 }, (_, i) => (i * 13) % 100);
    const g = tn.grad((p) => tn.gather(p, tn.tensor(idx, [300], 'int32')))(x, w);
    const want = new Float64Array(100 * 129);
    idx.forEach((r, i) => { for (let j = 0; j < 129; j++) want[r * 129 + j] += w.values[i * 129 + j]; });
    assertClose(g.values, want, { atol: 1e-5, rtol: 1e-5 });
  });
});

describe('engine ops: empty tensors (an axis of size 0)', () => {
  const E = (shape) => new tn.Tensor(new Float32Array(0), shape, 'float32');
  it('broadcast ops and their gradients on [2,0,3] with [3] (used to trap with SIGFPE in the native broadcast walk)', () => {
    const [ga, gb] = tn.grads((a, b) => tn.mul(a, b))([E([2, 0, 3]), tn.tensor([1, 2, 3])]);
    assertShape(ga.shape, [2, 0, 3], 'da');
    assert.deepStrictEqual(Array.from(gb.values), [0, 0, 0]);  // a sum over no elements
    assertShape(tn.where(tn.less(E([2, 0]), 1), E([2, 0]), 5).shape, [2, 0], 'where');
    assertShape(tn.broadcastTo(tn.ones([1, 3]), [0, 3]).shape, [0, 3], 'broadcastTo');
  });
  it('matMul with K = 0 is all zeros; reductions of empty rows give the identity', () => {
    assert.deepStrictEqual(Array.from(tn.matMul(E([2, 0]), E([0, 3])).values), [0, 0, 0, 0, 0, 0]);
    assert.deepStrictEqual(Array.from(tn.logSumExp(E([2, 0]), 1).values), [-Infinity, -Infinity]);
    assertShape(tn.softmax(E([3, 0])).shape, [3, 0], 'softmax');
    assertShape(tn.transpose(E([2, 0, 3]), [2, 0, 1]).shape, [3, 2, 0], 'transpose');
  });
});

// ---- 3. ERRORS AND THE GRADIENT API ------------------------------------------------------------

describe('engine ops: errors', () => {
  it('shapes that do not broadcast: a RangeError naming both shapes', () => {
    for (const op of ['add', 'mul', 'maximum', 'less']) {
      assert.throws(() => tn[op](tn.ones([2, 3]), tn.ones([4])), (e) => e instanceof RangeError && /\[2, ?3\]/.test(e.message) && /\[4\]/.test(e.message), op);
    }
    assert.throws(() => tn.ones([2, 1, 4]).add(tn.ones([3, 2])), (e) => e instanceof RangeError && /\[2, ?1, ?4\]/.test(e.message) && /\[3, ?2\]/.test(e.message));
  });
  it('matMul with mismatched inner dimensions names both shapes', () => {
    assert.throws(() => tn.matMul(tn.ones([2, 3]), tn.ones([4, 5])), (e) => e instanceof RangeError && /\[2, ?3\]/.test(e.message) && /\[4, ?5\]/.test(e.message));
    assert.throws(() => tn.matMul(tn.ones([2, 3]), tn.ones([2, 3]), false, true).matMul(tn.ones([3, 2])), /\[2, ?2\]/);
    // batch axes that do not broadcast
    assert.throws(() => tn.matMul(tn.ones([2, 2, 3]), tn.ones([3, 3, 2])), RangeError);
  });
  it('gather with an index out of range throws', () => {
    assert.throws(() => tn.gather(tn.ones([3, 2]), tn.tensor([0, 3], [2], 'int32')), /3/);
    assert.throws(() => tn.gather(tn.ones([3, 2]), tn.tensor([-1], [1], 'int32')), RangeError);
    assert.throws(() => tn.gatherND(tn.ones([3, 2]), tn.tensor([[0, 2]], [1, 2], 'int32')), RangeError);
  });
  it('a bool input to add throws a TypeError', () => {
    const b = tn.cast(tn.tensor([1, 0]), 'bool');
    assert.throws(() => tn.add(b, b), TypeError);
    assert.throws(() => b.sub(b), TypeError);
    assert.throws(() => tn.mul(true, b), TypeError);
    // Mixed bool and float32 is NOT an error: as tfjs' makeTypesMatch, the bool is upcast
    // (tf.add(tf.ones([2]), boolTensor) is float32 [2, 1] in tfjs-core 4.22 too).
    const mixed = tn.add(tn.ones([2]), b);
    assert.strictEqual(mixed.dtype, 'float32');
    assert.deepStrictEqual(Array.from(mixed.values), [2, 1]);
  });
  it('float-only ops reject int32 with a TypeError', () => {
    assert.throws(() => tn.exp(tn.tensor([1, 2], [2], 'int32')), TypeError);
    assert.throws(() => tn.matMul(tn.tensor([[1]], [1, 1], 'int32'), tn.ones([1, 1])), TypeError);
  });
  it('bad axes throw RangeErrors', () => {
    assert.throws(() => tn.sum(tn.ones([2, 3]), 2), RangeError);
    assert.throws(() => tn.sum(tn.ones([2, 3]), [0, 0]), RangeError);
    assert.throws(() => tn.transpose(tn.ones([2, 3]), [0, 0]), RangeError);
  });
});

describe('engine ops: gradient API', () => {
  it('grad / valueAndGrad / valueAndGrads agree with the analytic derivative', () => {
    const x = tn.tensor([0.5, -1, 2]);
    const f = (t) => t.square().mul(3).sum();           // d/dx = 6x
    assertClose(tn.grad(f)(x).values, [3, -6, 12]);
    const { value, grad } = tn.valueAndGrad(f)(x);
    assertClose(value.values, [3 * (0.25 + 1 + 4)]);
    assertClose(grad.values, [3, -6, 12]);
    const r = tn.valueAndGrads((a, b) => a.mul(b).sum())([x, tn.tensor([1, 2, 3])]);
    assertClose(r.grads[0].values, [1, 2, 3]);
    assertClose(r.grads[1].values, [0.5, -1, 2]);
  });
  it('grad with an explicit dy; an input f does not use gets zeros', () => {
    const g = tn.grad((t) => t.mul(2))(tn.tensor([1, 2]), tn.tensor([3, -1]));
    assertClose(g.values, [6, -2]);
    const [ga, gb] = tn.grads((a) => a.sum())([tn.tensor([1, 2]), tn.tensor([5])]);
    assertClose(ga.values, [1, 1]);
    assertClose(gb.values, [0]);
    assert.throws(() => tn.grad((t) => t.mul(2))(tn.tensor([1, 2]), tn.tensor([1])), RangeError);
  });
  it('variableGrads over tn.variable, by name, skipping unused variables', () => {
    const w = tn.variable(tn.tensor([1, -2]), true, 'engineOpsTestW');
    const unused = tn.variable(tn.tensor([4]), true, 'engineOpsTestUnused');
    const { value, grads } = tn.variableGrads(() => w.square().sum(), [w, unused]);
    assertClose(value.values, [5]);
    assertClose(grads.engineOpsTestW.values, [2, -4]);
    assert.ok(!('engineOpsTestUnused' in grads));
    w.dispose();
    unused.dispose();
  });
  it('customGrad replaces the gradient', () => {
    const f = tn.customGrad((x, save) => {
      save([x]);
      return { value: x.square(), gradFunc: (dy, [s]) => dy.mul(10).mul(s) };
    });
    assertClose(tn.grad((x) => f(x).sum())(tn.tensor([1, 2])).values, [10, 20]);
    assertClose(f(tn.tensor([3])).values, [9]);
  });
});
