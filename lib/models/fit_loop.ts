// The one fit/evaluate loop of every model type (Sequential and functional): epochs, batches,
// shuffling, validation, callbacks, progress and History. What a step does is the Stepper's:
// the hand-written backward path or the tape (Note [Two step runners] in graph_training.ts).
// fit yields to the event loop between batches, so a server stays responsive while it trains.
import { Callback, CallbackHooks, Logs, TrainingModel, runHooks } from '../callbacks';
import { checkBoolean, checkNonNegativeInteger, checkNumberInRange, checkPositiveInteger, expected } from '../errors';
import { shuffleInPlace } from '../random';
import { Tensor } from '../tensor';
import { GraphData, StepValues, sliceData } from './graph_training';
import { ProgressReporter } from './progress';
import { Batcher, History, ModelEvaluateArgs, ModelFitArgs, checkNotTraining, yieldToEventLoop } from './training';

/** What the loop needs of a model's training: data preparation, one step, the log keys. */
export interface Stepper {
  /** Log keys after 'loss', in the order of StepValues.metrics. */
  readonly metricKeys: string[];
  prepare(x: unknown, y: unknown, argument: string, sampleWeight?: unknown, classWeight?: unknown): GraphData;
  step(batch: GraphData, training: boolean): StepValues;
}

const FIT_KEYS = ['epochs', 'batchSize', 'validationSplit', 'validationData', 'shuffle', 'verbose', 'callbacks', 'initialEpoch',
  'classWeight', 'sampleWeight'];

function checkOptionalPositiveInteger(v: unknown, argument: string, fallback: number): number {
  return v === undefined ? fallback : checkPositiveInteger(v, argument);
}

export function checkKeys(args: object, known: string[], what: string): void {
  for (const key of Object.keys(args)) {
    if ((args as Record<string, unknown>)[key] !== undefined && !known.includes(key)) {
      throw new TypeError(`${what}: unknown option '${key}'; the options are ${known.slice().sort().join(', ')}`);
    }
  }
}

/**
 * Batches of every tensor of the data: views when in order, gathered (natively) into buffers
 * reused from batch to batch when shuffled, so a steady-state epoch allocates no batch arrays.
 */
function batchesOf(data: GraphData): (order: Int32Array | null, start: number, end: number) => GraphData {
  const xs = data.xs.map((t) => new Batcher(t));
  const ys = data.ys.map((t) => new Batcher(t));
  const ws = data.weights.map((t) => (t === null ? null : new Batcher(t)));
  return (order, start, end) => ({
    xs: xs.map((b) => b.batch(order, start, end)),
    ys: ys.map((b) => b.batch(order, start, end)),
    weights: ws.map((b) => (b === null ? null : b.batch(order, start, end))),
  });
}

function rows(data: GraphData): number {
  return data.xs[0].shape[0];
}

export async function fitWithStepper(model: TrainingModel & { name: string }, stepper: Stepper, xIn: unknown, yIn: unknown,
  args: ModelFitArgs = {}): Promise<History> {
  checkNotTraining(model as never, 'fit');
  model.isTraining = true;
  try {
    return await fitLoop(model, stepper, xIn, yIn, args);
  } finally {
    model.isTraining = false;
  }
}

async function fitLoop(model: TrainingModel & { name: string }, stepper: Stepper, xIn: unknown, yIn: unknown, args: ModelFitArgs): Promise<History> {
  if (args === null || typeof args !== 'object') throw new TypeError(expected('an object', 'fit args', args));
  checkKeys(args, FIT_KEYS, 'fit');
  const epochs = checkOptionalPositiveInteger(args.epochs, 'epochs', 1);
  const batchSize = checkOptionalPositiveInteger(args.batchSize, 'batchSize', 32);
  const shuffle = args.shuffle === undefined ? true : checkBoolean(args.shuffle, 'shuffle');
  const verbose = args.verbose ?? 1;
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new TypeError(expected('0, 1 or 2', 'verbose', verbose));
  const initialEpoch = args.initialEpoch === undefined ? 0 : checkNonNegativeInteger(args.initialEpoch, 'initialEpoch');
  if (initialEpoch >= epochs) throw new RangeError(expected(`an integer in [0, ${epochs}) (below epochs)`, 'initialEpoch', initialEpoch));
  const hooks: CallbackHooks[] = (args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks]) as CallbackHooks[];
  hooks.forEach((cb, i) => {
    if (cb === null || typeof cb !== 'object') throw new TypeError(expected('a callback object', `callbacks[${i}]`, cb));
    if (cb instanceof Callback) cb.setModel(model);
  });

  let train = stepper.prepare(xIn, yIn, '', args.sampleWeight, args.classWeight);
  let val: GraphData | null = null;
  if (args.validationData !== undefined) {
    const vd = args.validationData as unknown[];
    if (!Array.isArray(vd) || (vd.length !== 2 && vd.length !== 3)) {
      throw new TypeError(expected('[xVal, yVal] or [xVal, yVal, valSampleWeight]', 'validationData', args.validationData));
    }
    val = stepper.prepare(vd[0], vd[1], 'validationData', vd[2]);
  } else if (args.validationSplit !== undefined) {
    const split = checkNumberInRange(args.validationSplit, 'validationSplit', 0, 1, false, false);
    // As Keras: the LAST fraction of the samples, taken before any shuffling.
    const n = rows(train);
    const at = Math.floor(n * (1 - split));
    if (at === 0 || at === n) throw new RangeError(`validationSplit ${split} leaves no training or no validation samples out of ${n}`);
    val = sliceData(train, null, at, n);
    train = sliceData(train, null, 0, at);
  }

  const samples = rows(train);
  const steps = Math.ceil(samples / batchSize);
  const history = new History();
  history.params = { epochs, batchSize, samples, steps, verbose };
  const progress = new ProgressReporter(verbose, epochs, steps);
  const order = shuffle ? Int32Array.from({ length: samples }, (_, i) => i) : null;
  const keys = stepper.metricKeys;
  const trainBatch = batchesOf(train);
  model.stopTraining = false;

  await runHooks(hooks, 'onTrainBegin');
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    if (order) shuffleInPlace(order);
    progress.epochBegin(epoch);
    await runHooks(hooks, 'onEpochBegin', epoch);
    let lossSum = 0;
    const metricSums = keys.map(() => 0);
    let seen = 0;
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize;
      const end = Math.min(samples, start + batchSize);
      await runHooks(hooks, 'onBatchBegin', step, { batch: step, size: end - start });
      const result = stepper.step(trainBatch(order, start, end), true);
      const n = end - start;
      seen += n;
      lossSum += result.loss * n;
      result.metrics.forEach((m, i) => (metricSums[i] += m * n));
      const running: Logs = { loss: lossSum / seen };
      keys.forEach((k, i) => (running[k] = metricSums[i] / seen));
      progress.batchEnd(step, running);
      // As TensorFlow.js: the batch's own loss and metrics (the TensorBoard callback logs them).
      const batchLogs: Logs = { batch: step, size: n, loss: result.loss };
      keys.forEach((k, i) => (batchLogs[k] = result.metrics[i]));
      await runHooks(hooks, 'onBatchEnd', step, batchLogs);
      // As Keras and TensorFlow.js: stopTraining set by a batch callback ends the epoch after
      // this batch; the epoch's logs cover the batches run and onEpochEnd still runs.
      if (model.stopTraining) break;
      await yieldToEventLoop();
    }
    const logs: Logs = { loss: lossSum / seen };
    keys.forEach((k, i) => (logs[k] = metricSums[i] / seen));
    if (val !== null) {
      const v = evaluateData(stepper, val, batchSize);
      logs.val_loss = v[0];
      keys.forEach((k, i) => (logs[`val_${k}`] = v[i + 1]));
    }
    history.record(epoch, logs);
    progress.epochEnd(epoch, logs);
    await runHooks(hooks, 'onEpochEnd', epoch, logs);
  }
  await runHooks(hooks, 'onTrainEnd');
  return history;
}

/** [loss, ...metrics] as sample-weighted means over all batches (in order, not shuffled). */
export function evaluateData(stepper: Stepper, data: GraphData, batchSize: number): number[] {
  const n = rows(data);
  const batch = batchesOf(data);
  const sums = new Array(1 + stepper.metricKeys.length).fill(0);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const r = stepper.step(batch(null, start, end), false);
    sums[0] += r.loss * (end - start);
    r.metrics.forEach((m, i) => (sums[i + 1] += m * (end - start)));
  }
  return sums.map((s) => s / n);
}

/** tfjs' model.evaluate: synchronous, a Scalar for the loss alone, else [loss, ...metrics] Scalars. */
export function evaluateWithStepper(stepper: Stepper, x: unknown, y: unknown, args: ModelEvaluateArgs = {}): Tensor | Tensor[] {
  if (args === null || typeof args !== 'object') throw new TypeError(expected('an object', 'evaluate args', args));
  checkKeys(args, ['batchSize', 'verbose', 'sampleWeight'], 'evaluate');
  const batchSize = checkOptionalPositiveInteger(args.batchSize, 'batchSize', 32);
  const data = stepper.prepare(x, y, '', (args as { sampleWeight?: unknown }).sampleWeight);
  const values = evaluateData(stepper, data, batchSize);
  const scalars = values.map((v) => new Tensor(new Float32Array([v]), [], 'float32'));
  return scalars.length === 1 ? scalars[0] : scalars;
}
