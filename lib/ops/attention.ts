// Fused attention and layer normalization (kernels: native/cpu/attention.cpp, layernorm.cpp
// through native/cpu/ops_attention.cpp; op declarations in native/core/ops/attention.def),
// with their gradients next to them.
import { expected, shapeString } from '../errors';
import { Tensor } from '../tensor';
import { runKernel } from '../engine/registry';
import { registerGradient } from '../engine/tape';
import { mul, notEqual, sub } from './elementwise';
import { matMul } from './linalg';
import { sum } from './reduce';
import { reshape, transpose } from './shape';
import { TensorLike, checkFloat, normalizeAxis, toTensor } from './util';

const SDPA = 'scaledDotProductAttention';

export interface ScaledDotProductAttentionOptions {
  /**
   * Which (query, key) pairs may attend: broadcastable to [B, Tq, Tk] (rank 2 [Tq, Tk] or rank
   * 3, each axis 1 or full), bool, int32 or float32; nonzero / true = attend, as Keras'
   * attention_mask. Applied inside the kernel.
   */
  mask?: TensorLike | null;
  /** Query i attends only to keys j <= i (top-left aligned, as Keras' use_causal_mask and torch's is_causal). */
  causal?: boolean;
  /** Multiplies q k^T; default 1 / sqrt(D). */
  scale?: number;
  /** Also return the attention weights [B, H, Tq, Tk] (O(T^2) memory; differentiable). */
  returnScores?: boolean;
}

const SDPA_OPTIONS = new Set(['mask', 'causal', 'scale', 'returnScores']);

/**
 * softmax(scale * q k^T, masked) v per batch and head, fused: the weights are never stored
 * (streaming softmax over key blocks, O(T·D) memory per head), forward and backward.
 *
 * q: [B, Tq, H, D], k: [B, Tk, H, D], v: [B, Tk, H, Dv] -> [B, Tq, H, Dv]. This is the layout
 * Keras' MultiHeadAttention projections produce ("abc,cde->abde") and its output projection
 * consumes, so a layer needs no transposes (See Note [Attention layout] in
 * native/cpu/attention.h). A query whose keys are all masked gets 0 (never NaN) and zero
 * gradients. Dropout on the weights is not part of the fused op.
 */
export function scaledDotProductAttention(q: TensorLike, k: TensorLike, v: TensorLike,
  options?: ScaledDotProductAttentionOptions & { returnScores?: false }): Tensor;
export function scaledDotProductAttention(q: TensorLike, k: TensorLike, v: TensorLike,
  options: ScaledDotProductAttentionOptions & { returnScores: true }): [Tensor, Tensor];
export function scaledDotProductAttention(q: TensorLike, k: TensorLike, v: TensorLike,
  options: ScaledDotProductAttentionOptions = {}): Tensor | [Tensor, Tensor] {
  const { inputs, attrs, dims } = attentionArgs(SDPA, q, k, v, options);
  const [B, Tq, Tk, H, , Dv] = dims;
  const [out, lse] = runKernel('attention', inputs, [
    { shape: [B, Tq, H, Dv], dtype: 'float32' },  // out
    { shape: [B, H, Tq], dtype: 'float32' },      // lse: saved for the backward
  ], attrs);
  if (options.returnScores !== true) return out;
  const scoreInputs = [inputs[0], inputs[1], lse, ...inputs.slice(3)];
  const [scores] = runKernel('attentionScores', scoreInputs, [{ shape: [B, H, Tq, Tk], dtype: 'float32' }], attrs);
  return [out, scores];
}

/**
 * The plain O(T^2) reference of scaledDotProductAttention (one query row at a time, in
 * double): [out, weights]. For tests and for checking the fused op; not differentiable.
 */
export function scaledDotProductAttentionReference(q: TensorLike, k: TensorLike, v: TensorLike,
  options: Omit<ScaledDotProductAttentionOptions, 'returnScores'> = {}): [Tensor, Tensor] {
  const op = `${SDPA}Reference`;
  const { inputs, attrs, dims } = attentionArgs(op, q, k, v, options);
  const [B, Tq, Tk, H, , Dv] = dims;
  const [out, scores] = runKernel('attentionReference', inputs, [
    { shape: [B, Tq, H, Dv], dtype: 'float32' },
    { shape: [B, H, Tq, Tk], dtype: 'float32' },
  ], attrs);
  return [out, scores];
}

function attentionArgs(op: string, q: TensorLike, k: TensorLike, v: TensorLike, options: ScaledDotProductAttentionOptions):
  { inputs: Tensor[]; attrs: number[]; dims: number[] } {
  if (options === null || typeof options !== 'object') throw new TypeError(expected('an options object', `${op}(options)`, options));
  for (const key of Object.keys(options)) {
    if (!SDPA_OPTIONS.has(key) || (key === 'returnScores' && op !== SDPA)) {
      const hint = key === 'dropout' ? ' (dropout on the attention weights is not part of the fused op)' : '';
      throw new TypeError(`${op}: unknown option '${key}'${hint}; known: ${[...SDPA_OPTIONS].join(', ')}`);
    }
  }
  const [tq, tk, tv] = ([[q, 'q'], [k, 'k'], [v, 'v']] as const).map(([x, name]) => {
    const t = toTensor(x, name, op);
    checkFloat(t, op, name);
    if (t.rank !== 4) throw new RangeError(`${op}: expected ${name} of rank 4 [B, T, H, D] but received shape ${shapeString(t.shape)}`);
    return t;
  });
  const [B, Tq, H, D] = tq.shape;
  const [, Tk, , Dv] = tv.shape;
  const shapes = `q ${shapeString(tq.shape)}, k ${shapeString(tk.shape)}, v ${shapeString(tv.shape)}`;
  if (tk.shape[0] !== B || tv.shape[0] !== B) throw new RangeError(`${op}: q, k and v must have the same batch size (axis 0): ${shapes}`);
  if (tk.shape[2] !== H || tv.shape[2] !== H) throw new RangeError(`${op}: q, k and v must have the same number of heads (axis 2): ${shapes}`);
  if (tk.shape[3] !== D) throw new RangeError(`${op}: q and k must have the same head size (axis 3): ${shapes}`);
  if (tk.shape[1] !== Tk) throw new RangeError(`${op}: k and v must have the same length (axis 1): ${shapes}`);
  const causal = options.causal ?? false;
  if (typeof causal !== 'boolean') throw new TypeError(expected('a boolean', `${op}(causal)`, causal));
  const returnScores = options.returnScores ?? false;
  if (typeof returnScores !== 'boolean') throw new TypeError(expected('a boolean', `${op}(returnScores)`, returnScores));
  const scale = options.scale ?? 1 / Math.sqrt(Math.max(D, 1));
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new TypeError(expected('a finite number', `${op}(scale)`, scale));
  const inputs = [tq, tk, tv];
  if (options.mask !== undefined && options.mask !== null) inputs.push(attentionMask(op, options.mask, B, Tq, Tk));
  return { inputs, attrs: [scale, causal ? 1 : 0], dims: [B, Tq, Tk, H, D, Dv] };
}

// The mask as the kernel takes it: rank 3 (Mb, Mq, Mk), each 1 or full; bool or float32.
function attentionMask(op: string, mask: TensorLike, B: number, Tq: number, Tk: number): Tensor {
  let m = toTensor(mask, 'mask', op);
  const want = `[${B}, ${Tq}, ${Tk}]`;
  if (m.rank < 2 || m.rank > 3) {
    throw new RangeError(`${op}: expected a mask of rank 2 or 3 broadcastable to ${want} but received shape ${shapeString(m.shape)}`);
  }
  const s = m.rank === 2 ? [1, ...m.shape] : m.shape;
  [B, Tq, Tk].forEach((n, i) => {
    if (s[i] !== 1 && s[i] !== n) {
      throw new RangeError(`${op}: mask of shape ${shapeString(m.shape)} does not broadcast to ${want} (axis ${i - 3} is ${s[i]})`);
    }
  });
  if (m.dtype === 'int32') m = notEqual(m, 0);
  return m.rank === 2 ? reshape(m, s) : m;
}

// Gradients: attentionGrad recomputes the weights block by block from the saved lse. lse is
// an internal output (nothing outside this file sees it), so its gradient is not taken.
registerGradient('attention', ([dout], n) => {
  const [q, k, v, ...mask] = n.inputs;
  const [out, lse] = n.outputs;
  const [dq, dk, dv] = runKernel('attentionGrad', [dout, q, k, v, out, lse, ...mask], [
    { shape: q.shape, dtype: 'float32' },
    { shape: k.shape, dtype: 'float32' },
    { shape: v.shape, dtype: 'float32' },
  ], n.attrs);
  return [dq, dk, dv, null];
});

// scores P = softmax(S), S = scale * q k^T per head: dS = P ∘ (dP - rowsum(dP ∘ P)), then
// dq = scale * dS k and dk = scale * dS^T q. Composed of ops: returnScores already costs
// O(T^2). The total derivative of P through lse is in this formula, so lse gets none.
registerGradient('attentionScores', ([dp], n) => {
  const [q, k] = n.inputs;
  const [p] = n.outputs;
  const scale = n.attrs[0];
  const ds = mul(mul(p, sub(dp, sum(mul(dp, p), -1, true))), scale);  // (B, H, Tq, Tk)
  const qh = transpose(q, [0, 2, 1, 3]), kh = transpose(k, [0, 2, 1, 3]);  // (B, H, T, D)
  const dq = transpose(matMul(ds, kh), [0, 2, 1, 3]);        // (B, Tq, H, D)
  const dk = transpose(matMul(ds, qh, true, false), [0, 2, 1, 3]);  // (B, Tk, H, D)
  return [dq, dk, null, null];
});

export interface LayerNormOptions {
  /** The axis normalized over; only the last one (-1, Keras' default) is implemented. */
  axis?: number;
  /** Added to the variance; Keras' default 1e-3. */
  epsilon?: number;
}

/**
 * Layer normalization over the last axis, as Keras' LayerNormalization:
 * (x - mean) / sqrt(var + epsilon) * gamma + beta with the biased variance of each row; gamma
 * and beta have the size of the last axis (null or undefined: 1 and 0, no gradient). One fused
 * kernel forward and backward (dx, dgamma, dbeta).
 */
export function layerNorm(x: TensorLike, gamma?: TensorLike | null, beta?: TensorLike | null,
  options: LayerNormOptions = {}): Tensor {
  const op = 'layerNorm';
  const t = toTensor(x, 'x', op);
  checkFloat(t, op, 'x');
  if (t.rank < 1) throw new RangeError(`${op}: expected x of rank >= 1 but received a scalar`);
  if (options === null || typeof options !== 'object') throw new TypeError(expected('an options object', `${op}(options)`, options));
  for (const key of Object.keys(options)) {
    if (key !== 'axis' && key !== 'epsilon') throw new TypeError(`${op}: unknown option '${key}'; known: axis, epsilon`);
  }
  const axis = normalizeAxis(options.axis ?? -1, t.rank, op);
  if (axis !== t.rank - 1) {
    throw new RangeError(`${op}: only the last axis (-1 or ${t.rank - 1}) is implemented but axis is ${options.axis}`);
  }
  const epsilon = options.epsilon ?? 1e-3;
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0) {
    throw new RangeError(expected('a finite number >= 0', `${op}(epsilon)`, epsilon));
  }
  const C = t.shape[t.rank - 1];
  if (C === 0) throw new RangeError(`${op}: the normalized axis of x ${shapeString(t.shape)} is empty`);
  const param = (p: TensorLike | null | undefined, name: string, fill: number): Tensor => {
    if (p === undefined || p === null) return new Tensor(new Float32Array(C).fill(fill), [C], 'float32');
    const pt = toTensor(p, name, op);
    checkFloat(pt, op, name);
    if (pt.rank !== 1 || pt.shape[0] !== C) {
      throw new RangeError(`${op}: expected ${name} of shape [${C}] (the last axis of x ${shapeString(t.shape)}) but received shape ${shapeString(pt.shape)}`);
    }
    return pt;
  };
  const g = param(gamma, 'gamma', 1), b = param(beta, 'beta', 0);
  const rows = t.size / C;
  const [y] = runKernel(op, [t, g, b], [
    { shape: t.shape.slice(), dtype: 'float32' },  // y
    { shape: [rows], dtype: 'float32' },           // mean, saved
    { shape: [rows], dtype: 'float32' },           // rstd = 1 / sqrt(var + epsilon), saved
  ], [epsilon]);
  return y;
}
registerGradient('layerNorm', ([dy], n) => {
  const [x, gamma] = n.inputs;
  const [, mean, rstd] = n.outputs;
  return runKernel('layerNormGrad', [dy, x, mean, rstd, gamma], [
    { shape: x.shape.slice(), dtype: 'float32' },
    { shape: gamma.shape.slice(), dtype: 'float32' },
    { shape: gamma.shape.slice(), dtype: 'float32' },
  ]);
});
