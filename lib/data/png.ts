// A PNG decoder for the common case (8-bit or palette/grey at 1-8 bits, not interlaced), with
// zlib's inflate (on the libuv pool for large images).
//
// Note [Own PNG decoding]: a folder of small PNGs is the seed CNN's input, and for a 64x64
// image sharp's per-image cost (a libvips pipeline: ~0.6-1 ms of CPU) is larger than decoding
// it (inflate ~12 KB and undo the row filters: ~0.1 ms), more than a tenth of a training step's
// share per image, so it could not hide behind training on 2 cores (bench/data.js). This
// decoder inflates with Node's zlib (small images on the main thread, large ones on the libuv
// pool, see INFLATE_ON_MAIN_THREAD) and undoes the filters here. It reads the stored values as they are, like PIL and TensorFlow's
// decode_png (no gamma or ICC conversion; sharp would convert an embedded ICC profile to
// sRGB). What it does not cover (16-bit samples, Adam7 interlacing) returns null and goes to
// sharp. A damaged file (bad signature, a truncated or corrupt data stream, missing chunks) is
// an error, as it is for PIL.
import * as zlib from 'zlib';
import { promisify } from 'util';

const inflate = promisify(zlib.inflate);

/**
 * Compressed data up to this size is inflated on the main thread: for a small image, handing
 * the work to the libuv pool costs more CPU (~130 us) than inflating it (~80 us for 12 KB of
 * pixels), and a training step blocks the main thread for far longer anyway. Larger images
 * are inflated on the pool.
 */
const INFLATE_ON_MAIN_THREAD = 64 * 1024;
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

export interface DecodedPng {
  data: Uint8Array;
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  channels: number;
}

/** Decodes a PNG, or returns null for what sharp should decode (16-bit, interlaced). Throws for a damaged file. */
export async function decodePng(bytes: Buffer): Promise<DecodedPng | null> {
  if (!isPng(bytes)) throw new Error('not a PNG file (bad signature)');
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let palette: Buffer | null = null;
  let transparency: Buffer | null = null;
  const idat: Buffer[] = [];
  let ended = false;
  while (pos + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    const start = pos + 8;
    if (start + length + 4 > bytes.length) throw new Error(`truncated PNG: the ${type} chunk runs past the end of the file`);
    const data = bytes.subarray(start, start + length);
    if (type === 'IHDR') {
      if (length < 13) throw new Error('bad PNG header');
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      depth = data[8];
      colorType = data[9];
      if (data[10] !== 0 || data[11] !== 0) throw new Error('unknown PNG compression or filter method');
      if (data[12] !== 0) return null; // Adam7 interlacing: sharp
      if (depth === 16) return null;
      const ok = (colorType === 0 && [1, 2, 4, 8].includes(depth)) || (colorType === 3 && [1, 2, 4, 8].includes(depth)) ||
        ([2, 4, 6].includes(colorType) && depth === 8);
      if (!ok) throw new Error(`invalid PNG colour type ${colorType} with bit depth ${depth}`);
      if (width === 0 || height === 0 || width * height > 1 << 28) throw new Error(`bad PNG size ${width}x${height}`);
    } else if (type === 'PLTE') {
      palette = data;
    } else if (type === 'tRNS') {
      transparency = data;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    pos = start + length + 4;
  }
  if (colorType < 0) throw new Error('PNG without a header (IHDR) chunk');
  if (idat.length === 0) throw new Error('PNG without image data (IDAT)');
  if (!ended) throw new Error('truncated PNG: no IEND chunk');
  if (colorType === 3 && palette === null) throw new Error('palette PNG without a palette (PLTE)');

  const samples = [1, 0, 3, 1, 2, 0, 4][colorType];
  const bitsPerPixel = samples * depth;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3); // bytes per complete pixel, for the filters
  let raw: Buffer;
  try {
    const compressed = idat.length === 1 ? idat[0] : Buffer.concat(idat);
    raw = compressed.length <= INFLATE_ON_MAIN_THREAD ? zlib.inflateSync(compressed) : await inflate(compressed);
  } catch (e) {
    throw new Error(`corrupt PNG data stream: ${(e as Error).message}`);
  }
  if (raw.length < (rowBytes + 1) * height) throw new Error(`truncated PNG data: ${raw.length} bytes for ${height} rows of ${rowBytes + 1}`);

  // Undo the row filters in place (each row: one filter byte, then rowBytes bytes).
  const rows = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)];
    const src = y * (rowBytes + 1) + 1;
    const out = y * rowBytes;
    const prev = out - rowBytes; // the row above, already unfiltered (invalid for y = 0)
    switch (filter) {
      case 0:
        rows.set(raw.subarray(src, src + rowBytes), out);
        break;
      case 1:
        for (let i = 0; i < rowBytes; i++) rows[out + i] = (raw[src + i] + (i >= bpp ? rows[out + i - bpp] : 0)) & 0xff;
        break;
      case 2:
        for (let i = 0; i < rowBytes; i++) rows[out + i] = (raw[src + i] + (y > 0 ? rows[prev + i] : 0)) & 0xff;
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const left = i >= bpp ? rows[out + i - bpp] : 0;
          const up = y > 0 ? rows[prev + i] : 0;
          rows[out + i] = (raw[src + i] + ((left + up) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? rows[out + i - bpp] : 0;
          const b = y > 0 ? rows[prev + i] : 0;
          const c = i >= bpp && y > 0 ? rows[prev + i - bpp] : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          rows[out + i] = (raw[src + i] + pred) & 0xff;
        }
        break;
      default:
        throw new Error(`corrupt PNG data: unknown row filter ${filter} in row ${y}`);
    }
  }

  if (depth === 8 && colorType !== 3 && !(transparency && (colorType === 0 || colorType === 2))) {
    return { data: rows, width, height, channels: samples };
  }
  // Palette, grey below 8 bits, or a transparent colour key: expand to 1-4 channels of 8 bits.
  const n = width * height;
  const sample = (y: number, x: number): number => {
    if (depth === 8) return rows[y * rowBytes + x];
    const bit = x * depth;
    return (rows[y * rowBytes + (bit >> 3)] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  if (colorType === 3) {
    const entries = palette!.length / 3;
    const alpha = transparency !== null;
    const ch = alpha ? 4 : 3;
    const out = new Uint8Array(n * ch);
    for (let y = 0, o = 0; y < height; y++) {
      for (let x = 0; x < width; x++, o += ch) {
        const i = sample(y, x);
        if (i >= entries) throw new Error(`corrupt PNG: palette index ${i} outside the ${entries}-colour palette`);
        out[o] = palette![3 * i];
        out[o + 1] = palette![3 * i + 1];
        out[o + 2] = palette![3 * i + 2];
        if (alpha) out[o + 3] = i < transparency!.length ? transparency![i] : 255;
      }
    }
    return { data: out, width, height, channels: ch };
  }
  const scale = 255 / ((1 << depth) - 1);
  if (colorType === 0) {
    const key = transparency && transparency.length >= 2 ? transparency.readUInt16BE(0) : -1;
    const ch = key >= 0 ? 2 : 1;
    const out = new Uint8Array(n * ch);
    for (let y = 0, o = 0; y < height; y++) {
      for (let x = 0; x < width; x++, o += ch) {
        const v = sample(y, x);
        out[o] = Math.round(v * scale);
        if (ch === 2) out[o + 1] = v === key ? 0 : 255;
      }
    }
    return { data: out, width, height, channels: ch };
  }
  // RGB with a transparent colour key.
  const t = transparency!;
  const key = t.length >= 6 ? [t.readUInt16BE(0), t.readUInt16BE(2), t.readUInt16BE(4)] : [-1, -1, -1];
  const out = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    const r = rows[3 * p];
    const g = rows[3 * p + 1];
    const b = rows[3 * p + 2];
    out[4 * p] = r;
    out[4 * p + 1] = g;
    out[4 * p + 2] = b;
    out[4 * p + 3] = r === key[0] && g === key[1] && b === key[2] ? 0 : 255;
  }
  return { data: out, width, height, channels: 4 };
}
