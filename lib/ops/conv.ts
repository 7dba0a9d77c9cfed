// Convolution, pooling and batch normalization as engine ops, with tfjs-core's names and
// signatures, and their gradients. Kernels: native/cpu/ops_conv.cpp (op table entries and
// attribute layouts in native/core/ops/conv.def), over the same cpu:: functions the layers use.
//
// Note [Conv geometry of the ops]
// TS resolves every padding argument to explicit pads (top, bottom, left, right) per tfjs'
// conv_util, with eff = (k - 1)·dilation + 1:
//   'valid'  out = floor((in - eff) / s) + 1, no padding
//   'same'   out = ceil(in / s), total = max((out - 1)·s + eff - in, 0), top = floor(total / 2)
//            (the extra pad goes to the bottom/right, as TensorFlow and Keras)
//   number p out = floor((in + 2p - eff) / s) + 1 (dimRoundingMode 'floor' only)
//   explicit [[0, 0], [t, b], [l, r], [0, 0]]: out = floor((in + t + b - eff) / s) + 1
// The CPU kernels take pads smaller than the (dilated) window only, so every window holds a
// tap inside the image; larger explicit pads are a RangeError saying so. Only NHWC (NWC) is
// implemented; NCHW is an error, never a silent transpose.
import { ResolvedActivation, backwardUsesInput, resolveActivation } from '../activations';
import { expected, shapeString } from '../errors';
import { Tensor } from '../tensor';
import { OutputSpec, run1, runKernel } from '../engine/registry';
import { registerGradient } from '../engine/tape';
import { broadcastTo } from './elementwise';
import { reshape } from './shape';
import { TensorLike, checkFloat, toTensor } from './util';

export type PaddingArg = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
export type FusedActivation = 'linear' | 'relu' | 'prelu' | 'elu' | 'relu6' | 'leakyrelu' | 'sigmoid' | string;

// ---- argument checks ------------------------------------------------------------------------

function isPosInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}
function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** A positive integer or a pair of them, as [h, w]. */
function pair(v: unknown, op: string, argument: string): [number, number] {
  if (isPosInt(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every(isPosInt)) return [v[0], v[1]];
  throw new TypeError(expected('a positive integer or a pair [h, w] of them', `${op}(${argument})`, v));
}

function checkDataFormat(v: unknown, op: string, supported: 'NHWC' | 'NWC', other: 'NCHW' | 'NCW'): void {
  if (v === undefined || v === supported) return;
  if (v === other) {
    throw new RangeError(`${op}: dataFormat '${other}' is not supported (only '${supported}'); transpose x to ${supported} first`);
  }
  throw new TypeError(expected(`'${supported}'`, `${op}(dataFormat)`, v));
}

function checkRounding(v: unknown, op: string): void {
  if (v === undefined || v === null || v === 'floor') return;
  if (v === 'round' || v === 'ceil') throw new RangeError(`${op}: dimRoundingMode '${v}' is not supported (only 'floor')`);
  throw new TypeError(expected("'floor', 'round' or 'ceil'", `${op}(dimRoundingMode)`, v));
}

interface Axis {
  out: number;
  before: number;
  after: number;
}

/** One spatial axis under a resolved padding (Note [Conv geometry of the ops]). */
function axisGeometry(op: string, what: string, inSize: number, eff: number, stride: number,
  pad: 'valid' | 'same' | [number, number]): Axis {
  let a: Axis;
  if (pad === 'same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + eff - inSize, 0);
    a = { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
  } else {
    const [before, after] = pad === 'valid' ? [0, 0] : pad;
    a = { out: Math.floor((inSize + before + after - eff) / stride) + 1, before, after };
  }
  if (!(a.out > 0)) {
    throw new RangeError(`${op}: the ${what} ${inSize} is smaller than the ${eff === 1 ? 'window' : `window (${eff} with dilation)`} ` +
      `${eff} with padding ${a.before}/${a.after}; the output would be empty`);
  }
  if (a.before >= eff || a.after >= eff) {
    throw new RangeError(`${op}: padding ${a.before}/${a.after} of the ${what} must be smaller than the window ${eff} ` +
      '(larger pads are not supported on the CPU)');
  }
  return a;
}

/** pad as per-axis [before, after] pairs (or the mode) for the height and width axes. */
function resolvePad(pad: unknown, op: string): ['valid' | 'same' | [number, number], 'valid' | 'same' | [number, number]] {
  if (pad === 'valid' || pad === 'same') return [pad, pad];
  if (isNonNegInt(pad)) return [[pad, pad], [pad, pad]];
  const isPair = (p: unknown): p is [number, number] => Array.isArray(p) && p.length === 2 && p.every(isNonNegInt);
  if (Array.isArray(pad) && pad.length === 4 && pad.every(isPair)) {
    if (pad[0][0] !== 0 || pad[0][1] !== 0 || pad[3][0] !== 0 || pad[3][1] !== 0) {
      throw new RangeError(expected('explicit padding [[0, 0], [top, bottom], [left, right], [0, 0]] (no batch or channel padding)',
        `${op}(pad)`, pad));
    }
    return [[pad[1][0], pad[1][1]], [pad[2][0], pad[2][1]]];
  }
  throw new TypeError(expected("'valid', 'same', a non-negative integer or [[0, 0], [top, bottom], [left, right], [0, 0]]",
    `${op}(pad)`, pad));
}

/** x as a float32 batch of images (rank 4; rank 3 gains a batch axis of 1, undone by `unbatch`). */
function imageBatch(x: TensorLike, op: string, argument = 'x'): { x4: Tensor; batched: boolean } {
  const t = toTensor(x, argument, op);
  checkFloat(t, op, argument);
  if (t.rank !== 3 && t.rank !== 4) {
    throw new RangeError(`${op}: ${argument} must have rank 4 [batch, height, width, channels] or 3 but has shape ${shapeString(t.shape)}`);
  }
  if (t.size === 0) throw new RangeError(`${op}: ${argument} must not be empty but has shape ${shapeString(t.shape)}`);
  return { x4: t.rank === 4 ? t : reshape(t, [1, ...t.shape]), batched: t.rank === 4 };
}
const unbatch = (y: Tensor, batched: boolean): Tensor => (batched ? y : reshape(y, y.shape.slice(1)));

// ---- conv2d ---------------------------------------------------------------------------------

/** The attrs of Conv2D (native/core/ops/conv.def) and its output shape. */
interface ConvCall {
  attrs: number[];
  outShape: number[];
}

function convCall(op: string, xShape: readonly number[], filter: Tensor, strides: unknown, pad: unknown, dilations: unknown,
  hasBias: boolean, act: number, alpha: number): ConvCall {
  if (filter.rank !== 4) {
    throw new RangeError(`${op}: filter must have rank 4 [filterHeight, filterWidth, inChannels, outChannels] but has shape ` +
      shapeString(filter.shape));
  }
  if (filter.size === 0) throw new RangeError(`${op}: filter must not be empty but has shape ${shapeString(filter.shape)}`);
  const [b, h, w, c] = xShape;
  const [fh, fw, fc, oc] = filter.shape;
  if (c !== fc) {
    throw new RangeError(`${op}: the input channels of x ${shapeString(xShape)} (${c}) and filter ${shapeString(filter.shape)} ` +
      `(${fc}) differ`);
  }
  const [sh, sw] = pair(strides, op, 'strides');
  const [dh, dw] = pair(dilations ?? 1, op, 'dilations');
  const [ph, pw] = resolvePad(pad, op);
  const ah = axisGeometry(op, 'height', h, (fh - 1) * dh + 1, sh, ph);
  const aw = axisGeometry(op, 'width', w, (fw - 1) * dw + 1, sw, pw);
  return {
    attrs: [sh, sw, dh, dw, ah.before, ah.after, aw.before, aw.after, hasBias ? 1 : 0, act, alpha],
    outShape: [b, ah.out, aw.out, oc],
  };
}

/** Runs Conv2D: y, plus z when the activation's backward needs it (conv.def). */
function runConv(x: Tensor, filter: Tensor, bias: Tensor | null, call: ConvCall, needsZ: boolean): Tensor {
  const outs: OutputSpec[] = [{ shape: call.outShape, dtype: 'float32' }];
  if (needsZ) outs.push({ shape: call.outShape, dtype: 'float32' });
  return runKernel('conv2d', bias ? [x, filter, bias] : [x, filter], outs, call.attrs)[0];
}

/**
 * tfjs' conv2d: x [batch, height, width, inChannels] (or rank 3), filter [filterHeight,
 * filterWidth, inChannels, outChannels]. pad: 'valid' | 'same' | number | explicit
 * [[0, 0], [t, b], [l, r], [0, 0]] (Note [Conv geometry of the ops]). NHWC only.
 */
export function conv2d(x: TensorLike, filter: TensorLike, strides: number | [number, number], pad: PaddingArg,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC', dilations: number | [number, number] = 1, dimRoundingMode?: 'floor' | 'round' | 'ceil'): Tensor {
  const op = 'conv2d';
  checkDataFormat(dataFormat, op, 'NHWC', 'NCHW');
  checkRounding(dimRoundingMode, op);
  const { x4, batched } = imageBatch(x, op);
  const f = toTensor(filter, 'filter', op);
  checkFloat(f, op, 'filter');
  const call = convCall(op, x4.shape, f, strides, pad, dilations, false, 0, 0);
  return unbatch(runConv(x4, f, null, call, false), batched);
}

// Conv2D's gradient: Conv2DGrad with the same attrs; dz comes from dy inside the kernel (the
// gradient of the saved z, never seen by users, is ignored).
registerGradient('conv2d', ([dy], node) => {
  const [x, filter, bias] = node.inputs;
  const [y, z] = node.outputs;
  const outs: OutputSpec[] = [{ shape: x.shape, dtype: 'float32' }, { shape: filter.shape, dtype: 'float32' }];
  if (bias) outs.push({ shape: bias.shape, dtype: 'float32' });
  return runKernel('conv2dGrad', z ? [dy, x, filter, y, z] : [dy, x, filter, y], outs, node.attrs);
});

/** tfjs' conv1d: x [batch, width, inChannels] (or rank 2), filter [filterWidth, inChannels, outChannels]. NWC only. */
export function conv1d(x: TensorLike, filter: TensorLike, stride: number, pad: 'valid' | 'same' | number,
  dataFormat: 'NWC' | 'NCW' = 'NWC', dilation = 1, dimRoundingMode?: 'floor' | 'round' | 'ceil'): Tensor {
  const op = 'conv1d';
  checkDataFormat(dataFormat, op, 'NWC', 'NCW');
  checkRounding(dimRoundingMode, op);
  const t = toTensor(x, 'x', op);
  checkFloat(t, op, 'x');
  if (t.rank !== 2 && t.rank !== 3) {
    throw new RangeError(`${op}: x must have rank 3 [batch, width, channels] or 2 but has shape ${shapeString(t.shape)}`);
  }
  const f = toTensor(filter, 'filter', op);
  checkFloat(f, op, 'filter');
  if (f.rank !== 3) {
    throw new RangeError(`${op}: filter must have rank 3 [filterWidth, inChannels, outChannels] but has shape ${shapeString(f.shape)}`);
  }
  if (!isPosInt(stride)) throw new TypeError(expected('a positive integer', `${op}(stride)`, stride));
  if (!isPosInt(dilation)) throw new TypeError(expected('a positive integer', `${op}(dilation)`, dilation));
  if (!(pad === 'valid' || pad === 'same' || isNonNegInt(pad))) {
    throw new TypeError(expected("'valid', 'same' or a non-negative integer", `${op}(pad)`, pad));
  }
  const x3 = t.rank === 3 ? t : reshape(t, [1, ...t.shape]);
  // As conv2d over images of height 1; a numeric pad pads the width only.
  const pad2: PaddingArg = typeof pad === 'number' ? [[0, 0], [0, 0], [pad, pad], [0, 0]] : pad;
  const y = conv2d(reshape(x3, [x3.shape[0], 1, x3.shape[1], x3.shape[2]]), reshape(f, [1, ...f.shape]), [1, stride], pad2,
    'NHWC', [1, dilation]);
  const y3 = reshape(y, [y.shape[0], y.shape[2], y.shape[3]]);
  return t.rank === 3 ? y3 : reshape(y3, y3.shape.slice(1));
}

/**
 * tfjs' conv2dTranspose: the gradient of conv2d with respect to its input. x [batch, height,
 * width, inDepth] (or rank 3), filter [filterHeight, filterWidth, outDepth, inDepth], outputShape
 * [batch, outHeight, outWidth, outDepth] (or rank 3). The conv2d from outputShape with this
 * filter, strides and pad must give x's height and width.
 */
export function conv2dTranspose(x: TensorLike, filter: TensorLike, outputShape: [number, number, number, number] | [number, number, number],
  strides: number | [number, number], pad: 'valid' | 'same' | number, dimRoundingMode?: 'floor' | 'round' | 'ceil'): Tensor {
  const op = 'conv2dTranspose';
  checkRounding(dimRoundingMode, op);
  const { x4, batched } = imageBatch(x, op);
  const f = toTensor(filter, 'filter', op);
  checkFloat(f, op, 'filter');
  if (!Array.isArray(outputShape) || outputShape.length !== x4.rank - (batched ? 0 : 1) || !outputShape.every(isPosInt)) {
    throw new TypeError(expected(`a shape of ${batched ? 4 : 3} positive integers (x has rank ${batched ? 4 : 3})`, `${op}(outputShape)`,
      outputShape));
  }
  const out4 = batched ? outputShape.slice() : [1, ...outputShape];
  if (f.rank !== 4) {
    throw new RangeError(`${op}: filter must have rank 4 [filterHeight, filterWidth, outDepth, inDepth] but has shape ${shapeString(f.shape)}`);
  }
  if (out4[0] !== x4.shape[0] || out4[3] !== f.shape[2] || x4.shape[3] !== f.shape[3]) {
    throw new RangeError(`${op}: x ${shapeString(x4.shape)}, filter ${shapeString(f.shape)} and outputShape ${shapeString(out4)} ` +
      'do not fit (x [b, h, w, inDepth], filter [fh, fw, outDepth, inDepth], outputShape [b, outH, outW, outDepth])');
  }
  if (typeof pad === 'object') throw new TypeError(expected("'valid', 'same' or a non-negative integer", `${op}(pad)`, pad));
  // The forward conv runs from an image of outputShape to one of x's size.
  const call = convCall(op, out4, f, strides, pad, 1, false, 0, 0);
  if (call.outShape[1] !== x4.shape[1] || call.outShape[2] !== x4.shape[2]) {
    throw new RangeError(`${op}: a conv2d of outputShape ${shapeString(out4)} with this filter, strides and pad gives ` +
      `${call.outShape[1]}x${call.outShape[2]}, not x's ${x4.shape[1]}x${x4.shape[2]}`);
  }
  return unbatch(run1('conv2dBackpropInput', [x4, f], out4, 'float32', call.attrs), batched);
}

// conv2dBackpropInput(dy, filter) = the input gradient of conv(·, filter): its gradients are
// the conv itself (for dy) and the conv's filter gradient with the roles swapped (for filter).
registerGradient('conv2dBackpropInput', ([g], node) => {
  const [dy, filter] = node.inputs;
  const ddy = runKernel('conv2d', [g, filter], [{ shape: dy.shape, dtype: 'float32' }], node.attrs)[0];
  const [, dfilter] = runKernel('conv2dGrad', [dy, g, filter, dy],
    [{ shape: g.shape, dtype: 'float32' }, { shape: filter.shape, dtype: 'float32' }], node.attrs);
  return [ddy, dfilter];
});

// ---- fused.conv2d ---------------------------------------------------------------------------

export interface FusedConv2DArgs {
  x: TensorLike;
  filter: TensorLike;
  strides: number | [number, number];
  pad: PaddingArg;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  bias?: TensorLike;
  activation?: FusedActivation;
  preluActivationWeights?: TensorLike;
  leakyreluAlpha?: number;
}

/** The activation of a fused op (tfjs' names, and the other activations cpu::Activation has). */
function fusedActivation(op: string, activation: unknown, leakyreluAlpha: unknown): ResolvedActivation {
  if (activation === 'prelu') throw new RangeError(`${op}: activation 'prelu' is not supported; apply tn.prelu to the result`);
  const name = activation === 'leakyrelu' ? 'leakyRelu' : activation;
  const a = resolveActivation(name, `${op}(activation)`);
  if (a.name !== 'leakyRelu' || leakyreluAlpha === undefined) return a;
  if (typeof leakyreluAlpha !== 'number' || !Number.isFinite(leakyreluAlpha)) {
    throw new TypeError(expected('a finite number', `${op}(leakyreluAlpha)`, leakyreluAlpha));
  }
  return { ...a, alpha: leakyreluAlpha };
}

/**
 * tfjs' fused.conv2d: conv2d + bias + activation in one kernel (and one backward). bias
 * broadcasts to [outChannels]; activation: 'linear', 'relu', 'relu6', 'elu', 'leakyrelu'
 * (leakyreluAlpha, default 0.2), 'sigmoid', and the other activations of tn ('tanh', 'gelu', 'swish', …;
 * 'softmax' over the channels); not 'prelu'.
 */
export function fusedConv2d(args: FusedConv2DArgs): Tensor {
  const op = 'fused.conv2d';
  if (args === null || typeof args !== 'object') throw new TypeError(expected('an object {x, filter, strides, pad, …}', op, args));
  const { x, filter, strides, pad, dataFormat = 'NHWC', dilations = 1, dimRoundingMode, bias, activation = 'linear',
    preluActivationWeights, leakyreluAlpha } = args;
  checkDataFormat(dataFormat, op, 'NHWC', 'NCHW');
  checkRounding(dimRoundingMode, op);
  if (preluActivationWeights !== undefined && preluActivationWeights !== null) {
    throw new RangeError(`${op}: preluActivationWeights (activation 'prelu') are not supported; apply tn.prelu to the result`);
  }
  const act = fusedActivation(op, activation, leakyreluAlpha);
  const { x4, batched } = imageBatch(x, op);
  const f = toTensor(filter, 'filter', op);
  checkFloat(f, op, 'filter');
  let b: Tensor | null = null;
  if (bias !== undefined && bias !== null) {
    b = toTensor(bias, 'bias', op);
    checkFloat(b, op, 'bias');
    const oc = f.rank === 4 ? f.shape[3] : 0;
    const last = b.rank === 0 ? 1 : b.shape[b.rank - 1];
    if (!b.shape.slice(0, -1).every((d) => d === 1) || (last !== oc && last !== 1)) {
      throw new RangeError(`${op}: bias of shape ${shapeString(b.shape)} does not broadcast to the output channels [${oc}]`);
    }
    b = reshape(b, [last]);
    if (last !== oc) b = broadcastTo(b, [oc]);
  }
  const call = convCall(op, x4.shape, f, strides, pad, dilations, b !== null, act.code, act.alpha);
  return unbatch(runConv(x4, f, b, call, backwardUsesInput(act.name)), batched);
}

// ---- pooling --------------------------------------------------------------------------------

function poolCall(op: string, x: Tensor, filterSize: unknown, strides: unknown, pad: unknown): ConvCall {
  const [fh, fw] = pair(filterSize, op, 'filterSize');
  const [sh, sw] = pair(strides ?? filterSize, op, 'strides');
  const [ph, pw] = resolvePad(pad, op);
  const [b, h, w, c] = x.shape;
  const ah = axisGeometry(op, 'height', h, fh, sh, ph);
  const aw = axisGeometry(op, 'width', w, fw, sw, pw);
  return { attrs: [fh, fw, sh, sw, ah.before, ah.after, aw.before, aw.after], outShape: [b, ah.out, aw.out, c] };
}

/**
 * tfjs' maxPool: x [batch, height, width, channels] (or rank 3); filterSize and strides a
 * number or [h, w]; pad 'valid' | 'same' | number | explicit. Padding never wins the max.
 */
export function maxPool(x: TensorLike, filterSize: number | [number, number], strides: number | [number, number],
  pad: PaddingArg, dimRoundingMode?: 'floor' | 'round' | 'ceil'): Tensor {
  const op = 'maxPool';
  checkRounding(dimRoundingMode, op);
  const { x4, batched } = imageBatch(x, op);
  const call = poolCall(op, x4, filterSize, strides, pad);
  const [y] = runKernel('maxPool', [x4], [{ shape: call.outShape, dtype: 'float32' }, { shape: call.outShape, dtype: 'int32' }],
    call.attrs);
  return unbatch(y, batched);
}
registerGradient('maxPool', ([dy], node) => [run1('maxPoolGrad', [dy, node.outputs[1]], node.inputs[0].shape, 'float32', node.attrs)]);

/**
 * tfjs' avgPool, arguments as maxPool. Each output is the mean of the taps inside the image
 * (padding is not counted, as TensorFlow).
 */
export function avgPool(x: TensorLike, filterSize: number | [number, number], strides: number | [number, number],
  pad: PaddingArg, dimRoundingMode?: 'floor' | 'round' | 'ceil'): Tensor {
  const op = 'avgPool';
  checkRounding(dimRoundingMode, op);
  const { x4, batched } = imageBatch(x, op);
  const call = poolCall(op, x4, filterSize, strides, pad);
  return unbatch(run1('avgPool', [x4], call.outShape, 'float32', call.attrs), batched);
}
registerGradient('avgPool', ([dy], node) => [run1('avgPoolGrad', [dy], node.inputs[0].shape, 'float32', node.attrs)]);

// ---- batch normalization --------------------------------------------------------------------

/** A per-channel statistic: size C (or 1, broadcast), all axes but the last of size 1. */
function channelVector(v: TensorLike, C: number, op: string, argument: string): Tensor {
  const t = toTensor(v, argument, op);
  checkFloat(t, op, argument);
  const last = t.rank === 0 ? 1 : t.shape[t.rank - 1];
  if (!t.shape.slice(0, -1).every((d) => d === 1) || (last !== C && last !== 1)) {
    throw new RangeError(`${op}: ${argument} of shape ${shapeString(t.shape)} does not broadcast along the last axis of x (${C} channels)`);
  }
  const flat = t.rank === 1 ? t : reshape(t, [last]);
  return last === C ? flat : broadcastTo(flat, [C]);
}

function checkEpsilon(v: unknown, op: string, argument: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !(Math.fround(v) > 0)) {
    throw new RangeError(expected('a positive number', `${op}(${argument})`, v));
  }
  return v;
}

/**
 * tfjs' batchNorm with given statistics: scale * (x - mean) / sqrt(variance + varianceEpsilon)
 * + offset, the statistics broadcasting over the last axis of x (shape [C] or a scalar).
 * offset defaults to 0 and scale to 1.
 */
export function batchNorm(x: TensorLike, mean: TensorLike, variance: TensorLike, offset?: TensorLike, scale?: TensorLike,
  varianceEpsilon = 0.001): Tensor {
  const op = 'batchNorm';
  const t = toTensor(x, 'x', op);
  checkFloat(t, op, 'x');
  if (t.rank === 0 || t.size === 0) throw new RangeError(`${op}: x must have rank >= 1 and no empty axis but has shape ${shapeString(t.shape)}`);
  const C = t.shape[t.rank - 1];
  const m = channelVector(mean, C, op, 'mean');
  const v = channelVector(variance, C, op, 'variance');
  const o = offset === undefined || offset === null ? new Tensor(new Float32Array(C), [C], 'float32') : channelVector(offset, C, op, 'offset');
  const s = scale === undefined || scale === null ? new Tensor(new Float32Array(C).fill(1), [C], 'float32') : channelVector(scale, C, op, 'scale');
  const eps = checkEpsilon(varianceEpsilon, op, 'varianceEpsilon');
  return run1('batchNorm', [t, m, v, o, s], t.shape, 'float32', [eps]);
}
registerGradient('batchNorm', ([dy], node) => {
  const [x, mean, variance, , scale] = node.inputs;
  const c = [{ shape: mean.shape, dtype: 'float32' as const }];
  return runKernel('batchNormGrad', [dy, x, mean, variance, scale], [{ shape: x.shape, dtype: 'float32' }, ...c, ...c, ...c, ...c],
    node.attrs);
});

/**
 * Training-mode batch normalization (for layers; not tfjs API): the batch statistics over every
 * axis of x but `axis` (biased variance), y = scale * (x - mean) / sqrt(variance + epsilon) +
 * offset, differentiable through the statistics. Returns y and the batch mean and variance
 * (for the layer's moving statistics, which this op never touches).
 */
export function batchNormTraining(x: TensorLike, scale: TensorLike | null, offset: TensorLike | null, epsilon = 0.001,
  axis = -1): { y: Tensor; mean: Tensor; variance: Tensor } {
  const op = 'batchNormTraining';
  const t = toTensor(x, 'x', op);
  checkFloat(t, op, 'x');
  if (t.rank === 0 || t.size === 0) throw new RangeError(`${op}: x must have rank >= 1 and no empty axis but has shape ${shapeString(t.shape)}`);
  if (!Number.isInteger(axis) || axis < -t.rank || axis >= t.rank) {
    throw new RangeError(expected(`an integer axis in [${-t.rank}, ${t.rank - 1}]`, `${op}(axis)`, axis));
  }
  const ax = axis < 0 ? axis + t.rank : axis;
  const C = t.shape[ax];
  const vec = (v: TensorLike | null, fill: number, argument: string): Tensor => {
    if (v === null || v === undefined) return new Tensor(new Float32Array(C).fill(fill), [C], 'float32');
    const u = toTensor(v, argument, op);
    checkFloat(u, op, argument);
    if (u.rank !== 1 || u.shape[0] !== C) {
      throw new RangeError(`${op}: ${argument} must have shape [${C}] (axis ${axis} of x ${shapeString(t.shape)}) but has ${shapeString(u.shape)}`);
    }
    return u;
  };
  const s = vec(scale, 1, 'scale'), o = vec(offset, 0, 'offset');
  const eps = checkEpsilon(epsilon, op, 'epsilon');
  const c = { shape: [C], dtype: 'float32' as const };
  const [y, mean, variance] = runKernel('batchNormTraining', [t, s, o], [{ shape: t.shape, dtype: 'float32' }, c, c, c], [ax, eps]);
  return { y, mean, variance };
}
// dy, dmean, dvariance from the tape (zeros where unused); invstd is internal and has no gradient.
registerGradient('batchNormTraining', ([dy, dmean, dvariance], node) => {
  const [x, scale] = node.inputs;
  const [, mean, , invstd] = node.outputs;
  const c = { shape: mean.shape, dtype: 'float32' as const };
  return runKernel('batchNormTrainingGrad', [dy, x, mean, invstd, scale, dmean, dvariance],
    [{ shape: x.shape, dtype: 'float32' }, c, c], node.attrs);
});
