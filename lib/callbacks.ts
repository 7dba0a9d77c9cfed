// Callbacks with TensorFlow.js' hooks: an object with any of onTrainBegin, onTrainEnd,
// onEpochBegin, onEpochEnd, onBatchBegin, onBatchEnd (each may be async), or a Callback
// subclass such as earlyStopping or CustomCallback. Logs are plain {key: number} objects.
import { checkBoolean, checkNonNegativeInteger, checkOneOf, expected } from './errors';
import type { Tensor } from './tensor';
import type { TensorBoardCallback, TensorBoardCallbackArgs } from './tensorboard/callback';
import type { ModelCheckpoint, ModelCheckpointArgs } from './io/checkpoint';

export type Logs = Record<string, number>;

export interface CallbackHooks {
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

/** What callbacks may do to the model being trained. */
export interface TrainingModel {
  stopTraining: boolean;
  /** True while a fit() of this model runs; a second fit() or trainOnBatch() meanwhile is an error. */
  isTraining: boolean;
  /** Copies of every weight, in the model's order (earlyStopping's restoreBestWeights keeps them). */
  getWeights(): Tensor[];
  /** Sets every weight from tensors of the weights' shapes (values are copied). */
  setWeights(weights: Tensor[]): void;
}

export abstract class Callback {
  model: TrainingModel | null = null;
  setModel(model: TrainingModel): void {
    this.model = model;
  }
}

export interface EarlyStoppingArgs {
  /** The log key to watch (default 'val_loss'). */
  monitor?: string;
  /** The least change that counts as an improvement (its absolute value is used). */
  minDelta?: number;
  /** Epochs without improvement after which training stops (default 0). */
  patience?: number;
  /** 0: silent (default); 1: a line when training stops early and when weights are restored. */
  verbose?: number;
  /** 'min', 'max', or 'auto' (from the monitor's name: losses and errors go down, accuracies up). */
  mode?: 'auto' | 'min' | 'max';
  /** A value the monitor must beat: until it does, epochs count towards patience even when they improve. */
  baseline?: number;
  /** At the end of training, set the weights of the best epoch (Keras 3: also when it did not stop early). */
  restoreBestWeights?: boolean;
  /** Epochs to run before any improvement is looked for (a warm-up), default 0. */
  startFromEpoch?: number;
}

const EARLY_STOPPING_KEYS = ['monitor', 'minDelta', 'patience', 'verbose', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch'];

// How mode 'auto' reads a monitor's name (after 'val_'), as Keras' metric directions.
const GOES_UP = /acc|auc|precision|recall|fmeasure|r2/i;
const GOES_DOWN = /loss|error|^(mse|mae|mape|msle)$|crossentropy|hinge/i;

/**
 * Stops training when `monitor` (default 'val_loss') has not improved for `patience` epochs,
 * with Keras 3's rules: an epoch improves when it beats the best so far by more than
 * minDelta; every epoch that does not beat both the best and the baseline counts towards
 * patience; training stops when patience epochs have counted (never after the first epoch);
 * with restoreBestWeights the best epoch's weights are put back when training ends.
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: 'auto' | 'min' | 'max';
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  private readonly maximize: boolean;
  /** Epochs counted towards patience. */
  wait = 0;
  /** The epoch training was stopped at (0: it was not stopped). */
  stoppedEpoch = 0;
  /** The best monitored value so far (null before the first). */
  best: number | null = null;
  bestEpoch = 0;
  /** The weights at the end of the best epoch (with restoreBestWeights). */
  bestWeights: Tensor[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeError(expected('an object', 'earlyStopping(args)', args));
    for (const key of Object.keys(args)) {
      if (!EARLY_STOPPING_KEYS.includes(key)) {
        throw new TypeError(`earlyStopping: unknown option '${key}'; the options are ${EARLY_STOPPING_KEYS.join(', ')}`);
      }
    }
    this.monitor = args.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string' || this.monitor.length === 0) throw new TypeError(expected('a non-empty string', 'earlyStopping({monitor})', args.monitor));
    const minDelta = args.minDelta ?? 0;
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta)) throw new TypeError(expected('a finite number', 'earlyStopping({minDelta})', minDelta));
    this.minDelta = Math.abs(minDelta);
    this.patience = checkNonNegativeInteger(args.patience ?? 0, 'earlyStopping({patience})');
    this.verbose = checkNonNegativeInteger(args.verbose ?? 0, 'earlyStopping({verbose})');
    this.mode = checkOneOf(args.mode ?? 'auto', 'earlyStopping({mode})', ['auto', 'min', 'max'] as const);
    if (args.baseline !== undefined && args.baseline !== null && (typeof args.baseline !== 'number' || Number.isNaN(args.baseline))) {
      throw new TypeError(expected('a number', 'earlyStopping({baseline})', args.baseline));
    }
    this.baseline = args.baseline ?? null;
    this.restoreBestWeights = args.restoreBestWeights === undefined ? false : checkBoolean(args.restoreBestWeights, 'earlyStopping({restoreBestWeights})');
    this.startFromEpoch = checkNonNegativeInteger(args.startFromEpoch ?? 0, 'earlyStopping({startFromEpoch})');
    if (this.mode === 'auto') {
      const name = this.monitor.replace(/^val_/, '');
      if (GOES_UP.test(name)) this.maximize = true;
      else if (GOES_DOWN.test(name)) this.maximize = false;
      else {
        throw new TypeError(`earlyStopping: cannot tell whether monitor '${this.monitor}' should go up or down; ` +
          "pass mode: 'max' or mode: 'min'");
      }
    } else {
      this.maximize = this.mode === 'max';
    }
  }

  /** Keras' _is_improvement: beats `reference` by more than minDelta (anything beats null). */
  private isImprovement(current: number, reference: number | null): boolean {
    if (reference === null) return true;
    return this.maximize ? current - this.minDelta > reference : current + this.minDelta < reference;
  }

  onTrainBegin(): void {
    // Reset, so one callback serves several fit() calls (as Keras).
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestEpoch = 0;
    this.bestWeights = null;
    if (this.restoreBestWeights && (this.model === null || typeof this.model.getWeights !== 'function' ||
      typeof this.model.setWeights !== 'function')) {
      throw new TypeError('earlyStopping: restoreBestWeights needs a model with getWeights() and setWeights()');
    }
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      throw new Error(`earlyStopping monitors '${this.monitor}' but the logs have only ${Object.keys(logs).join(', ')}`);
    }
    if (epoch < this.startFromEpoch) return;
    // The first epoch looked at is the best so far.
    if (this.restoreBestWeights && this.bestWeights === null) {
      this.bestWeights = this.model!.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model!.getWeights();
      // Patience restarts only when the epoch beats both the best so far and the baseline.
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0 && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null && this.model) {
      if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model.setWeights(this.bestWeights);
    }
  }
}

/** tfjs' CustomCallbackArgs: the hooks, and onYield (called where fit yields to the event loop). */
export interface CustomCallbackArgs extends CallbackHooks {
  onYield?(epoch: number, batch: number, logs?: Logs): void | Promise<void>;
}

const CUSTOM_CALLBACK_KEYS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'onYield'];

/**
 * tfjs' tf.CustomCallback: a Callback made of hook functions (each may be async; `this` is the
 * callback, so this.model is the model being trained). fit yields to the event loop after
 * every batch, so onYield runs after each onBatchEnd (tfjs' yieldEvery 'batch'; 'auto', its
 * default, is taken to mean the same).
 */
export class CustomCallback extends Callback {
  private readonly args: CustomCallbackArgs;
  private epoch = 0;

  constructor(args: CustomCallbackArgs, yieldEvery?: 'auto' | 'batch') {
    super();
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeError(expected('an object of hooks', 'CustomCallback(args)', args));
    for (const [key, fn] of Object.entries(args)) {
      if (!CUSTOM_CALLBACK_KEYS.includes(key)) {
        throw new TypeError(`CustomCallback: unknown option '${key}'; the options are ${CUSTOM_CALLBACK_KEYS.join(', ')}`);
      }
      if (fn !== undefined && typeof fn !== 'function') throw new TypeError(expected('a function', `CustomCallback({${key}})`, fn));
    }
    if (yieldEvery !== undefined && yieldEvery !== 'auto' && yieldEvery !== 'batch') {
      throw new TypeError(expected("'auto' or 'batch' (fit yields after every batch)", 'CustomCallback(yieldEvery)', yieldEvery));
    }
    this.args = { ...args };
  }

  async onTrainBegin(logs?: Logs): Promise<void> {
    await this.args.onTrainBegin?.call(this, logs);
  }

  async onTrainEnd(logs?: Logs): Promise<void> {
    await this.args.onTrainEnd?.call(this, logs);
  }

  async onEpochBegin(epoch: number, logs?: Logs): Promise<void> {
    this.epoch = epoch;
    await this.args.onEpochBegin?.call(this, epoch, logs);
  }

  async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    await this.args.onEpochEnd?.call(this, epoch, logs);
  }

  async onBatchBegin(batch: number, logs?: Logs): Promise<void> {
    await this.args.onBatchBegin?.call(this, batch, logs);
  }

  async onBatchEnd(batch: number, logs?: Logs): Promise<void> {
    await this.args.onBatchEnd?.call(this, batch, logs);
    await this.args.onYield?.call(this, this.epoch, batch, logs);
  }
}

export const callbacks = {
  earlyStopping: (args?: EarlyStoppingArgs) => new EarlyStopping(args),
  /** TensorBoard logs as Keras 3 writes them (lib/tensorboard/callback.ts); required here, not at load, as it extends Callback. */
  tensorBoard: (logdir?: string, args?: TensorBoardCallbackArgs): TensorBoardCallback =>
    (require('./tensorboard/callback') as typeof import('./tensorboard/callback')).kerasTensorBoard(logdir, args),
  /** Keras' ModelCheckpoint (lib/io/checkpoint.ts); required here, not at load, as it extends Callback. */
  modelCheckpoint: (args: ModelCheckpointArgs): ModelCheckpoint =>
    new (require('./io/checkpoint') as typeof import('./io/checkpoint')).ModelCheckpoint(args),
};

/** Runs a hook on every callback in order, awaiting each. */
export async function runHooks(list: CallbackHooks[], hook: keyof CallbackHooks, ...args: unknown[]): Promise<void> {
  for (const cb of list) {
    const fn = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (fn) await fn.apply(cb, args);
  }
}
