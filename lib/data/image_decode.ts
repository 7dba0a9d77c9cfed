// Decoding and resizing image files with sharp (libvips), loaded on first use only.
//
// Note [sharp is optional and loaded on first use]: sharp is an optional peer dependency
// (package.json peerDependencies + peerDependenciesMeta), so `npm install tensornode` installs
// nothing else and require('tensornode') never loads it; the first image function that runs
// require()s it and, when it is missing, says to `npm install sharp`. sharp's prebuilt
// binaries (the @img/sharp-* packages) come from the npm registry: no compiler, no download
// from elsewhere. Each decode is one sharp pipeline, which libvips runs on the libuv thread
// pool: decoding is off the main thread, and all the images of a batch decode at once (as
// many at a time as the pool has threads, UV_THREADPOOL_SIZE, default 4).
//
// Note [Pixels as Keras loads them]: the output is float32 in [0, 255], channels last, with
// 'grayscale' = 1 channel, 'rgb' = 3 (alpha dropped, grey replicated), 'rgba' = 4 (alpha 255
// where the file has none). An image is loaded in Keras' order: decode (sharp hands back
// 8-bit sRGB whatever the file holds: CMYK JPEGs, 16-bit PNGs, palettes and grey are
// converted), then convert the channels (grey from RGB with ITU-R 601 luma weights in PIL's
// integer form, L = (19595 R + 38470 G + 7471 B + 32768) >> 16, which is load_img's
// convert('L') and within one level of TensorFlow's decode_image(channels=1); a grey file
// comes back exactly; alpha is dropped BEFORE resizing, as both do), then crop or pad to the
// aspect ratio if asked, then resize. The two resamplings Keras uses by default are done here,
// exactly: 'nearest' (flow_from_directory's default; PIL's and TensorFlow's nearest agree:
// source index floor((i + 0.5) * in / out)) and TensorFlow's 'bilinear'
// (image_dataset_from_directory's default: half-pixel centres, no antialiasing, float output).
// The other kernels are libvips' (sharp's resize), close to but not the same as PIL's or
// TensorFlow's. EXIF orientation is not applied (neither TensorFlow's decoders nor PIL apply
// it), and animated GIF/WebP give their first frame (decode_image(expand_animations=False)).
import * as fs from 'fs';
import * as path from 'path';
import { decodeBmp, decodeNetpbm } from './image_formats';
import { decodePng, isPng } from './png';

/** The part of sharp's API used here (sharp's own types are not a dependency of ours). */
interface SharpPipeline {
  resize(options: Record<string, unknown>): SharpPipeline;
  raw(): SharpPipeline;
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>;
}
type SharpFactory = (input: string | Buffer, options?: Record<string, unknown>) => SharpPipeline;

let sharpModule: SharpFactory | null = null;

/** sharp, required on first use (see Note [sharp is optional and loaded on first use]). */
export function loadSharp(): SharpFactory {
  if (sharpModule !== null) return sharpModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    sharpModule = require('sharp') as SharpFactory;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && /['"]sharp['"]/.test(err.message)) {
      throw new Error('Reading image files needs the package sharp, which is not installed. Install it with `npm install sharp` ' +
        '(prebuilt binaries from the npm registry, no compiler needed); tensornode loads it only when images are read.');
    }
    throw new Error(`The package sharp is installed but could not be loaded: ${err.message}`);
  }
  return sharpModule;
}

/**
 * Resampling kernels: 'nearest' and 'tf-bilinear' are computed here (see Note [Pixels as Keras
 * loads them]); the others are libvips kernels used through sharp.
 */
export type Kernel = 'nearest' | 'tf-bilinear' | 'linear' | 'cubic' | 'mitchell' | 'lanczos3';

export type ColorMode = 'grayscale' | 'rgb' | 'rgba';

export const CHANNELS: Record<ColorMode, number> = { grayscale: 1, rgb: 3, rgba: 4 };

export interface DecodeOptions {
  height: number;
  width: number;
  colorMode: ColorMode;
  kernel: Kernel;
  /** 'fill' stretches to the size, 'cover' crops the centre to the aspect ratio first, 'contain' pads with zeros. */
  fit: 'fill' | 'cover' | 'contain';
}

/** Formats sharp does not read; decoded here to raw pixels, then resized by sharp. */
const OWN_DECODERS: Record<string, (bytes: Buffer, file: string) => { data: Buffer; width: number; height: number; channels: number }> = {
  '.bmp': decodeBmp,
  '.ppm': decodeNetpbm,
  '.pgm': decodeNetpbm,
  '.pbm': decodeNetpbm,
  '.pnm': decodeNetpbm,
};

/** An image that could not be read: names the file. */
export class ImageDecodeError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`Cannot decode the image ${file}: ${reason}`);
    this.name = 'ImageDecodeError';
  }
}

/** fs.readFile with a callback (a third of the CPU of fs.promises.readFile for a small file). */
function readFile(file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => fs.readFile(file, (err, data) => (err ? reject(err) : resolve(data))));
}

interface Raw {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * The whole image as 8-bit pixels: our PNG decoder for the common PNGs (Note [Own PNG
 * decoding]), our BMP and PPM decoders, sharp's decoders (off the main thread) for the rest.
 */
async function decodeRaw(file: string): Promise<Raw> {
  const ext = path.extname(file).toLowerCase();
  const own = OWN_DECODERS[ext];
  if (own) return own(await readFile(file), file);
  let input: string | Buffer = file;
  if (ext === '.png') {
    input = await readFile(file);
    if (isPng(input)) {
      const png = await decodePng(input);
      if (png !== null) return png;
    }
  }
  // failOn 'truncated': a truncated or corrupt file is an error (as TensorFlow's and PIL's
  // decoders), a mere warning (an odd but readable marker) is not.
  const { data, info } = await loadSharp()(input, { failOn: 'truncated' }).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** 1-4 channel 8-bit pixels with `channels` channels (Note [Pixels as Keras loads them]). */
function convertChannels(src: Raw, channels: number): Raw {
  if (src.channels === channels) return src;
  const n = src.width * src.height;
  const out = new Uint8Array(n * channels);
  const sc = src.channels;
  const s = src.data;
  const grey = sc < 3;
  const srcAlpha = sc === 2 || sc === 4;
  for (let p = 0, i = 0, o = 0; p < n; p++, i += sc) {
    const r = s[i];
    const g = grey ? r : s[i + 1];
    const b = grey ? r : s[i + 2];
    if (channels === 1) {
      out[o++] = grey ? r : (19595 * r + 38470 * g + 7471 * b + 32768) >>> 16;
    } else {
      out[o++] = r;
      out[o++] = g;
      out[o++] = b;
      if (channels === 4) out[o++] = srcAlpha ? s[i + sc - 1] : 255;
    }
  }
  return { data: out, width: src.width, height: src.height, channels };
}

/** The centre crop with the target's aspect ratio (Keras' smart_resize and load_img(keep_aspect_ratio)). */
function cropBox(w: number, h: number, tw: number, th: number): { left: number; top: number; width: number; height: number } {
  const height = Math.min(h, Math.floor((w * th) / tw));
  const width = Math.min(w, Math.floor((h * tw) / th));
  return { left: Math.floor((w - width) / 2), top: Math.floor((h - height) / 2), width, height };
}

function crop(src: Raw, box: { left: number; top: number; width: number; height: number }): Raw {
  const c = src.channels;
  const out = new Uint8Array(box.width * box.height * c);
  for (let y = 0; y < box.height; y++) {
    const from = ((box.top + y) * src.width + box.left) * c;
    out.set(src.data.subarray(from, from + box.width * c), y * box.width * c);
  }
  return { data: out, width: box.width, height: box.height, channels: c };
}

/** Nearest neighbour as PIL and TensorFlow (half-pixel centres), into the box at (ox, oy) of a target outW wide. */
function resizeNearest(src: Raw, tw: number, th: number, out: Float32Array, outW: number, ox: number, oy: number): void {
  const c = src.channels;
  const d = src.data;
  if (tw === src.width && th === src.height && ox === 0 && oy === 0 && tw === outW) {
    out.set(d.subarray(0, tw * th * c)); // the identity: one converting copy
    return;
  }
  const xs = Int32Array.from({ length: tw }, (_, x) => Math.min(src.width - 1, Math.floor(((x + 0.5) * src.width) / tw)) * c);
  for (let y = 0; y < th; y++) {
    const row = Math.min(src.height - 1, Math.floor(((y + 0.5) * src.height) / th)) * src.width * c;
    let o = ((oy + y) * outW + ox) * c;
    for (let x = 0; x < tw; x++) {
      const s = row + xs[x];
      for (let k = 0; k < c; k++) out[o++] = d[s + k];
    }
  }
}

/** TensorFlow's tf.image.resize(method='bilinear', antialias=False): half-pixel centres, clamped at the edges. */
function resizeTfBilinear(src: Raw, tw: number, th: number, out: Float32Array, outW: number, ox: number, oy: number): void {
  const c = src.channels;
  const weights = (outSize: number, inSize: number) => {
    const scale = inSize / outSize;
    const lo = new Int32Array(outSize);
    const hi = new Int32Array(outSize);
    const frac = new Float32Array(outSize);
    for (let i = 0; i < outSize; i++) {
      const v = (i + 0.5) * scale - 0.5;
      const f = Math.floor(v);
      lo[i] = Math.max(f, 0);
      hi[i] = Math.min(Math.ceil(v), inSize - 1);
      frac[i] = v - f;
    }
    return { lo, hi, frac };
  };
  const X = weights(tw, src.width);
  const Y = weights(th, src.height);
  const d = src.data;
  for (let y = 0; y < th; y++) {
    const top = Y.lo[y] * src.width;
    const bottom = Y.hi[y] * src.width;
    const fy = Y.frac[y];
    for (let x = 0; x < tw; x++) {
      const fx = X.frac[x];
      const a = (top + X.lo[x]) * c;
      const b = (top + X.hi[x]) * c;
      const e = (bottom + X.lo[x]) * c;
      const g = (bottom + X.hi[x]) * c;
      const o = ((oy + y) * outW + ox + x) * c;
      for (let k = 0; k < c; k++) {
        const t = d[a + k] + (d[b + k] - d[a + k]) * fx;
        const u = d[e + k] + (d[g + k] - d[e + k]) * fx;
        out[o + k] = t + (u - t) * fy;
      }
    }
  }
}

/**
 * Decodes and resizes one image file into out[offset .. offset + height*width*channels) as
 * float32 in [0, 255] (see Note [Pixels as Keras loads them]). Throws ImageDecodeError.
 */
export async function decodeImageInto(file: string, options: DecodeOptions, out: Float32Array, offset: number): Promise<void> {
  const { height, width, colorMode, kernel, fit } = options;
  const channels = CHANNELS[colorMode];
  try {
    let img = convertChannels(await decodeRaw(file), channels);
    // Where the resized image goes inside the target (not all of it when padding).
    let tw = width;
    let th = height;
    let ox = 0;
    let oy = 0;
    if (fit === 'cover') {
      img = crop(img, cropBox(img.width, img.height, width, height));
    } else if (fit === 'contain') {
      // tf.image.resize_with_pad: scale to fit, centre, pad with zeros.
      const ratio = Math.max(img.width / width, img.height / height);
      tw = Math.max(1, Math.floor(img.width / ratio));
      th = Math.max(1, Math.floor(img.height / ratio));
      ox = Math.max(0, Math.floor((width - img.width / ratio) / 2));
      oy = Math.max(0, Math.floor((height - img.height / ratio) / 2));
    }
    const target = out.subarray(offset, offset + width * height * channels);
    if (fit === 'contain') target.fill(0);
    if (img.width === tw && img.height === th) {
      resizeNearest(img, tw, th, target, width, ox, oy); // the identity
    } else if (kernel === 'nearest') {
      resizeNearest(img, tw, th, target, width, ox, oy);
    } else if (kernel === 'tf-bilinear') {
      resizeTfBilinear(img, tw, th, target, width, ox, oy);
    } else {
      const { data, info } = await loadSharp()(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength),
        { raw: { width: img.width, height: img.height, channels: img.channels } })
        .resize({ width: tw, height: th, fit: 'fill', kernel }).raw().toBuffer({ resolveWithObject: true });
      if (info.width !== tw || info.height !== th) throw new Error(`internal: sharp returned ${info.width}x${info.height} instead of ${tw}x${th}`);
      const resized = convertChannels({ data, width: tw, height: th, channels: info.channels }, channels);
      resizeNearest(resized, tw, th, target, width, ox, oy);
    }
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    throw new ImageDecodeError(file, (e as Error).message);
  }
}
