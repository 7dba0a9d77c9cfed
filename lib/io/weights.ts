// Weight bytes as TensorFlow.js lays them out: the values of every weight, little-endian, in
// manifest order, concatenated (then cut into shards of the manifest's paths). Decoding checks
// every size before reading and dequantizes uint8/uint16 (affine) and float16 weights.
import { shapeString } from '../errors';
import { WeightsManifestEntry } from './types';

export interface NamedWeight {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  values: Float32Array | Int32Array;
  group?: string;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bytesPerElement(dtype: string): number {
  switch (dtype) {
    case 'float32': case 'int32': return 4;
    case 'uint16': case 'float16': return 2;
    case 'uint8': case 'bool': return 1;
    default: return 0;
  }
}

function elementCount(shape: number[], where: string): number {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${where}: expected a shape (an array of non-negative integers) but the file has ${JSON.stringify(shape)}`);
  }
  return shape.reduce((a, b) => a * b, 1);
}

/** Specs and one buffer for weights, in the given order (tfjs' io.encodeWeights). */
export function encodeWeights(weights: NamedWeight[]): { specs: WeightsManifestEntry[]; data: ArrayBuffer } {
  if (!littleEndian) throw new Error('Saving weights needs a little-endian machine');
  const total = weights.reduce((n, w) => n + w.values.byteLength, 0);
  const out = new Uint8Array(total);
  const specs: WeightsManifestEntry[] = [];
  let at = 0;
  for (const w of weights) {
    out.set(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), at);
    at += w.values.byteLength;
    const spec: WeightsManifestEntry = { name: w.name, shape: w.shape.slice(), dtype: w.dtype };
    if (w.group !== undefined) spec.group = w.group;
    specs.push(spec);
  }
  return { specs, data: out.buffer };
}

/** IEEE half -> float, exact for every half value. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * Decodes weights from their concatenated bytes. `source` names the files (for errors). Every
 * entry's byte size is checked against what is left; the total must match exactly.
 */
export function decodeWeights(data: Uint8Array, specs: WeightsManifestEntry[], source: string): NamedWeight[] {
  if (!littleEndian) throw new Error('Loading weights needs a little-endian machine');
  const out: NamedWeight[] = [];
  let at = 0;
  for (const spec of specs) {
    if (spec === null || typeof spec !== 'object' || typeof spec.name !== 'string') {
      throw new Error(`${source}: a weightsManifest entry is not {name, shape, dtype}: ${JSON.stringify(spec)}`);
    }
    const where = `${source}: weight '${spec.name}'`;
    const n = elementCount(spec.shape, where);
    const q = spec.quantization;
    const stored = q ? q.dtype : spec.dtype;
    const size = bytesPerElement(stored);
    if (size === 0) {
      throw new Error(`${where} has dtype '${stored}', which cannot be loaded (expected float32, int32, bool or a quantized ` +
        'uint8/uint16/float16 weight)');
    }
    if (q && spec.dtype !== 'float32' && spec.dtype !== 'int32') throw new Error(`${where}: quantized weights must be float32 or int32, not ${spec.dtype}`);
    const bytes = n * size;
    if (at + bytes > data.length) {
      throw new Error(`${where} ${shapeString(spec.shape)} ${stored} needs bytes ${at}..${at + bytes} but the weight files hold only ` +
        `${data.length} bytes (truncated or mismatched weight files)`);
    }
    const raw = data.subarray(at, at + bytes);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    at += bytes;
    let values: Float32Array | Int32Array;
    const asInt = spec.dtype === 'int32' || spec.dtype === 'bool';
    if (!q) {
      if (spec.dtype === 'bool') values = Int32Array.from(raw);
      else values = spec.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
      if (spec.dtype !== 'bool') new Uint8Array(values.buffer).set(raw);
    } else {
      values = asInt ? new Int32Array(n) : new Float32Array(n);
      if (q.dtype === 'float16') {
        for (let i = 0; i < n; i++) values[i] = halfToFloat(view.getUint16(2 * i, true));
      } else {
        const scale = q.scale, min = q.min;
        if (typeof scale !== 'number' || typeof min !== 'number' || !Number.isFinite(scale) || !Number.isFinite(min)) {
          throw new Error(`${where}: ${q.dtype} quantization needs finite scale and min but the manifest has ${JSON.stringify(q)}`);
        }
        for (let i = 0; i < n; i++) {
          const v = (q.dtype === 'uint8' ? raw[i] : view.getUint16(2 * i, true)) * scale + min;
          values[i] = asInt ? Math.round(v) : v;
        }
      }
    }
    out.push({ name: spec.name, dtype: asInt ? 'int32' : 'float32', shape: spec.shape.slice(), values, group: spec.group });
  }
  if (at !== data.length) {
    throw new Error(`${source}: the weight files hold ${data.length} bytes but the manifest describes ${at} (extra or mismatched data)`);
  }
  return out;
}

/** One buffer from tfjs' weightData (an ArrayBuffer or, in tfjs 4.x, an array of them). */
export function concatWeightData(data: ArrayBuffer | ArrayBuffer[] | ArrayBufferView | undefined): Uint8Array {
  if (data === undefined || data === null) return new Uint8Array(0);
  if (Array.isArray(data)) {
    const total = data.reduce((n, b) => n + b.byteLength, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const b of data) { out.set(new Uint8Array(b), at); at += b.byteLength; }
    return out;
  }
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === '[object ArrayBuffer]') return new Uint8Array(data as ArrayBuffer);
  throw new TypeError(`Expected an ArrayBuffer for weightData but received ${typeof data}`);
}
