// Layers <-> Keras / TensorFlow.js configs (class_name + snake_case config), both ways, in two
// dialects: 'tfjs' (what tfjs-layers writes into model.json) and 'keras3' (what Keras 3 writes
// into a .keras file's config.json: module/registered_name wrappers, dtype policies, an
// InputLayer in Sequential). Reading accepts both, and Keras 2 / the tfjs converter's output.
//
// Note [Strict configs]: every key of a layer config read from a file is either mapped to an
// option of ours, or allowed only at the value that means "off" in Keras (a regularizer or
// constraint of null, stateful false, groups 1, ...); anything else is an error naming the
// layer, its class and the option, so a model never loads with part of its meaning dropped.
// Exceptions, because they cannot change what a loaded model computes: initializer seeds
// (weights come from the file), 'implementation' of RNNs (a speed choice), 'unroll' (same).
import { ACTIVATION_CODES } from '../activations';
import { shapeString } from '../errors';
import { Initializer, initializers as init } from '../initializers';
import { Layer } from '../layers/layer';
import * as L from '../layers';
import { RNN } from '../layers/recurrent';

export type Dialect = 'tfjs' | 'keras3';

type Json = Record<string, unknown>;

/** A config object as read from a file, with every key it has checked off as it is used. */
export class ConfigReader {
  private readonly used = new Set<string>();
  constructor(readonly config: Json, readonly className: string, readonly layerName: string) {}

  where(): string {
    return `layer '${this.layerName}' (${this.className})`;
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.config, key) && this.config[key] !== undefined;
  }

  /** The value of key (undefined when absent or null). */
  get(key: string): unknown {
    this.used.add(key);
    const v = this.config[key];
    return v === null ? undefined : v;
  }

  /** key may be absent or hold one of `allowed` (values meaning "off"); anything else is an error. */
  only(key: string, allowed: unknown[], what = 'has no counterpart in tensornode'): void {
    this.used.add(key);
    if (!this.has(key)) return;
    const v = this.config[key];
    if (!allowed.some((a) => JSON.stringify(a) === JSON.stringify(v))) {
      throw new Error(`${this.where()}: option ${key}=${JSON.stringify(v)} ${what}` +
        (allowed.length ? ` (supported: ${allowed.map((a) => JSON.stringify(a)).join(', ')})` : ''));
    }
  }

  ignore(...keys: string[]): void {
    for (const k of keys) this.used.add(k);
  }

  /** Throws when the config has keys nobody read. */
  finish(): void {
    const unknown = Object.keys(this.config).filter((k) => !this.used.has(k));
    if (unknown.length) {
      throw new Error(`${this.where()}: option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `${k}=${JSON.stringify(this.config[k])}`).join(', ')} ` +
        'not known to tensornode (no counterpart to map it to)');
    }
  }
}

// ---- names -------------------------------------------------------------------------------

/** Ours -> Keras / tfjs spelling. */
const ACTIVATION_OUT: Record<string, string> = { leakyRelu: 'leaky_relu' };
const ACTIVATION_IN: Record<string, string> = {
  leaky_relu: 'leakyRelu', silu: 'swish', linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax',
  elu: 'elu', selu: 'selu', gelu: 'gelu', softplus: 'softplus', relu6: 'relu6', softsign: 'softsign', swish: 'swish',
};

function activationOut(name: string): string {
  return ACTIVATION_OUT[name] ?? name;
}

function activationIn(r: ConfigReader, key: string): string | undefined {
  let v = r.get(key);
  if (v === undefined) return undefined;
  // Keras 3 may serialize a builtin activation as {module: 'keras.activations', class_name: 'function', config: 'relu'}.
  if (v !== null && typeof v === 'object' && typeof (v as Json).config === 'string') v = (v as Json).config;
  const name = typeof v === 'string' ? ACTIVATION_IN[v] ?? (v in ACTIVATION_CODES ? v : undefined) : undefined;
  if (name === undefined) throw new Error(`${r.where()}: activation ${JSON.stringify(v)} for ${key} has no counterpart in tensornode`);
  return name;
}

function snake(s: string): string {
  return s.replace(/([A-Z])/g, '_$1').toLowerCase();
}

// ---- initializers ----------------------------------------------------------------------------

function wrap(d: Dialect, module: string, className: string, config: Json): Json {
  return d === 'keras3' ? { module, class_name: className, config, registered_name: null } : { class_name: className, config };
}

function initializerOut(i: Initializer, d: Dialect, where: string): Json {
  const c = i.className;
  switch (c) {
    case 'GlorotUniform': case 'GlorotNormal': case 'HeNormal': case 'HeUniform':
      return wrap(d, 'keras.initializers', c, { seed: null });
    case 'LecunNormal': case 'LecunUniform':
      return wrap(d, 'keras.initializers', d === 'tfjs' ? c.replace('Lecun', 'LeCun') : c, { seed: null });
    case 'Zeros': case 'Ones':
      return wrap(d, 'keras.initializers', c, {});
    // Our initializer objects do not expose their parameters: written with the defaults of
    // tn.initializers (the only values the layers' string options create).
    case 'Orthogonal':
      return wrap(d, 'keras.initializers', c, { gain: 1, seed: null });
    case 'RandomNormal':
      return wrap(d, 'keras.initializers', c, { mean: 0, stddev: 0.05, seed: null });
    case 'RandomUniform':
      return wrap(d, 'keras.initializers', c, { minval: -0.05, maxval: 0.05, seed: null });
    default:
      throw new Error(`${where}: initializer ${c} cannot be saved (its parameters are not known); use a named initializer`);
  }
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

function initializerIn(r: ConfigReader, key: string): Initializer | undefined {
  const v = r.get(key);
  if (v === undefined) return undefined;
  const bad = (why: string) => new Error(`${r.where()}: ${key} ${JSON.stringify(v)} ${why}`);
  let className: string, config: Json;
  if (typeof v === 'string') {
    className = v;
    config = {};
  } else if (v !== null && typeof v === 'object' && typeof (v as Json).class_name === 'string') {
    className = (v as Json).class_name as string;
    config = ((v as Json).config ?? {}) as Json;
  } else {
    throw bad('is not an initializer config');
  }
  const key2 = className.replace(/_/g, '').toLowerCase();
  switch (key2) {
    case 'glorotuniform': return init.glorotUniform();
    case 'glorotnormal': return init.glorotNormal();
    case 'henormal': return init.heNormal();
    case 'heuniform': return init.heUniform();
    case 'lecunnormal': return init.leCunNormal();
    case 'lecununiform': return init.leCunUniform();
    case 'zeros': return init.zeros();
    case 'ones': return init.ones();
    case 'orthogonal': return init.orthogonal({ gain: num(config.gain, 1) });
    case 'constant': return init.constant({ value: num(config.value, 0) });
    case 'randomnormal': return init.randomNormal({ mean: num(config.mean, 0), stddev: num(config.stddev, 0.05) });
    case 'randomuniform': return init.randomUniform({ minval: num(config.minval, -0.05), maxval: num(config.maxval, 0.05) });
    case 'variancescaling': {
      const scale = num(config.scale, 1), mode = String(config.mode ?? 'fan_in'), dist = String(config.distribution ?? 'truncated_normal');
      const uniform = dist === 'uniform';
      if (scale === 1 && mode === 'fan_avg') return uniform ? init.glorotUniform() : init.glorotNormal();
      if (scale === 2 && mode === 'fan_in') return uniform ? init.heUniform() : init.heNormal();
      if (scale === 1 && mode === 'fan_in') return uniform ? init.leCunUniform() : init.leCunNormal();
      throw bad('(VarianceScaling with this scale/mode) has no counterpart in tensornode');
    }
    default:
      throw bad('has no counterpart in tensornode');
  }
}

// ---- per-class codecs --------------------------------------------------------------------------

/** A layer's own config keys (without name, trainable, dtype, input shapes), in the given dialect. */
type ToConfig = (layer: Layer, d: Dialect) => Json;
/** Layer args from a config (r.get marks keys used); `base` holds name, trainable, input shape. */
type FromConfig = (r: ConfigReader, base: Json, d: Dialect) => Layer;

interface Codec { toConfig: ToConfig; fromConfig: FromConfig }

const OFF_KEYS = ['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'];

function offs(r: ConfigReader, keys: string[]): void {
  for (const k of keys) r.only(k, [null]);
}

function priv<T>(layer: Layer, key: string): T {
  return (layer as unknown as Record<string, T>)[key];
}

function nullOff(d: Dialect, keys: string[]): Json {
  return Object.fromEntries(keys.map((k) => [k, null]));
}

function dataFormat(r: ConfigReader): void {
  r.only('data_format', ['channels_last']);
}

function loraOff(r: ConfigReader): void {
  r.only('lora_rank', [null]);
  r.only('lora_alpha', [null]);
  r.only('quantization_config', [null]);
}

const codecs: Record<string, Codec> = {
  Dense: {
    toConfig: (l, d) => {
      const x = l as L.Dense;
      return {
        units: x.units, activation: activationOut(x.activation.name), use_bias: x.useBias,
        kernel_initializer: initializerOut(priv(l, 'kernelInitializer'), d, l.name),
        bias_initializer: initializerOut(priv(l, 'biasInitializer'), d, l.name), ...nullOff(d, OFF_KEYS),
      };
    },
    fromConfig: (r, base) => {
      offs(r, OFF_KEYS);
      loraOff(r);
      return new L.Dense({
        ...base, units: r.get('units') as number, activation: activationIn(r, 'activation'), useBias: r.get('use_bias') as boolean,
        kernelInitializer: initializerIn(r, 'kernel_initializer'), biasInitializer: initializerIn(r, 'bias_initializer'),
      });
    },
  },
  Activation: {
    toConfig: (l) => {
      const x = l as L.Activation;
      const defaultAlpha = x.activation.name === 'leakyRelu' ? 0.2 : x.activation.name === 'elu' ? 1 : 0;
      if (x.activation.alpha !== defaultAlpha) throw new Error(`layer '${l.name}' (Activation): alpha ${x.activation.alpha} cannot be saved (Keras' Activation layer has no alpha)`);
      return { activation: activationOut(x.activation.name) };
    },
    fromConfig: (r, base) => new L.Activation({ ...base, activation: activationIn(r, 'activation') ?? 'linear' }),
  },
  Flatten: {
    toConfig: (_l, d) => (d === 'keras3' ? { data_format: 'channels_last' } : {}),
    fromConfig: (r, base) => { dataFormat(r); return new L.Flatten(base); },
  },
  Reshape: {
    toConfig: (l) => ({ target_shape: (l as L.Reshape).targetShape.slice() }),
    fromConfig: (r, base) => new L.Reshape({ ...base, targetShape: r.get('target_shape') as number[] }),
  },
  Dropout: {
    toConfig: (l) => ({ rate: (l as L.Dropout).rate, noise_shape: null, seed: priv<number | undefined>(l, 'seed') ?? null }),
    fromConfig: (r, base) => {
      r.only('noise_shape', [null]);
      const seed = r.get('seed') as number | undefined;
      return new L.Dropout({ ...base, rate: r.get('rate') as number, seed });
    },
  },
  Conv2D: convCodec(2),
  Conv1D: convCodec(1),
  ZeroPadding2D: {
    toConfig: (l) => {
      const [t, b, le, ri] = (l as L.ZeroPadding2D).pads;
      return { padding: [[t, b], [le, ri]], data_format: 'channels_last' };
    },
    fromConfig: (r, base) => {
      dataFormat(r);
      return new L.ZeroPadding2D({ ...base, padding: r.get('padding') as number });
    },
  },
  UpSampling2D: {
    toConfig: (l) => ({ size: (l as L.UpSampling2D).size.slice(), data_format: 'channels_last', interpolation: 'nearest' }),
    fromConfig: (r, base) => {
      dataFormat(r);
      r.only('interpolation', ['nearest']);
      return new L.UpSampling2D({ ...base, size: r.get('size') as number[] });
    },
  },
  MaxPooling2D: poolCodec((a) => new L.MaxPooling2D(a)),
  AveragePooling2D: poolCodec((a) => new L.AveragePooling2D(a)),
  MaxPooling1D: poolCodec((a) => new L.MaxPooling1D(a)),
  AveragePooling1D: poolCodec((a) => new L.AveragePooling1D(a)),
  GlobalAveragePooling2D: globalCodec((a) => new L.GlobalAveragePooling2D(a)),
  GlobalMaxPooling2D: globalCodec((a) => new L.GlobalMaxPooling2D(a)),
  GlobalAveragePooling1D: globalCodec((a) => new L.GlobalAveragePooling1D(a)),
  GlobalMaxPooling1D: globalCodec((a) => new L.GlobalMaxPooling1D(a)),
  BatchNormalization: {
    toConfig: (l, d) => {
      const x = l as L.BatchNormalization;
      const [g, b, mm, mv] = priv<Initializer[]>(l, 'initializers');
      return {
        axis: x.axis, momentum: x.momentum, epsilon: x.epsilon, center: x.center, scale: x.scale,
        beta_initializer: initializerOut(b, d, l.name), gamma_initializer: initializerOut(g, d, l.name),
        moving_mean_initializer: initializerOut(mm, d, l.name), moving_variance_initializer: initializerOut(mv, d, l.name),
        beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
      };
    },
    fromConfig: (r, base) => {
      offs(r, ['beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint']);
      r.only('synchronized', [false]);
      r.only('renorm', [false]);
      r.ignore('renorm_clipping', 'renorm_momentum');
      r.only('virtual_batch_size', [null]);
      r.only('adjustment', [null]);
      r.only('fused', [null, true, false], 'is not known');
      let axis = r.get('axis');
      if (Array.isArray(axis) && axis.length === 1) axis = axis[0];
      return new L.BatchNormalization({
        ...base, axis: axis as number, momentum: r.get('momentum') as number, epsilon: r.get('epsilon') as number,
        center: r.get('center') as boolean, scale: r.get('scale') as boolean,
        betaInitializer: initializerIn(r, 'beta_initializer'), gammaInitializer: initializerIn(r, 'gamma_initializer'),
        movingMeanInitializer: initializerIn(r, 'moving_mean_initializer'),
        movingVarianceInitializer: initializerIn(r, 'moving_variance_initializer'),
      });
    },
  },
  Embedding: {
    toConfig: (l, d) => {
      const x = l as L.Embedding;
      const c: Json = {
        input_dim: x.inputDim, output_dim: x.outputDim,
        embeddings_initializer: initializerOut(priv(l, 'embeddingsInitializer'), d, l.name),
        embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null, mask_zero: x.maskZero,
      };
      if (d === 'tfjs') c.input_length = x.builtInputShape?.length === 1 ? x.builtInputShape[0] : null;
      return c;
    },
    fromConfig: (r, base) => {
      offs(r, ['embeddings_regularizer', 'activity_regularizer', 'embeddings_constraint']);
      loraOff(r);
      const inputLength = r.get('input_length');
      const args: Json = { ...base, inputDim: r.get('input_dim'), outputDim: r.get('output_dim'), maskZero: r.get('mask_zero'),
        embeddingsInitializer: initializerIn(r, 'embeddings_initializer') };
      if (inputLength !== undefined && base.inputShape === undefined && base.batchInputShape === undefined) {
        args.inputLength = Array.isArray(inputLength) ? inputLength[0] : inputLength;
      }
      return new L.Embedding(args as unknown as L.EmbeddingLayerArgs);
    },
  },
  SimpleRNN: rnnCodec('SimpleRNN'),
  LSTM: rnnCodec('LSTM'),
  GRU: rnnCodec('GRU'),
  Bidirectional: {
    toConfig: (l, d) => {
      const x = l as L.Bidirectional;
      const inner = layerToConfig(x.forwardLayer, d, false);
      (inner.config as Json).name = x.forwardLayer.name.replace(/^forward_/, '');
      const c: Json = { merge_mode: x.mergeMode, layer: inner };
      if (d === 'keras3') c.backward_layer = layerToConfig(x.backwardLayer, d, false);
      return c;
    },
    fromConfig: (r, base, d) => {
      const innerJson = r.get('layer') as Json;
      const inner = layerFromConfig(innerJson, d, r.where() + ' layer');
      if (!(inner instanceof RNN)) throw new Error(`${r.where()}: the wrapped layer must be recurrent, not ${inner.getClassName()}`);
      const back = r.get('backward_layer') as Json | undefined;
      if (back !== undefined) {
        // Keras 3 writes the backward layer too; we support only the mirror of the forward one.
        const b = layerFromConfig(back, d, r.where() + ' backward_layer');
        if (!(b instanceof RNN) || b.getClassName() !== inner.getClassName() || b.units !== inner.units || b.goBackwards === inner.goBackwards ||
          b.returnSequences !== inner.returnSequences || b.activation.name !== inner.activation.name) {
          throw new Error(`${r.where()}: a backward_layer other than the forward layer run backwards has no counterpart in tensornode`);
        }
      }
      r.only('weights', [null]);
      return new L.Bidirectional({ ...base, layer: inner, mergeMode: r.get('merge_mode') as L.MergeMode });
    },
  },
};

function convCodec(rank: 1 | 2): Codec {
  return {
    toConfig: (l, d) => {
      const x = l as L.Conv2D;
      return {
        filters: x.filters, kernel_size: x.kernelSize.slice(), strides: x.strides.slice(), padding: x.padding,
        ...(d === 'keras3' || rank === 2 ? { data_format: 'channels_last' } : {}), dilation_rate: x.dilationRate.slice(),
        ...(d === 'keras3' ? { groups: 1 } : {}),
        activation: activationOut(x.activation.name), use_bias: x.useBias,
        kernel_initializer: initializerOut(priv(l, 'kernelInitializer'), d, l.name),
        bias_initializer: initializerOut(priv(l, 'biasInitializer'), d, l.name), ...nullOff(d, OFF_KEYS),
      };
    },
    fromConfig: (r, base) => {
      offs(r, OFF_KEYS);
      dataFormat(r);
      r.only('groups', [1]);
      loraOff(r);
      const args: L.ConvLayerArgs = {
        ...base, filters: r.get('filters') as number, kernelSize: r.get('kernel_size') as number[],
        strides: r.get('strides') as number[], padding: r.get('padding') as 'valid', dilationRate: r.get('dilation_rate') as number[],
        activation: activationIn(r, 'activation'), useBias: r.get('use_bias') as boolean,
        kernelInitializer: initializerIn(r, 'kernel_initializer'), biasInitializer: initializerIn(r, 'bias_initializer'),
      };
      return rank === 2 ? new L.Conv2D(args) : new L.Conv1D(args);
    },
  };
}

function poolCodec(make: (a: L.Pooling2DLayerArgs) => Layer): Codec {
  return {
    toConfig: (l, d) => {
      const x = l as unknown as { poolSize: number[]; strides: number[]; padding: string };
      const c: Json = { pool_size: x.poolSize.slice(), padding: x.padding, strides: x.strides.slice() };
      if (d === 'keras3' || l.getClassName().endsWith('2D')) c.data_format = 'channels_last';   // as tfjs writes them
      return c;
    },
    fromConfig: (r, base) => {
      dataFormat(r);
      return make({ ...base, poolSize: r.get('pool_size') as number[], strides: r.get('strides') as number[] | undefined,
        padding: r.get('padding') as 'valid' });
    },
  };
}

function globalCodec(make: (a: L.LayerArgs) => Layer): Codec {
  return {
    // tfjs writes data_format for the 2-D global poolings only.
    toConfig: (l, d) => (d === 'keras3' ? { data_format: 'channels_last', keepdims: false } : l.getClassName().endsWith('2D') ? { data_format: 'channels_last' } : {}),
    fromConfig: (r, base) => {
      dataFormat(r);
      r.only('keepdims', [false]);
      return make(base);
    },
  };
}

function rnnCodec(kind: 'SimpleRNN' | 'LSTM' | 'GRU'): Codec {
  return {
    toConfig: (l, d) => {
      const x = l as RNN;
      const c: Json = { units: x.units, activation: activationOut(x.activation.name) };
      if (kind !== 'SimpleRNN') c.recurrent_activation = activationOut(x.recurrentActivation.name);
      Object.assign(c, {
        use_bias: x.useBias,
        kernel_initializer: initializerOut(priv(l, 'kernelInitializer'), d, l.name),
        recurrent_initializer: initializerOut(priv(l, 'recurrentInitializer'), d, l.name),
        bias_initializer: initializerOut(priv(l, 'biasInitializer'), d, l.name),
      });
      if (kind === 'LSTM') c.unit_forget_bias = (l as L.LSTM).unitForgetBias;
      Object.assign(c, {
        kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
        kernel_constraint: null, recurrent_constraint: null, bias_constraint: null,
        dropout: x.dropout, recurrent_dropout: x.recurrentDropout, return_sequences: x.returnSequences, return_state: x.returnState,
        go_backwards: x.goBackwards, stateful: false, unroll: false,
      });
      if (kind === 'GRU') c.reset_after = (l as L.GRU).resetAfter;
      const seed = priv<{ seed?: number }>(l, 'args').seed;
      if (d === 'keras3') c.seed = seed ?? null;
      else if (seed !== undefined) c.seed = seed;
      if (d === 'tfjs' && kind !== 'SimpleRNN') c.implementation = null;
      return c;
    },
    fromConfig: (r, base) => {
      offs(r, ['kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint',
        'recurrent_constraint', 'bias_constraint']);
      r.only('stateful', [false]);
      r.only('time_major', [false]);
      r.ignore('unroll', 'implementation', 'zero_output_for_mask');
      r.only('use_cudnn', ['auto', true, false], 'is not known');
      r.only('return_state', [false], 'has no counterpart in a Sequential model (it returns several tensors)');
      const args: Json = {
        ...base, units: r.get('units'), activation: activationIn(r, 'activation') ?? 'linear', useBias: r.get('use_bias'),
        kernelInitializer: initializerIn(r, 'kernel_initializer'), recurrentInitializer: initializerIn(r, 'recurrent_initializer'),
        biasInitializer: initializerIn(r, 'bias_initializer'), dropout: r.get('dropout'), recurrentDropout: r.get('recurrent_dropout'),
        returnSequences: r.get('return_sequences'), goBackwards: r.get('go_backwards'), seed: r.get('seed'),
      };
      if (kind !== 'SimpleRNN') args.recurrentActivation = activationIn(r, 'recurrent_activation');
      if (kind === 'LSTM') {
        const ufb = r.get('unit_forget_bias');
        args.unitForgetBias = ufb === undefined ? true : ufb;
      }
      if (kind === 'GRU') args.resetAfter = r.get('reset_after') ?? false;
      for (const k of Object.keys(args)) if (args[k] === undefined) delete args[k];
      if (kind === 'SimpleRNN') return new L.SimpleRNN(args as unknown as L.SimpleRNNLayerArgs);
      if (kind === 'LSTM') return new L.LSTM(args as unknown as L.LSTMLayerArgs);
      return new L.GRU(args as unknown as L.GRULayerArgs);
    },
  };
}

/** Class names we read and write. */
export function supportedClassNames(): string[] {
  return Object.keys(codecs);
}

/** {class_name, config} of a layer (plus module/registered_name in Keras 3). `first`: carries the input shape (tfjs). */
export function layerToConfig(layer: Layer, d: Dialect, first: boolean): Json {
  const className = layer.getClassName();
  const codec = codecs[className];
  if (codec === undefined) throw new Error(`layer '${layer.name}' (${className}) cannot be saved: no Keras counterpart is known for it`);
  const config: Json = { name: layer.name, trainable: layer.trainable };
  if (d === 'keras3') config.dtype = dtypePolicy('float32');
  Object.assign(config, codec.toConfig(layer, d));
  if (d === 'tfjs' && first && layer.builtInputShape) {
    config.batch_input_shape = [layer.declaredBatchSize ?? null, ...layer.builtInputShape];
    // tfjs' Embedding takes float32 inputs (and would make int32 weights for dtype int32).
    config.dtype = className === 'Embedding' ? 'float32' : layer.inputDtype;
  }
  if (d === 'keras3') {
    const out: Json = { module: 'keras.layers', class_name: className, config, registered_name: null };
    if (layer.builtInputShape) out.build_config = { input_shape: [null, ...layer.builtInputShape] };
    return out;
  }
  return { class_name: className, config };
}

export function dtypePolicy(name: string): Json {
  return { module: 'keras', class_name: 'DTypePolicy', config: { name }, registered_name: null };
}

/** The layer's dtype option: 'float32' or a Keras 3 float32 DTypePolicy (mixed precision has no counterpart). */
function checkDtype(r: ConfigReader): string | undefined {
  const v = r.get('dtype');
  if (v === undefined) return undefined;
  let name: unknown = v;
  if (typeof v === 'object' && v !== null) name = ((v as Json).config as Json | undefined)?.name;
  if (name !== 'float32' && name !== 'int32' && name !== 'int64') {
    throw new Error(`${r.where()}: dtype ${JSON.stringify(v)} has no counterpart in tensornode (layers compute in float32)`);
  }
  return name as string;
}

/** A layer from {class_name, config}. `where` says where in the file it is (for errors). */
export function layerFromConfig(json: Json, d: Dialect, where: string, input?: { shape?: (number | null)[]; dtype?: string }): Layer {
  if (json === null || typeof json !== 'object' || typeof json.class_name !== 'string' || json.config === null || typeof json.config !== 'object') {
    throw new Error(`${where}: expected a layer {class_name, config} but found ${JSON.stringify(json)?.slice(0, 200)}`);
  }
  const className = json.class_name;
  const config = json.config as Json;
  const name = typeof config.name === 'string' ? config.name : '?';
  const codec = codecs[className];
  if (codec === undefined) {
    throw new Error(`layer '${name}' (${className}) has no counterpart in tensornode; supported layers: ${supportedClassNames().join(', ')}`);
  }
  const r = new ConfigReader(config, className, name);
  const base: Json = {};
  if (typeof config.name === 'string') base.name = r.get('name');
  if (r.has('trainable')) base.trainable = r.get('trainable');
  const dtype = checkDtype(r);
  const bis = r.get('batch_input_shape') ?? r.get('batch_shape') ?? input?.shape;
  const inputShape = r.get('input_shape');
  if (Array.isArray(bis)) {
    if (!bis.slice(1).every((v) => Number.isInteger(v) && (v as number) > 0)) {
      throw new Error(`${r.where()}: input shape ${shapeString(bis as (number | null)[])} has unknown dimensions; tensornode needs every dimension but the batch`);
    }
    base.batchInputShape = bis;
  } else if (Array.isArray(inputShape)) {
    base.inputShape = inputShape;
  }
  const inDtype = input?.dtype ?? dtype;
  if (base.batchInputShape !== undefined || base.inputShape !== undefined) {
    if (inDtype === 'int32' || inDtype === 'int64') base.dtype = 'int32';
    else if (className !== 'Embedding') base.dtype = 'float32';
  }
  r.ignore('batch_size');
  if (config.batch_size !== undefined && config.batch_size !== null) base.batchSize = config.batch_size;
  let layer: Layer;
  try {
    layer = codec.fromConfig(r, base, d);
  } catch (e) {
    const msg = (e as Error).message;
    if (msg.includes(`layer '${name}'`) || msg.includes('layer \'')) throw e;
    // Our constructors' messages name our option; say which layer of the file it was.
    const Ctor = (e instanceof TypeError ? TypeError : e instanceof RangeError ? RangeError : Error);
    throw new Ctor(`${r.where()}: ${msg}`);
  }
  r.finish();
  return layer;
}

export { snake };
