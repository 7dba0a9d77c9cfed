// Decoders for the two formats on Keras' lists that sharp (libvips' prebuilt build) does not
// read: BMP (image_dataset_from_directory and flow_from_directory list .bmp) and Netpbm PPM
// (flow_from_directory lists .ppm). They return 8-bit RGB or RGBA pixels, top row first, which
// sharp then resizes. Both are short because both formats are simple; the variants they do not
// cover (RLE-compressed BMP, BMP with embedded JPEG/PNG) are an error naming the file.

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

function fail(file: string, why: string): never {
  throw new Error(`${file}: ${why}`);
}

/** Position and width of the set bits of a channel mask, to scale a masked value to 0..255. */
function maskShift(mask: number): { shift: number; max: number } {
  if (mask === 0) return { shift: 0, max: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { shift, max: mask >>> shift };
}

/** Windows BMP: 1/4/8-bit palette, 16/24/32-bit, BI_RGB or BI_BITFIELDS, bottom-up or top-down. */
export function decodeBmp(bytes: Buffer, file: string): RawImage {
  if (bytes.length < 26 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) fail(file, 'not a BMP file (it does not start with "BM")');
  const pixelOffset = bytes.readUInt32LE(10);
  const headerSize = bytes.readUInt32LE(14);
  let width: number;
  let height: number;
  let bpp: number;
  let compression = 0;
  let colorsUsed = 0;
  let paletteEntry = 4;
  if (headerSize === 12) {
    width = bytes.readUInt16LE(18);
    height = bytes.readInt16LE(20);
    bpp = bytes.readUInt16LE(24);
    paletteEntry = 3;
  } else if (headerSize >= 40 && bytes.length >= 14 + 40) {
    width = bytes.readInt32LE(18);
    height = bytes.readInt32LE(22);
    bpp = bytes.readUInt16LE(28);
    compression = bytes.readUInt32LE(30);
    colorsUsed = bytes.readUInt32LE(46);
  } else {
    fail(file, `unsupported BMP header of ${headerSize} bytes`);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height === 0 || width * height > 1 << 28) fail(file, `bad BMP size ${width}x${height}`);
  if (compression !== 0 && compression !== 3 && compression !== 6) {
    const names: Record<number, string> = { 1: 'RLE8', 2: 'RLE4', 4: 'embedded JPEG', 5: 'embedded PNG' };
    fail(file, `${names[compression] ?? `compression ${compression}`} BMP files are not supported (only uncompressed and bitfield BMPs)`);
  }
  let masks = bpp === 16 ? [0x7c00, 0x03e0, 0x001f, 0] : [0x00ff0000, 0x0000ff00, 0x000000ff, 0];
  if (compression === 3 || compression === 6) {
    if (bpp !== 16 && bpp !== 32) fail(file, `bitfield BMPs must be 16 or 32 bits per pixel, not ${bpp}`);
    const at = 14 + 40; // masks follow a 40-byte header, and sit at the same place inside V4/V5 headers
    if (bytes.length < at + 12) fail(file, 'truncated BMP bitfield masks');
    masks = [bytes.readUInt32LE(at), bytes.readUInt32LE(at + 4), bytes.readUInt32LE(at + 8),
      (compression === 6 || headerSize >= 56) && bytes.length >= at + 16 ? bytes.readUInt32LE(at + 12) : 0];
  }
  const alpha = masks[3] !== 0;
  const channels = alpha ? 4 : 3;
  let palette: Buffer | null = null;
  if (bpp <= 8) {
    if (![1, 4, 8].includes(bpp)) fail(file, `unsupported BMP depth ${bpp}`);
    const count = colorsUsed || 1 << bpp;
    const start = 14 + headerSize;
    if (bytes.length < start + count * paletteEntry) fail(file, 'truncated BMP palette');
    palette = bytes.subarray(start, start + count * paletteEntry);
  } else if (![16, 24, 32].includes(bpp)) {
    fail(file, `unsupported BMP depth ${bpp}`);
  }
  const rowBytes = Math.ceil((width * bpp) / 32) * 4;
  if (bytes.length < pixelOffset + rowBytes * height) fail(file, `truncated BMP pixel data (${bytes.length} bytes, expected ${pixelOffset + rowBytes * height})`);
  const out = Buffer.alloc(width * height * channels);
  const fields = masks.map(maskShift);
  for (let y = 0; y < height; y++) {
    const row = pixelOffset + (topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (palette) {
        const bitIndex = x * bpp;
        const byte = bytes[row + (bitIndex >> 3)];
        const index = (byte >> (8 - bpp - (bitIndex & 7))) & ((1 << bpp) - 1);
        if (index * paletteEntry >= palette.length) fail(file, `palette index ${index} outside the ${palette.length / paletteEntry}-colour palette`);
        out[o] = palette[index * paletteEntry + 2];
        out[o + 1] = palette[index * paletteEntry + 1];
        out[o + 2] = palette[index * paletteEntry];
      } else if (bpp === 24) {
        const p = row + x * 3;
        out[o] = bytes[p + 2];
        out[o + 1] = bytes[p + 1];
        out[o + 2] = bytes[p];
      } else {
        const v = bpp === 16 ? bytes.readUInt16LE(row + x * 2) : bytes.readUInt32LE(row + x * 4);
        for (let c = 0; c < channels; c++) {
          const { shift, max } = fields[c];
          out[o + c] = max === 0 ? 0 : Math.round((((v >>> 0) & masks[c]) >>> shift) * 255 / max);
        }
      }
    }
  }
  return { data: out, width, height, channels };
}

/** Netpbm P1-P6 (bitmap, greymap, pixmap; ASCII or binary; maxval up to 65535), scaled to 8 bits. */
export function decodeNetpbm(bytes: Buffer, file: string): RawImage {
  if (bytes.length < 3 || bytes[0] !== 0x50 || bytes[1] < 0x31 || bytes[1] > 0x36) fail(file, 'not a Netpbm file (P1-P6)');
  const kind = bytes[1] - 0x30;
  let pos = 2;
  const token = (): number => {
    for (;;) {
      while (pos < bytes.length && /\s/.test(String.fromCharCode(bytes[pos]))) pos++;
      if (bytes[pos] === 0x23) { // '#' comment to the end of the line
        while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
        continue;
      }
      break;
    }
    const start = pos;
    while (pos < bytes.length && bytes[pos] >= 0x30 && bytes[pos] <= 0x39) pos++;
    if (start === pos) fail(file, `bad Netpbm header at byte ${start}`);
    return Number(bytes.toString('latin1', start, pos));
  };
  const width = token();
  const height = token();
  const maxval = kind === 1 || kind === 4 ? 1 : token();
  if (width <= 0 || height <= 0 || width * height > 1 << 28) fail(file, `bad Netpbm size ${width}x${height}`);
  if (maxval <= 0 || maxval > 65535) fail(file, `bad Netpbm maxval ${maxval}`);
  const samples = kind === 3 || kind === 6 ? 3 : 1;
  const out = Buffer.alloc(width * height * 3);
  const n = width * height * samples;
  const values = new Uint16Array(n);
  if (kind <= 3) {
    if (kind === 1) {
      // ASCII bitmap: 1 is black; digits may be run together.
      for (let i = 0; i < n; i++) {
        while (pos < bytes.length && bytes[pos] !== 0x30 && bytes[pos] !== 0x31) pos++;
        if (pos >= bytes.length) fail(file, 'truncated Netpbm data');
        values[i] = bytes[pos++] === 0x31 ? 0 : 1;
      }
    } else {
      for (let i = 0; i < n; i++) values[i] = token();
    }
  } else {
    pos++; // the single whitespace after the header
    if (kind === 4) {
      const rowBytes = Math.ceil(width / 8);
      if (bytes.length < pos + rowBytes * height) fail(file, 'truncated Netpbm data');
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) values[y * width + x] = (bytes[pos + y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1 ? 0 : 1;
      }
    } else {
      const wide = maxval > 255;
      if (bytes.length < pos + n * (wide ? 2 : 1)) fail(file, 'truncated Netpbm data');
      for (let i = 0; i < n; i++) values[i] = wide ? bytes.readUInt16BE(pos + 2 * i) : bytes[pos + i];
    }
  }
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const v = values[p * samples + (samples === 3 ? c : 0)];
      if (v > maxval) fail(file, `sample ${v} above maxval ${maxval}`);
      out[p * 3 + c] = maxval === 255 ? v : Math.round((v * 255) / maxval);
    }
  }
  return { data: out, width, height, channels: 3 };
}
