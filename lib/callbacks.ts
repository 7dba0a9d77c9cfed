// Callbacks with TensorFlow.js' hooks: an object with any of onTrainBegin, onTrainEnd,
// onEpochBegin, onEpochEnd, onBatchBegin, onBatchEnd (each may be async), or a Callback
// subclass such as earlyStopping. Logs are plain {key: number} objects.
import { checkNonNegativeInteger, checkOneOf, expected } from './errors';
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
}

export abstract class Callback {
  model: TrainingModel | null = null;
  setModel(model: TrainingModel): void {
    this.model = model;
  }
}

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: 'auto' | 'min' | 'max';
  baseline?: number;
}

/** Stops training when `monitor` (default 'val_loss') has not improved for `patience` epochs. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  private readonly better: (current: number, best: number) => boolean;
  private best = NaN;
  private wait = 0;
  stoppedEpoch = -1;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string') throw new TypeError(expected('a string', 'monitor', args.monitor));
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = checkNonNegativeInteger(args.patience ?? 0, 'patience');
    const mode = checkOneOf(args.mode ?? 'auto', 'mode', ['auto', 'min', 'max'] as const);
    const maximize = mode === 'max' || (mode === 'auto' && /acc/.test(this.monitor));
    this.better = maximize ? (c, b) => c - this.minDelta > b : (c, b) => c + this.minDelta < b;
    if (args.baseline !== undefined) this.best = args.baseline;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = -1;
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      throw new Error(`earlyStopping monitors '${this.monitor}' but the logs have only ${Object.keys(logs).join(', ')}`);
    }
    if (Number.isNaN(this.best) || this.better(current, this.best)) {
      this.best = current;
      this.wait = 0;
      return;
    }
    if (++this.wait > this.patience && this.model) {
      this.model.stopTraining = true;
      this.stoppedEpoch = epoch;
    }
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
