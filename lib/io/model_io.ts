// Models <-> ModelArtifacts (tfjs' layers-model format): topology, weights in tfjs' order and
// names, optional optimizer state and training config; and the routing of 'file://…' URLs and
// IOHandlers for model.save / tn.loadLayersModel.
import { expected, shapeString } from '../errors';
import { Layer, LayerVariable } from '../layers/layer';
import { Bidirectional } from '../layers/wrappers';
import type { Sequential } from '../models/sequential';
import type { Compiled } from '../models/training';
import { AdamOptimizer, AdamWOptimizer, Optimizer, RMSPropOptimizer, SGDOptimizer } from '../optimizers';
import { Tensor } from '../tensor';
import { version } from './version';
import { Dialect, dtypePolicy, layerFromConfig, layerToConfig } from './serialization';
import { IOHandler, LoadOptions, ModelArtifacts, SaveConfig, SaveResult, TrainingConfig, WeightsManifestEntry } from './types';
import { NamedWeight, concatWeightData, decodeWeights, encodeWeights } from './weights';

type Json = Record<string, unknown>;

/** What io needs of a model; Sequential today, the functional Model when it lands. */
export interface SavableModel {
  readonly name: string;
  readonly layers: Layer[];
  inputShape(): number[] | undefined;
  inputDtype(): string;
  compile(args: { optimizer: Optimizer; loss: string; metrics?: string[] }): void;
  readonly optimizer?: Optimizer;
  /** A functional model gives its own topology config (class_name 'Functional'); Sequential's is built here. */
  topologyConfig?(dialect: Dialect): Json;
}

/** A loader for a topology class (Sequential here; a functional model registers 'Functional' / 'Model'). */
export type TopologyLoader = (json: Json, dialect: Dialect, source: string) => SavableModel;
const topologyLoaders = new Map<string, TopologyLoader>();

export function registerTopology(className: string, loader: TopologyLoader): void {
  topologyLoaders.set(className, loader);
}

// ---- weights in tfjs' order and names -------------------------------------------------------

export interface ModelVariable {
  /** The name in files: tfjs' weight originalName ('dense/kernel', 'bidirectional/forward_lstm/kernel'). */
  name: string;
  variable: LayerVariable;
  trainable: boolean;
}

/**
 * The model's weights as tfjs-layers orders them in model.weights: every trainable weight in
 * layer order, then every non-trainable one (a frozen layer's weights, BatchNormalization's
 * moving statistics).
 */
export function modelVariables(model: { layers: Layer[] }): ModelVariable[] {
  const all: ModelVariable[] = [];
  for (const layer of model.layers) {
    const prefix = layer instanceof Bidirectional ? `${layer.name}/` : '';
    for (const v of layer.weightVariables) all.push({ name: prefix + v.name, variable: v, trainable: layer.trainable && v.trainable });
  }
  return [...all.filter((v) => v.trainable), ...all.filter((v) => !v.trainable)];
}

/** Keras 2 / tfjs-converter names: 'lstm/lstm_cell/kernel' is 'lstm/kernel' (tfjs' own fallback rule). */
function shortened(name: string): string {
  const t = name.replace(/:0$/, '').split('/');
  return t.length > 2 ? [...t.slice(0, -2), t[t.length - 1]].join('/') : t.join('/');
}

/**
 * Checks every decoded weight against the model (names, dtypes, shapes; all present, none
 * extra unless strict is false) and only then assigns them all. Nothing is assigned when any
 * check fails.
 */
export function assignWeights(model: { name: string; layers: Layer[] }, weights: NamedWeight[], source: string, strict = true): void {
  const vars = modelVariables(model);
  const byName = new Map<string, ModelVariable>();
  for (const v of vars) byName.set(v.name, v);
  const plan: [ModelVariable, NamedWeight][] = [];
  const unused: string[] = [];
  const seen = new Set<string>();
  for (const w of weights) {
    let target = byName.get(w.name) ?? byName.get(w.name.replace(/:0$/, '')) ?? byName.get(shortened(w.name));
    if (target === undefined) {
      unused.push(w.name);
      continue;
    }
    if (seen.has(target.name)) throw new Error(`${source}: two weights in the file map to ${target.name} ('${w.name}' is the second)`);
    seen.add(target.name);
    const shape = target.variable.shape;
    if (w.dtype !== 'float32') {
      throw new Error(`${source}: weight '${w.name}' is ${w.dtype} but ${target.name} of model ${model.name} is float32`);
    }
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
      target = target!;
      throw new Error(`${source}: weight '${w.name}' has shape ${shapeString(w.shape)} but ${target.name} of model ${model.name} ` +
        `has shape ${shapeString(shape)}`);
    }
    plan.push([target, w]);
  }
  const missing = vars.filter((v) => !seen.has(v.name)).map((v) => v.name);
  if (strict && (unused.length || missing.length)) {
    const parts = [];
    if (missing.length) parts.push(`missing weights for ${missing.join(', ')}`);
    if (unused.length) parts.push(`weights the model does not have: ${unused.join(', ')}`);
    throw new Error(`${source} does not match model ${model.name}: ${parts.join('; ')}`);
  }
  for (const [t, w] of plan) t.variable.value.set(w.values);
}

// ---- optimizer state -------------------------------------------------------------------------

/** tfjs' optimizer_config {class_name, config} for our optimizers. */
function optimizerConfig(o: Optimizer): { class_name: string; config: Json } {
  if (o instanceof AdamWOptimizer) {
    return { class_name: 'AdamW', config: { learningRate: o.learningRate, weightDecay: o.weightDecay, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon } };
  }
  if (o instanceof AdamOptimizer) return { class_name: 'Adam', config: { learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon } };
  if (o instanceof RMSPropOptimizer) {
    return { class_name: 'RMSProp', config: { learningRate: o.learningRate, decay: o.decay, momentum: o.momentum, epsilon: o.epsilon, centered: false } };
  }
  if (o instanceof SGDOptimizer) {
    return o.momentum > 0
      ? { class_name: 'Momentum', config: { learningRate: o.learningRate, momentum: o.momentum, useNesterov: o.nesterov } }
      : { class_name: 'SGD', config: { learningRate: o.learningRate } };
  }
  throw new Error(`optimizer ${o.getClassName()} cannot be saved`);
}

function optimizerFromConfig(c: { class_name?: unknown; config?: unknown }, source: string): Optimizer {
  const cfg = (c?.config ?? {}) as Record<string, number | boolean | undefined>;
  const n = (k: string, alt?: string) => (cfg[k] ?? (alt ? cfg[alt] : undefined)) as number | undefined;
  const known = (keys: string[]) => {
    const extra = Object.keys(cfg).filter((k) => !keys.includes(k) && cfg[k] !== null && cfg[k] !== undefined);
    if (extra.length) throw new Error(`${source}: optimizer ${String(c.class_name)} option ${extra.map((k) => `${k}=${JSON.stringify(cfg[k])}`).join(', ')} has no counterpart in tensornode`);
  };
  switch (c?.class_name) {
    case 'Adam':
      known(['learningRate', 'learning_rate', 'beta1', 'beta2', 'beta_1', 'beta_2', 'epsilon']);
      return new AdamOptimizer(n('learningRate', 'learning_rate'), n('beta1', 'beta_1'), n('beta2', 'beta_2'), n('epsilon'));
    case 'AdamW':
      known(['learningRate', 'weightDecay', 'beta1', 'beta2', 'epsilon']);
      return new AdamWOptimizer(n('learningRate'), n('weightDecay'), n('beta1'), n('beta2'), n('epsilon'));
    case 'RMSProp': case 'RMSprop':
      known(['learningRate', 'decay', 'momentum', 'epsilon', 'centered']);
      return new RMSPropOptimizer(n('learningRate'), n('decay'), n('momentum'), n('epsilon'), cfg.centered as boolean | undefined);
    case 'Momentum':
      known(['learningRate', 'momentum', 'useNesterov']);
      return new SGDOptimizer(n('learningRate')!, n('momentum'), cfg.useNesterov as boolean | undefined);
    case 'SGD':
      known(['learningRate']);
      return new SGDOptimizer(n('learningRate')!);
    default:
      throw new Error(`${source}: optimizer ${JSON.stringify(c?.class_name)} has no counterpart in tensornode (Adam, AdamW, RMSProp, Momentum, SGD)`);
  }
}

const LOSS_OUT: Record<string, string> = {
  meanSquaredError: 'mean_squared_error', meanAbsoluteError: 'mean_absolute_error', binaryCrossentropy: 'binary_crossentropy',
  categoricalCrossentropy: 'categorical_crossentropy', sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
};
const METRIC_OUT: Record<string, string> = { acc: 'accuracy' };

function trainingConfigOf(compiled: Compiled): TrainingConfig {
  return {
    loss: LOSS_OUT[compiled.loss.name] ?? compiled.loss.name,
    metrics: compiled.metrics.map((m) => METRIC_OUT[m.key] ?? m.key),
    optimizer_config: optimizerConfig(compiled.optimizer),
  };
}

// ---- model -> artifacts ------------------------------------------------------------------------

export function sequentialTopology(model: SavableModel, d: Dialect): Json {
  if (model.topologyConfig) return model.topologyConfig(d);
  if (model.layers.length === 0) throw new Error(`Model ${model.name} has no layers to save`);
  const shape = model.inputShape();
  if (shape === undefined) throw new Error(`Model ${model.name} is not built yet (give its first layer an inputShape, or fit/predict once) and cannot be saved`);
  if (d === 'tfjs') {
    return {
      class_name: 'Sequential',
      config: { name: model.name, layers: model.layers.map((l, i) => layerToConfig(l, d, i === 0)) },
      keras_version: `tensornode ${version}`,
      backend: 'tensornode',
    };
  }
  const first = model.layers[0];
  const inputLayer = {
    module: 'keras.layers', class_name: 'InputLayer',
    config: { batch_shape: [first.declaredBatchSize ?? null, ...shape], dtype: model.inputDtype(), sparse: false, name: 'input_layer' },
    registered_name: null,
  };
  return {
    module: 'keras', class_name: 'Sequential',
    config: { name: model.name, trainable: true, dtype: dtypePolicy('float32'), layers: [inputLayer, ...model.layers.map((l) => layerToConfig(l, d, false))] },
    registered_name: null,
    build_config: { input_shape: [null, ...shape] },
  };
}

export async function modelToArtifacts(model: SavableModel, config: SaveConfig = {}, compiled?: Compiled | null): Promise<ModelArtifacts> {
  if (config === null || typeof config !== 'object') throw new TypeError(expected('an object {includeOptimizer, trainableOnly}', 'save(handler, config)', config));
  for (const k of Object.keys(config)) {
    if (k !== 'includeOptimizer' && k !== 'trainableOnly') throw new TypeError(`save: option ${k} is not known (includeOptimizer, trainableOnly)`);
  }
  const topology = sequentialTopology(model, 'tfjs');
  const vars = modelVariables(model).filter((v) => !config.trainableOnly || v.trainable);
  const named: NamedWeight[] = vars.map((v) => ({ name: v.name, dtype: 'float32', shape: v.variable.shape.slice(), values: v.variable.value }));
  const artifacts: ModelArtifacts = {
    modelTopology: topology, format: 'layers-model', generatedBy: `tensornode v${version}`, convertedBy: null,
  };
  if (config.includeOptimizer) {
    if (!compiled) throw new Error(`save: includeOptimizer needs a compiled model, and model ${model.name} is not compiled`);
    artifacts.trainingConfig = trainingConfigOf(compiled);
    const slots = await compiled.optimizer.getWeights();
    for (const s of slots) {
      named.push({ name: s.name, dtype: s.tensor.dtype === 'int32' ? 'int32' : 'float32', shape: s.tensor.shape.slice(),
        values: s.tensor.values as Float32Array | Int32Array, group: 'optimizer' });
    }
  }
  const { specs, data } = encodeWeights(named);
  artifacts.weightSpecs = specs;
  artifacts.weightData = data;
  return artifacts;
}

export function artifactsInfo(a: ModelArtifacts): SaveResult {
  const json = (v: unknown) => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v), 'utf8'));
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: json(a.modelTopology),
      weightSpecsBytes: json(a.weightSpecs), weightDataBytes: concatWeightData(a.weightData).byteLength,
    },
  };
}

// ---- artifacts -> model --------------------------------------------------------------------------

export function modelFromTopology(topology: unknown, source: string): SavableModel {
  let t = topology as Json;
  if (t !== null && typeof t === 'object' && 'model_config' in t) t = t.model_config as Json;   // tfjs converter / Keras 2 h5
  if (t === null || typeof t !== 'object' || typeof t.class_name !== 'string') {
    throw new Error(`${source}: modelTopology is not a Keras model config {class_name, config}`);
  }
  const dialect: Dialect = typeof t.module === 'string' ? 'keras3' : 'tfjs';
  const loader = topologyLoaders.get(t.class_name);
  if (loader) return loader(t, dialect, source);
  if (t.class_name !== 'Sequential') {
    throw new Error(`${source}: model class ${t.class_name} cannot be loaded yet (only Sequential models; functional models need tn.model)`);
  }
  return sequentialFromConfig(t, dialect, source);
}

function sequentialFromConfig(t: Json, dialect: Dialect, source: string): SavableModel {
  // Keras 2.1 wrote Sequential's config as the list of layers itself.
  const config = (Array.isArray(t.config) ? { layers: t.config } : t.config) as Json;
  if (config === null || typeof config !== 'object' || !Array.isArray(config.layers)) {
    throw new Error(`${source}: a Sequential config needs a layers array`);
  }
  let input: { shape?: (number | null)[]; dtype?: string } | undefined;
  const layers: Layer[] = [];
  for (const [i, lj] of (config.layers as Json[]).entries()) {
    if (lj && lj.class_name === 'InputLayer') {
      const c = (lj.config ?? {}) as Json;
      for (const k of Object.keys(c)) {
        if (!['batch_shape', 'batch_input_shape', 'dtype', 'sparse', 'ragged', 'name', 'optional'].includes(k)) {
          throw new Error(`${source}: InputLayer option ${k}=${JSON.stringify(c[k])} has no counterpart in tensornode`);
        }
      }
      if (c.sparse === true || c.ragged === true) throw new Error(`${source}: sparse or ragged inputs have no counterpart in tensornode`);
      const dt = typeof c.dtype === 'object' && c.dtype !== null ? ((c.dtype as Json).config as Json)?.name : c.dtype;
      input = { shape: (c.batch_shape ?? c.batch_input_shape) as (number | null)[], dtype: dt as string | undefined };
      continue;
    }
    layers.push(layerFromConfig(lj, dialect, `${source}: layers[${i}]`, layers.length === 0 ? input : undefined));
  }
  // Required here, not at the top: lib/models/sequential requires this module.
  const { Sequential } = require('../models/sequential') as typeof import('../models/sequential');
  const name = typeof config.name === 'string' ? config.name : undefined;
  const model = new Sequential({ name, layers });
  if (model.inputShape() === undefined) throw new Error(`${source}: the model has no input shape (its first layer has no batch_input_shape)`);
  return model as unknown as SavableModel;
}

/** A model from artifacts: topology, then weights (checked, then assigned), then training config and optimizer state. */
export async function modelFromArtifacts(a: ModelArtifacts, source: string, options: LoadOptions = {}): Promise<Sequential> {
  if (a === null || typeof a !== 'object') throw new Error(`${source}: the handler's load() returned ${String(a)}, not model artifacts`);
  if (a.format !== undefined && a.format !== 'layers-model') {
    throw new Error(`${source}: format '${a.format}' is not a layers model (a graph model from the tfjs converter cannot be loaded as layers)`);
  }
  if (a.modelTopology instanceof ArrayBuffer) throw new Error(`${source}: a binary (GraphDef) topology is a graph model, not a layers model`);
  const model = modelFromTopology(a.modelTopology, source);
  const specs = a.weightSpecs ?? [];
  const weights = decodeWeights(concatWeightData(a.weightData), specs, source);
  const modelWeights = weights.filter((w) => (w.group ?? 'model') !== 'optimizer');
  const optimizerWeights = weights.filter((w) => w.group === 'optimizer');
  assignWeights(model, modelWeights, source, options.strict ?? true);
  const tc = a.trainingConfig ?? ((a.modelTopology as Json)?.training_config as TrainingConfig | undefined);
  if (tc) {
    const loss = typeof tc.loss === 'string' ? tc.loss : undefined;
    if (loss === undefined) throw new Error(`${source}: trainingConfig.loss ${JSON.stringify(tc.loss)} is not one loss name (multi-output models cannot be loaded yet)`);
    const metrics = Array.isArray(tc.metrics) ? tc.metrics.map(String) : [];
    model.compile({ optimizer: optimizerFromConfig(tc.optimizer_config, source), loss, metrics });
    if (optimizerWeights.length) {
      await model.optimizer!.setWeights(optimizerWeights.map((w) => ({ name: w.name, tensor: new Tensor(w.values, w.shape, w.dtype) })));
    }
  } else if (optimizerWeights.length) {
    throw new Error(`${source}: the file has optimizer weights but no trainingConfig to build the optimizer from`);
  }
  return model as unknown as Sequential;
}

// ---- routing -----------------------------------------------------------------------------------

function isHandler(v: unknown): v is IOHandler {
  return v !== null && typeof v === 'object' && (typeof (v as IOHandler).save === 'function' || typeof (v as IOHandler).load === 'function');
}

/** 'file://dir' -> the path. */
export function filePath(url: string, argument: string): string {
  if (!url.startsWith('file://')) {
    throw new TypeError(expected("a 'file://…' URL or an IOHandler (tn.io.fileSystem, tn.io.withSaveHandler, tn.io.fromMemory, your own {save, load})", argument, url));
  }
  const p = url.slice('file://'.length);
  if (p.length === 0) throw new TypeError(expected('a path after file://', argument, url));
  return p;
}

export async function saveModel(model: SavableModel, target: unknown, config: SaveConfig | undefined, compiled?: Compiled | null): Promise<SaveResult> {
  if (typeof target === 'string') {
    const p = filePath(target, 'save(handlerOrURL)');
    if (p.endsWith('.keras')) {
      const keras = require('./keras') as typeof import('./keras');
      return keras.saveKeras(model, p, config ?? {}, compiled);
    }
    const { fileSystem } = require('./handlers') as typeof import('./handlers');
    target = fileSystem(p);
  }
  if (!isHandler(target) || typeof target.save !== 'function') {
    throw new TypeError(expected("a 'file://…' URL or an IOHandler with save()", 'save(handlerOrURL)', target));
  }
  const artifacts = await modelToArtifacts(model, config ?? {}, compiled);
  return target.save(artifacts);
}

export async function loadLayersModel(source: unknown, options?: LoadOptions): Promise<Sequential> {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError(expected('an object {strict}', 'loadLayersModel(options)', options));
  for (const k of Object.keys(options ?? {})) if (k !== 'strict') throw new TypeError(`loadLayersModel: option ${k} is not known (strict)`);
  let handler: unknown = source;
  let where = 'loadLayersModel';
  if (typeof source === 'string') {
    const p = filePath(source, 'loadLayersModel(pathOrIOHandler)');
    if (p.endsWith('.keras')) {
      const keras = require('./keras') as typeof import('./keras');
      return keras.loadKeras(p, options ?? {});
    }
    const { fileSystem } = require('./handlers') as typeof import('./handlers');
    handler = fileSystem(p);
    where = p;
  }
  if (!isHandler(handler) || typeof handler.load !== 'function') {
    throw new TypeError(expected("a 'file://…' URL or an IOHandler with load()", 'loadLayersModel(pathOrIOHandler)', source));
  }
  const artifacts = await handler.load();
  return modelFromArtifacts(artifacts, (handler as { describe?: string }).describe ?? where, options ?? {});
}

export type { NamedWeight, WeightsManifestEntry };
