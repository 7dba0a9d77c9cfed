// Keras 3 .keras files: a zip of config.json (the model config, in the 'keras3' dialect of
// serialization.ts, plus compile_config), metadata.json and model.weights.h5 (HDF5).
//
// Note [Keras 3 weights layout]: model.weights.h5 holds, for each layer of a Sequential model
// in order (the InputLayer excepted), a group layers/<key> where <key> is the snake_case class
// name, with _1, _2, … for the second, third … layer of that class ('dense', 'dense_1' —
// NOT the layer's name). Its variables are datasets vars/0, vars/1, … in creation order; a
// recurrent layer keeps them in layers/<key>/cell/vars, Bidirectional in
// layers/<key>/forward_layer/cell/vars and …/backward_layer/cell/vars. The optimizer's are in
// optimizer/vars: 0 = iterations (int64), 1 = learning rate, then the slots of each trainable
// variable (Adam: m0, v0, m1, v1, …; SGD with momentum: the momentums; RMSprop: all velocities,
// then all momentums; see kerasSlotOrder).
// Checked against files Keras 3.15 wrote (test/fixtures/io, scripts/fixtures/).
//
// h5wasm and fflate are optional peer dependencies, loaded on first use (as sharp is for images).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as crypto from 'crypto';
import { shapeString } from '../errors';
import { Layer, toSnakeCase } from '../layers/layer';
import { Bidirectional } from '../layers/wrappers';
import { RNN } from '../layers/recurrent';
import type { Sequential } from '../models/sequential';
import type { Compiled } from '../models/training';
import { AdamOptimizer, AdamWOptimizer, Optimizer, RMSPropOptimizer, SGDOptimizer } from '../optimizers';
import { Tensor } from '../tensor';
import { writeFileAtomic } from './atomic';
import { SavableModel, artifactsInfo, modelFromTopology, modelVariables, sequentialTopology } from './model_io';
import { LoadOptions, SaveConfig, SaveResult } from './types';
import { version } from './version';

type Json = Record<string, unknown>;

// ---- optional dependencies ---------------------------------------------------------------------

interface H5Dataset { shape: number[] | null; dtype: string; value: unknown }
interface H5Group {
  keys(): string[];
  get(name: string): (H5Group & H5Dataset) | null;
  create_group(name: string): H5Group;
  create_dataset(args: { name: string; data: unknown; shape?: number[]; dtype?: string }): unknown;
  create_attribute(name: string, data: unknown): void;
}
interface H5File extends H5Group { close(): void }
interface H5Module { File: new (filename: string, mode: string) => H5File; ready: Promise<unknown> }
interface Fflate { unzipSync(data: Uint8Array): Record<string, Uint8Array>; zipSync(files: Record<string, Uint8Array | [Uint8Array, { level: number }]>, opts?: { level: number }): Uint8Array }

function missing(pkg: string, what: string, err: Error): Error {
  return new Error(`${what} needs the package ${pkg}, which is not installed. Install it with \`npm install ${pkg}\` ` +
    `(an optional peer dependency of tensornode; nothing else needs it). (${err.message})`);
}

let fflateModule: Fflate | null = null;
function fflate(what: string): Fflate {
  if (fflateModule) return fflateModule;
  try {
    fflateModule = require('fflate') as Fflate;
  } catch (e) {
    throw missing('fflate', what, e as Error);
  }
  return fflateModule;
}

let h5Module: Promise<H5Module> | null = null;
/** h5wasm's Node build, an ES module: found on the require paths and import()ed by file URL. */
function h5wasm(what: string): Promise<H5Module> {
  if (h5Module) return h5Module;
  const paths = require.resolve.paths('h5wasm') ?? [];
  const file = paths.map((p) => path.join(p, 'h5wasm', 'dist', 'node', 'hdf5_hl.js')).find((f) => fs.existsSync(f));
  if (!file) return Promise.reject(missing('h5wasm', what, new Error('h5wasm/dist/node/hdf5_hl.js not found')));
  // A real import() (TypeScript would turn `import()` into require(), which cannot load an ES module here).
  const dynamicImport = new Function('u', 'return import(u)') as (u: string) => Promise<{ default: H5Module }>;
  h5Module = dynamicImport(require('url').pathToFileURL(file).href).then(async (m) => {
    await m.default.ready;
    return m.default;
  });
  h5Module.catch(() => { h5Module = null; });
  return h5Module;
}

function tempH5(): string {
  return path.join(os.tmpdir(), `tensornode-${process.pid}-${crypto.randomBytes(6).toString('hex')}.h5`);
}

// ---- layout --------------------------------------------------------------------------------------

/** For each layer, its h5 variable groups (paths of the vars/ groups holding its variables, in order). */
function h5Layout(layers: Layer[]): { layer: Layer; key: string; groups: { path: string; count: number }[] }[] {
  const counts = new Map<string, number>();
  return layers.map((layer) => {
    const base = toSnakeCase(layer.getClassName());
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    const key = `layers/${n === 0 ? base : `${base}_${n}`}`;
    let groups: { path: string; count: number }[];
    if (layer instanceof Bidirectional) {
      groups = [
        { path: `${key}/forward_layer/cell/vars`, count: layer.forwardLayer.weightVariables.length },
        { path: `${key}/backward_layer/cell/vars`, count: layer.backwardLayer.weightVariables.length },
      ];
    } else if (layer instanceof RNN) {
      groups = [{ path: `${key}/cell/vars`, count: layer.weightVariables.length }];
    } else {
      groups = [{ path: `${key}/vars`, count: layer.weightVariables.length }];
    }
    return { layer, key, groups };
  });
}

/**
 * The order of Keras 3's optimizer/vars after iterations and learning rate, as [variable index,
 * our slot name]: Adam/AdamW interleave per variable (m0, v0, m1, v1, …); RMSprop groups by
 * slot (all velocities, then all momentums); SGD has one slot (momentum) or none.
 */
function kerasSlotOrder(o: Optimizer, count: number): [number, string][] {
  const grouped = (slots: string[]) => slots.flatMap((s) => Array.from({ length: count }, (_, i) => [i, s] as [number, string]));
  if (o instanceof AdamOptimizer) return Array.from({ length: count }, (_, i) => [[i, 'm'], [i, 'v']] as [number, string][]).flat();
  if (o instanceof RMSPropOptimizer) return grouped(o.momentum > 0 ? ['rms', 'momentum'] : ['rms']);
  if (o instanceof SGDOptimizer) return grouped(o.momentum > 0 ? ['momentum'] : []);
  throw new Error(`optimizer ${o.getClassName()} has no Keras counterpart`);
}

// ---- compile config ---------------------------------------------------------------------------

function optimizerToKeras(o: Optimizer): Json {
  const wrap = (className: string, config: Json) => ({ module: 'keras.optimizers', class_name: className, config, registered_name: null });
  const common = { clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, loss_scale_factor: null, gradient_accumulation_steps: null };
  if (o instanceof AdamWOptimizer) {
    return wrap('AdamW', { name: 'adamw', learning_rate: o.learningRate, weight_decay: o.weightDecay, ...common, beta_1: o.beta1, beta_2: o.beta2, epsilon: o.epsilon, amsgrad: false });
  }
  if (o instanceof AdamOptimizer) {
    return wrap('Adam', { name: 'adam', learning_rate: o.learningRate, weight_decay: null, ...common, beta_1: o.beta1, beta_2: o.beta2, epsilon: o.epsilon, amsgrad: false });
  }
  if (o instanceof RMSPropOptimizer) {
    return wrap('RMSprop', { name: 'rmsprop', learning_rate: o.learningRate, weight_decay: null, ...common, rho: o.decay, momentum: o.momentum, epsilon: o.epsilon, centered: false });
  }
  if (o instanceof SGDOptimizer) {
    return wrap('SGD', { name: 'SGD', learning_rate: o.learningRate, weight_decay: null, ...common, momentum: o.momentum, nesterov: o.nesterov });
  }
  throw new Error(`optimizer ${o.getClassName()} has no Keras counterpart`);
}

function optimizerFromKeras(v: unknown, file: string): Optimizer {
  if (typeof v === 'string') {
    const byName: Record<string, () => Optimizer> = {
      adam: () => new AdamOptimizer(), adamw: () => new AdamWOptimizer(), rmsprop: () => new RMSPropOptimizer(), sgd: () => new SGDOptimizer(0.01),
    };
    const make = byName[v.toLowerCase()];
    if (!make) throw new Error(`${file}: optimizer '${v}' has no counterpart in tensornode (adam, adamw, rmsprop, sgd)`);
    return make();
  }
  const j = (v ?? {}) as Json;
  const c = (j.config ?? {}) as Json;
  const cls = String(j.class_name);
  const off: [string, unknown[]][] = [['clipnorm', [null]], ['global_clipnorm', [null]], ['clipvalue', [null]], ['use_ema', [false]],
    ['ema_overwrite_frequency', [null]], ['loss_scale_factor', [null]], ['gradient_accumulation_steps', [null]], ['amsgrad', [false]], ['centered', [false]]];
  for (const [k, allowed] of off) {
    if (k in c && !allowed.includes(c[k])) throw new Error(`${file}: optimizer ${cls} option ${k}=${JSON.stringify(c[k])} has no counterpart in tensornode`);
  }
  const lr = c.learning_rate;
  if (typeof lr !== 'number') throw new Error(`${file}: optimizer ${cls} learning_rate ${JSON.stringify(lr)} is not a number (schedules have no counterpart in tensornode)`);
  const known = (keys: string[]) => {
    const all = ['name', 'learning_rate', 'ema_momentum', ...off.map(([k]) => k), ...keys];
    const extra = Object.keys(c).filter((k) => !all.includes(k));
    if (extra.length) throw new Error(`${file}: optimizer ${cls} option${extra.length > 1 ? 's' : ''} ${extra.join(', ')} not known to tensornode`);
  };
  const num = (k: string) => c[k] as number | undefined;
  switch (cls) {
    case 'Adam':
      known(['weight_decay', 'beta_1', 'beta_2', 'epsilon']);
      if (c.weight_decay !== null && c.weight_decay !== undefined && c.weight_decay !== 0) throw new Error(`${file}: Adam weight_decay=${c.weight_decay} has no counterpart (use AdamW)`);
      return new AdamOptimizer(lr, num('beta_1'), num('beta_2'), num('epsilon'));
    case 'AdamW':
      known(['weight_decay', 'beta_1', 'beta_2', 'epsilon']);
      return new AdamWOptimizer(lr, num('weight_decay'), num('beta_1'), num('beta_2'), num('epsilon'));
    case 'RMSprop':
      known(['weight_decay', 'rho', 'momentum', 'epsilon']);
      if (c.weight_decay !== null && c.weight_decay !== undefined) throw new Error(`${file}: RMSprop weight_decay=${c.weight_decay} has no counterpart in tensornode`);
      return new RMSPropOptimizer(lr, num('rho'), num('momentum'), num('epsilon'));
    case 'SGD':
      known(['weight_decay', 'momentum', 'nesterov']);
      if (c.weight_decay !== null && c.weight_decay !== undefined) throw new Error(`${file}: SGD weight_decay=${c.weight_decay} has no counterpart in tensornode`);
      return new SGDOptimizer(lr, num('momentum'), c.nesterov as boolean | undefined);
    default:
      throw new Error(`${file}: optimizer ${cls} has no counterpart in tensornode (Adam, AdamW, RMSprop, SGD)`);
  }
}

const LOSS_OUT: Record<string, string> = {
  meanSquaredError: 'mean_squared_error', meanAbsoluteError: 'mean_absolute_error', binaryCrossentropy: 'binary_crossentropy',
  categoricalCrossentropy: 'categorical_crossentropy', sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
};

function lossFromKeras(v: unknown, file: string): string {
  if (typeof v === 'string') return v;
  const j = (v ?? {}) as Json;
  const c = (j.config ?? {}) as Json;
  if (typeof j.class_name === 'string') {
    for (const [k, val] of Object.entries(c)) {
      const fine = k === 'name' || k === 'reduction' && (val === 'sum_over_batch_size' || val === 'auto') || k === 'dtype' ||
        (k === 'from_logits' && val === false) || (k === 'label_smoothing' && val === 0) || (k === 'axis' && val === -1) ||
        (k === 'ignore_class' && val === null);
      if (!fine) throw new Error(`${file}: loss ${j.class_name} option ${k}=${JSON.stringify(val)} has no counterpart in tensornode`);
    }
    return toSnakeCase(j.class_name);
  }
  throw new Error(`${file}: loss ${JSON.stringify(v)} is not one loss (multi-output losses have no counterpart yet)`);
}

// ---- zip integrity ---------------------------------------------------------------------------------

let crcTable: Int32Array | null = null;
function crc32(data: Uint8Array): number {
  if (crcTable === null) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Checks each entry's CRC-32 (from the zip's central directory) against its unzipped bytes: fflate does not. */
function checkZipCrcs(zipBytes: Uint8Array, files: Record<string, Uint8Array>, file: string): void {
  const dv = new DataView(zipBytes.buffer, zipBytes.byteOffset, zipBytes.byteLength);
  let eocd = -1;
  for (let i = zipBytes.length - 22; i >= Math.max(0, zipBytes.length - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${file} is not a valid .keras file: no zip end-of-directory record (truncated?)`);
  const count = dv.getUint16(eocd + 10, true);
  let at = dv.getUint32(eocd + 16, true);
  for (let i = 0; i < count; i++) {
    if (at + 46 > zipBytes.length || dv.getUint32(at, true) !== 0x02014b50) throw new Error(`${file}: the zip central directory is corrupt`);
    const crc = dv.getUint32(at + 16, true);
    const nameLength = dv.getUint16(at + 28, true);
    const name = Buffer.from(zipBytes.subarray(at + 46, at + 46 + nameLength)).toString('utf8');
    const data = files[name];
    if (data !== undefined && crc32(data) !== crc) throw new Error(`${file} is corrupt: the CRC-32 of its entry ${name} does not match`);
    at += 46 + nameLength + dv.getUint16(at + 30, true) + dv.getUint16(at + 32, true);
  }
}

// ---- load -------------------------------------------------------------------------------------------

function readEntry(files: Record<string, Uint8Array>, name: string, file: string): Uint8Array {
  const e = files[name];
  if (e === undefined) throw new Error(`${file} is not a Keras 3 .keras file: it has no ${name} (it has ${Object.keys(files).join(', ') || 'nothing'})`);
  return e;
}

export async function loadKeras(file: string, options: LoadOptions): Promise<Sequential> {
  if (options.strict === false) throw new Error('loadLayersModel: strict: false is not supported for .keras files (every variable is matched by position)');
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error((e as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read: ${(e as Error).message}`);
  }
  const zip = fflate('Reading .keras files');
  let files: Record<string, Uint8Array>;
  try {
    files = zip.unzipSync(bytes);
  } catch (e) {
    throw new Error(`${file} is not a valid .keras file (a zip archive): ${(e as Error).message} (truncated or corrupt?)`);
  }
  checkZipCrcs(bytes, files, file);
  let config: Json;
  try {
    config = JSON.parse(Buffer.from(readEntry(files, 'config.json', file)).toString('utf8'));
  } catch (e) {
    throw new Error(`${file}: config.json is not valid JSON (${(e as Error).message})`);
  }
  const model = modelFromTopology(config, `${file} (config.json)`) as unknown as Sequential & SavableModel;
  const h5Bytes = readEntry(files, 'model.weights.h5', file);
  const h5 = await h5wasm('Reading .keras files');
  const tmp = tempH5();
  fs.writeFileSync(tmp, h5Bytes);
  const where = `${file} (model.weights.h5)`;
  let optimizerValues: { shape: number[]; values: Float32Array | number[] }[] = [];
  const plan: [Float32Array, Float32Array][] = [];
  try {
    let f: H5File;
    try {
      f = new h5.File(tmp, 'r');
    } catch (e) {
      throw new Error(`${where} is not a valid HDF5 file (${(e as Error).message}; truncated or corrupt?)`);
    }
    try {
      for (const { layer, groups } of h5Layout(model.layers)) {
        const vars = layer.weightVariables;
        let at = 0;
        for (const g of groups) {
          const group = f.get(g.path);
          const keys = group ? group.keys() : [];
          if (keys.length !== g.count) {
            throw new Error(`${where}: layer '${layer.name}' (${layer.getClassName()}) has ${g.count} variables but ${g.path} holds ${keys.length}`);
          }
          for (let i = 0; i < g.count; i++, at++) {
            const ds = group!.get(String(i));
            const v = vars[at];
            if (!ds || !Array.isArray(ds.shape)) throw new Error(`${where}: ${g.path}/${i} is missing (variable ${v.name})`);
            const shape = ds.shape;
            if (shape.length !== v.shape.length || shape.some((d, k) => d !== v.shape[k])) {
              throw new Error(`${where}: ${g.path}/${i} has shape ${shapeString(shape)} but ${v.name} of layer '${layer.name}' has shape ${shapeString(v.shape)}`);
            }
            const value = ds.value;
            if (!(value instanceof Float32Array)) {
              throw new Error(`${where}: ${g.path}/${i} is ${ds.dtype}, not float32 (${v.name} of layer '${layer.name}')`);
            }
            if (value.length !== v.size) throw new Error(`${where}: ${g.path}/${i} holds ${value.length} values, expected ${v.size}`);
            plan.push([v.value, value]);
          }
        }
      }
      const opt = f.get('optimizer/vars');
      if (opt) {
        optimizerValues = opt.keys().sort((a, b) => Number(a) - Number(b)).map((k) => {
          const ds = opt.get(k)!;
          const value = ds.value;
          const values = value instanceof Float32Array ? value : typeof value === 'bigint' ? [Number(value)]
            : ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number | bigint>, Number) : typeof value === 'number' ? [value] : [];
          return { shape: ds.shape ?? [], values };
        });
      }
    } finally {
      f.close();
    }
  } finally {
    try { fs.unlinkSync(tmp); } catch { /* gone */ }
  }
  for (const [dst, src] of plan) dst.set(src);
  const cc = config.compile_config as Json | undefined;
  if (cc && cc.optimizer !== undefined && cc.loss !== undefined && cc.loss !== null) {
    for (const [k, v] of Object.entries(cc)) {
      const fine = ['optimizer', 'loss', 'metrics', 'run_eagerly', 'steps_per_execution', 'jit_compile', 'auto_scale_loss'].includes(k) ||
        (['loss_weights', 'weighted_metrics'].includes(k) && v === null);
      if (!fine) throw new Error(`${file}: compile_config option ${k}=${JSON.stringify(v)} has no counterpart in tensornode`);
    }
    const optimizer = optimizerFromKeras(cc.optimizer, file);
    const metrics = Array.isArray(cc.metrics) ? (cc.metrics as unknown[]).flat().map((m) => (typeof m === 'string' ? m : String((m as Json)?.class_name))) : [];
    model.compile({ optimizer, loss: lossFromKeras(cc.loss, file), metrics });
    if (optimizerValues.length > 0) await restoreKerasOptimizer(model, optimizer, optimizerValues, where);
  }
  return model;
}

async function restoreKerasOptimizer(model: SavableModel, o: Optimizer, values: { shape: number[]; values: Float32Array | number[] }[], where: string): Promise<void> {
  const trainable = modelVariables(model).filter((v) => v.trainable);
  const order = kerasSlotOrder(o, trainable.length);
  const want = 2 + order.length;
  if (values.length !== want) {
    throw new Error(`${where}: optimizer/vars holds ${values.length} variables but ${o.getClassName()} over ${trainable.length} trainable variables has ${want}`);
  }
  const weights: { name: string; tensor: Tensor }[] = [{ name: 'iter', tensor: new Tensor(new Int32Array([values[0].values[0] as number]), [], 'int32') }];
  let at = 2;
  for (const [i, s] of order) {
    const v = trainable[i];
    const e = values[at++];
    const shape = e.shape;
    if (shape.length !== v.variable.shape.length || shape.some((d, k) => d !== v.variable.shape[k])) {
      throw new Error(`${where}: optimizer/vars/${at - 1} has shape ${shapeString(shape)} but the ${s} slot of ${v.name} needs ${shapeString(v.variable.shape)}`);
    }
    weights.push({ name: `${v.variable.name}/${s}`, tensor: new Tensor(Float32Array.from(e.values), v.variable.shape.slice(), 'float32') });
  }
  await o.setWeights(weights);
}

// ---- save -----------------------------------------------------------------------------------------

export async function saveKeras(model: SavableModel, file: string, config: SaveConfig, compiled?: Compiled | null): Promise<SaveResult> {
  for (const k of Object.keys(config)) {
    if (k !== 'includeOptimizer') throw new TypeError(`save: option ${k} is not supported for .keras files (includeOptimizer)`);
  }
  const includeOptimizer = config.includeOptimizer ?? false;
  if (includeOptimizer && !compiled) throw new Error(`save: includeOptimizer needs a compiled model, and model ${model.name} is not compiled`);
  const topology = sequentialTopology(model, 'keras3');
  if (compiled) {
    topology.compile_config = {
      optimizer: optimizerToKeras(compiled.optimizer), loss: LOSS_OUT[compiled.loss.name] ?? compiled.loss.name, loss_weights: null,
      metrics: compiled.metrics.map((m) => (m.key === 'acc' ? 'accuracy' : m.key)), weighted_metrics: null, run_eagerly: false,
      steps_per_execution: 1, jit_compile: false,
    };
  }
  const zip = fflate('Writing .keras files');
  const h5 = await h5wasm('Writing .keras files');
  const tmp = tempH5();
  let h5Bytes: Uint8Array;
  try {
    const f = new h5.File(tmp, 'w');
    try {
      f.create_group('layers');
      for (const { layer, key, groups } of h5Layout(model.layers)) {
        // The groups Keras writes (Note [Keras 3 weights layout]); those without variables stay empty.
        f.create_group(key);
        const vars = layer.weightVariables;
        let at = 0;
        if (layer instanceof Bidirectional) {
          for (const side of ['forward_layer', 'backward_layer']) {
            f.create_group(`${key}/${side}`);
            f.create_group(`${key}/${side}/cell`);
            f.create_group(`${key}/${side}/vars`);
          }
        }
        if (layer instanceof RNN) f.create_group(`${key}/cell`);
        if (layer instanceof Bidirectional || layer instanceof RNN) f.create_group(`${key}/vars`);
        for (const g of groups) {
          const group = f.create_group(g.path);
          for (let i = 0; i < g.count; i++, at++) {
            const v = vars[at];
            group.create_dataset({ name: String(i), data: v.value, shape: v.shape.slice(), dtype: '<f' });
          }
        }
      }
      f.create_group('vars');
      if (includeOptimizer && compiled) {
        const o = compiled.optimizer;
        const trainable = modelVariables(model).filter((x) => x.trainable);
        const all = new Map((await o.getWeights()).map((w) => [w.name, w.tensor]));
        const g = f.create_group('optimizer');
        const vars = g.create_group('vars');
        vars.create_dataset({ name: '0', data: new BigInt64Array([BigInt(o.iterations)]), shape: [], dtype: '<q' });
        vars.create_dataset({ name: '1', data: new Float32Array([o.learningRate]), shape: [], dtype: '<f' });
        let at = 2;
        for (const [i, s] of kerasSlotOrder(o, trainable.length)) {
          const v = trainable[i];
          const t = all.get(`${v.variable.name}/${s}`);
          const data = t ? (t.values as Float32Array) : new Float32Array(v.variable.size);   // a variable not updated yet
          vars.create_dataset({ name: String(at++), data, shape: v.variable.shape.slice(), dtype: '<f' });
        }
      }
    } finally {
      f.close();
    }
    h5Bytes = fs.readFileSync(tmp);
  } finally {
    try { fs.unlinkSync(tmp); } catch { /* gone */ }
  }
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const metadata = {
    keras_version: '3.0.0', generated_by: `tensornode ${version}`,
    date_saved: `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}@${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`,
  };
  const enc = (s: unknown) => new Uint8Array(Buffer.from(JSON.stringify(s), 'utf8'));
  const data = zip.zipSync({ 'metadata.json': enc(metadata), 'config.json': enc(topology), 'model.weights.h5': [h5Bytes, { level: 0 }] }, { level: 6 });
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(file, data);
  const info = artifactsInfo({ modelTopology: topology });
  info.modelArtifactsInfo.weightDataBytes = h5Bytes.length;
  return info;
}
