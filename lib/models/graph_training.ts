// Training on the tape: compile/fit/evaluate/predict for models of several inputs and outputs,
// custom losses and metrics, loss weights, class and sample weights, regularizers and
// constraints (issue 13). Each step runs the model's layers' call()s under a tape, sums the
// weighted per-output losses and the regularization penalties, and takes every gradient from
// autograd (Note [Layers on the engine]); then one native optimizer update over all trainable
// weights, then the constraints.
//
// Note [Two step runners]
// A Sequential model whose layers all have the older hand-written backward, compiled with a
// built-in loss and used without class/sample weights, regularizers or constraints, still
// trains on that path (StepRunner in training.ts): it is 4-5x faster per small step than the
// tape today (bench/RESULTS.md "Fused engine ops": 0.16 vs 0.72 ms for the MLP b32 step),
// and it stays until the compiled step of issue 13 part 4 replays the tape's plan. Every other
// model trains here. Both give the same numbers (test/functional.test.js checks it).
import { expected, shapeString } from '../errors';
import { Layer, LayerVariable } from '../layers/layer';
import { ResolvedLoss, resolveLoss } from '../losses';
import { Optimizer, resolveOptimizer } from '../optimizers';
import { DType, Tensor, TypedArray, checkTensor, sizeOf, toInt32 } from '../tensor';
import { withScope } from '../engine/memory';
import { backward, withTape } from '../engine/tape';
import { run1 } from '../engine/registry';
import * as ops from '../ops';
import * as lossOps from '../ops/loss';
import { native } from '../native';
import { sparseLabels } from './training';

/** What the tape trainer needs of a model (a Functional model, or a Sequential chain). */
export interface GraphModel {
  readonly name: string;
  /** Batch-first shapes (null batch) and dtypes of the inputs, in order. */
  inputSpecs(): { name: string; shape: (number | null)[]; dtype: DType }[];
  /** Batch-first shapes of the outputs and their names (tfjs' outputNames), in order. */
  outputSpecs(): { name: string; shape: (number | null)[] }[];
  /** Runs the layers' call()s; onOutput sees each layer call's outputs (activity regularizers). */
  runGraph(xs: Tensor[], training: boolean, onOutput?: (layer: Layer, outputs: Tensor[]) => void): Tensor[];
  /** Trainable weights now (read at every step, so freezing between steps is honoured). */
  graphTrainableVariables(): LayerVariable[];
  /** Every weight (for constraints, which apply to what was updated). */
  graphLayers(): Layer[];
}

export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;
export type LossSpec = string | LossFn;
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;
export type MetricSpec = string | MetricFn;

export interface GraphCompileArgs {
  optimizer: string | Optimizer;
  loss: LossSpec | LossSpec[] | { [outputName: string]: LossSpec };
  lossWeights?: number[] | { [outputName: string]: number };
  metrics?: MetricSpec | MetricSpec[] | MetricSpec[][] | { [outputName: string]: MetricSpec | MetricSpec[] };
}

const COMPILE_KEYS = ['optimizer', 'loss', 'lossWeights', 'metrics'];

/** One output's loss: per-sample values from engine ops, and how its targets look. */
interface OutputLoss {
  key: string;
  fn: LossFn;
  /** Set for built-in losses: sparse targets are class indices. */
  builtin: ResolvedLoss | null;
  weight: number;
}

interface OutputMetric {
  key: string;
  output: number;
  fn: MetricFn;
}

export interface GraphCompiled {
  optimizer: Optimizer;
  losses: OutputLoss[];
  metrics: OutputMetric[];
  /** The keys of the logs after 'loss', in order: per-output losses (several outputs) then metrics. */
  metricKeys: string[];
}

/** Keras' / tfjs' loss names to per-sample engine-op losses. */
function builtinLossFn(loss: ResolvedLoss): LossFn {
  switch (loss.name) {
    case 'meanSquaredError': return lossOps.meanSquaredError;
    case 'meanAbsoluteError': return lossOps.meanAbsoluteError;
    case 'binaryCrossentropy': return lossOps.binaryCrossentropy;
    case 'categoricalCrossentropy': return lossOps.categoricalCrossentropy;
    case 'sparseCategoricalCrossentropy': return lossOps.sparseCategoricalCrossentropy;
  }
}

/** Per output: the value given for it from a single value, a list in output order, or a map by output name. */
function perOutput<T>(value: T | T[] | { [name: string]: T }, names: string[], argument: string, isItem: (v: unknown) => boolean,
  fallback?: T): T[] {
  if (isItem(value)) return names.map(() => value as T);
  if (Array.isArray(value)) {
    if (value.length !== names.length) {
      throw new RangeError(`${argument}: the model has ${names.length} output(s) (${names.join(', ')}) but ${value.length} were given`);
    }
    return value as T[];
  }
  if (value !== null && typeof value === 'object') {
    const map = value as { [name: string]: T };
    for (const k of Object.keys(map)) {
      if (!names.includes(k)) throw new TypeError(`${argument}: '${k}' is not an output of the model; its outputs are ${names.join(', ')}`);
    }
    return names.map((n) => {
      if (!(n in map)) {
        if (fallback !== undefined) return fallback;
        throw new TypeError(`${argument}: no entry for output '${n}'`);
      }
      return map[n];
    });
  }
  throw new TypeError(expected('a value, a list with one per output, or an object by output name', argument, value));
}

const isLossItem = (v: unknown): boolean => typeof v === 'string' || typeof v === 'function';

function metricName(spec: MetricSpec): string {
  if (typeof spec === 'string') {
    return spec === 'accuracy' || spec === 'acc' ? 'acc' : spec;
  }
  return spec.name || 'metric';
}

/** 'accuracy' for an output, as Keras picks it from the loss and the output width. */
function accuracyFn(loss: OutputLoss, units: number): MetricFn {
  if (loss.builtin?.sparse) return lossOps.sparseCategoricalAccuracy;
  if (loss.builtin?.name === 'binaryCrossentropy' || units === 1) return lossOps.binaryAccuracy;
  return lossOps.categoricalAccuracy;
}

const METRIC_FNS: Record<string, MetricFn> = {
  binaryAccuracy: lossOps.binaryAccuracy, binary_accuracy: lossOps.binaryAccuracy,
  categoricalAccuracy: lossOps.categoricalAccuracy, categorical_accuracy: lossOps.categoricalAccuracy,
  sparseCategoricalAccuracy: lossOps.sparseCategoricalAccuracy, sparse_categorical_accuracy: lossOps.sparseCategoricalAccuracy,
  mse: lossOps.meanSquaredError, meanSquaredError: lossOps.meanSquaredError, MSE: lossOps.meanSquaredError,
  mae: lossOps.meanAbsoluteError, meanAbsoluteError: lossOps.meanAbsoluteError, MAE: lossOps.meanAbsoluteError,
  mape: lossOps.meanAbsolutePercentageError, meanAbsolutePercentageError: lossOps.meanAbsolutePercentageError,
  binaryCrossentropy: lossOps.binaryCrossentropy, categoricalCrossentropy: lossOps.categoricalCrossentropy,
  sparseCategoricalCrossentropy: lossOps.sparseCategoricalCrossentropy, cosineProximity: lossOps.cosineProximity,
  precision: lossOps.precision, recall: lossOps.recall,
};

export function compileGraph(model: GraphModel, args: GraphCompileArgs): GraphCompiled {
  if (args === null || typeof args !== 'object') throw new TypeError(expected('an object {optimizer, loss, metrics}', 'compile(args)', args));
  for (const key of Object.keys(args)) {
    if (!COMPILE_KEYS.includes(key)) throw new TypeError(`compile: unknown option '${key}'; the options are ${COMPILE_KEYS.join(', ')}`);
  }
  if (args.loss === undefined) throw new TypeError('compile: loss is required');
  const optimizer = resolveOptimizer(args.optimizer);
  const outputs = model.outputSpecs();
  const names = outputs.map((o) => o.name);
  const specs = perOutput<LossSpec>(args.loss as never, names, 'compile(loss)', isLossItem);
  const weights = args.lossWeights === undefined ? names.map(() => 1) : perOutput<number>(args.lossWeights as never, names, 'compile(lossWeights)',
    (v) => typeof v === 'number');
  weights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w)) throw new TypeError(expected('a finite number', `compile(lossWeights) for output '${names[i]}'`, w));
  });
  const several = names.length > 1;
  const losses: OutputLoss[] = specs.map((spec, i) => {
    const key = several ? `${names[i]}_loss` : 'loss';
    if (typeof spec === 'function') return { key, fn: spec, builtin: null, weight: weights[i] };
    if (typeof spec !== 'string') throw new TypeError(expected('a loss name or a function (yTrue, yPred) => Tensor', `compile(loss) for output '${names[i]}'`, spec));
    const builtin = resolveLoss(spec);
    return { key, fn: builtinLossFn(builtin), builtin, weight: weights[i] };
  });
  // Metrics: one list for every output (as tfjs), a list of lists, or a map by output name.
  let metricLists: MetricSpec[][];
  const m = args.metrics;
  if (m === undefined || m === null) metricLists = names.map(() => []);
  else if (isLossItem(m)) metricLists = names.map(() => [m as MetricSpec]);
  else if (Array.isArray(m)) {
    if (m.length > 0 && m.every((e) => Array.isArray(e))) {
      if (m.length !== names.length) throw new RangeError(`compile(metrics): ${m.length} lists for ${names.length} output(s)`);
      metricLists = m as MetricSpec[][];
    } else metricLists = names.map(() => m as MetricSpec[]);
  } else if (typeof m === 'object') {
    const map = m as { [name: string]: MetricSpec | MetricSpec[] };
    for (const k of Object.keys(map)) {
      if (!names.includes(k)) throw new TypeError(`compile(metrics): '${k}' is not an output of the model; its outputs are ${names.join(', ')}`);
    }
    metricLists = names.map((n) => (map[n] === undefined ? [] : Array.isArray(map[n]) ? (map[n] as MetricSpec[]) : [map[n] as MetricSpec]));
  } else throw new TypeError(expected('a metric, a list of metrics, or an object by output name', 'compile(metrics)', m));
  const metrics: OutputMetric[] = [];
  metricLists.forEach((list, o) => list.forEach((spec, j) => {
    let fn: MetricFn;
    if (typeof spec === 'function') fn = spec;
    else if (spec === 'accuracy' || spec === 'acc') {
      const shape = outputs[o].shape;
      fn = accuracyFn(losses[o], (shape[shape.length - 1] as number) ?? 1);
    } else if (typeof spec === 'string' && METRIC_FNS[spec] !== undefined) fn = METRIC_FNS[spec];
    else throw new TypeError(expected(`a metric (one of 'accuracy', ${Object.keys(METRIC_FNS).map((k) => `'${k}'`).join(', ')}) or a function`,
      several ? `compile(metrics) for output '${names[o]}' [${j}]` : 'metrics', spec));
    const base = metricName(spec);
    metrics.push({ key: several ? `${names[o]}_${base}` : base, output: o, fn });
  }));
  const metricKeys = [...(several ? losses.map((l) => l.key) : []), ...metrics.map((x) => x.key)];
  const dup = metricKeys.find((k, i) => metricKeys.indexOf(k) !== i);
  if (dup !== undefined) throw new Error(`compile: two metrics would both be logged as '${dup}'`);
  return { optimizer, losses, metrics, metricKeys };
}

// ---- data ------------------------------------------------------------------------------

/** A model's data, one tensor per input and per output, and per-output sample weights. */
export interface GraphData {
  xs: Tensor[];
  ys: Tensor[];
  weights: (Tensor | null)[];
}

/** Throws naming the first NaN of a float32 input (an int32 one cannot hold NaN); the scan is native. */
function checkNoNaN(values: TypedArray, argument: string): void {
  if (!(values instanceof Float32Array)) return;
  const at = native.firstNaN(values);
  if (at >= 0) throw new RangeError(`${argument} holds NaN at flat index ${at}`);
}

/** x as one tensor per input: a tensor (one input), a list in input order, or a map by input name. */
function tensorsFor(value: unknown, names: string[], argument: string): Tensor[] {
  if (value instanceof Tensor) {
    if (names.length !== 1) throw new TypeError(`${argument}: the model has ${names.length} inputs/outputs (${names.join(', ')}); give a list or an object by name`);
    return [value];
  }
  if (Array.isArray(value)) {
    if (value.length !== names.length) throw new RangeError(`${argument}: expected ${names.length} tensor(s) (${names.join(', ')}) but received ${value.length}`);
    return value.map((t, i) => checkTensor(t, `${argument}[${i}]`));
  }
  if (value !== null && typeof value === 'object') {
    const map = value as Record<string, unknown>;
    for (const k of Object.keys(map)) if (!names.includes(k)) throw new TypeError(`${argument}: '${k}' is not one of ${names.join(', ')}`);
    return names.map((n) => {
      if (!(n in map)) throw new TypeError(`${argument}: no tensor for '${n}'`);
      return checkTensor(map[n], `${argument}.${n}`);
    });
  }
  throw new TypeError(expected('a Tensor, a list of tensors, or an object of tensors by name', argument, value));
}

function checkInputs(model: GraphModel, xs: Tensor[], argument: string): Tensor[] {
  const specs = model.inputSpecs();
  return xs.map((x, i) => {
    const spec = specs[i];
    const what = specs.length === 1 ? argument : `${argument} for input '${spec.name}'`;
    if (x.rank !== spec.shape.length || spec.shape.some((d, k) => k > 0 && d !== x.shape[k])) {
      throw new RangeError(`Expected ${what} of shape ${shapeString(spec.shape)} but received shape ${shapeString(x.shape)}`);
    }
    if (spec.dtype === 'float32') {
      checkNoNaN(x.values, what);
      return x.dtype === 'float32' ? x : new Tensor(Float32Array.from(x.values), x.shape, 'float32');
    }
    return x.dtype === 'int32' ? x : new Tensor(toInt32(x.values, what, 'integer indices'), x.shape, 'int32');
  });
}

function checkTargets(compiled: GraphCompiled, model: GraphModel, ys: Tensor[], count: number, argument: string): Tensor[] {
  const outs = model.outputSpecs();
  return ys.map((y, i) => {
    const what = outs.length === 1 ? argument : `${argument} for output '${outs[i].name}'`;
    if (y.shape[0] !== count) throw new RangeError(`Expected ${what} to have ${count} samples (as the inputs) but received shape ${shapeString(y.shape)}`);
    const out = outs[i].shape.slice(1) as number[];
    const loss = compiled.losses[i].builtin;
    if (loss?.sparse) return sparseLabels(y, out, what);
    if (loss !== null) {
      const given = y.shape.slice(1);
      if (given.length !== out.length || given.some((d, k) => d !== out[k])) {
        throw new RangeError(`Expected ${what} of shape ${shapeString([null, ...out])} (the model's output) but received shape ${shapeString(y.shape)}`);
      }
    }
    checkNoNaN(y.values, what);
    return y.dtype === 'float32' ? y : new Tensor(Float32Array.from(y.values), y.shape, 'float32');
  });
}

/** Keras' class_weight: each sample's weight from its class (one-hot argmax, sparse label, or binary 0/1). */
function classWeightsFor(y: Tensor, classWeight: Record<string, number>, sparse: boolean, argument: string): Float32Array {
  const n = y.shape[0];
  const row = sizeOf(y.shape.slice(1));
  const out = new Float32Array(n);
  const v = y.values;
  for (let i = 0; i < n; i++) {
    let cls: number;
    if (sparse) cls = v[i * row];
    else if (row === 1) cls = v[i] > 0.5 ? 1 : 0;
    else {
      cls = 0;
      for (let k = 1; k < row; k++) if (v[i * row + k] > v[i * row + cls]) cls = k;
    }
    const w = classWeight[String(cls)];
    out[i] = w === undefined ? 1 : w;
  }
  for (const [k, w] of Object.entries(classWeight)) {
    if (!/^\d+$/.test(k)) throw new TypeError(expected('class indices as keys', argument, k));
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new TypeError(expected('a non-negative number', `${argument}[${k}]`, w));
  }
  return out;
}

/** Checks and converts x, y, sampleWeight and classWeight to one tensor per input / output. */
export function prepareGraphData(model: GraphModel, compiled: GraphCompiled, x: unknown, y: unknown, argument: string,
  sampleWeight?: unknown, classWeight?: unknown, withTargets = true): GraphData {
  const inNames = model.inputSpecs().map((s) => s.name);
  const outNames = model.outputSpecs().map((s) => s.name);
  const xName = argument ? `${argument}[0]` : 'x';
  const yName = argument ? `${argument}[1]` : 'y';
  const xs = checkInputs(model, tensorsFor(x, inNames, xName), xName);
  const n = xs[0].shape[0];
  xs.forEach((t, i) => {
    if (t.shape[0] !== n) throw new RangeError(`All inputs must have the same number of samples: input 0 has ${n}, input ${i} has ${t.shape[0]}`);
  });
  if (!withTargets) return { xs, ys: [], weights: [] };
  const ys = checkTargets(compiled, model, tensorsFor(y, outNames, yName), n, yName);
  let weights: (Tensor | null)[] = outNames.map(() => null);
  if (sampleWeight !== undefined && sampleWeight !== null) {
    const sws = sampleWeight instanceof Tensor ? outNames.map(() => sampleWeight) : tensorsFor(sampleWeight, outNames, 'sampleWeight');
    weights = sws.map((w, i) => {
      const t = checkTensor(w, 'sampleWeight');
      if (t.rank !== 1 || t.shape[0] !== n) throw new RangeError(`Expected sampleWeight of shape [${n}] (one weight per sample) but received ${shapeString(t.shape)}`);
      checkNoNaN(t.values, 'sampleWeight');
      return t.dtype === 'float32' ? t : new Tensor(Float32Array.from(t.values), t.shape, 'float32');
    });
  }
  if (classWeight !== undefined && classWeight !== null) {
    if (typeof classWeight !== 'object') throw new TypeError(expected('an object {classIndex: weight} (or one per output)', 'classWeight', classWeight));
    const lists = Array.isArray(classWeight) ? classWeight : outNames.length === 1 && !outNames.some((nm) => nm in (classWeight as object))
      ? [classWeight] : outNames.map((nm) => (classWeight as Record<string, unknown>)[nm] ?? null);
    if (lists.length !== outNames.length) throw new RangeError(`classWeight: ${lists.length} entries for ${outNames.length} output(s)`);
    weights = weights.map((w, i) => {
      const cw = lists[i] as Record<string, number> | null;
      if (cw === null || cw === undefined) return w;
      const fromClass = classWeightsFor(ys[i], cw, compiled.losses[i].builtin?.sparse ?? false, 'classWeight');
      if (w !== null) for (let k = 0; k < n; k++) fromClass[k] *= (w.values as Float32Array)[k];
      return new Tensor(fromClass, [n], 'float32');
    });
  }
  return { xs, ys, weights };
}

/** Rows [start, end) of each tensor, in `order` when given (a copy), else views. */
export function sliceData(data: GraphData, order: Int32Array | null, start: number, end: number): GraphData {
  const take = (t: Tensor): Tensor => {
    const r = sizeOf(t.shape.slice(1));
    const rest = t.shape.slice(1);
    if (order === null) return new Tensor(t.values.subarray(start * r, end * r), [end - start, ...rest], t.dtype);
    const out = t.dtype === 'int32' ? new Int32Array((end - start) * r) : new Float32Array((end - start) * r);
    for (let i = start; i < end; i++) out.set(t.values.subarray(order[i] * r, order[i] * r + r) as never, (i - start) * r);
    return new Tensor(out, [end - start, ...rest], t.dtype);
  };
  return { xs: data.xs.map(take), ys: data.ys.map(take), weights: data.weights.map((w) => (w === null ? null : take(w))) };
}

// ---- one step ------------------------------------------------------------------------

function zeros(shape: number[]): Tensor {
  return new Tensor(new Float32Array(sizeOf(shape)), shape, 'float32');
}

/**
 * A per-sample loss (shape [batch, ...]) reduced as Keras' sum_over_batch_size: the sum of
 * loss times sample weight (broadcast over the trailing dimensions) over the number of values.
 */
function reduceLoss(values: Tensor, weight: Tensor | null): Tensor {
  if (weight === null) return ops.mean(values);
  const w = values.rank <= 1 ? weight : ops.reshape(weight, [weight.shape[0], ...values.shape.slice(1).map(() => 1)]);
  return ops.div(ops.sum(ops.mul(values, w)), values.size);
}

export interface StepValues {
  loss: number;
  /** In compiled.metricKeys order. */
  metrics: number[];
}

/** Forward (and, training, backward + update + constraints) of one batch; returns the batch's logs. */
export function graphStep(model: GraphModel, compiled: GraphCompiled, batch: GraphData, training: boolean): StepValues {
  return withScope(() => {
    const vars = training ? model.graphTrainableVariables() : [];
    const sources = vars.map((v) => v.tensor);
    let outs: Tensor[] = [];
    let perOutput: Tensor[] = [];
    const forward = (): Tensor => {
      const penalties: Tensor[] = [];
      outs = model.runGraph(batch.xs, training, (layer, outputs) => {
        // Keras 3: an activity regularizer's penalty on each output, over the batch size.
        if (layer.activityRegularizer !== null) {
          for (const o of outputs) penalties.push(ops.div(layer.activityRegularizer.apply(o), o.shape[0]));
        }
      });
      perOutput = compiled.losses.map((l, i) => {
        const values = l.fn(batch.ys[i], outs[i]);
        if (!(values instanceof Tensor)) throw new TypeError(`The loss for output ${i} returned ${typeof values}, not a Tensor`);
        return reduceLoss(values, batch.weights[i]);
      });
      let total: Tensor = compiled.losses.length === 1 && compiled.losses[0].weight === 1 ? perOutput[0]
        : perOutput.map((t, i) => ops.mul(t, compiled.losses[i].weight)).reduce((a, b) => ops.add(a, b));
      const regs = [...penalties, ...model.graphLayers().flatMap((l) => l.regularizationLosses())];
      for (const r of regs) total = ops.add(total, r);
      return total;
    };
    let total: Tensor;
    if (training) {
      const { result, tape } = withTape(sources, forward);
      total = result;
      const value = total.values[0];
      if (!Number.isFinite(value)) {
        throw new Error(`The loss became ${value} during training. Lower the learning rate, or check the data ` +
          '(inputs and targets are checked for NaN when fit starts).');
      }
      const grads = backward(tape, total, new Tensor(new Float32Array([1]), [], 'float32'), sources,
        (a, b) => run1('add', [a, b], a.shape.slice(), 'float32'), (s) => zeros(s));
      vars.forEach((v, i) => {
        const g = grads[i];
        if (g === null) v.grad.fill(0);
        else v.grad.set(g.values as Float32Array);
      });
      compiled.optimizer.applyLayerGradients(vars);
      for (const v of vars) v.applyConstraint();
    } else {
      total = forward();
    }
    const metrics = compiled.metrics.map((m) => ops.mean(m.fn(batch.ys[m.output], outs[m.output])).values[0]);
    const lossValues = compiled.losses.length > 1 ? perOutput.map((t) => t.values[0]) : [];
    return { loss: total.values[0], metrics: [...lossValues, ...metrics] };
  }, () => []);
}

/** Outputs of the model for x, in batches, as new tensors (one per output). */
export function predictGraph(model: GraphModel, x: Tensor[], batchSize: number): Tensor[] {
  const n = x[0].shape[0];
  const outSpecs = model.outputSpecs();
  const results: Float32Array[] = [];
  const shapes: number[][] = [];
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const batch = sliceData({ xs: x, ys: [], weights: [] }, null, start, end);
    withScope(() => {
      const outs = model.runGraph(batch.xs, false);
      outs.forEach((o, i) => {
        if (results[i] === undefined) {
          shapes[i] = [n, ...o.shape.slice(1)];
          results[i] = new Float32Array(sizeOf(shapes[i]));
        }
        results[i].set(o.values as Float32Array, start * sizeOf(o.shape.slice(1)));
      });
      return 0;
    }, () => []);
  }
  return outSpecs.map((_, i) => new Tensor(results[i], shapes[i], 'float32'));
}

/** The tape path as a Stepper for the fit loop (models/fit_loop.ts). */
export function tapeStepper(model: GraphModel, compiled: GraphCompiled): import('./fit_loop').Stepper {
  return {
    metricKeys: compiled.metricKeys,
    prepare: (x, y, argument, sampleWeight, classWeight) => prepareGraphData(model, compiled, x, y, argument, sampleWeight, classWeight),
    step: (batch, training) => graphStep(model, compiled, batch, training),
  };
}
