// safetensors (Hugging Face's weights format): 8 bytes little-endian header length N, N bytes
// of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}, then the
// raw little-endian tensor bytes. Keyed by our weight names (tfjs' names, modelVariables()).
import * as crypto from 'crypto';
import * as fs from 'fs';
import { shapeString } from '../errors';
import { Layer } from '../layers/layer';
import { writeFileAtomic } from './atomic';
import { assignWeights, modelVariables } from './model_io';
import { NamedWeight } from './weights';

const DTYPES: Record<string, { size: number; make: (buf: ArrayBuffer, n: number) => Float32Array | Int32Array; ours: 'float32' | 'int32' }> = {
  F32: { size: 4, make: (b, n) => new Float32Array(b, 0, n), ours: 'float32' },
  I32: { size: 4, make: (b, n) => new Int32Array(b, 0, n), ours: 'int32' },
};

/** The bytes of a safetensors file holding these weights (in the given order). */
export function encodeSafetensors(weights: NamedWeight[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let at = 0;
  for (const w of weights) {
    const bytes = w.values.byteLength;
    header[w.name] = { dtype: w.dtype === 'int32' ? 'I32' : 'F32', shape: w.shape, data_offsets: [at, at + bytes] };
    at += bytes;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const w of weights) {
    out.set(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), p);
    p += w.values.byteLength;
  }
  return out;
}

/** Every tensor of a safetensors file (in data order), checked: header, offsets inside the file, no overlaps or gaps, sizes. */
export function decodeSafetensors(bytes: Uint8Array, file: string): NamedWeight[] {
  if (bytes.length < 8) throw new Error(`${file} is not a safetensors file: ${bytes.length} bytes, fewer than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) throw new Error(`${file}: the header says it is ${n} bytes long but the file has only ${bytes.length} bytes (truncated or not safetensors)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, Number(n)).toString('utf8'));
    if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new Error('not a JSON object');
  } catch (e) {
    throw new Error(`${file}: the safetensors header is not valid JSON (${(e as Error).message}; corrupt?)`);
  }
  const dataStart = 8 + Number(n);
  const dataLength = bytes.length - dataStart;
  const entries: [string, { dtype: string; shape: number[]; data_offsets: [number, number] }][] = [];
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const spec = e as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const d = DTYPES[spec?.dtype];
    if (d === undefined) throw new Error(`${file}: tensor '${name}' has dtype ${JSON.stringify(spec?.dtype)}; tensornode reads F32 and I32`);
    if (!Array.isArray(spec.shape) || !spec.shape.every((x) => Number.isInteger(x) && x >= 0)) throw new Error(`${file}: tensor '${name}' has a bad shape ${JSON.stringify(spec.shape)}`);
    const [b, en] = spec.data_offsets ?? [];
    const count = spec.shape.reduce((a, c) => a * c, 1);
    if (!Number.isInteger(b) || !Number.isInteger(en) || b < 0 || en < b || en - b !== count * d.size) {
      throw new Error(`${file}: tensor '${name}' ${spec.dtype} ${shapeString(spec.shape)} has data_offsets ${JSON.stringify(spec.data_offsets)}, ` +
        `which do not span its ${count * d.size} bytes`);
    }
    if (en > dataLength) throw new Error(`${file}: tensor '${name}' ends at byte ${en} of the data but the file holds only ${dataLength} (truncated)`);
    entries.push([name, spec]);
  }
  entries.sort((x, y) => x[1].data_offsets[0] - y[1].data_offsets[0]);
  let at = 0;
  for (const [name, s] of entries) {
    if (s.data_offsets[0] !== at) throw new Error(`${file}: tensor '${name}' starts at ${s.data_offsets[0]} but the previous one ends at ${at} (overlap or gap: corrupt)`);
    at = s.data_offsets[1];
  }
  if (at !== dataLength) throw new Error(`${file}: the tensors span ${at} bytes but the file's data is ${dataLength} bytes (corrupt or mismatched)`);
  // Files written here carry the SHA-256 of their data in __metadata__ (other writers' do not).
  const meta = header.__metadata__ as Record<string, unknown> | undefined;
  if (meta && typeof meta.sha256 === 'string') {
    const digest = crypto.createHash('sha256').update(bytes.subarray(dataStart)).digest('hex');
    if (digest !== meta.sha256) throw new Error(`${file} is corrupt: the SHA-256 of its tensor data does not match the one in its header`);
  }
  return entries.map(([name, s]) => {
    const d = DTYPES[s.dtype];
    const count = s.shape.reduce((a, c) => a * c, 1);
    const copy = new Uint8Array(bytes.subarray(dataStart + s.data_offsets[0], dataStart + s.data_offsets[1]));   // a copy (Buffer.slice is a view)
    return { name, dtype: d.ours, shape: s.shape.slice(), values: d.make(copy.buffer, count) };
  });
}

export function saveWeightsSafetensors(model: { name: string; layers: Layer[] }, file: string): void {
  const weights: NamedWeight[] = modelVariables(model).map((v) => ({ name: v.name, dtype: 'float32', shape: v.variable.shape.slice(), values: v.variable.value }));
  const hash = crypto.createHash('sha256');
  for (const w of weights) hash.update(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength));
  writeFileAtomic(file, encodeSafetensors(weights, { format: 'pt', generated_by: 'tensornode', sha256: hash.digest('hex') }));
}

export function loadWeightsSafetensors(model: { name: string; layers: Layer[] }, file: string, strict = true): void {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error((e as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read: ${(e as Error).message}`);
  }
  const weights = decodeSafetensors(bytes, file);
  // By name; when no name matches (layers named automatically, e.g. in another process) but
  // the file has the model's weights in its order and shapes, by position, as Keras' load_weights.
  const vars = modelVariables(model);
  const names = new Set(vars.map((v) => v.name));
  const sameStructure = weights.length === vars.length && weights.every((w, i) => w.dtype === 'float32' &&
    w.shape.length === vars[i].variable.shape.length && w.shape.every((d, k) => d === vars[i].variable.shape[k]));
  if (!weights.some((w) => names.has(w.name)) && sameStructure) {
    weights.forEach((w, i) => { w.name = vars[i].name; });
  }
  assignWeights(model, weights, file, strict);
}
