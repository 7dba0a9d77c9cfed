// Convolutional layers, NHWC (Keras channelsLast): conv2d, conv1d, zeroPadding2d,
// upSampling2d. Each has its call on engine ops (tn.fused.conv2d, tn.pad, broadcastTo) and the
// older forward/backward pair side by side; the math of the latter is in native/cpu (conv.cpp:
// im2col + sgemm, resample.cpp) and elementwise.cpp (bias, activation).
//
// Note [Keras conv geometry]: with the dilated kernel size eff = (k - 1)·d + 1,
//   'valid': out = floor((in - eff) / s) + 1, no padding
//   'same':  out = ceil(in / s), total pad = max((out - 1)·s + eff - in, 0), of which
//            floor(total / 2) goes to the top/left and the rest (the extra one) to the
//            bottom/right, as TensorFlow does
//   'causal' (conv1d only): pad eff - 1 on the left, out = in
// Pooling uses the same rules with eff = poolSize (lib/layers/pooling.ts).
import { ResolvedActivation, backwardUsesInput, fusableOutputActivation, resolveActivation } from '../activations';
import { checkBoolean, checkOneOf, expected, isPositiveInteger, shapeString } from '../errors';
import { Initializer, resolveInitializer } from '../initializers';
import { native } from '../native';
import { Tensor } from '../tensor';
import { PaddingArg, fusedConv2d } from '../ops/conv';
import { broadcastTo } from '../ops/elementwise';
import { pad, reshape } from '../ops/shape';
import { constraintOption, floatInput, regularizerOption, serializeOption, singleInput } from './core';
import { CallArgs, Constraint, Layer, LayerArgs, LayerVariable, Regularizer, checkKnownKeys } from './layer';

export type PaddingMode = 'valid' | 'same';

/** A number or an array of n positive integers, as [n numbers]. */
export function normalizeTuple(value: unknown, n: number, argument: string): number[] {
  if (isPositiveInteger(value)) return new Array(n).fill(value);
  if (Array.isArray(value) && value.length === n && value.every(isPositiveInteger)) return value.slice();
  throw new TypeError(expected(`a positive integer or an array of ${n} positive integers`, argument, value));
}

/** One spatial axis: output size and padding before it (Note [Keras conv geometry]). */
export function convAxis(inSize: number, kernel: number, stride: number, dilation: number, padding: string):
  { out: number; padBefore: number } {
  const eff = (kernel - 1) * dilation + 1;
  if (padding === 'causal') return { out: Math.floor((inSize - 1) / stride) + 1, padBefore: eff - 1 };
  if (padding === 'same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + eff - inSize, 0);
    return { out, padBefore: Math.floor(total / 2) };
  }
  return { out: Math.floor((inSize - eff) / stride) + 1, padBefore: 0 };
}

function f32(t: Tensor): Float32Array {
  return t.values as Float32Array;
}

export interface ConvLayerArgs extends LayerArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: PaddingMode | 'causal';
  dilationRate?: number | number[];
  activation?: string;
  useBias?: boolean;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  /** Only 'channelsLast' (NHWC) is supported. */
  dataFormat?: 'channelsLast';
  kernelRegularizer?: string | Regularizer | null;
  biasRegularizer?: string | Regularizer | null;
  /** A penalty on the layer's output, added to the training loss (Keras' activity_regularizer). */
  activityRegularizer?: string | Regularizer | null;
  kernelConstraint?: string | Constraint | null;
  biasConstraint?: string | Constraint | null;
}

const CONV_KEYS = ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'kernelInitializer',
  'biasInitializer', 'dataFormat', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint',
  'biasConstraint'];

/**
 * The shared body of Conv1D and Conv2D: both run the native conv2d, conv1d with height 1.
 * kernel: [kh, kw, cin, cout] (conv2d) or [k, cin, cout] (conv1d), Keras layouts.
 */
abstract class ConvBase extends Layer {
  static override readonly batchlessShapes = true;
  protected override supportsMasking = false;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: PaddingMode | 'causal';
  readonly dilationRate: number[];
  readonly activation: ResolvedActivation;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  kernel?: LayerVariable;
  bias?: LayerVariable;
  // Geometry as a 2-D conv: [inH, inW, cin, outH, outW, kH, kW, sH, sW, dH, dW, padTop, padLeft].
  private geometry: number[] = [];
  private dims = new Int32Array(15);
  // Saved by forward for backward (see Note [Reused buffers]).
  private x?: Tensor;
  private z: Tensor | null = null;
  private y?: Tensor;

  constructor(args: ConvLayerArgs, private readonly rank: 1 | 2) {
    const fn = rank === 1 ? 'conv1d' : 'conv2d';
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object with filters and kernelSize', `${fn}(args)`, args));
    checkKnownKeys(args, CONV_KEYS, `tn.layers.${fn}`);
    super(args);
    if (!isPositiveInteger(args.filters)) throw new TypeError(expected('a positive integer', 'filters', args.filters));
    this.filters = args.filters;
    this.kernelSize = normalizeTuple(args.kernelSize, rank, 'kernelSize');
    this.strides = normalizeTuple(args.strides ?? 1, rank, 'strides');
    this.dilationRate = normalizeTuple(args.dilationRate ?? 1, rank, 'dilationRate');
    this.padding = checkOneOf(args.padding ?? 'valid', 'padding', rank === 1 ? ['valid', 'same', 'causal'] as const : ['valid', 'same'] as const);
    if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast') {
      throw new TypeError(expected("'channelsLast' (NHWC is the only layout)", 'dataFormat', args.dataFormat));
    }
    this.activation = resolveActivation(args.activation);
    this.useBias = args.useBias === undefined ? true : checkBoolean(args.useBias, 'useBias');
    this.kernelInitializer = resolveInitializer(args.kernelInitializer, 'kernelInitializer', 'glorotUniform');
    this.biasInitializer = resolveInitializer(args.biasInitializer, 'biasInitializer', 'zeros');
    this.kernelRegularizer = regularizerOption(args.kernelRegularizer, 'kernelRegularizer');
    this.biasRegularizer = regularizerOption(args.biasRegularizer, 'biasRegularizer');
    this.activityRegularizer = regularizerOption(args.activityRegularizer, 'activityRegularizer');
    this.kernelConstraint = constraintOption(args.kernelConstraint, 'kernelConstraint');
    this.biasConstraint = constraintOption(args.biasConstraint, 'biasConstraint');
  }

  /** The batch-less input as [H, W, C] of a 2-D conv (H = 1 for conv1d). */
  private asImage(inputShape: number[]): number[] {
    const want = this.rank + 1;
    if (inputShape.length !== want) {
      const what = this.rank === 1 ? '[batch, steps, channels]' : '[batch, height, width, channels]';
      throw new RangeError(`${this.getClassName()} ${this.name} expects inputs of shape ${what} but received ` +
        `${shapeString([null, ...inputShape])}`);
    }
    return this.rank === 1 ? [1, inputShape[0], inputShape[1]] : inputShape.slice();
  }

  private computeGeometry(inputShape: number[]): number[] {
    const [inH, inW, cin] = this.asImage(inputShape);
    const k = this.rank === 1 ? [1, this.kernelSize[0]] : this.kernelSize;
    const s = this.rank === 1 ? [1, this.strides[0]] : this.strides;
    const d = this.rank === 1 ? [1, this.dilationRate[0]] : this.dilationRate;
    const h = convAxis(inH, k[0], s[0], d[0], this.rank === 1 ? 'valid' : this.padding);
    const w = convAxis(inW, k[1], s[1], d[1], this.padding);
    if (h.out < 1 || w.out < 1) {
      throw new RangeError(`${this.getClassName()} ${this.name}: input ${shapeString([null, ...inputShape])} is smaller than ` +
        `the ${this.rank === 1 ? 'kernel' : 'dilated kernel'} ${shapeString(this.kernelSize)} (dilationRate ` +
        `${shapeString(this.dilationRate)}) with padding '${this.padding}'; use padding 'same' or a larger input`);
    }
    return [inH, inW, cin, h.out, w.out, k[0], k[1], s[0], s[1], d[0], d[1], h.padBefore, w.padBefore];
  }

  override build(inputShape: number[]): void {
    const g = this.computeGeometry(inputShape);
    const cin = g[2];
    this.kernel = this.addWeight('kernel', [...this.kernelSize, cin, this.filters], this.kernelInitializer, true,
      { regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, true,
        { regularizer: this.biasRegularizer, constraint: this.biasConstraint });
    }
    this.geometry = g;
    super.build(inputShape);
  }

  /**
   * The fused conv op (conv + bias + activation, one kernel and one gradient); conv1d runs as
   * conv2d over images of height 1, 'causal' as explicit left padding (Note [Keras conv geometry]).
   */
  override call(inputs: Tensor | Tensor[], _kwargs: CallArgs = {}): Tensor {
    const x = floatInput(singleInput(this, inputs));
    const act = this.activation;
    const fused = {
      bias: this.bias ? this.bias.tensor : undefined,
      activation: act.name,
      leakyreluAlpha: act.name === 'leakyRelu' ? act.alpha : undefined,
    };
    const kernel = this.kernel!.tensor;
    if (this.rank === 2) {
      return fusedConv2d({ x, filter: kernel, strides: this.strides as [number, number], pad: this.padding as PaddingMode,
        dilations: this.dilationRate as [number, number], ...fused });
    }
    const [batch, steps, channels] = x.shape;
    const [k, s, d] = [this.kernelSize[0], this.strides[0], this.dilationRate[0]];
    const padding: PaddingArg = this.padding === 'causal' ? [[0, 0], [0, 0], [(k - 1) * d, 0], [0, 0]] : this.padding;
    const y = fusedConv2d({ x: reshape(x, [batch, 1, steps, channels]), filter: reshape(kernel, [1, ...kernel.shape]),
      strides: [1, s], pad: padding, dilations: [1, d], ...fused });
    return reshape(y, [batch, y.shape[2], y.shape[3]]);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const g = this.computeGeometry(inputShape);
    return this.rank === 1 ? [g[4], this.filters] : [g[3], g[4], this.filters];
  }

  private dimsFor(batch: number): Int32Array {
    if (this.dims[0] !== batch) {
      const [inH, inW, cin, outH, outW, kH, kW, sH, sW, dH, dW, pT, pL] = this.geometry;
      this.dims = Int32Array.from([batch, inH, inW, cin, outH, outW, this.filters, kH, kW, sH, sW, dH, dW, pT, pL]);
    }
    return this.dims;
  }

  /** Whether the pre-activation output is kept: backward needs it, or the loss may fuse with it. */
  private keepsPreActivation(): boolean {
    const a = this.activation.name;
    return a !== 'linear' && (backwardUsesInput(a) || a === 'sigmoid' || a === 'softmax');
  }

  override forward(x: Tensor, _training: boolean): Tensor {
    const batch = x.shape[0];
    const outShape = [batch, ...this.builtOutputShape!];
    const y = this.buffer('y', outShape);
    const z = this.keepsPreActivation() ? this.buffer('z', outShape) : null;
    native.conv2dForward(f32(y), z ? f32(z) : null, f32(x), this.kernel!.value, this.bias ? this.bias.value : null,
      this.dimsFor(batch), this.activation.code, this.activation.alpha);
    this.x = x;
    this.z = z;
    this.y = y;
    return y;
  }

  override backward(dy: Tensor, needInputGrad: boolean, dyIsPreActivation = false): Tensor | null {
    const x = this.x!, y = this.y!;
    const dx = needInputGrad ? this.buffer('dx', x.shape) : null;
    const dz = this.activation.name === 'linear' || dyIsPreActivation ? null : this.buffer('dz', y.shape);
    native.conv2dBackward(dx ? f32(dx) : null, this.kernel!.grad, this.bias ? this.bias.grad : null, dz ? f32(dz) : null,
      f32(dy), f32(x), this.kernel!.value, this.z ? f32(this.z) : null, f32(y), this.dimsFor(x.shape[0]),
      this.activation.code, this.activation.alpha, dyIsPreActivation);
    return dx;
  }

  override fusableOutputActivation(): 'sigmoid' | 'softmax' | null {
    return fusableOutputActivation(this.activation);
  }

  override preActivationOutput(): Tensor | null {
    return this.z;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dilationRate: this.dilationRate, activation: this.activation.name, useBias: this.useBias, dataFormat: 'channelsLast',
      kernelRegularizer: serializeOption(this.kernelRegularizer), biasRegularizer: serializeOption(this.biasRegularizer),
      activityRegularizer: serializeOption(this.activityRegularizer), kernelConstraint: serializeOption(this.kernelConstraint),
      biasConstraint: serializeOption(this.biasConstraint),
    };
  }
}

/** 2-D convolution over [batch, height, width, channels]; kernel [kh, kw, cin, filters]. */
export class Conv2D extends ConvBase {
  static readonly className = 'Conv2D';
  constructor(args: ConvLayerArgs) {
    super(args, 2);
  }
}

/** 1-D convolution over [batch, steps, channels]; kernel [k, cin, filters]. Padding may be 'causal'. */
export class Conv1D extends ConvBase {
  static readonly className = 'Conv1D';
  constructor(args: ConvLayerArgs) {
    super(args, 1);
  }
}

export interface ZeroPadding2DLayerArgs extends LayerArgs {
  /** n (all sides), [h, w] (symmetric), or [[top, bottom], [left, right]]. Default 1. */
  padding?: number | [number, number] | [[number, number], [number, number]];
}

/** Pads [batch, h, w, c] with zeros: [top, bottom] rows and [left, right] columns. */
export class ZeroPadding2D extends Layer {
  static override readonly batchlessShapes = true;
  static readonly className = 'ZeroPadding2D';
  /** [top, bottom, left, right] */
  readonly pads: number[];

  constructor(args: ZeroPadding2DLayerArgs = {}) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object', 'zeroPadding2d(args)', args));
    checkKnownKeys(args, ['padding'], 'tn.layers.zeroPadding2d');
    super(args);
    const p = args.padding ?? 1;
    const nonNeg = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    if (nonNeg(p)) this.pads = [p as number, p as number, p as number, p as number];
    else if (Array.isArray(p) && p.length === 2 && p.every(nonNeg)) this.pads = [p[0], p[0], p[1], p[1]] as number[];
    else if (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every(nonNeg))) {
      const q = p as [[number, number], [number, number]];
      this.pads = [q[0][0], q[0][1], q[1][0], q[1][1]];
    } else {
      throw new TypeError(expected('a non-negative integer, [h, w] or [[top, bottom], [left, right]]', 'padding', p));
    }
  }

  override computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) {
      throw new RangeError(`ZeroPadding2D ${this.name} expects inputs of shape [batch, height, width, channels] but received ` +
        `${shapeString([null, ...inputShape])}`);
    }
    const [t, b, l, r] = this.pads;
    return [inputShape[0] + t + b, inputShape[1] + l + r, inputShape[2]];
  }

  override call(inputs: Tensor | Tensor[], _kwargs: CallArgs = {}): Tensor {
    const x = singleInput(this, inputs);
    const [t, b, l, r] = this.pads;
    return pad(x, [[0, 0], [t, b], [l, r], [0, 0]]);
  }

  override forward(x: Tensor, _training: boolean): Tensor {
    const [h, w, c] = this.builtInputShape!;
    const y = this.buffer('y', [x.shape[0], ...this.builtOutputShape!]);
    native.zeroPad2dForward(f32(y), f32(x), x.shape[0], h, w, c, ...this.pads);
    return y;
  }

  override backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    if (!needInputGrad) return null;
    const [h, w, c] = this.builtInputShape!;
    const dx = this.buffer('dx', [dy.shape[0], h, w, c]);
    native.zeroPad2dBackward(f32(dx), f32(dy), dy.shape[0], h, w, c, ...this.pads);
    return dx;
  }

  override getConfig(): Record<string, unknown> {
    const [t, b, l, r] = this.pads;
    return { ...super.getConfig(), padding: [[t, b], [l, r]] };
  }
}

export interface UpSampling2DLayerArgs extends LayerArgs {
  /** n or [h, w]; default [2, 2]. */
  size?: number | number[];
  /** Only 'nearest'. */
  interpolation?: 'nearest';
}

/** Repeats rows size[0] times and columns size[1] times (nearest neighbour). */
export class UpSampling2D extends Layer {
  static override readonly batchlessShapes = true;
  static readonly className = 'UpSampling2D';
  readonly size: number[];

  constructor(args: UpSampling2DLayerArgs = {}) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object', 'upSampling2d(args)', args));
    checkKnownKeys(args, ['size', 'interpolation'], 'tn.layers.upSampling2d');
    super(args);
    this.size = normalizeTuple(args.size ?? 2, 2, 'size');
    if (args.interpolation !== undefined && args.interpolation !== 'nearest') {
      throw new TypeError(expected("'nearest' (the only interpolation implemented)", 'interpolation', args.interpolation));
    }
  }

  override computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) {
      throw new RangeError(`UpSampling2D ${this.name} expects inputs of shape [batch, height, width, channels] but received ` +
        `${shapeString([null, ...inputShape])}`);
    }
    return [inputShape[0] * this.size[0], inputShape[1] * this.size[1], inputShape[2]];
  }

  /** Nearest neighbour: each pixel broadcast over a size[0] x size[1] block (its gradient sums the block). */
  override call(inputs: Tensor | Tensor[], _kwargs: CallArgs = {}): Tensor {
    const x = singleInput(this, inputs);
    const [b, h, w, c] = x.shape;
    const [sh, sw] = this.size;
    const blocks = broadcastTo(reshape(x, [b, h, 1, w, 1, c]), [b, h, sh, w, sw, c]);
    return reshape(blocks, [b, h * sh, w * sw, c]);
  }

  override forward(x: Tensor, _training: boolean): Tensor {
    const [h, w, c] = this.builtInputShape!;
    const y = this.buffer('y', [x.shape[0], ...this.builtOutputShape!]);
    native.upSampling2dForward(f32(y), f32(x), x.shape[0], h, w, c, this.size[0], this.size[1]);
    return y;
  }

  override backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    if (!needInputGrad) return null;
    const [h, w, c] = this.builtInputShape!;
    const dx = this.buffer('dx', [dy.shape[0], h, w, c]);
    native.upSampling2dBackward(f32(dx), f32(dy), dy.shape[0], h, w, c, this.size[0], this.size[1]);
    return dx;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size, interpolation: 'nearest' };
  }
}
