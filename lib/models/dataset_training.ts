// Training and evaluation from a tn.data Dataset: model.fitDataset / evaluateDataset as
// TensorFlow.js has them, and model.fit(dataset) / evaluate(dataset) as Keras has them.
//
// A dataset element is one batch: [x, y] (Keras' tuples, what imageDatasetFromDirectory and
// flowFromDirectory yield) or {xs, ys} (tfjs-data's convention), x and y tensors with the
// batch as their first dimension. The step is the one fit(x, y) runs (StepRunner: forward,
// fused loss, backward, one optimizer update), so training from a dataset and training from
// tensors on the same batches give the same weights.
//
// As tfjs-data's fitDataset: without batchesPerEpoch, every epoch is one full pass (a new
// iterator); with batchesPerEpoch (Keras: stepsPerEpoch), epochs take that many batches from
// ONE iterator that carries on across epochs, and when it runs out training stops with a
// warning (repeat() the dataset to avoid that). Reading the next batch is awaited, and the
// loop yields to the event loop after every batch, so a prefetching dataset decodes the next
// batches (on the libuv pool) while this one trains.
import { CallbackHooks, Callback, Logs, runHooks } from '../callbacks';
import { checkNumberInRange, checkPositiveInteger, describe, expected, shapeString } from '../errors';
import { Dataset, LazyIterator, isDataset } from '../data/dataset';
import { Tensor, checkTensor, sizeOf } from '../tensor';
import { ProgressReporter } from './progress';
import {
  Compiled, History, TrainableGraph, checkNotTraining, evaluateArrays, prepareInputs, prepareTargets, StepRunner, yieldToEventLoop,
} from './training';

export interface ModelFitDatasetArgs {
  /** Default 1. */
  epochs?: number;
  /** Batches per epoch (tfjs); default: one full pass of the dataset per epoch. */
  batchesPerEpoch?: number;
  /** Keras' name for batchesPerEpoch. */
  stepsPerEpoch?: number;
  /** 0: silent, 1: progress bar (TTY) or a line per epoch, 2: a line per epoch. */
  verbose?: 0 | 1 | 2;
  callbacks?: CallbackHooks | Callback | (CallbackHooks | Callback)[];
  /** A dataset of batches, or [xVal, yVal] tensors; evaluated after every epoch into val_* logs. */
  validationData?: Dataset<unknown> | [Tensor, Tensor];
  /** Batch size for [xVal, yVal] validation tensors (default 32). */
  validationBatchSize?: number;
  /** Batches of a validation dataset to use (tfjs); default all. */
  validationBatches?: number;
  /** Keras' name for validationBatches. */
  validationSteps?: number;
  initialEpoch?: number;
}

export interface ModelPredictDatasetArgs {
  /** Batches to predict (Keras: steps); default the whole dataset. */
  steps?: number;
}

export interface ModelEvaluateDatasetArgs {
  /** Batches to evaluate (tfjs); default the whole dataset. */
  batches?: number;
  /** Keras' name for batches. */
  steps?: number;
  /** 0: silent (default), 1: one line with the results. */
  verbose?: 0 | 1;
}

const FIT_KEYS = ['epochs', 'batchesPerEpoch', 'stepsPerEpoch', 'verbose', 'callbacks', 'validationData', 'validationBatchSize',
  'validationBatches', 'validationSteps', 'initialEpoch'];
const FIT_NOT_FOR_DATASETS: Record<string, string> = {
  batchSize: 'the dataset makes the batches; do not give batchSize when x is a Dataset (batch the dataset instead)',
  validationSplit: 'validationSplit is only supported for tensors; give validationData (a Dataset or [xVal, yVal]) instead',
  shuffle: 'shuffle has no effect on a Dataset; shuffle the dataset itself (dataset.shuffle, or the shuffle option of ' +
    'flowFromDirectory / imageDatasetFromDirectory)',
  classWeight: 'classWeight is not implemented in tensornode yet',
  sampleWeight: 'sample weights are not implemented in tensornode yet',
  yieldEvery: 'yieldEvery is not implemented: tensornode always yields to the event loop after every batch',
  validationFreq: 'validationFreq is not implemented: validation runs after every epoch',
};

function checkArgs(args: unknown, known: readonly string[], notHere: Record<string, string>, what: string): Record<string, unknown> {
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object' || Array.isArray(args) || args instanceof Tensor) throw new TypeError(expected('an object of options', `${what} args`, args));
  for (const key of Object.keys(args)) {
    if (key in notHere) throw new Error(`${what}: ${notHere[key]}`);
    if (!known.includes(key)) throw new TypeError(`${what}: unknown option '${key}' (options: ${known.join(', ')})`);
  }
  return args as Record<string, unknown>;
}

/** One of two alias options (tfjs' name, Keras' name), a positive integer or undefined. */
function aliased(args: Record<string, unknown>, a: string, b: string): number | undefined {
  if (args[a] !== undefined && args[b] !== undefined) throw new TypeError(`Give ${a} or ${b} (the same option), not both`);
  const name = args[a] !== undefined ? a : b;
  const v = args[name];
  return v === undefined || v === null ? undefined : checkPositiveInteger(v, name);
}

/**
 * x and y of one dataset batch, checked and converted for the model. A [n] y for a model with
 * one output unit and a non-sparse loss is taken as [n, 1] (Keras' losses do the same for
 * binary labels, which flowFromDirectory's classMode 'binary' yields as [n]).
 */
function batchXY(graph: TrainableGraph, compiled: Compiled, element: unknown, index: number): { x: Tensor; y: Tensor } {
  let x: unknown;
  let y: unknown;
  if (Array.isArray(element)) {
    if (element.length === 3) throw new Error('Dataset elements [x, y, sampleWeight]: sample weights are not implemented in tensornode yet');
    if (element.length !== 2) {
      throw new TypeError(`A dataset for training must yield [x, y] or {xs, ys} batches, but batch ${index} is an array of ${element.length}`);
    }
    [x, y] = element;
  } else if (element !== null && typeof element === 'object' && !(element instanceof Tensor) && 'xs' in element && 'ys' in element) {
    ({ xs: x, ys: y } = element as { xs: unknown; ys: unknown });
  } else {
    throw new TypeError(`A dataset for training must yield [x, y] or {xs, ys} batches, but batch ${index} is ${describe(element)}` +
      (element instanceof Tensor ? ' (a tensor alone: the dataset has no targets, e.g. classMode null or labelMode null)' : ''));
  }
  const unwrap = (v: unknown, what: string): Tensor => {
    if (Array.isArray(v) && v.length === 1) v = v[0];
    if (v !== null && typeof v === 'object' && !(v instanceof Tensor) && !Array.isArray(v)) {
      const keys = Object.keys(v);
      throw new TypeError(`Expected ${what} of batch ${index} to be a Tensor but received an object with keys ${keys.join(', ')} ` +
        '(e.g. CSV rows: map them to tensors first, as ds.map(({xs, ys}) => ({xs: Object.values(xs), ys: Object.values(ys)})).batch(n))');
    }
    return checkTensor(v, `${what} of batch ${index}`);
  };
  const xt = unwrap(x, 'x');
  let yt = unwrap(y, 'y');
  const want = graph.inputShape();
  if (want !== undefined && xt.rank === want.length && xt.rank > 0) {
    throw new RangeError(`Expected x of batch ${index} to have a batch dimension: shape ${shapeString([null, ...want])}, but received ` +
      `shape ${shapeString(xt.shape)} (an unbatched dataset? use dataset.batch(batchSize))`);
  }
  const xp = prepareInputs(graph, xt, `x of batch ${index}`);
  const out = graph.outputShape();
  if (!compiled.loss.sparse && yt.rank === 1 && out.length === 1 && out[0] === 1) yt = yt.reshape([yt.shape[0], 1]);
  const yp = prepareTargets(graph, compiled.loss, yt, xp.shape[0], `y of batch ${index}`);
  return { x: xp, y: yp };
}

/** [loss, ...metrics], sample-weighted means over the batches of a dataset (at most `batches`). */
async function evaluateBatches(graph: TrainableGraph, compiled: Compiled, dataset: Dataset<unknown>, batches: number | undefined,
  what: string): Promise<{ values: number[]; batches: number; samples: number }> {
  const runner = new StepRunner(graph, compiled);
  const sums = new Array(1 + compiled.metrics.length).fill(0);
  let n = 0;
  let b = 0;
  const it = await dataset.iterator();
  try {
    while (batches === undefined || b < batches) {
      const r = await it.next();
      if (r.done) {
        if (batches !== undefined) {
          console.warn(`${what}: the dataset ran out of data after ${b} of the ${batches} batches asked for; ` +
            'the results cover those batches (repeat() the dataset to evaluate on more)');
        }
        break;
      }
      const { x, y } = batchXY(graph, compiled, r.value, b);
      const res = runner.run(x, y, false);
      const size = x.shape[0];
      sums[0] += res.loss * size;
      res.metrics.forEach((m, i) => (sums[i + 1] += m * size));
      n += size;
      b++;
      await yieldToEventLoop();
    }
  } finally {
    await it.return();
  }
  if (n === 0) throw new Error(`${what}: the dataset yielded no batches`);
  return { values: sums.map((s) => s / n), batches: b, samples: n };
}

export async function fitDatasetModel(graph: TrainableGraph, compiled: Compiled | null, dataset: Dataset<unknown>,
  argsIn: unknown, what = 'fitDataset'): Promise<History> {
  if (compiled === null) throw new Error('You must compile a model before training it: model.compile({optimizer, loss})');
  if (!isDataset(dataset)) throw new TypeError(expected('a tn.data Dataset', 'dataset', dataset));
  const args = checkArgs(argsIn, FIT_KEYS, FIT_NOT_FOR_DATASETS, what);
  const epochs = args.epochs === undefined ? 1 : checkPositiveInteger(args.epochs, 'epochs');
  const batchesPerEpoch = aliased(args, 'batchesPerEpoch', 'stepsPerEpoch');
  const validationBatches = aliased(args, 'validationBatches', 'validationSteps');
  const verbose = args.verbose ?? 1;
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new TypeError(expected('0, 1 or 2', 'verbose', verbose));
  const initialEpoch = args.initialEpoch === undefined ? 0 : checkNumberInRange(args.initialEpoch, 'initialEpoch', 0, epochs, true, false);
  const validationBatchSize = args.validationBatchSize === undefined ? 32 : checkPositiveInteger(args.validationBatchSize, 'validationBatchSize');
  const cbs = args.callbacks;
  const hooks = (cbs === undefined ? [] : Array.isArray(cbs) ? cbs : [cbs]) as CallbackHooks[];
  hooks.forEach((cb, i) => {
    if (cb === null || typeof cb !== 'object') throw new TypeError(expected('a callback object', `callbacks[${i}]`, cb));
    if (cb instanceof Callback) cb.setModel(graph);
  });
  let valDataset: Dataset<unknown> | null = null;
  let valXY: [Tensor, Tensor] | null = null;
  const vd = args.validationData;
  if (vd !== undefined && vd !== null) {
    if (isDataset(vd)) valDataset = vd;
    else if (Array.isArray(vd) && vd.length === 2) valXY = [checkTensor(vd[0], 'validationData[0]'), checkTensor(vd[1], 'validationData[1]')];
    else if (Array.isArray(vd) && vd.length === 3) throw new Error('validationData [x, y, sampleWeight]: sample weights are not implemented in tensornode yet');
    else throw new TypeError(expected('a Dataset or [xVal, yVal]', 'validationData', vd));
  }
  if (validationBatches !== undefined && valDataset === null) throw new TypeError('validationBatches (validationSteps) needs validationData to be a Dataset');

  checkNotTraining(graph, what);
  graph.isTraining = true;
  let it: LazyIterator<unknown> | null = null;
  try {
    const steps = batchesPerEpoch ?? (dataset.size !== null && Number.isFinite(dataset.size) ? dataset.size : null);
    const history = new History();
    history.params = { epochs, steps, verbose };
    const progress = new ProgressReporter(verbose, epochs, steps);
    const runner = new StepRunner(graph, compiled);
    let preparedVal: { x: Tensor; y: Tensor } | null = null;
    graph.stopTraining = false;
    await runHooks(hooks, 'onTrainBegin');
    if (batchesPerEpoch !== undefined) it = await dataset.iterator();
    let ranOut = false;
    for (let epoch = initialEpoch; epoch < epochs && !graph.stopTraining && !ranOut; epoch++) {
      progress.epochBegin(epoch);
      await runHooks(hooks, 'onEpochBegin', epoch);
      if (batchesPerEpoch === undefined) it = await dataset.iterator();
      let lossSum = 0;
      const metricSums = compiled.metrics.map(() => 0);
      let seen = 0;
      let step = 0;
      while (batchesPerEpoch === undefined || step < batchesPerEpoch) {
        const r = await it!.next();
        if (r.done) {
          if (batchesPerEpoch !== undefined) {
            ranOut = true;
            console.warn(`${what}: the dataset ran out of data after ${step} batches of epoch ${epoch + 1} (batchesPerEpoch ` +
              `${batchesPerEpoch}, ${epochs} epochs: ${batchesPerEpoch * epochs} batches needed); training stops. ` +
              'Use dataset.repeat() to have enough batches.');
          }
          break;
        }
        const { x, y } = batchXY(graph, compiled, r.value, step);
        const n = x.shape[0];
        await runHooks(hooks, 'onBatchBegin', step, { batch: step, size: n });
        const result = runner.run(x, y, true);
        seen += n;
        lossSum += result.loss * n;
        result.metrics.forEach((m, i) => (metricSums[i] += m * n));
        const running: Logs = { loss: lossSum / seen };
        compiled.metrics.forEach((m, i) => (running[m.key] = metricSums[i] / seen));
        progress.batchEnd(step, running);
        const batchLogs: Logs = { batch: step, size: n, loss: result.loss };
        compiled.metrics.forEach((m, i) => (batchLogs[m.key] = result.metrics[i]));
        await runHooks(hooks, 'onBatchEnd', step, batchLogs);
        step++;
        // As fit(x, y): stopTraining set by a batch callback ends the epoch after this batch.
        if (graph.stopTraining) break;
        await yieldToEventLoop();
      }
      if (batchesPerEpoch === undefined) await it!.return();
      if (seen === 0) {
        if (ranOut) break; // the previous epoch used the last batch
        throw new Error(`${what}: the dataset yielded no batches in epoch ${epoch + 1}`);
      }
      const logs: Logs = { loss: lossSum / seen };
      compiled.metrics.forEach((m, i) => (logs[m.key] = metricSums[i] / seen));
      if (valDataset !== null || valXY !== null) {
        let val: number[];
        if (valDataset !== null) {
          val = (await evaluateBatches(graph, compiled, valDataset, validationBatches, `${what} validation`)).values;
        } else {
          if (preparedVal === null) {
            const vx = prepareInputs(graph, valXY![0], 'validationData[0]');
            preparedVal = { x: vx, y: prepareTargets(graph, compiled.loss, valXY![1], vx.shape[0], 'validationData[1]') };
          }
          val = evaluateArrays(graph, compiled, preparedVal.x, preparedVal.y, validationBatchSize);
        }
        logs.val_loss = val[0];
        compiled.metrics.forEach((m, i) => (logs[`val_${m.key}`] = val[i + 1]));
      }
      history.record(epoch, logs);
      progress.epochEnd(epoch, logs, step);
      await runHooks(hooks, 'onEpochEnd', epoch, logs);
    }
    await runHooks(hooks, 'onTrainEnd');
    return history;
  } finally {
    if (it !== null) await it.return();
    graph.isTraining = false;
  }
}

export async function evaluateDatasetModel(graph: TrainableGraph, compiled: Compiled | null, dataset: Dataset<unknown>,
  argsIn: unknown, what = 'evaluateDataset'): Promise<Tensor | Tensor[]> {
  if (compiled === null) throw new Error('You must compile a model before evaluating it: model.compile({optimizer, loss})');
  if (!isDataset(dataset)) throw new TypeError(expected('a tn.data Dataset', 'dataset', dataset));
  const args = checkArgs(argsIn, ['batches', 'steps', 'verbose'], { batchSize: FIT_NOT_FOR_DATASETS.batchSize, sampleWeight: FIT_NOT_FOR_DATASETS.sampleWeight }, what);
  const batches = aliased(args, 'batches', 'steps');
  const verbose = args.verbose ?? 0;
  if (verbose !== 0 && verbose !== 1) throw new TypeError(expected('0 or 1', 'verbose', verbose));
  const started = Date.now();
  const { values, batches: ran } = await evaluateBatches(graph, compiled, dataset, batches, what);
  if (verbose === 1) {
    const names = ['loss', ...compiled.metrics.map((m) => m.key)];
    process.stdout.write(`${ran}/${ran} - ${((Date.now() - started) / 1000).toFixed(1)}s - ` +
      `${names.map((k, i) => `${k}: ${values[i].toFixed(4)}`).join(' - ')}\n`);
  }
  const scalars = values.map((v) => new Tensor(new Float32Array([v]), [], 'float32'));
  return scalars.length === 1 ? scalars[0] : scalars;
}

/**
 * Keras' predict(dataset): the model's outputs for every batch of a dataset, concatenated. The
 * elements may be x alone, [x, y] or {xs, ys} (the targets are ignored), so a generator made
 * for fit or evaluate predicts as it is. Unlike predict(tensor), this returns a promise.
 */
export async function predictDatasetModel(graph: TrainableGraph, dataset: Dataset<unknown>, argsIn: unknown): Promise<Tensor> {
  if (!isDataset(dataset)) throw new TypeError(expected('a tn.data Dataset', 'dataset', dataset));
  const args = checkArgs(argsIn, ['steps'], { batchSize: FIT_NOT_FOR_DATASETS.batchSize }, 'predict');
  const steps = args.steps === undefined ? undefined : checkPositiveInteger(args.steps, 'steps');
  const parts: Float32Array[] = [];
  let n = 0;
  let b = 0;
  const it = await dataset.iterator();
  try {
    while (steps === undefined || b < steps) {
      const r = await it.next();
      if (r.done) break;
      const e = r.value;
      const xv = e instanceof Tensor ? e : Array.isArray(e) ? e[0] : e !== null && typeof e === 'object' && 'xs' in e ? (e as { xs: unknown }).xs : e;
      const xt = checkTensor(xv, `x of batch ${b}`);
      const want = graph.inputShape();
      if (want !== undefined && xt.rank === want.length && xt.rank > 0) {
        throw new RangeError(`Expected x of batch ${b} to have a batch dimension: shape ${shapeString([null, ...want])}, but received ` +
          `shape ${shapeString(xt.shape)} (an unbatched dataset? use dataset.batch(batchSize))`);
      }
      const x = prepareInputs(graph, xt, `x of batch ${b}`);
      const out = graph.forwardBatch(x, false);
      // Layer outputs are reused buffers (Note [Reused buffers]): copy this batch's out.
      parts.push(Float32Array.from(out.values.subarray(0, x.shape[0] * sizeOf(graph.outputShape()))));
      n += x.shape[0];
      b++;
      await yieldToEventLoop();
    }
  } finally {
    await it.return();
  }
  if (n === 0) throw new Error('predict: the dataset yielded no batches');
  const rowShape = graph.outputShape();
  const result = new Float32Array(n * sizeOf(rowShape));
  let at = 0;
  for (const p of parts) {
    result.set(p, at);
    at += p.length;
  }
  return new Tensor(result, [n, ...rowShape], 'float32');
}
