// Pooling layers, NHWC: maxPooling2d/1d, averagePooling2d/1d and their global forms.
// call runs tn.maxPool / tn.avgPool, forward/backward the same math in native/cpu/pool.cpp;
// 1-D pooling is 2-D pooling with height 1, global pooling is a window over the whole image.
// Geometry: Note [Keras conv geometry] in conv.ts.
import { checkOneOf, expected, shapeString } from '../errors';
import { native } from '../native';
import { Tensor } from '../tensor';
import { avgPool, maxPool } from '../ops/conv';
import { reshape } from '../ops/shape';
import { convAxis, normalizeTuple } from './conv';
import { floatInput, singleInput } from './core';
import { CallArgs, Layer, LayerArgs, checkKnownKeys } from './layer';

export interface Pooling2DLayerArgs extends LayerArgs {
  /** n or [h, w]; default [2, 2]. */
  poolSize?: number | number[];
  /** n or [h, w]; default poolSize. */
  strides?: number | number[] | null;
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
}

export interface Pooling1DLayerArgs extends LayerArgs {
  /** default 2 */
  poolSize?: number | number[];
  /** default poolSize */
  strides?: number | number[] | null;
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
}

type Mode = 'max' | 'avg';

/** Shared body: runs the native 2-D pool on [batch, H, W, C] (H = 1 for 1-D, window = image for global). */
abstract class PoolBase extends Layer {
  static override readonly batchlessShapes = true;
  protected dims = new Int32Array(12);
  // [inH, inW, C, outH, outW, pH, pW, sH, sW, padTop, padLeft]
  protected geometry: number[] = [];
  private argmax: Tensor | null = null;
  private xShape: number[] = [];

  constructor(args: LayerArgs, protected readonly mode: Mode) {
    super(args);
  }

  /** tn.maxPool or tn.avgPool on [batch, H, W, C]. */
  protected pool(x4: Tensor, window: [number, number], strides: [number, number], padding: 'valid' | 'same'): Tensor {
    return this.mode === 'max' ? maxPool(x4, window, strides, padding) : avgPool(x4, window, strides, padding);
  }

  /** Batch-less input -> geometry of the 2-D pool. */
  protected abstract computeGeometry(inputShape: number[]): number[];

  override computeOutputShape(inputShape: number[]): number[] {
    return this.outputFromGeometry(this.computeGeometry(inputShape));
  }

  protected abstract outputFromGeometry(g: number[]): number[];

  override build(inputShape: number[]): void {
    this.geometry = this.computeGeometry(inputShape);
    super.build(inputShape);
  }

  private dimsFor(batch: number): Int32Array {
    if (this.dims[0] !== batch) this.dims = Int32Array.from([batch, ...this.geometry]);
    return this.dims;
  }

  override forward(x: Tensor, _training: boolean): Tensor {
    const batch = x.shape[0];
    const outShape = [batch, ...this.builtOutputShape!];
    const y = this.buffer('y', outShape);
    const dims = this.dimsFor(batch);
    if (this.mode === 'max') {
      const argmax = this.buffer('argmax', outShape, 'int32');
      native.maxPool2dForward(y.values as Float32Array, argmax.values as Int32Array, x.values as Float32Array, dims);
      this.argmax = argmax;
    } else {
      native.avgPool2dForward(y.values as Float32Array, x.values as Float32Array, dims);
    }
    this.xShape = x.shape;
    return y;
  }

  override backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    if (!needInputGrad) return null;
    const dx = this.buffer('dx', this.xShape);
    const dims = this.dimsFor(dy.shape[0]);
    if (this.mode === 'max') {
      native.maxPool2dBackward(dx.values as Float32Array, dy.values as Float32Array, this.argmax!.values as Int32Array, dims);
    } else {
      native.avgPool2dBackward(dx.values as Float32Array, dy.values as Float32Array, dims);
    }
    return dx;
  }
}

function checkRank(layer: Layer, inputShape: number[], rank: number): void {
  if (inputShape.length !== rank + 1) {
    const what = rank === 1 ? '[batch, steps, channels]' : '[batch, height, width, channels]';
    throw new RangeError(`${layer.getClassName()} ${layer.name} expects inputs of shape ${what} but received ` +
      `${shapeString([null, ...inputShape])}`);
  }
}

/** Windowed pooling (1-D or 2-D). */
abstract class WindowPool extends PoolBase {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';

  constructor(args: Pooling2DLayerArgs | Pooling1DLayerArgs, mode: Mode, private readonly rank: 1 | 2, fn: string) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object', `${fn}(args)`, args));
    checkKnownKeys(args, ['poolSize', 'strides', 'padding', 'dataFormat'], `tn.layers.${fn}`);
    super(args, mode);
    this.poolSize = normalizeTuple(args.poolSize ?? 2, rank, 'poolSize');
    this.strides = args.strides === undefined || args.strides === null ? this.poolSize.slice() : normalizeTuple(args.strides, rank, 'strides');
    this.padding = checkOneOf(args.padding ?? 'valid', 'padding', ['valid', 'same'] as const);
    if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast') {
      throw new TypeError(expected("'channelsLast' (NHWC is the only layout)", 'dataFormat', args.dataFormat));
    }
  }

  protected computeGeometry(inputShape: number[]): number[] {
    checkRank(this, inputShape, this.rank);
    const [inH, inW, c] = this.rank === 1 ? [1, inputShape[0], inputShape[1]] : inputShape;
    const p = this.rank === 1 ? [1, this.poolSize[0]] : this.poolSize;
    const s = this.rank === 1 ? [1, this.strides[0]] : this.strides;
    const h = convAxis(inH, p[0], s[0], 1, this.rank === 1 ? 'valid' : this.padding);
    const w = convAxis(inW, p[1], s[1], 1, this.padding);
    if (h.out < 1 || w.out < 1) {
      throw new RangeError(`${this.getClassName()} ${this.name}: input ${shapeString([null, ...inputShape])} is smaller than ` +
        `poolSize ${shapeString(this.poolSize)} with padding 'valid'; use padding 'same' or a smaller poolSize`);
    }
    return [inH, inW, c, h.out, w.out, p[0], p[1], s[0], s[1], h.padBefore, w.padBefore];
  }

  protected outputFromGeometry(g: number[]): number[] {
    return this.rank === 1 ? [g[4], g[2]] : [g[3], g[4], g[2]];
  }

  override call(inputs: Tensor | Tensor[], _kwargs: CallArgs = {}): Tensor {
    const x = floatInput(singleInput(this, inputs));
    if (this.rank === 2) return this.pool(x, this.poolSize as [number, number], this.strides as [number, number], this.padding);
    const [batch, steps, channels] = x.shape;
    const y = this.pool(reshape(x, [batch, 1, steps, channels]), [1, this.poolSize[0]], [1, this.strides[0]], this.padding);
    return reshape(y, [batch, y.shape[2], channels]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/** Global pooling: one value per channel, [batch, ..., C] -> [batch, C]. */
abstract class GlobalPool extends PoolBase {
  constructor(args: LayerArgs, mode: Mode, private readonly rank: 1 | 2, fn: string) {
    if (args !== undefined && (args === null || typeof args !== 'object')) throw new TypeError(expected('an object', `${fn}(args)`, args));
    checkKnownKeys(args, [], `tn.layers.${fn}`);
    super(args ?? {}, mode);
  }

  protected computeGeometry(inputShape: number[]): number[] {
    checkRank(this, inputShape, this.rank);
    const [inH, inW, c] = this.rank === 1 ? [1, inputShape[0], inputShape[1]] : inputShape;
    return [inH, inW, c, 1, 1, inH, inW, 1, 1, 0, 0];
  }

  protected outputFromGeometry(g: number[]): number[] {
    return [g[2]];
  }

  /** One window over the whole image (or sequence), then [batch, C]. */
  override call(inputs: Tensor | Tensor[], _kwargs: CallArgs = {}): Tensor {
    const x = floatInput(singleInput(this, inputs));
    const x4 = this.rank === 2 ? x : reshape(x, [x.shape[0], 1, x.shape[1], x.shape[2]]);
    const [batch, h, w, channels] = x4.shape;
    return reshape(this.pool(x4, [h, w], [1, 1], 'valid'), [batch, channels]);
  }
}

export class MaxPooling2D extends WindowPool {
  static readonly className = 'MaxPooling2D';
  constructor(args: Pooling2DLayerArgs = {}) {
    super(args, 'max', 2, 'maxPooling2d');
  }
}

export class AveragePooling2D extends WindowPool {
  static readonly className = 'AveragePooling2D';
  constructor(args: Pooling2DLayerArgs = {}) {
    super(args, 'avg', 2, 'averagePooling2d');
  }
}

export class MaxPooling1D extends WindowPool {
  static readonly className = 'MaxPooling1D';
  constructor(args: Pooling1DLayerArgs = {}) {
    super(args, 'max', 1, 'maxPooling1d');
  }
}

export class AveragePooling1D extends WindowPool {
  static readonly className = 'AveragePooling1D';
  constructor(args: Pooling1DLayerArgs = {}) {
    super(args, 'avg', 1, 'averagePooling1d');
  }
}

export class GlobalAveragePooling2D extends GlobalPool {
  static readonly className = 'GlobalAveragePooling2D';
  constructor(args: LayerArgs = {}) {
    super(args, 'avg', 2, 'globalAveragePooling2d');
  }
}

export class GlobalMaxPooling2D extends GlobalPool {
  static readonly className = 'GlobalMaxPooling2D';
  constructor(args: LayerArgs = {}) {
    super(args, 'max', 2, 'globalMaxPooling2d');
  }
}

export class GlobalAveragePooling1D extends GlobalPool {
  static readonly className = 'GlobalAveragePooling1D';
  constructor(args: LayerArgs = {}) {
    super(args, 'avg', 1, 'globalAveragePooling1d');
  }
}

export class GlobalMaxPooling1D extends GlobalPool {
  static readonly className = 'GlobalMaxPooling1D';
  constructor(args: LayerArgs = {}) {
    super(args, 'max', 1, 'globalMaxPooling1d');
  }
}
