// tn.preprocessing.image.imageDataGenerator: Keras' ImageDataGenerator (keras.preprocessing.image,
// the legacy API the seed CNN is written with) with flowFromDirectory and flow, its random
// augmentation and its standardization, on typed arrays.
//
//   const gen = tn.preprocessing.image.imageDataGenerator({ rescale: 1 / 255 });
//   const train = gen.flowFromDirectory('data/train', { targetSize: [64, 64], batchSize: 32, classMode: 'binary' });
//   await model.fit(train, { epochs: 10 });
//   const [loss, acc] = await model.evaluate(gen.flowFromDirectory('data/test', { … }));
//
// flowFromDirectory returns a DirectoryIterator: a tn.data Dataset of [x, y] batches (one pass
// = one epoch, reshuffled each epoch), with Keras' samples, classIndices, classes, filenames,
// filepaths, length (batches per epoch), getBatch(i) and next().
import * as path from 'path';
import { checkBoolean, checkNumberInRange, checkOneOf, checkPositiveInteger, expected, isFiniteNumber, shapeString } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { Dataset, prefetchPass } from '../data/dataset';
import { CHANNELS, ColorMode, DecodeOptions, loadSharp } from '../data/image_decode';
import {
  ImageLoader, OnDecodeError, PIL_INTERPOLATIONS, checkDirectory, checkImageSize, checkInterpolation, checkKnownKeys, listClassFolders, listValidFiles,
} from '../data/images';
import { SeededRandom } from '../data/random';
import { AffineParams, FillMode, affineMatrix, affineResample } from './affine';

export interface ImageDataGeneratorArgs {
  /** Multiplies every pixel (after augmentation), e.g. 1/255. */
  rescale?: number | null;
  /** Degrees: rotations drawn from [-r, r]. */
  rotationRange?: number;
  /** < 1: a fraction of the width; >= 1: pixels (an integer n: whole pixels in (-n, n)); an array: one of its values, either sign. */
  widthShiftRange?: number | number[];
  heightShiftRange?: number | number[];
  /** Shear angle in degrees, drawn from [-s, s]. */
  shearRange?: number;
  /** z: zooms in [1 - z, 1 + z]; [lo, hi]: zooms in [lo, hi] (independently for x and y). */
  zoomRange?: number | [number, number];
  /** Adds one value drawn from [-s, s] to every channel, clipped to the image's range. */
  channelShiftRange?: number;
  /** Points outside the image after a transform: 'nearest' (default), 'constant' (cval), 'reflect', 'wrap'. */
  fillMode?: FillMode;
  cval?: number;
  horizontalFlip?: boolean;
  verticalFlip?: boolean;
  /** [lo, hi]: brightness factors (PIL's ImageEnhance.Brightness, as Keras). */
  brightnessRange?: [number, number] | null;
  /** Applied to each image (a [h, w, c] Tensor) after augmentation, before rescale; returns a Tensor of the same shape. */
  preprocessingFunction?: ((image: Tensor) => Tensor) | null;
  /** Fraction of each class folder kept for subset 'validation' (the first files of each class, as Keras). */
  validationSplit?: number;
  samplewiseCenter?: boolean;
  samplewiseStdNormalization?: boolean;
  /** Spline order of the affine resampling: 0 (nearest) or 1 (bilinear, default). */
  interpolationOrder?: 0 | 1;
  dataFormat?: 'channelsLast';
  dtype?: 'float32';
  featurewiseCenter?: false;
  featurewiseStdNormalization?: false;
  zcaWhitening?: false;
  /** Only used by zcaWhitening (not implemented); accepted so Keras configs port. */
  zcaEpsilon?: number;
}

const GENERATOR_KEYS = ['rescale', 'rotationRange', 'widthShiftRange', 'heightShiftRange', 'shearRange', 'zoomRange',
  'channelShiftRange', 'fillMode', 'cval', 'horizontalFlip', 'verticalFlip', 'brightnessRange', 'preprocessingFunction',
  'validationSplit', 'samplewiseCenter', 'samplewiseStdNormalization', 'interpolationOrder', 'dataFormat', 'dtype',
  'featurewiseCenter', 'featurewiseStdNormalization', 'zcaWhitening', 'zcaEpsilon'];

/** The random parameters of one image's augmentation (Keras' transform_parameters). */
export interface TransformParams extends AffineParams {
  flipHorizontal: boolean;
  flipVertical: boolean;
  channelShiftIntensity: number | null;
  brightness: number | null;
}

type ShiftRange = { kind: 'none' } | { kind: 'uniform'; range: number; fraction: boolean } | { kind: 'choice'; values: number[]; fraction: boolean };

function checkShiftRange(v: unknown, argument: string): ShiftRange {
  if (v === undefined || v === 0) return { kind: 'none' };
  if (Array.isArray(v)) {
    if (v.length === 0 || !v.every(isFiniteNumber)) throw new TypeError(expected('a number or a non-empty array of numbers', argument, v));
    return { kind: 'choice', values: v.slice(), fraction: Math.max(...v) < 1 };
  }
  if (!isFiniteNumber(v) || v < 0) throw new TypeError(expected('a non-negative number or an array of numbers', argument, v));
  // Keras tells an int (whole pixels in (-n, n)) from a float (uniform) by Python type; JS
  // numbers have one type, so an integer >= 1 means whole pixels.
  if (Number.isInteger(v) && v >= 1) return { kind: 'choice', values: Array.from({ length: v }, (_, i) => i), fraction: false };
  return { kind: 'uniform', range: v, fraction: v < 1 };
}

function drawShift(r: ShiftRange, size: number, random: SeededRandom): number {
  if (r.kind === 'none') return 0;
  let t: number;
  if (r.kind === 'choice') t = r.values[random.int(r.values.length)] * (random.uniform() < 0.5 ? -1 : 1);
  else t = random.uniformIn(-r.range, r.range);
  return r.fraction ? t * size : t;
}

function optionalBoolean(v: unknown, argument: string): boolean {
  return v === undefined ? false : checkBoolean(v, argument);
}

function nonNegative(v: unknown, argument: string): number {
  if (v === undefined) return 0;
  if (!isFiniteNumber(v) || v < 0) throw new RangeError(expected('a non-negative number', argument, v));
  return v;
}

export class ImageDataGenerator {
  readonly rescale: number | null;
  readonly rotationRange: number;
  readonly shearRange: number;
  readonly zoomRange: [number, number];
  readonly channelShiftRange: number;
  readonly fillMode: FillMode;
  readonly cval: number;
  readonly horizontalFlip: boolean;
  readonly verticalFlip: boolean;
  readonly brightnessRange: [number, number] | null;
  readonly preprocessingFunction: ((image: Tensor) => Tensor) | null;
  readonly validationSplit: number;
  readonly samplewiseCenter: boolean;
  readonly samplewiseStdNormalization: boolean;
  readonly interpolationOrder: 0 | 1;
  private readonly widthShift: ShiftRange;
  private readonly heightShift: ShiftRange;

  constructor(args: ImageDataGeneratorArgs = {}) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object of options', 'imageDataGenerator(args)', args));
    checkKnownKeys(args, GENERATOR_KEYS, 'imageDataGenerator');
    for (const key of ['featurewiseCenter', 'featurewiseStdNormalization', 'zcaWhitening'] as const) {
      if (args[key] !== undefined && args[key] !== false) {
        throw new Error(`imageDataGenerator: ${key} is not implemented (it needs generator.fit(x) on sample data); ` +
          'standardize the data in a preprocessingFunction instead');
      }
    }
    if (args.rescale === undefined || args.rescale === null || args.rescale === 0) this.rescale = null;
    else if (!isFiniteNumber(args.rescale)) throw new TypeError(expected('a finite number', 'rescale', args.rescale));
    else this.rescale = args.rescale;
    this.rotationRange = nonNegative(args.rotationRange, 'rotationRange');
    this.widthShift = checkShiftRange(args.widthShiftRange, 'widthShiftRange');
    this.heightShift = checkShiftRange(args.heightShiftRange, 'heightShiftRange');
    this.shearRange = nonNegative(args.shearRange, 'shearRange');
    const z = args.zoomRange ?? 0;
    if (isFiniteNumber(z)) this.zoomRange = [1 - z, 1 + z];
    else if (Array.isArray(z) && z.length === 2 && z.every(isFiniteNumber)) this.zoomRange = [z[0], z[1]];
    else throw new TypeError(expected('a number or [lower, upper]', 'zoomRange', z));
    this.channelShiftRange = nonNegative(args.channelShiftRange, 'channelShiftRange');
    this.fillMode = checkOneOf(args.fillMode ?? 'nearest', 'fillMode', ['constant', 'nearest', 'reflect', 'wrap'] as const);
    if (args.cval !== undefined && !isFiniteNumber(args.cval)) throw new TypeError(expected('a finite number', 'cval', args.cval));
    this.cval = args.cval ?? 0;
    this.horizontalFlip = optionalBoolean(args.horizontalFlip, 'horizontalFlip');
    this.verticalFlip = optionalBoolean(args.verticalFlip, 'verticalFlip');
    if (args.brightnessRange === undefined || args.brightnessRange === null) this.brightnessRange = null;
    else if (Array.isArray(args.brightnessRange) && args.brightnessRange.length === 2 && args.brightnessRange.every(isFiniteNumber)) {
      this.brightnessRange = [args.brightnessRange[0], args.brightnessRange[1]];
    } else throw new TypeError(expected('[lower, upper]', 'brightnessRange', args.brightnessRange));
    if (args.preprocessingFunction !== undefined && args.preprocessingFunction !== null && typeof args.preprocessingFunction !== 'function') {
      throw new TypeError(expected('a function', 'preprocessingFunction', args.preprocessingFunction));
    }
    this.preprocessingFunction = args.preprocessingFunction ?? null;
    this.validationSplit = args.validationSplit === undefined || args.validationSplit === 0 ? 0
      : checkNumberInRange(args.validationSplit, 'validationSplit', 0, 1, false, false);
    // As Keras: samplewise std normalization implies centering.
    this.samplewiseStdNormalization = optionalBoolean(args.samplewiseStdNormalization, 'samplewiseStdNormalization');
    this.samplewiseCenter = optionalBoolean(args.samplewiseCenter, 'samplewiseCenter') || this.samplewiseStdNormalization;
    if (args.interpolationOrder !== undefined && args.interpolationOrder !== 0 && args.interpolationOrder !== 1) {
      throw new TypeError(expected('0 (nearest) or 1 (bilinear); higher spline orders are not implemented', 'interpolationOrder', args.interpolationOrder));
    }
    this.interpolationOrder = args.interpolationOrder ?? 1;
    if (args.dataFormat !== undefined) checkOneOf(args.dataFormat, 'dataFormat', ['channelsLast'] as const);
    if (args.dtype !== undefined) checkOneOf(args.dtype, 'dtype', ['float32'] as const);
    if (args.zcaEpsilon !== undefined && !isFiniteNumber(args.zcaEpsilon)) throw new TypeError(expected('a number', 'zcaEpsilon', args.zcaEpsilon));
  }

  /** Whether any random transformation is configured (else images pass through untouched). */
  get augments(): boolean {
    return this.rotationRange !== 0 || this.widthShift.kind !== 'none' || this.heightShift.kind !== 'none' || this.shearRange !== 0 ||
      this.zoomRange[0] !== 1 || this.zoomRange[1] !== 1 || this.channelShiftRange !== 0 || this.horizontalFlip || this.verticalFlip ||
      this.brightnessRange !== null;
  }

  /** Draws the parameters of one random transformation for an image of shape [h, w, c]. */
  getRandomTransform(imageShape: number[], seed?: number): TransformParams {
    return this.drawTransform(imageShape, new SeededRandom(seed));
  }

  /** @internal */
  drawTransform(imageShape: number[], random: SeededRandom): TransformParams {
    const [h, w] = imageShape;
    const theta = this.rotationRange ? random.uniformIn(-this.rotationRange, this.rotationRange) : 0;
    const tx = drawShift(this.widthShift, w, random);
    const ty = drawShift(this.heightShift, h, random);
    const shear = this.shearRange ? random.uniformIn(-this.shearRange, this.shearRange) : 0;
    const [lo, hi] = this.zoomRange;
    const zoom = lo === 1 && hi === 1;
    const zx = zoom ? 1 : random.uniformIn(lo, hi);
    const zy = zoom ? 1 : random.uniformIn(lo, hi);
    const flipHorizontal = this.horizontalFlip && random.uniform() < 0.5;
    const flipVertical = this.verticalFlip && random.uniform() < 0.5;
    const channelShiftIntensity = this.channelShiftRange ? random.uniformIn(-this.channelShiftRange, this.channelShiftRange) : null;
    const brightness = this.brightnessRange ? random.uniformIn(this.brightnessRange[0], this.brightnessRange[1]) : null;
    return { theta, tx, ty, shear, zx, zy, flipHorizontal, flipVertical, channelShiftIntensity, brightness };
  }

  /** Applies a transformation to one image (a [h, w, c] Tensor); returns a new Tensor. */
  applyTransform(image: Tensor, params: Partial<TransformParams>): Tensor {
    const x = checkImage(image, 'image');
    const out = Float32Array.from(x.values);
    this.transformInPlace(out, x.shape[0], x.shape[1], x.shape[2], params, new Float32Array(out.length));
    return new Tensor(out, x.shape.slice(), 'float32');
  }

  /** A random transformation of one image (a [h, w, c] Tensor). */
  randomTransform(image: Tensor, seed?: number): Tensor {
    const x = checkImage(image, 'image');
    return this.applyTransform(x, this.getRandomTransform(x.shape, seed));
  }

  /** preprocessingFunction, rescale and samplewise normalization of one image (a [h, w, c] Tensor); returns a new Tensor. */
  standardize(image: Tensor): Tensor {
    const x = checkImage(image, 'image');
    const out = Float32Array.from(x.values);
    this.standardizeInPlace(out, x.shape);
    return new Tensor(out, x.shape.slice(), 'float32');
  }

  /** @internal Keras' apply_transform order: affine, channel shift, flips, brightness. */
  transformInPlace(img: Float32Array, h: number, w: number, c: number, p: Partial<TransformParams>, scratch: Float32Array): void {
    const m = affineMatrix({ theta: p.theta ?? 0, tx: p.tx ?? 0, ty: p.ty ?? 0, shear: p.shear ?? 0, zx: p.zx ?? 1, zy: p.zy ?? 1 }, h, w);
    if (m !== null) {
      affineResample(scratch, img, h, w, c, m, this.fillMode, this.cval, this.interpolationOrder);
      img.set(scratch);
    }
    if (p.channelShiftIntensity !== undefined && p.channelShiftIntensity !== null) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < img.length; i++) {
        if (img[i] < lo) lo = img[i];
        if (img[i] > hi) hi = img[i];
      }
      for (let i = 0; i < img.length; i++) img[i] = Math.min(hi, Math.max(lo, img[i] + p.channelShiftIntensity));
    }
    if (p.flipHorizontal) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w >> 1; x++) {
          const a = (y * w + x) * c;
          const b = (y * w + (w - 1 - x)) * c;
          for (let k = 0; k < c; k++) {
            const t = img[a + k];
            img[a + k] = img[b + k];
            img[b + k] = t;
          }
        }
      }
    }
    if (p.flipVertical) {
      const row = w * c;
      for (let y = 0; y < h >> 1; y++) {
        const a = img.slice(y * row, (y + 1) * row);
        img.copyWithin(y * row, (h - 1 - y) * row, (h - y) * row);
        img.set(a, (h - 1 - y) * row);
      }
    }
    if (p.brightness !== undefined && p.brightness !== null) applyBrightness(img, c, p.brightness);
  }

  /** @internal Keras' standardize: preprocessingFunction, rescale, samplewise center and std. */
  standardizeInPlace(img: Float32Array, shape: number[]): void {
    if (this.preprocessingFunction) {
      const result = this.preprocessingFunction(new Tensor(img.slice(), shape.slice(), 'float32'));
      if (!(result instanceof Tensor) || result.size !== img.length) {
        throw new TypeError(`preprocessingFunction must return a Tensor of shape ${shapeString(shape)} but returned ` +
          `${result instanceof Tensor ? `shape ${shapeString(result.shape)}` : String(result)}`);
      }
      img.set(result.values);
    }
    if (this.rescale !== null) for (let i = 0; i < img.length; i++) img[i] *= this.rescale;
    if (this.samplewiseCenter) {
      let mean = 0;
      for (let i = 0; i < img.length; i++) mean += img[i];
      mean /= img.length;
      for (let i = 0; i < img.length; i++) img[i] -= mean;
    }
    if (this.samplewiseStdNormalization) {
      let sq = 0;
      let mean = 0;
      for (let i = 0; i < img.length; i++) mean += img[i];
      mean /= img.length;
      for (let i = 0; i < img.length; i++) sq += (img[i] - mean) ** 2;
      const std = Math.sqrt(sq / img.length);
      for (let i = 0; i < img.length; i++) img[i] /= std + 1e-6;
    }
  }

  /** Keras' flow_from_directory: batches of augmented images from a folder with one subfolder per class. */
  flowFromDirectory(directory: string, args: FlowFromDirectoryArgs = {}): DirectoryIterator {
    return new DirectoryIterator(directory, this, args);
  }

  /** Keras' flow: batches of augmented images from a [n, h, w, c] tensor (and labels). */
  flow(x: Tensor, y?: Tensor | null, args: FlowArgs = {}): ArrayIterator {
    return new ArrayIterator(this, x, y ?? null, args);
  }
}

/** PIL's ImageEnhance.Brightness as Keras' apply_brightness_shift(x, brightness, scale=False) uses it. */
function applyBrightness(img: Float32Array, channels: number, factor: number): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < img.length; i++) {
    if (img[i] < lo) lo = img[i];
    if (img[i] > hi) hi = img[i];
  }
  // Keras converts to an 8-bit PIL image (rescaling to [0, 255] only when the values leave it),
  // blends with black (out = trunc(factor * v), clipped to [0, 255]), and converts back.
  const rescaled = lo < 0 || hi > 255;
  const span = hi - lo;
  const hasAlpha = channels === 4;
  for (let i = 0; i < img.length; i++) {
    let v = img[i];
    if (rescaled) v = span > 0 ? ((v - lo) / span) * 255 : 0;
    v = Math.trunc(v) & 0xff;
    if (!(hasAlpha && i % 4 === 3)) {
      const t = Math.fround(factor * v);
      v = t <= 0 ? 0 : t >= 255 ? 255 : Math.trunc(t);
    }
    img[i] = rescaled ? (v / 255) * span + lo : v;
  }
}

function checkImage(image: unknown, argument: string): Tensor {
  const x = checkTensor(image, argument);
  if (x.rank !== 3) throw new RangeError(`Expected ${argument} to be one image of shape [height, width, channels] but received shape ${shapeString(x.shape)}`);
  if (x.dtype !== 'float32') throw new TypeError(`Expected ${argument} to be a float32 tensor but received ${x.dtype}`);
  return x;
}

// ---- flowFromDirectory ---------------------------------------------------------------------

/** The files flow_from_directory lists: Keras' white_list_formats (matched without the dot, as Keras), plus webp. */
const FLOW_FORMATS = ['png', 'jpg', 'jpeg', 'bmp', 'ppm', 'tif', 'tiff', 'webp'];

export interface FlowFromDirectoryArgs {
  /** [height, width], default [256, 256]. */
  targetSize?: [number, number];
  colorMode?: ColorMode;
  /** The class subfolders to use, in this order (default: all, sorted). */
  classes?: string[];
  /** 'categorical' (one-hot, default), 'binary' (float32 0/1 of shape [batch]), 'sparse' (class indices), 'input' (y = x) or null (no y). */
  classMode?: 'categorical' | 'binary' | 'sparse' | 'input' | null;
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
  followLinks?: boolean;
  /** 'training' or 'validation', with the generator's validationSplit. */
  subset?: 'training' | 'validation';
  /** 'nearest' (default, as Keras), 'bilinear', 'bicubic', 'lanczos'. */
  interpolation?: string;
  /** Crop the centre to the target's aspect ratio before resizing. */
  keepAspectRatio?: boolean;
  dtype?: 'float32';
  /** tensornode: a file that cannot be decoded is an error ('error', default) or skipped with a warning ('skip'). */
  onDecodeError?: OnDecodeError;
  /** tensornode: batches decoded ahead of training (default 2); 0 decodes on demand. */
  prefetch?: number;
}

const FLOW_KEYS = ['targetSize', 'colorMode', 'classes', 'classMode', 'batchSize', 'shuffle', 'seed', 'followLinks', 'subset',
  'interpolation', 'keepAspectRatio', 'dtype', 'onDecodeError', 'prefetch'];
const FLOW_NOT_IMPLEMENTED = {
  saveToDir: 'tensornode does not write augmented images back to disk',
  savePrefix: 'it only applies with saveToDir',
  saveFormat: 'it only applies with saveToDir',
};

/** Keras' Iterator: batches over n samples, reshuffled every epoch. */
abstract class BatchIterator extends Dataset<unknown> {
  readonly n: number;
  readonly batchSize: number;
  /** Whether each epoch is shuffled (Keras' iterator.shuffle; `shuffle` here is Dataset.shuffle). */
  readonly shuffleEpochs: boolean;
  readonly seed: number | undefined;
  private readonly orderRandom: SeededRandom;
  private indexArray: Int32Array | null = null;
  private batchIndex = 0;

  protected constructor(n: number, batchSize: number, shuffle: boolean, seed: number | undefined, prefetch: number) {
    const batches = Math.ceil(n / batchSize);
    let self: BatchIterator | null = null;
    const epoch = async function* epochPass(): AsyncGenerator<unknown> {
      const order = self!.newEpochOrder();
      for (let b = 0; b < batches; b++) yield await self!.batchAt(order, b);
    };
    const base = new Dataset<unknown>(epoch, batches);
    super(prefetch > 0 ? prefetchPass(base, prefetch) : epoch, batches);
    self = this;
    this.n = n;
    this.batchSize = batchSize;
    this.shuffleEpochs = shuffle;
    this.seed = seed;
    this.orderRandom = new SeededRandom(seed);
  }

  /** Batches per epoch (Keras' len(iterator)). */
  get length(): number {
    return Math.ceil(this.n / this.batchSize);
  }

  private newEpochOrder(): Int32Array {
    const order = Int32Array.from({ length: this.n }, (_, i) => i);
    if (this.shuffleEpochs) this.orderRandom.shuffle(order);
    this.indexArray = order;
    return order;
  }

  private batchAt(order: Int32Array, b: number): Promise<unknown> {
    return this.loadBatch(Array.from(order.subarray(b * this.batchSize, Math.min(this.n, (b + 1) * this.batchSize))));
  }

  /** Batch `index` of the current epoch's order (Keras' iterator[index]). */
  getBatch(index: number): Promise<unknown> {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`Asked to retrieve batch ${index}, but the iterator has length ${this.length}`);
    }
    return this.batchAt(this.indexArray ?? this.newEpochOrder(), index);
  }

  /** The next batch of an endless stream of epochs (Keras' next(iterator)). */
  next(): Promise<unknown> {
    if (this.batchIndex === 0 || this.indexArray === null) this.newEpochOrder();
    const b = this.batchIndex;
    this.batchIndex = (b + 1) % this.length;
    return this.batchAt(this.indexArray!, b);
  }

  /** Restarts next() at the first batch of a new epoch. */
  reset(): void {
    this.batchIndex = 0;
  }

  protected abstract loadBatch(indices: number[]): Promise<unknown>;
}

/** Augmentation and standardization of each loaded image, with the iterator's random stream. */
function imagePostprocess(gen: ImageDataGenerator, shape: number[], random: SeededRandom): (img: Float32Array) => void {
  const [h, w, c] = shape;
  const scratch = new Float32Array(h * w * c);
  const augments = gen.augments;
  return (img) => {
    if (augments) gen.transformInPlace(img, h, w, c, gen.drawTransform(shape, random), scratch);
    gen.standardizeInPlace(img, shape);
  };
}

/** What flowFromDirectory returns: a Dataset of [x, y] batches with Keras' DirectoryIterator attributes. */
export class DirectoryIterator extends BatchIterator {
  readonly directory: string;
  /** Class name -> index. */
  readonly classIndices: Record<string, number>;
  readonly numClasses: number;
  /** The class index of every image, in file order. */
  readonly classes: Int32Array;
  /** Paths relative to the directory ('cats/001.png'). */
  readonly filenames: string[];
  readonly filepaths: string[];
  readonly classMode: 'categorical' | 'binary' | 'sparse' | 'input' | null;
  readonly targetSize: [number, number];
  readonly imageShape: number[];
  private readonly loader: ImageLoader;

  constructor(directory: string, gen: ImageDataGenerator, args: FlowFromDirectoryArgs = {}) {
    checkDirectory(directory);
    loadSharp(); // a missing sharp is the first thing to report
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object of options', 'flowFromDirectory(directory, args)', args));
    checkKnownKeys(args, FLOW_KEYS, 'flowFromDirectory', FLOW_NOT_IMPLEMENTED);
    const targetSize = checkImageSize(args.targetSize ?? [256, 256], 'targetSize');
    const colorMode = checkOneOf(args.colorMode ?? 'rgb', 'colorMode', ['grayscale', 'rgb', 'rgba'] as const);
    const classMode = args.classMode === null ? null : checkOneOf(args.classMode ?? 'categorical', 'classMode', ['categorical', 'binary', 'sparse', 'input'] as const);
    const batchSize = args.batchSize === undefined ? 32 : checkPositiveInteger(args.batchSize, 'batchSize');
    const shuffle = args.shuffle === undefined ? true : checkBoolean(args.shuffle, 'shuffle');
    if (args.seed !== undefined && !(Number.isInteger(args.seed) && args.seed >= 0 && args.seed <= 0xffffffff)) {
      throw new TypeError(expected('an integer in [0, 2^32)', 'seed', args.seed));
    }
    const followLinks = args.followLinks === undefined ? false : checkBoolean(args.followLinks, 'followLinks');
    const subset = args.subset === undefined ? undefined : checkOneOf(args.subset, 'subset', ['training', 'validation'] as const);
    if (subset !== undefined && gen.validationSplit === 0) {
      throw new TypeError(`subset '${subset}' needs the generator's validationSplit (imageDataGenerator({validationSplit: 0.2}))`);
    }
    const kernel = checkInterpolation(args.interpolation ?? 'nearest', PIL_INTERPOLATIONS);
    const keepAspectRatio = args.keepAspectRatio === undefined ? false : checkBoolean(args.keepAspectRatio, 'keepAspectRatio');
    if (args.dtype !== undefined) checkOneOf(args.dtype, 'dtype', ['float32'] as const);
    const onDecodeError = checkOneOf(args.onDecodeError ?? 'error', 'onDecodeError', ['error', 'skip'] as const);
    const prefetch = args.prefetch === undefined ? 2 : args.prefetch;
    if (!Number.isInteger(prefetch) || prefetch < 0) throw new TypeError(expected('a non-negative integer', 'prefetch', prefetch));

    let classes: string[];
    if (args.classes !== undefined && args.classes !== null) {
      if (!Array.isArray(args.classes) || !args.classes.every((c) => typeof c === 'string')) {
        throw new TypeError(expected('an array of subfolder names', 'classes', args.classes));
      }
      classes = args.classes.slice();
      const missing = classes.filter((c) => !listClassFolders(directory, false).includes(c));
      if (missing.length > 0) throw new Error(`classes ${JSON.stringify(missing)} ${missing.length === 1 ? 'is not a subfolder' : 'are not subfolders'} of ${directory}`);
    } else {
      // Hidden folders (.ipynb_checkpoints, .DS_Store folders) are not classes, as in
      // image_dataset_from_directory (Keras' legacy flow_from_directory counts them).
      classes = listClassFolders(directory, true);
    }
    if (classMode === 'binary' && classes.length !== 2) {
      throw new Error(`classMode 'binary' needs exactly 2 class subfolders but ${directory} has ${classes.length}: ${JSON.stringify(classes)}`);
    }
    const filenames: string[] = [];
    const labels: number[] = [];
    const split = subset === 'validation' ? [0, gen.validationSplit] : subset === 'training' ? [gen.validationSplit, 1] : null;
    classes.forEach((name, c) => {
      const classDir = path.join(directory, name);
      let files = listValidFiles(classDir, FLOW_FORMATS, followLinks);
      if (split) files = files.slice(Math.floor(split[0] * files.length), Math.floor(split[1] * files.length));
      for (const f of files) {
        filenames.push(path.join(name, path.relative(classDir, f)));
        labels.push(c);
      }
    });
    console.log(`Found ${filenames.length} images belonging to ${classes.length} classes.`);
    super(filenames.length, batchSize, shuffle, args.seed, prefetch);
    this.directory = directory;
    this.classIndices = Object.fromEntries(classes.map((c, i) => [c, i]));
    this.numClasses = classes.length;
    this.classes = Int32Array.from(labels);
    this.filenames = filenames;
    this.filepaths = filenames.map((f) => path.join(directory, f));
    this.classMode = classMode;
    this.targetSize = targetSize;
    this.imageShape = [targetSize[0], targetSize[1], CHANNELS[colorMode]];
    const decode: DecodeOptions = { height: targetSize[0], width: targetSize[1], colorMode, kernel, fit: keepAspectRatio ? 'cover' : 'fill' };
    this.loader = new ImageLoader(this.filepaths, decode, onDecodeError, imagePostprocess(gen, this.imageShape, new SeededRandom(args.seed)));
  }

  /** The labels of every image (Keras' labels: the same as classes). */
  get labels(): Int32Array {
    return this.classes;
  }

  get samples(): number {
    return this.n;
  }

  protected async loadBatch(indices: number[]): Promise<unknown> {
    const { images, kept } = await this.loader.load(indices);
    const x = new Tensor(images, [kept.length, ...this.imageShape], 'float32');
    switch (this.classMode) {
      case null:
        return x;
      case 'input':
        return [x, new Tensor(images.slice(), x.shape.slice(), 'float32')];
      case 'binary':
      case 'sparse':
        return [x, new Tensor(Float32Array.from(kept, (i) => this.classes[i]), [kept.length], 'float32')];
      default: {
        const k = this.numClasses;
        const y = new Float32Array(kept.length * k);
        kept.forEach((i, r) => (y[r * k + this.classes[i]] = 1));
        return [x, new Tensor(y, [kept.length, k], 'float32')];
      }
    }
  }
}

// ---- flow ------------------------------------------------------------------------------------

export interface FlowArgs {
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
  /** tensornode: batches prepared ahead of training (default 1). */
  prefetch?: number;
}

const FLOW_ARRAY_NOT_IMPLEMENTED = {
  sampleWeight: 'tensornode does not train with sample weights yet',
  saveToDir: 'tensornode does not write augmented images back to disk',
  savePrefix: 'it only applies with saveToDir',
  saveFormat: 'it only applies with saveToDir',
  subset: 'the validation split of flow() is not implemented; split the tensors yourself',
  ignoreClassSplit: 'it only applies with subset',
};

/** What flow(x, y) returns: a Dataset of [x, y] batches (x alone without y), augmented. */
export class ArrayIterator extends BatchIterator {
  private readonly x: Tensor;
  private readonly y: Tensor | null;
  private readonly post: (img: Float32Array) => void;

  constructor(gen: ImageDataGenerator, x: Tensor, y: Tensor | null, args: FlowArgs = {}) {
    checkTensor(x, 'x');
    if (x.rank !== 4) throw new RangeError(`Expected x of shape [n, height, width, channels] but received shape ${shapeString(x.shape)}`);
    if (y !== null) {
      checkTensor(y, 'y');
      if (y.shape[0] !== x.shape[0]) throw new RangeError(`Expected y to have ${x.shape[0]} samples (as x) but received shape ${shapeString(y.shape)}`);
    }
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object of options', 'flow(x, y, args)', args));
    checkKnownKeys(args, ['batchSize', 'shuffle', 'seed', 'prefetch'], 'flow', FLOW_ARRAY_NOT_IMPLEMENTED);
    const batchSize = args.batchSize === undefined ? 32 : checkPositiveInteger(args.batchSize, 'batchSize');
    const shuffle = args.shuffle === undefined ? true : checkBoolean(args.shuffle, 'shuffle');
    if (args.seed !== undefined && !(Number.isInteger(args.seed) && args.seed >= 0 && args.seed <= 0xffffffff)) {
      throw new TypeError(expected('an integer in [0, 2^32)', 'seed', args.seed));
    }
    const prefetch = args.prefetch === undefined ? 1 : args.prefetch;
    if (!Number.isInteger(prefetch) || prefetch < 0) throw new TypeError(expected('a non-negative integer', 'prefetch', prefetch));
    super(x.shape[0], batchSize, shuffle, args.seed, prefetch);
    this.x = x.dtype === 'float32' ? x : new Tensor(Float32Array.from(x.values), x.shape, 'float32');
    this.y = y;
    this.post = imagePostprocess(gen, x.shape.slice(1), new SeededRandom(args.seed));
  }

  protected async loadBatch(indices: number[]): Promise<unknown> {
    const rowShape = this.x.shape.slice(1);
    const r = this.x.size / this.x.shape[0];
    const src = this.x.values;
    const out = new Float32Array(indices.length * r);
    indices.forEach((i, k) => {
      const img = out.subarray(k * r, (k + 1) * r);
      img.set(src.subarray(i * r, (i + 1) * r));
      this.post(img);
    });
    const xb = new Tensor(out, [indices.length, ...rowShape], 'float32');
    if (this.y === null) return xb;
    const yr = this.y.size / this.y.shape[0];
    const yv = this.y.values;
    const yOut = this.y.dtype === 'int32' ? new Int32Array(indices.length * yr) : new Float32Array(indices.length * yr);
    indices.forEach((i, k) => yOut.set(yv.subarray(i * yr, (i + 1) * yr), k * yr));
    return [xb, new Tensor(yOut, [indices.length, ...this.y.shape.slice(1)], this.y.dtype)];
  }
}

/** tn.preprocessing.image.imageDataGenerator(args). */
export function imageDataGenerator(args?: ImageDataGeneratorArgs): ImageDataGenerator {
  return new ImageDataGenerator(args);
}
