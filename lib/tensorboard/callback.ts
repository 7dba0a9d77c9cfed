// The TensorBoard callback: tn.node.tensorBoard (tfjs-node's) and tn.callbacks.tensorBoard
// (Keras 3's), writing event files TensorBoard reads (writer.ts).
//
// Note [Two TensorBoard conventions]: tfjs-node and Keras lay out their logs differently, and a
// user who ports a script keeps the dashboards, file layout and tags they had. Both write one
// run folder for training and one for validation, `batch_<key>` and `epoch_<key>` scalars
// (the `val_` prefix dropped in the validation run) and weight histograms every histogramFreq
// epochs (at epoch % histogramFreq == 0, with the epoch as the step); they differ in:
//
//                           tn.node.tensorBoard (tfjs-node)     tn.callbacks.tensorBoard (Keras 3)
//   validation run folder   val/                                validation/
//   epoch scalar step       epoch + 1                           epoch (0-based)
//   batch scalar step       batches seen by this callback,      batches of this fit, from 1
//                           from 1, across fits
//   batch scalar value      the batch's own value               the epoch's running mean so far
//   scalar encoding         simple_value                        float32 tensor, plugin "scalars"
//   histogram               <weight name>, float32 buckets      <model>/<weight name>/histogram,
//                           (tfjs-node's bucketing)             float64 buckets (TensorBoard's)
//   also                    -                                   evaluation_<key>_vs_iterations
//                                                               (validation run, optimizer step)
//   files                   one per folder per process          new files each fit, closed at
//                           (tfjs-node caches its writers)      its end
//
// Both also write epoch_learning_rate (Keras does; tfjs-node has no such scalar, and users asked
// for it). updateFreq is 'epoch', 'batch' or an integer n (batch scalars at every n-th batch, as
// Keras); histogramFreq 0 writes no histograms.
import * as path from 'path';
import { Callback, Logs } from '../callbacks';
import { checkNonNegativeInteger, expected, isPositiveInteger } from '../errors';
import { SummaryValueMessage, loadEventType } from './protos';
import { simpleScalar, tensorBoardHistogram, tensorScalar, tfjsHistogram } from './summaries';
import { EventFileWriter, summaryFileWriter } from './writer';

export interface TensorBoardCallbackArgs {
  /** 'epoch' (default): scalars at each epoch end; 'batch' also after every batch; n: after every n-th batch. */
  updateFreq?: 'batch' | 'epoch' | number;
  /** Weight histograms every this many epochs; 0 (default): none. */
  histogramFreq?: number;
}

/** What the callback reads from the model it observes (a Sequential today, any model with these later). */
interface ObservedModel {
  name?: string;
  optimizer?: { learningRate: number; iterations: number };
  layers?: { weightVariables: { name: string; value: Float32Array }[] }[];
}

type ConventionName = 'tfjs-node' | 'keras';

interface Convention {
  factory: string;
  validationFolder: string;
  epochStep(epoch: number): number;
  scalar(tag: string, value: number): SummaryValueMessage;
  histogram(tag: string, data: Float32Array): SummaryValueMessage;
  histogramTag(modelName: string, weightName: string): string;
  batchCountPerFit: boolean;
  runningBatchMeans: boolean;
  evaluationVsIterations: boolean;
  /** A writer for a run folder: tfjs-node's cached one, or a new file. */
  openWriter(folder: string): EventFileWriter;
  closeAtTrainEnd: boolean;
}

const CONVENTIONS: Record<ConventionName, Convention> = {
  'tfjs-node': {
    factory: 'tn.node.tensorBoard',
    validationFolder: 'val',
    epochStep: (epoch) => epoch + 1,
    scalar: simpleScalar,
    histogram: (tag, data) => tfjsHistogram(tag, data),
    histogramTag: (_model, weight) => weight,
    batchCountPerFit: false,
    runningBatchMeans: false,
    evaluationVsIterations: false,
    openWriter: (folder) => summaryFileWriter(folder).eventWriter,
    closeAtTrainEnd: false,
  },
  keras: {
    factory: 'tn.callbacks.tensorBoard',
    validationFolder: 'validation',
    epochStep: (epoch) => epoch,
    scalar: (tag, value) => tensorScalar(tag, value),
    histogram: (tag, data) => tensorBoardHistogram(tag, data),
    histogramTag: (model, weight) => `${model}/${weight}/histogram`,
    batchCountPerFit: true,
    runningBatchMeans: true,
    evaluationVsIterations: true,
    openWriter: (folder) => new EventFileWriter(folder),
    closeAtTrainEnd: true,
  },
};

/**
 * Keras options we do not implement, with the value that turns each off: that value is accepted
 * (it asks for what we do), any other is an error naming the option, never ignored.
 */
const KERAS_ONLY_OPTIONS: Record<string, unknown> = {
  writeGraph: false, writeImages: false, writeStepsPerSecond: false, profileBatch: 0, embeddingsFreq: 0, embeddingsMetadata: null,
};

/** Keys of batch logs that are bookkeeping, not values (tfjs-node skips the same). */
const NOT_SCALARS = new Set(['batch', 'size', 'num_steps']);

export class TensorBoardCallback extends Callback {
  readonly logdir: string;
  readonly updateFreq: 'batch' | 'epoch' | number;
  readonly histogramFreq: number;
  private readonly convention: Convention;
  private trainWriter: EventFileWriter | null = null;
  private valWriter: EventFileWriter | null = null;
  private batchesSeen = 0;
  private runningSums: Record<string, number> = {};
  private runningCount = 0;

  constructor(logdir: string, args: TensorBoardCallbackArgs | undefined, convention: ConventionName) {
    super();
    this.convention = CONVENTIONS[convention];
    const who = this.convention.factory;
    if (typeof logdir !== 'string' || logdir.length === 0) throw new TypeError(expected('a non-empty string', 'logdir', logdir));
    if (args === null || (args !== undefined && typeof args !== 'object')) {
      throw new TypeError(expected('an object {updateFreq, histogramFreq}', `${who} args`, args));
    }
    for (const key of Object.keys(args ?? {})) {
      if (key === 'updateFreq' || key === 'histogramFreq') continue;
      if (key in KERAS_ONLY_OPTIONS) {
        const value = (args as Record<string, unknown>)[key];
        if (value === KERAS_ONLY_OPTIONS[key] || value === undefined) continue;
        throw new Error(`${who}: the option ${key} is not implemented (updateFreq and histogramFreq are; ` +
          `${key}: ${JSON.stringify(KERAS_ONLY_OPTIONS[key])} is accepted)`);
      }
      throw new TypeError(`${who}: unknown option '${key}' (the options are updateFreq and histogramFreq)`);
    }
    const updateFreq = args?.updateFreq ?? 'epoch';
    if (updateFreq !== 'batch' && updateFreq !== 'epoch' && !isPositiveInteger(updateFreq)) {
      throw new TypeError(expected("'batch', 'epoch' or a positive integer", 'updateFreq', updateFreq));
    }
    this.logdir = logdir;
    this.updateFreq = updateFreq;
    this.histogramFreq = checkNonNegativeInteger(args?.histogramFreq ?? 0, 'histogramFreq');
    // Loads protobufjs now: a missing package is an error where the callback is made.
    loadEventType();
  }

  private get observed(): ObservedModel {
    return (this.model ?? {}) as unknown as ObservedModel;
  }

  /** Opens the training run's file: a folder that cannot be written fails fit here, before any step. */
  onTrainBegin(): void {
    if (this.convention.batchCountPerFit) this.batchesSeen = 0;
    this.trainWriter = this.openWriter('train');
  }

  onEpochBegin(): void {
    this.runningSums = {};
    this.runningCount = 0;
  }

  onBatchEnd(_batch: number, logs: Logs = {}): void {
    this.batchesSeen++;
    const size = logs.size ?? 1;
    let values: Logs = logs;
    if (this.convention.runningBatchMeans) {
      // Keras' batch logs are the epoch's metrics so far: sample-weighted means.
      this.runningCount += size;
      values = {};
      for (const [k, v] of Object.entries(logs)) {
        if (NOT_SCALARS.has(k)) continue;
        this.runningSums[k] = (this.runningSums[k] ?? 0) + v * size;
        values[k] = this.runningSums[k] / this.runningCount;
      }
    }
    if (this.updateFreq === 'epoch') return;
    const every = this.updateFreq === 'batch' ? 1 : this.updateFreq;
    if (this.batchesSeen % every !== 0) return;
    const scalars = Object.entries(values).filter(([k]) => !NOT_SCALARS.has(k));
    this.trainWriterNow().writeSummary(scalars.map(([k, v]) => this.convention.scalar(`batch_${k}`, v)), this.batchesSeen);
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const model = this.observed;
    const step = this.convention.epochStep(epoch);
    const train = Object.entries(logs).filter(([k]) => !k.startsWith('val_'));
    const val = Object.entries(logs).filter(([k]) => k.startsWith('val_')).map(([k, v]) => [k.slice(4), v] as const);
    if (model.optimizer !== undefined) train.push(['learning_rate', model.optimizer.learningRate]);
    const writer = this.trainWriterNow();
    // One event per value, as TensorFlow's summary ops write them.
    for (const [k, v] of train) writer.writeSummary([this.convention.scalar(`epoch_${k}`, v)], step);
    if (val.length > 0) {
      this.valWriter ??= this.openWriter(this.convention.validationFolder);
      if (this.convention.evaluationVsIterations && model.optimizer !== undefined) {
        for (const [k, v] of val) {
          this.valWriter.writeSummary([this.convention.scalar(`evaluation_${k}_vs_iterations`, v)], model.optimizer.iterations);
        }
      }
      for (const [k, v] of val) this.valWriter.writeSummary([this.convention.scalar(`epoch_${k}`, v)], step);
    }
    if (this.histogramFreq > 0 && epoch % this.histogramFreq === 0) this.logWeights(epoch);
    // Off the training path (See Note [Event writes off the training path] in writer.ts).
    writer.flushInBackground();
    this.valWriter?.flushInBackground();
  }

  /** Everything written is on disk when fit resolves. */
  async onTrainEnd(): Promise<void> {
    const writers = [this.trainWriter, this.valWriter].filter((w): w is EventFileWriter => w !== null);
    if (this.convention.closeAtTrainEnd) {
      this.trainWriter = null;
      this.valWriter = null;
      for (const w of writers) await w.close();
    } else {
      for (const w of writers) await w.flush();
    }
  }

  private logWeights(epoch: number): void {
    const model = this.observed;
    if (!Array.isArray(model.layers)) {
      throw new Error(`${this.convention.factory}: histogramFreq needs a model with layers (this one has none to read weights from)`);
    }
    const writer = this.trainWriterNow();
    for (const layer of model.layers) {
      for (const w of layer.weightVariables) {
        writer.writeSummary([this.convention.histogram(this.convention.histogramTag(model.name ?? 'model', w.name), w.value)], epoch);
      }
    }
  }

  private trainWriterNow(): EventFileWriter {
    // A hook called outside fit (by hand) still has somewhere to write.
    this.trainWriter ??= this.openWriter('train');
    return this.trainWriter;
  }

  private openWriter(run: string): EventFileWriter {
    return this.convention.openWriter(path.join(this.logdir, run));
  }
}

/** tn.node.tensorBoard(logdir, {updateFreq, histogramFreq}): logs as tfjs-node's tf.node.tensorBoard writes them. */
export function nodeTensorBoard(logdir = './logs', args?: TensorBoardCallbackArgs): TensorBoardCallback {
  return new TensorBoardCallback(logdir, args, 'tfjs-node');
}

/** tn.callbacks.tensorBoard(logdir, {updateFreq, histogramFreq}): logs as Keras 3's TensorBoard callback writes them. */
export function kerasTensorBoard(logdir = 'logs', args?: TensorBoardCallbackArgs): TensorBoardCallback {
  return new TensorBoardCallback(logdir, args, 'keras');
}
