// The training loop behind compile/fit/evaluate/predict, shared by every model type.
//
// A step: forward through the graph, ONE native call for the loss and its gradient (fused
// with a sigmoid/softmax output, Note [Fused output activation] in native/cpu/loss.h),
// backward in reverse order, ONE native optimizer update over all trainable variables.
// Buffers are reused between steps (Note [Reused buffers] in layers/layer.ts). fit yields
// to the event loop between batches, so a server stays responsive while it trains.
import { CallbackHooks, Callback, Logs, TrainingModel, runHooks } from '../callbacks';
import { checkBoolean, checkNonNegativeInteger, checkNumberInRange, checkPositiveInteger, expected, shapeString } from '../errors';
import { Layer, LayerVariable } from '../layers/layer';
import { ResolvedLoss, resolveLoss } from '../losses';
import { Metric, resolveMetric } from '../metrics';
import { native } from '../native';
import { Optimizer, resolveOptimizer } from '../optimizers';
import { shuffleInPlace } from '../random';
import { DType, Tensor, TypedArray, checkTensor, sizeOf, toInt32 } from '../tensor';
import { keep } from '../engine/memory';
import { ProgressReporter } from './progress';
import { PlotHistoryOptions, plotHistory } from '../vis/history';

/** What a model type gives the training loop. Shapes are batch-less. */
export interface TrainableGraph extends TrainingModel {
  readonly name: string;
  /** Builds the model for a batch-less input shape if it is not built yet. */
  ensureBuilt(inputShape: number[]): void;
  inputShape(): number[] | undefined;
  inputDtype(): DType;
  outputShape(): number[];
  forwardBatch(x: Tensor, training: boolean): Tensor;
  backwardBatch(dy: Tensor, dyIsPreActivation: boolean): void;
  outputLayer(): Layer;
  trainableVariables(): LayerVariable[];
}

export interface ModelCompileArgs {
  optimizer: string | Optimizer;
  loss: string;
  metrics?: string | string[];
}

export interface ModelFitArgs {
  epochs?: number;
  batchSize?: number;
  validationSplit?: number;
  validationData?: [Tensor, Tensor];
  shuffle?: boolean;
  /** 0: silent, 1: progress bar (TTY) or a line per epoch, 2: a line per epoch. */
  verbose?: 0 | 1 | 2;
  callbacks?: CallbackHooks | Callback | (CallbackHooks | Callback)[];
  initialEpoch?: number;
  /** Keras' class_weight: {classIndex: weight} (or one per output, by name or in order). */
  classWeight?: Record<number, number> | Record<string, Record<number, number>> | Record<number, number>[];
  /** One weight per sample, shape [n] (or one per output, by name or in order). */
  sampleWeight?: Tensor | Tensor[] | Record<string, Tensor>;
}

export interface ModelEvaluateArgs {
  batchSize?: number;
  verbose?: 0 | 1;
  sampleWeight?: Tensor | Tensor[] | Record<string, Tensor>;
}

export interface ModelPredictArgs {
  batchSize?: number;
}

/** What fit returns: per-epoch logs, also reachable as history.loss, history.acc, history.val_loss, … */
export class History {
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  params: Record<string, unknown> = {};
  [key: string]: unknown;

  /** Writes the training (and validation) curves to an SVG file, one panel per metric; returns the SVG text. */
  plot(path: string, options?: PlotHistoryOptions): string {
    return plotHistory(this, path, options);
  }

  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      if (!this.history[k]) this.history[k] = [];
      this.history[k].push(v);
      this[k] = this.history[k];
    }
  }
}

/** The compiled state of a model: optimizer, loss, metrics. */
export interface Compiled {
  optimizer: Optimizer;
  loss: ResolvedLoss;
  metrics: Metric[];
}

export function compileModel(graph: TrainableGraph, args: ModelCompileArgs): Compiled {
  if (args === null || typeof args !== 'object') throw new TypeError(expected('an object {optimizer, loss, metrics}', 'compile(args)', args));
  const optimizer = resolveOptimizer(args.optimizer);
  const loss = resolveLoss(args.loss);
  const names = args.metrics === undefined ? [] : Array.isArray(args.metrics) ? args.metrics : [args.metrics];
  const outputUnits = graph.inputShape() !== undefined ? graph.outputShape()[graph.outputShape().length - 1] : 0;
  const metrics = names.map((m) => resolveMetric(m, loss, outputUnits));
  return { optimizer, loss, metrics };
}

// ---- data preparation ----------------------------------------------------------------

/** Throws naming the first NaN of a float32 input (an int32 one cannot hold NaN); the scan is native. */
function checkNoNaN(values: TypedArray, argument: string): void {
  if (!(values instanceof Float32Array)) return;
  const at = native.firstNaN(values);
  if (at >= 0) throw new RangeError(`${argument} holds NaN at flat index ${at}`);
}

/** x converted once to the dtype the model's first layer takes. */
export function prepareInputs(graph: TrainableGraph, x: Tensor, argument: string): Tensor {
  if (x.rank < 2 && graph.inputShape()?.length !== 0) {
    throw new RangeError(`Expected ${argument} to have a batch dimension and at least one more, but received shape ${shapeString(x.shape)}`);
  }
  const sampleShape = x.shape.slice(1);
  graph.ensureBuilt(sampleShape);
  const want = graph.inputShape()!;
  if (want.length !== sampleShape.length || want.some((d, i) => d !== sampleShape[i])) {
    throw new RangeError(`Expected ${argument} of shape ${shapeString([null, ...want])} but received shape ${shapeString(x.shape)}`);
  }
  const dtype = graph.inputDtype();
  const v = x.values;
  if (dtype === 'float32') {
    checkNoNaN(v, argument);
    return x.dtype === 'float32' ? x : new Tensor(Float32Array.from(v), x.shape, 'float32');
  }
  if (x.dtype === 'int32') return x;
  return new Tensor(toInt32(v, argument, 'integer indices'), x.shape, 'int32');
}

/** Class-index targets for a sparse loss: shape [n, ...out minus classes] (or with a trailing 1), each in range. */
export function sparseLabels(y: Tensor, out: number[], argument: string): Tensor {
  const classes = out[out.length - 1];
  const labelShape = out.slice(0, -1);
  const given = y.shape.slice(1);
  const ok = given.length === labelShape.length ? given.every((d, i) => d === labelShape[i])
    : given.length === labelShape.length + 1 && given[given.length - 1] === 1 && labelShape.every((d, i) => d === given[i]);
  if (!ok) {
    throw new RangeError(`Expected ${argument} of shape ${shapeString([null, ...labelShape])} (class indices) for ` +
      `sparseCategoricalCrossentropy but received shape ${shapeString(y.shape)}`);
  }
  const v = y.values;
  const labels = y.dtype === 'int32' ? (v as Int32Array) : new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i]) || v[i] < 0 || v[i] >= classes) {
      throw new RangeError(expected(`a class index in [0, ${classes})`, `${argument}[${i}]`, v[i]));
    }
    labels[i] = v[i];
  }
  return new Tensor(labels, [y.shape[0], ...labelShape], 'int32');
}

/** y checked against the model output: int32 class labels for the sparse loss, else float32 of the output shape. */
export function prepareTargets(graph: TrainableGraph, loss: ResolvedLoss, y: Tensor, batchCount: number, argument: string): Tensor {
  if (y.shape[0] !== batchCount) {
    throw new RangeError(`Expected ${argument} to have ${batchCount} samples (as the inputs) but received shape ${shapeString(y.shape)}`);
  }
  const out = graph.outputShape();
  if (loss.sparse) return sparseLabels(y, out, argument);
  const given = y.shape.slice(1);
  if (given.length !== out.length || given.some((d, i) => d !== out[i])) {
    throw new RangeError(`Expected ${argument} of shape ${shapeString([null, ...out])} (the model's output) but received ` +
      `shape ${shapeString(y.shape)}`);
  }
  const v = y.values;
  checkNoNaN(v, argument);
  return y.dtype === 'float32' ? y : new Tensor(Float32Array.from(v), y.shape, 'float32');
}

/** Hands out batches of a tensor: views when in order, gathered into a reused buffer when shuffled. */
export class Batcher {
  private readonly rowShape: number[];
  private readonly rowSize: number;
  private gathered: TypedArray | null = null;

  constructor(private readonly source: Tensor) {
    this.rowShape = source.shape.slice(1);
    this.rowSize = sizeOf(this.rowShape);
  }

  batch(order: Int32Array | null, start: number, end: number): Tensor {
    const n = end - start;
    const values = this.source.values;
    const r = this.rowSize;
    if (order === null) return new Tensor(values.subarray(start * r, end * r), [n, ...this.rowShape], this.source.dtype);
    if (this.gathered === null || this.gathered.length < n * r) {
      this.gathered = this.source.dtype === 'int32' ? new Int32Array(n * r) : new Float32Array(n * r);
    }
    const out = this.gathered.subarray(0, n * r);
    if (values instanceof Float32Array) {
      // The embedding gather is this very operation (rows of a table picked by int32 indices),
      // native and threaded: a JS loop of out.set(subarray) cost more than the batch-1024 MLP step.
      const bad = native.embeddingForward(out as Float32Array, values, order.subarray(start, end), n, this.source.shape[0], r);
      if (bad >= 0) throw new Error(`internal: batch row ${order[start + bad]} outside [0, ${this.source.shape[0]})`);
    } else {
      for (let i = 0; i < n; i++) {
        const from = order[start + i] * r;
        for (let j = 0; j < r; j++) out[i * r + j] = values[from + j];
      }
    }
    return new Tensor(out, [n, ...this.rowShape], this.source.dtype);
  }
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// ---- one step ------------------------------------------------------------------------

interface StepResult {
  loss: number;
  metrics: number[];
}

export class StepRunner {
  private grad: Tensor | null = null;

  constructor(private readonly graph: TrainableGraph, private readonly compiled: Compiled) {}

  /** Forward, loss (+ gradient when training), metrics; backward and update when training. */
  run(x: Tensor, y: Tensor, training: boolean): StepResult {
    const { loss, metrics, optimizer } = this.compiled;
    const out = this.graph.forwardBatch(x, training);
    const last = this.graph.outputLayer();
    const fused = loss.fusesWith !== null && last.fusableOutputActivation() === loss.fusesWith;
    const lossInput = fused ? last.preActivationOutput()! : out;
    const cols = out.shape[out.rank - 1];
    const rows = out.size / cols;
    let grad: Tensor | null = null;
    if (training) {
      if (this.grad === null || this.grad.size !== out.size) this.grad = keep(new Tensor(new Float32Array(out.size), out.shape.slice()));
      grad = new Tensor(this.grad.values, out.shape, 'float32');
    }
    const value = native.lossForwardBackward(loss.code, fused, grad ? (grad.values as Float32Array) : null,
      lossInput.values as Float32Array, y.values as Float32Array | Int32Array, rows, cols);
    const metricValues = metrics.map((m) => m.compute(out.values as Float32Array, y.values as Float32Array | Int32Array, rows, cols));
    if (training) {
      if (!Number.isFinite(value)) {
        throw new Error(`The loss became ${value} during training. Lower the learning rate, or check the data ` +
          '(inputs and targets are checked for NaN when fit starts).');
      }
      // `trainable` is read at every step, so a layer frozen or unfrozen between fits or by a
      // callback between batches is trained exactly as its flag says; backward skips the
      // same layers the update skips, so no stale gradient is ever applied.
      this.graph.backwardBatch(grad!, fused);
      optimizer.applyLayerGradients(this.graph.trainableVariables());
    }
    return { loss: value, metrics: metricValues };
  }
}

// ---- fit / evaluate / predict ----------------------------------------------------------

/** Throws while a fit of this model is running (TensorFlow.js refuses a second fit the same way). */
export function checkNotTraining(graph: { name: string; isTraining: boolean }, what: string): void {
  if (graph.isTraining) {
    throw new Error(`Cannot start ${what} on model ${graph.name} because another fit() call on it is still running; ` +
      'await the first fit before starting another');
  }
}

/** [loss, ...metrics] as sample-weighted means over all batches. */
export function evaluateArrays(graph: TrainableGraph, compiled: Compiled, x: Tensor, y: Tensor, batchSize: number): number[] {
  const runner = new StepRunner(graph, compiled);
  const xs = new Batcher(x);
  const ys = new Batcher(y);
  const n = x.shape[0];
  const sums = new Array(1 + compiled.metrics.length).fill(0);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const r = runner.run(xs.batch(null, start, end), ys.batch(null, start, end), false);
    sums[0] += r.loss * (end - start);
    r.metrics.forEach((m, i) => (sums[i + 1] += m * (end - start)));
  }
  return sums.map((s) => s / n);
}

export function predictModel(graph: TrainableGraph, xIn: Tensor, args: ModelPredictArgs = {}): Tensor {
  const x = prepareInputs(graph, checkTensor(xIn, 'x'), 'x');
  const batchSize = args.batchSize === undefined ? 32 : checkPositiveInteger(args.batchSize, 'batchSize');
  const n = x.shape[0];
  const outShape = graph.outputShape();
  const rowSize = sizeOf(outShape);
  const result = new Float32Array(n * rowSize);
  const xs = new Batcher(x);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const out = graph.forwardBatch(xs.batch(null, start, end), false);
    result.set(out.values.subarray(0, (end - start) * rowSize), start * rowSize);
  }
  return new Tensor(result, [n, ...outShape], 'float32');
}

/** One training step on one batch; returns [loss, ...metrics] (or the loss alone). */
export function trainOnBatchModel(graph: TrainableGraph, compiled: Compiled | null, xIn: Tensor, yIn: Tensor): number | number[] {
  if (compiled === null) throw new Error('You must compile a model before training it: model.compile({optimizer, loss})');
  checkNotTraining(graph, 'trainOnBatch');
  const x = prepareInputs(graph, checkTensor(xIn, 'x'), 'x');
  const y = prepareTargets(graph, compiled.loss, checkTensor(yIn, 'y'), x.shape[0], 'y');
  const r = new StepRunner(graph, compiled).run(x, y, true);
  return r.metrics.length === 0 ? r.loss : [r.loss, ...r.metrics];
}


/**
 * The hand-written-backward path as a Stepper for the fit loop (Note [Two step runners] in
 * graph_training.ts): one input, one output, no sample or class weights.
 */
export function fastStepper(graph: TrainableGraph, compiled: Compiled): import('./fit_loop').Stepper {
  const runner = new StepRunner(graph, compiled);
  return {
    metricKeys: compiled.metrics.map((m) => m.key),
    prepare(x: unknown, y: unknown, argument: string, sampleWeight?: unknown, classWeight?: unknown) {
      if ((sampleWeight !== undefined && sampleWeight !== null) || (classWeight !== undefined && classWeight !== null)) {
        throw new Error('internal: the hand-written step path takes no sample or class weights');
      }
      const xName = argument ? `${argument}[0]` : 'x';
      const yName = argument ? `${argument}[1]` : 'y';
      const xt = prepareInputs(graph, checkTensor(x, xName), xName);
      const yt = prepareTargets(graph, compiled.loss, checkTensor(y, yName), xt.shape[0], yName);
      return { xs: [xt], ys: [yt], weights: [null] };
    },
    step(batch, training) {
      const r = runner.run(batch.xs[0], batch.ys[0], training);
      return { loss: r.loss, metrics: r.metrics };
    },
  };
}
