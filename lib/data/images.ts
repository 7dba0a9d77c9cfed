// Images from folders: tn.data.imageDatasetFromDirectory (Keras 3's
// keras.utils.image_dataset_from_directory) and the pieces flowFromDirectory shares with it:
// listing a class-per-subfolder tree exactly as Keras does, and loading batches of images.
import * as fs from 'fs';
import * as path from 'path';
import { checkBoolean, checkNumberInRange, checkOneOf, checkPositiveInteger, expected, isPositiveInteger } from '../errors';
import { Tensor } from '../tensor';
import { Dataset, prefetchPass } from './dataset';
import { CHANNELS, ColorMode, DecodeOptions, ImageDecodeError, Kernel, decodeImageInto, loadSharp } from './image_decode';
import { NumpyRandomState, SeededRandom } from './random';

// ---- listing files as Keras does ----------------------------------------------------------

/** Code-point order: Python's sorted() on str (JS' default sort compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The files under `dir` whose lower-cased names end with one of `extensions`, in the order of
 * Keras' iter_valid_files: os.walk's folders sorted by their path, files sorted within each.
 * Symbolic links to folders are followed only with followLinks (as os.walk(followlinks)).
 */
export function listValidFiles(dir: string, extensions: readonly string[], followLinks: boolean): string[] {
  const folders: { root: string; files: string[] }[] = [];
  const visit = (root: string, seen: Set<string>): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(root, { withFileTypes: true });
    } catch (e) {
      throw new Error(`Cannot list the folder ${root}: ${(e as Error).message}`);
    }
    const files: string[] = [];
    const subdirs: string[] = [];
    for (const entry of entries) {
      const full = path.join(root, entry.name);
      if (entry.isDirectory()) subdirs.push(entry.name);
      else if (entry.isSymbolicLink() && isDirectory(full)) {
        if (followLinks) subdirs.push(entry.name);
      } else files.push(entry.name);
    }
    folders.push({ root, files });
    for (const d of subdirs) {
      const full = path.join(root, d);
      // A link cycle would recurse forever: visit each real folder once.
      const real = fs.realpathSync(full);
      if (seen.has(real)) continue;
      visit(full, new Set(seen).add(real));
    }
  };
  visit(dir, new Set([fs.realpathSync(dir)]));
  folders.sort((a, b) => compareCodePoints(a.root, b.root));
  const out: string[] = [];
  for (const { root, files } of folders) {
    files.sort(compareCodePoints);
    for (const f of files) {
      const lower = f.toLowerCase();
      if (extensions.some((e) => lower.endsWith(e))) out.push(path.join(root, f));
    }
  }
  return out;
}

/** The class subfolders of `dir`: sorted, hidden ones (starting with '.') left out, as Keras' index_directory. */
export function listClassFolders(dir: string, skipHidden: boolean): string[] {
  return fs.readdirSync(dir).sort(compareCodePoints)
    .filter((name) => isDirectory(path.join(dir, name)) && !(skipHidden && name.startsWith('.')));
}

export function checkDirectory(dir: unknown, argument = 'directory'): string {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(expected('a folder path (string)', argument, dir));
  if (!fs.existsSync(dir)) throw new Error(`The folder ${dir} does not exist`);
  if (!isDirectory(dir)) throw new Error(`${dir} is not a folder`);
  return dir;
}

// ---- loading batches of images -------------------------------------------------------------

export type OnDecodeError = 'error' | 'skip';

/**
 * Loads images by index into float32 batches. All the images of a call decode at once on the
 * libuv pool (Note [sharp is optional and loaded on first use]). A file that cannot be decoded
 * rejects the load with an error naming it, or, with onDecodeError 'skip', is left out of the
 * batch with a warning (once; it is skipped without a new attempt in later epochs).
 */
export class ImageLoader {
  readonly imageSize: number;
  private readonly bad = new Set<number>();

  constructor(readonly paths: readonly string[], readonly decode: DecodeOptions, readonly onDecodeError: OnDecodeError,
    /** Applied in place to each decoded image (augmentation, rescaling), in batch order. */
    private readonly postprocess: ((image: Float32Array, index: number) => void) | null = null) {
    this.imageSize = decode.height * decode.width * CHANNELS[decode.colorMode];
    loadSharp(); // fail now, not at the first batch, when sharp is missing
  }

  get imageShape(): number[] {
    return [this.decode.height, this.decode.width, CHANNELS[this.decode.colorMode]];
  }

  /** Decodes the images at `indices`; `kept` lists the indices that made it into `images`. */
  async load(indices: readonly number[]): Promise<{ images: Float32Array; kept: number[] }> {
    const size = this.imageSize;
    const wanted = indices.filter((i) => !this.bad.has(i));
    const images = new Float32Array(wanted.length * size);
    const results = await Promise.allSettled(wanted.map((idx, k) => decodeImageInto(this.paths[idx], this.decode, images, k * size)));
    const kept: number[] = [];
    let write = 0;
    for (let k = 0; k < wanted.length; k++) {
      const r = results[k];
      if (r.status === 'rejected') {
        const err = r.reason instanceof ImageDecodeError ? r.reason : new ImageDecodeError(this.paths[wanted[k]], String(r.reason));
        if (this.onDecodeError === 'error') throw err;
        this.bad.add(wanted[k]);
        process.emitWarning(`${err.message}; skipping it (onDecodeError: 'skip')`, 'ImageDecodeWarning');
        continue;
      }
      if (write !== k) images.copyWithin(write * size, k * size, (k + 1) * size);
      kept.push(wanted[k]);
      write++;
    }
    const out = write === wanted.length ? images : images.slice(0, write * size);
    if (this.postprocess) {
      for (let k = 0; k < kept.length; k++) this.postprocess(out.subarray(k * size, (k + 1) * size), kept[k]);
    }
    return { images: out, kept };
  }
}

/** The order tf.data's shuffle(bufferSize) produces over 0..n-1, with our generator. */
export function bufferShuffleOrder(n: number, bufferSize: number, random: SeededRandom): Int32Array {
  const order = new Int32Array(n);
  const buffer: number[] = [];
  let next = 0;
  while (next < n && buffer.length < bufferSize) buffer.push(next++);
  for (let o = 0; buffer.length > 0; o++) {
    const i = random.int(buffer.length);
    order[o] = buffer[i];
    if (next < n) buffer[i] = next++;
    else {
      buffer[i] = buffer[buffer.length - 1];
      buffer.pop();
    }
  }
  return order;
}

// ---- imageDatasetFromDirectory --------------------------------------------------------------

/** The files image_dataset_from_directory lists (Keras' ALLOWLIST_FORMATS, plus WebP, which sharp reads). */
export const IMAGE_DATASET_FORMATS = ['.bmp', '.gif', '.jpeg', '.jpg', '.png', '.webp'];

export interface ImageDatasetFromDirectoryArgs {
  /** 'inferred' (from the subfolder names), null (no labels) or an array of integer labels, one per file in sorted path order. */
  labels?: 'inferred' | null | number[];
  /** 'int' (int32 indices), 'categorical' (one-hot float32), 'binary' (float32 0/1 of shape [batch, 1]) or null (no labels). */
  labelMode?: 'int' | 'categorical' | 'binary' | null;
  /** With labels 'inferred': the subfolders to use, in this order (default: all, sorted). */
  classNames?: string[];
  colorMode?: ColorMode;
  /** Default 32; null yields single images. */
  batchSize?: number | null;
  /** [height, width], default [256, 256]. */
  imageSize?: [number, number] | number;
  shuffle?: boolean;
  seed?: number;
  validationSplit?: number;
  subset?: 'training' | 'validation' | 'both';
  interpolation?: string;
  followLinks?: boolean;
  cropToAspectRatio?: boolean;
  padToAspectRatio?: boolean;
  dataFormat?: 'channelsLast';
  /** Print "Found N files belonging to K classes." (default true, as Keras). */
  verbose?: boolean;
  /** tensornode: a file that cannot be decoded is an error ('error', default) or skipped with a warning ('skip'). */
  onDecodeError?: OnDecodeError;
  /** tensornode: batches decoded ahead of training (default 2, as Keras' prefetch(AUTOTUNE) would); 0 decodes on demand. */
  prefetch?: number;
}

const IMAGE_DATASET_KEYS = ['labels', 'labelMode', 'classNames', 'colorMode', 'batchSize', 'imageSize', 'shuffle', 'seed',
  'validationSplit', 'subset', 'interpolation', 'followLinks', 'cropToAspectRatio', 'padToAspectRatio', 'dataFormat', 'verbose',
  'onDecodeError', 'prefetch'];

/** Throws for keys that are not options (a misspelt option must not be ignored). */
export function checkKnownKeys(args: object, known: readonly string[], what: string, notImplemented: Record<string, string> = {}): void {
  for (const key of Object.keys(args)) {
    if (key in notImplemented) throw new Error(`${what}: the option ${key} is not implemented (${notImplemented[key]})`);
    if (!known.includes(key)) throw new TypeError(`${what}: unknown option '${key}' (options: ${known.join(', ')})`);
  }
}

/** The dataset imageDatasetFromDirectory returns: [images, labels] batches, with classNames and filePaths as Keras' class_names and file_paths. */
export class ImageFolderDataset extends Dataset<unknown> {
  constructor(pass: () => AsyncGenerator<unknown>, size: number, readonly classNames: string[] | null, readonly filePaths: string[]) {
    super(pass, size);
  }
}

interface LabelEncoding {
  mode: 'int' | 'categorical' | 'binary' | null;
  numClasses: number;
}

/** Labels of the kept images as Keras encodes them. */
function labelTensor(labels: Int32Array, kept: readonly number[], enc: LabelEncoding, batched: boolean): Tensor {
  const n = kept.length;
  if (enc.mode === 'int') {
    const out = Int32Array.from(kept, (i) => labels[i]);
    return batched ? new Tensor(out, [n], 'int32') : new Tensor(out, [], 'int32');
  }
  if (enc.mode === 'binary') {
    const out = Float32Array.from(kept, (i) => labels[i]);
    return new Tensor(out, batched ? [n, 1] : [1], 'float32');
  }
  const k = enc.numClasses;
  const out = new Float32Array(n * k);
  kept.forEach((i, r) => (out[r * k + labels[i]] = 1));
  return new Tensor(out, batched ? [n, k] : [k], 'float32');
}

/**
 * The pass of an image folder dataset: files in `order(pass)`, decoded a batch at a time,
 * yielding [images, labels] (or images alone without labels).
 */
function imagePass(loader: ImageLoader, labels: Int32Array | null, enc: LabelEncoding, batchSize: number | null,
  order: () => ArrayLike<number>): () => AsyncGenerator<unknown> {
  const chunk = batchSize ?? 32;
  const shape = loader.imageShape;
  return async function* images() {
    const o = order();
    for (let start = 0; start < o.length; start += chunk) {
      const indices = Array.from({ length: Math.min(chunk, o.length - start) }, (_, k) => o[start + k]);
      const { images: pixels, kept } = await loader.load(indices);
      if (kept.length === 0) continue;
      if (batchSize !== null) {
        const x = new Tensor(pixels, [kept.length, ...shape], 'float32');
        yield labels && enc.mode ? [x, labelTensor(labels, kept, enc, true)] : x;
      } else {
        for (let k = 0; k < kept.length; k++) {
          const x = new Tensor(pixels.subarray(k * loader.imageSize, (k + 1) * loader.imageSize), shape.slice(), 'float32');
          yield labels && enc.mode ? [x, labelTensor(labels, [kept[k]], enc, false)] : x;
        }
      }
    }
  };
}

/**
 * keras.utils.image_dataset_from_directory: a dataset of [images, labels] batches from a
 * folder with one subfolder per class (`labels: 'inferred'`). Images are float32 [0, 255],
 * shape [batch, height, width, channels]; labels as labelMode says. Files are listed and, with
 * shuffle, shuffled with the seed exactly as Keras does, so validationSplit with subset
 * 'training' and 'validation' (or 'both') picks the same files as Keras for the same seed (see
 * Note [Same split as Keras]); each epoch then reshuffles through a buffer of 8 batches.
 */
export function imageDatasetFromDirectory(directory: string, args: ImageDatasetFromDirectoryArgs = {}): ImageFolderDataset | [ImageFolderDataset, ImageFolderDataset] {
  checkDirectory(directory);
  loadSharp(); // a missing sharp is the first thing to report
  if (args === null || typeof args !== 'object') throw new TypeError(expected('an object of options', 'imageDatasetFromDirectory(directory, args)', args));
  checkKnownKeys(args, IMAGE_DATASET_KEYS, 'imageDatasetFromDirectory');
  let labels = args.labels === undefined ? 'inferred' : args.labels;
  if (labels !== 'inferred' && labels !== null && !(Array.isArray(labels) && labels.every((l) => Number.isInteger(l) && l >= 0))) {
    throw new TypeError(expected("'inferred', null, or an array of non-negative integer labels (one per image file, in sorted path order)", 'labels', labels));
  }
  if (labels !== 'inferred' && args.classNames !== undefined) {
    throw new TypeError(`classNames can only be given with labels: 'inferred' (received labels ${labels === null ? 'null' : 'as an array'})`);
  }
  let labelMode = args.labelMode === undefined ? 'int' : args.labelMode;
  if (labelMode !== null) labelMode = checkOneOf(labelMode, 'labelMode', ['int', 'categorical', 'binary'] as const);
  if (labels === null || labelMode === null) {
    labels = null;
    labelMode = null;
  }
  const colorMode = checkOneOf(args.colorMode ?? 'rgb', 'colorMode', ['grayscale', 'rgb', 'rgba'] as const);
  const batchSize = args.batchSize === undefined ? 32 : args.batchSize === null ? null : checkPositiveInteger(args.batchSize, 'batchSize');
  const [height, width] = checkImageSize(args.imageSize ?? [256, 256], 'imageSize');
  const shuffle = args.shuffle === undefined ? true : checkBoolean(args.shuffle, 'shuffle');
  if (args.seed !== undefined && !(Number.isInteger(args.seed) && args.seed >= 0 && args.seed <= 0xffffffff)) {
    throw new TypeError(expected('an integer in [0, 2^32)', 'seed', args.seed));
  }
  const interpolation = checkInterpolation(args.interpolation ?? 'bilinear', TF_INTERPOLATIONS);
  const followLinks = args.followLinks === undefined ? false : checkBoolean(args.followLinks, 'followLinks');
  const crop = args.cropToAspectRatio === undefined ? false : checkBoolean(args.cropToAspectRatio, 'cropToAspectRatio');
  const pad = args.padToAspectRatio === undefined ? false : checkBoolean(args.padToAspectRatio, 'padToAspectRatio');
  if (crop && pad) throw new TypeError('Only one of padToAspectRatio and cropToAspectRatio can be true');
  if (args.dataFormat !== undefined) checkOneOf(args.dataFormat, 'dataFormat', ['channelsLast'] as const);
  const verbose = args.verbose === undefined ? true : checkBoolean(args.verbose, 'verbose');
  const onDecodeError = checkOneOf(args.onDecodeError ?? 'error', 'onDecodeError', ['error', 'skip'] as const);
  const prefetch = args.prefetch === undefined ? 2 : checkNonNegativeIntegerArg(args.prefetch, 'prefetch');
  const validationSplit = args.validationSplit === undefined || args.validationSplit === 0 ? undefined
    : checkNumberInRange(args.validationSplit, 'validationSplit', 0, 1, false, false);
  const subset = args.subset === undefined ? undefined : checkOneOf(args.subset, 'subset', ['training', 'validation', 'both'] as const);
  // Keras' check_validation_split_arg.
  if ((validationSplit !== undefined) !== (subset !== undefined)) {
    throw new TypeError('If subset is set, validationSplit must be set, and inversely');
  }
  if (validationSplit !== undefined && shuffle && args.seed === undefined) {
    throw new TypeError('If using validationSplit and shuffling the data, you must provide a seed, to make sure that there is no ' +
      'overlap between the training and validation subsets');
  }
  // As Keras: without a seed, one is drawn (here from tensornode's generator, so tn.setSeed repeats it).
  const seed = args.seed ?? new SeededRandom().int(1e6);

  // index_directory
  let classNames: string[] | null;
  let filePaths: string[];
  let fileLabels: number[] | null;
  if (labels === 'inferred') {
    const subdirs = listClassFolders(directory, true);
    if (args.classNames !== undefined) {
      if (!Array.isArray(args.classNames) || !args.classNames.every((c) => typeof c === 'string')) {
        throw new TypeError(expected('an array of subfolder names', 'classNames', args.classNames));
      }
      const missing = args.classNames.filter((c) => !subdirs.includes(c));
      if (missing.length > 0) {
        throw new Error(`classNames does not match the subfolders of ${directory}: expected ${JSON.stringify(subdirs)} (or a subset), ` +
          `but ${JSON.stringify(missing)} ${missing.length === 1 ? 'is' : 'are'} not among them`);
      }
    }
    classNames = args.classNames ? args.classNames.slice() : subdirs;
    filePaths = [];
    fileLabels = [];
    classNames.forEach((name, c) => {
      for (const f of listValidFiles(path.join(directory, name), IMAGE_DATASET_FORMATS, followLinks)) {
        filePaths.push(f);
        fileLabels!.push(c);
      }
    });
  } else {
    filePaths = listValidFiles(directory, IMAGE_DATASET_FORMATS, followLinks);
    fileLabels = null;
    classNames = null;
    if (labels !== null) {
      if (labels.length !== filePaths.length) {
        throw new RangeError(`Expected as many labels as image files in ${directory}, but received ${labels.length} labels for ` +
          `${filePaths.length} files`);
      }
      fileLabels = labels.slice();
      classNames = [...new Set(labels)].sort((a, b) => a - b).map(String);
    }
  }
  if (verbose) {
    console.log(classNames === null ? `Found ${filePaths.length} files.` : `Found ${filePaths.length} files belonging to ${classNames.length} classes.`);
  }
  if (shuffle) {
    // See Note [Same split as Keras]: the same permutation for the paths and the labels.
    new NumpyRandomState(seed).shuffle(filePaths);
    if (fileLabels) new NumpyRandomState(seed).shuffle(fileLabels);
  }
  const numClasses = classNames === null ? 0 : classNames.length;
  if (labelMode === 'binary' && numClasses !== 2) {
    throw new Error(`labelMode 'binary' needs exactly 2 classes but there are ${numClasses}: ${JSON.stringify(classNames)}`);
  }
  if (fileLabels && (labelMode === 'categorical' || labelMode === 'binary')) {
    const bad = fileLabels.find((l) => l >= numClasses);
    if (bad !== undefined) throw new RangeError(`labelMode '${labelMode}' needs labels in [0, ${numClasses}) but received ${bad}`);
  }
  const enc: LabelEncoding = { mode: labelMode, numClasses };
  const decode: DecodeOptions = { height, width, colorMode, kernel: interpolation, fit: crop ? 'cover' : pad ? 'contain' : 'fill' };

  const make = (paths: string[], lbls: number[] | null, shuffled: boolean): ImageFolderDataset => {
    if (paths.length === 0) throw new Error(`No images found in directory ${directory}. Allowed formats: ${IMAGE_DATASET_FORMATS.join(', ')}`);
    const loader = new ImageLoader(paths, decode, onDecodeError);
    const n = paths.length;
    const passSeeds = new SeededRandom(seed);
    const bufferSize = batchSize !== null ? batchSize * 8 : 1024;
    const order = shuffled ? () => bufferShuffleOrder(n, bufferSize, new SeededRandom(passSeeds.uint32())) : () => Int32Array.from({ length: n }, (_, i) => i);
    const pass = imagePass(loader, lbls ? Int32Array.from(lbls) : null, enc, batchSize, order);
    const size = batchSize === null ? n : Math.ceil(n / batchSize);
    const base = new Dataset<unknown>(pass, size);
    return new ImageFolderDataset(prefetch > 0 ? prefetchPass(base, prefetch) : pass, size, classNames, paths);
  };
  // get_training_or_validation_split
  const split = (which: 'training' | 'validation'): [string[], number[] | null] => {
    const nVal = Math.floor(validationSplit! * filePaths.length);
    const nTrain = filePaths.length - nVal;
    if (verbose) console.log(which === 'training' ? `Using ${nTrain} files for training.` : `Using ${nVal} files for validation.`);
    return which === 'training' ? [filePaths.slice(0, nTrain), fileLabels && fileLabels.slice(0, nTrain)]
      : [filePaths.slice(nTrain), fileLabels && fileLabels.slice(nTrain)];
  };
  if (subset === 'both') {
    const [trainPaths, trainLabels] = split('training');
    const [valPaths, valLabels] = split('validation');
    if (trainPaths.length === 0) throw new Error(`No training images found in directory ${directory}. Allowed formats: ${IMAGE_DATASET_FORMATS.join(', ')}`);
    if (valPaths.length === 0) throw new Error(`No validation images found in directory ${directory}. Allowed formats: ${IMAGE_DATASET_FORMATS.join(', ')}`);
    return [make(trainPaths, trainLabels, shuffle), make(valPaths, valLabels, false)];
  }
  if (subset !== undefined) {
    const [p, l] = split(subset);
    return make(p, l, shuffle);
  }
  return make(filePaths, fileLabels, shuffle);
}

export function checkImageSize(v: unknown, argument: string): [number, number] {
  if (isPositiveInteger(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every(isPositiveInteger)) return [v[0], v[1]];
  throw new TypeError(expected('[height, width] (two positive integers)', argument, v));
}

/** image_dataset_from_directory's interpolations (TensorFlow's resize methods) -> kernels; null: none available. */
export const TF_INTERPOLATIONS: Record<string, Kernel | null> = {
  bilinear: 'tf-bilinear', nearest: 'nearest', bicubic: 'cubic', area: null, lanczos3: 'lanczos3', lanczos5: null, gaussian: null,
  mitchellcubic: 'mitchell',
};

/** flow_from_directory's interpolations (PIL's resampling filters) -> kernels; null: none available. */
export const PIL_INTERPOLATIONS: Record<string, Kernel | null> = {
  nearest: 'nearest', bilinear: 'linear', bicubic: 'cubic', lanczos: 'lanczos3', box: null, hamming: null,
};

/** A Keras interpolation name -> a kernel; the names with no kernel here are errors. */
export function checkInterpolation(v: unknown, table: Record<string, Kernel | null>): Kernel {
  const name = typeof v === 'string' ? v.toLowerCase() : v;
  const known = checkOneOf(name, 'interpolation', Object.keys(table));
  const kernel = table[known];
  if (kernel === null) {
    throw new Error(`interpolation '${known}' is not implemented (tensornode resizes with its own nearest and bilinear, and ` +
      `libvips' kernels); use one of ${Object.keys(table).filter((k) => table[k] !== null).map((k) => `'${k}'`).join(', ')}`);
  }
  return kernel;
}

function checkNonNegativeIntegerArg(v: unknown, argument: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TypeError(expected('a non-negative integer', argument, v));
  return v;
}
