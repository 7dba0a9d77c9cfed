// tn.callbacks.modelCheckpoint: Keras' ModelCheckpoint. Saves the model (or its weights) every
// epoch or every saveFreq batches, optionally only when `monitor` improved, to a path that may
// hold Keras placeholders: 'ckpt/{epoch:02d}-{val_loss:.2f}.keras'. Each save is atomic
// (Note [Atomic saves]), so a run killed mid-save keeps its last checkpoint.
import { Callback, Logs } from '../callbacks';
import { checkBoolean, checkOneOf, expected, isPositiveInteger } from '../errors';
import type { SaveConfig } from './types';

export interface ModelCheckpointArgs {
  /** 'file://dir', 'file://m.keras', a plain path, or (saveWeightsOnly) '….safetensors'; may hold {epoch}, {batch}, {loss:.4f}, … */
  filepath: string;
  /** Default 'val_loss'. */
  monitor?: string;
  mode?: 'auto' | 'min' | 'max';
  saveBestOnly?: boolean;
  saveWeightsOnly?: boolean;
  /** 'epoch' (default) or a number of batches. */
  saveFreq?: 'epoch' | number;
  /** Passed to model.save (includeOptimizer). */
  includeOptimizer?: boolean;
  /** With saveBestOnly: the value to beat at first. */
  initialValueThreshold?: number;
  verbose?: 0 | 1;
}

interface SavingModel {
  save(url: string, config?: SaveConfig): Promise<unknown>;
  saveWeights(url: string): Promise<void>;
}

const KNOWN = ['filepath', 'monitor', 'mode', 'saveBestOnly', 'saveWeightsOnly', 'saveFreq', 'includeOptimizer', 'initialValueThreshold', 'verbose'];

/** Python-style formatting of one placeholder: {epoch}, {epoch:02d}, {val_loss:.2f}, {loss:e}. */
export function formatFilepath(template: string, values: Record<string, number>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g, (_m, key: string, spec: string | undefined) => {
    const v = values[key];
    if (v === undefined) throw new Error(`modelCheckpoint: filepath placeholder {${key}} has no value (known now: ${Object.keys(values).join(', ')})`);
    if (spec === undefined || spec === '') return String(v);
    const m = /^(0?)(\d*)(?:\.(\d+))?([dfegs]?)$/.exec(spec);
    if (!m) throw new Error(`modelCheckpoint: format spec '${spec}' of {${key}} is not supported (use d, .Nf, .Ne or widths such as 02d)`);
    const [, zero, width, prec, type] = m;
    let s: string;
    if (type === 'd') s = String(Math.round(v));
    else if (type === 'e') s = v.toExponential(prec === undefined ? 6 : Number(prec)).replace(/e([+-])(\d)$/, 'e$10$2');
    else if (type === 'f' || prec !== undefined) s = v.toFixed(prec === undefined ? 6 : Number(prec));
    else s = String(v);
    if (width) s = s.padStart(Number(width), zero ? '0' : ' ');
    if (zero && width && s.startsWith('0') && v < 0) s = '-' + s.slice(1).replace('-', '0');
    return s;
  });
}

export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly saveFreq: 'epoch' | number;
  readonly includeOptimizer: boolean;
  readonly verbose: 0 | 1;
  private readonly better: (current: number, best: number) => boolean;
  private best: number;
  private epoch = 0;
  private batchesSinceSave = 0;
  /** Paths written, in order. */
  readonly saved: string[] = [];

  constructor(args: ModelCheckpointArgs) {
    super();
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object {filepath, …}', 'modelCheckpoint(args)', args));
    for (const k of Object.keys(args)) if (!KNOWN.includes(k)) throw new TypeError(`modelCheckpoint: option ${k} is not known (${KNOWN.join(', ')})`);
    if (typeof args.filepath !== 'string' || args.filepath.length === 0) throw new TypeError(expected('a non-empty string', 'filepath', args.filepath));
    this.filepath = args.filepath.startsWith('file://') ? args.filepath : `file://${args.filepath}`;
    this.monitor = args.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string') throw new TypeError(expected('a string', 'monitor', args.monitor));
    const mode = checkOneOf(args.mode ?? 'auto', 'mode', ['auto', 'min', 'max'] as const);
    const maximize = mode === 'max' || (mode === 'auto' && /acc|auc|precision|recall|^fmeasure/.test(this.monitor));
    this.better = maximize ? (c, b) => c > b : (c, b) => c < b;
    this.saveBestOnly = args.saveBestOnly === undefined ? false : checkBoolean(args.saveBestOnly, 'saveBestOnly');
    this.saveWeightsOnly = args.saveWeightsOnly === undefined ? false : checkBoolean(args.saveWeightsOnly, 'saveWeightsOnly');
    this.includeOptimizer = args.includeOptimizer === undefined ? false : checkBoolean(args.includeOptimizer, 'includeOptimizer');
    if (this.saveWeightsOnly && this.includeOptimizer) throw new TypeError('modelCheckpoint: includeOptimizer cannot be used with saveWeightsOnly');
    const f = args.saveFreq ?? 'epoch';
    if (f !== 'epoch' && !isPositiveInteger(f)) throw new TypeError(expected("'epoch' or a positive integer (batches)", 'saveFreq', f));
    this.saveFreq = f;
    this.verbose = args.verbose === undefined ? 0 : (checkOneOf(String(args.verbose), 'verbose', ['0', '1'] as const) === '1' ? 1 : 0);
    if (this.saveWeightsOnly && !/\.safetensors$/.test(this.filepath)) {
      throw new TypeError(expected("a filepath ending in .safetensors (saveWeightsOnly writes safetensors)", 'filepath', args.filepath));
    }
    this.best = args.initialValueThreshold ?? (maximize ? -Infinity : Infinity);
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  async onBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    if (++this.batchesSinceSave < this.saveFreq) return;
    this.batchesSinceSave = 0;
    await this.maybeSave({ ...logs, epoch: this.epoch + 1, batch: batch + 1 });
  }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq !== 'epoch') return;
    await this.maybeSave({ ...logs, epoch: epoch + 1 });
  }

  private async maybeSave(values: Record<string, number>): Promise<void> {
    const model = this.model as unknown as SavingModel | null;
    if (model === null || typeof model.save !== 'function') throw new Error('modelCheckpoint: the callback is not attached to a model that can be saved');
    if (this.saveBestOnly) {
      const current = values[this.monitor];
      if (current === undefined) {
        throw new Error(`modelCheckpoint monitors '${this.monitor}' but the logs have only ${Object.keys(values).join(', ')}`);
      }
      if (!this.better(current, this.best)) return;
      this.best = current;
    }
    const url = formatFilepath(this.filepath, values);
    if (this.saveWeightsOnly) await model.saveWeights(url);
    else await model.save(url, this.includeOptimizer ? { includeOptimizer: true } : undefined);
    this.saved.push(url);
    if (this.verbose) console.log(`modelCheckpoint: saved ${url}${this.saveBestOnly ? ` (${this.monitor} ${values[this.monitor]})` : ''}`);
  }
}
