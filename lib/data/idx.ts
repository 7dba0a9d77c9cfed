// A reader for IDX files, the format of MNIST, Fashion-MNIST, KMNIST and EMNIST
// (http://yann.lecun.com/exdb/mnist/), plain or gzipped.
//
// Layout: 2 zero bytes, a type byte (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
// 0x0D float32, 0x0E float64), the number of dimensions, then each dimension as a big-endian
// uint32, then the values, big-endian, row-major.
//
// What comes back: a tensor of the file's shape. Integer data of rank >= 2 (images) becomes
// float32 multiplied by `scale` (default 1/255, so pixels land in [0, 1]); rank-1 integer
// data (labels) becomes int32. `dtype` overrides either choice.
import * as fs from 'fs';
import * as zlib from 'zlib';
import { checkOneOf, expected, isFiniteNumber } from '../errors';
import { DType, Tensor } from '../tensor';

export interface IdxOptions {
  /** Factor applied to the values when they become float32; default 1/255 (images), 1 for labels. */
  scale?: number;
  /** 'float32' or 'int32'; default: int32 for rank-1 integer data (labels), float32 otherwise. */
  dtype?: DType;
}

const TYPES: Record<number, { name: string; bytes: number; integer: boolean }> = {
  0x08: { name: 'uint8', bytes: 1, integer: true },
  0x09: { name: 'int8', bytes: 1, integer: true },
  0x0b: { name: 'int16', bytes: 2, integer: true },
  0x0c: { name: 'int32', bytes: 4, integer: true },
  0x0d: { name: 'float32', bytes: 4, integer: false },
  0x0e: { name: 'float64', bytes: 8, integer: false },
};

function checkOptions(options: IdxOptions): { scale?: number; dtype?: DType } {
  if (options === null || typeof options !== 'object') throw new TypeError(expected('an object {scale, dtype}', 'options', options));
  if (options.scale !== undefined && !isFiniteNumber(options.scale)) throw new TypeError(expected('a finite number', 'scale', options.scale));
  const dtype = options.dtype === undefined ? undefined : checkOneOf(options.dtype, 'dtype', ['float32', 'int32'] as const);
  return { scale: options.scale, dtype };
}

/** Whether bytes start with the gzip magic number. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses the bytes of an IDX file (gunzipping them first when they are gzipped). `source`
 * names the data in error messages.
 */
export function parseIdx(data: Uint8Array, options: IdxOptions = {}, source = 'IDX data'): Tensor {
  if (!(data instanceof Uint8Array)) throw new TypeError(expected('a Uint8Array or Buffer', 'data', data));
  const opts = checkOptions(options);
  const bytes = isGzip(data) ? new Uint8Array(zlib.gunzipSync(data)) : data;
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPES)) {
    throw new Error(`${source} is not an IDX file: it should start with 0x00 0x00 <type> <rank> (type 0x08, 0x09, 0x0B-0x0E) ` +
      `but starts with ${Array.from(bytes.subarray(0, 4), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ')}`);
  }
  const type = TYPES[bytes[2]];
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = 4 + 4 * rank;
  if (rank === 0 || bytes.length < header) throw new Error(`${source}: truncated IDX header (rank ${rank}, ${bytes.length} bytes)`);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + count * type.bytes) {
    throw new Error(`${source}: an IDX file of ${type.name} values with shape [${shape.join(', ')}] holds ` +
      `${header + count * type.bytes} bytes but this one has ${bytes.length}`);
  }
  const dtype: DType = opts.dtype ?? (type.integer && rank === 1 ? 'int32' : 'float32');
  const scale = opts.scale ?? (dtype === 'float32' && type.integer && rank > 1 ? 1 / 255 : 1);
  const out = dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
  if (type.name === 'uint8') {
    const src = bytes.subarray(header);
    if (scale === 1) out.set(src);
    else for (let i = 0; i < count; i++) out[i] = src[i] * scale;
  } else {
    const read = (i: number): number => {
      const at = header + i * type.bytes;
      switch (type.name) {
        case 'int8': return view.getInt8(at);
        case 'int16': return view.getInt16(at, false);
        case 'int32': return view.getInt32(at, false);
        case 'float32': return view.getFloat32(at, false);
        default: return view.getFloat64(at, false);
      }
    };
    if (dtype === 'int32') for (let i = 0; i < count; i++) out[i] = Math.trunc(read(i) * scale);
    else for (let i = 0; i < count; i++) out[i] = read(i) * scale;
  }
  return new Tensor(out, shape, dtype);
}

function checkPath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(expected('a file path (string)', 'path', path));
  return path;
}

/** Reads an IDX file (optionally .gz) synchronously. */
export function readIdxSync(path: string, options: IdxOptions = {}): Tensor {
  return parseIdx(fs.readFileSync(checkPath(path)), options, path);
}

/** Reads an IDX file (optionally .gz) without blocking the event loop while reading. */
export async function readIdx(path: string, options: IdxOptions = {}): Promise<Tensor> {
  const bytes = await fs.promises.readFile(checkPath(path));
  return parseIdx(bytes, options, path);
}
