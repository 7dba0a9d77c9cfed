// tn.sequential: a linear stack of layers (Keras' / TensorFlow.js' Sequential).
import { expected, shapeString } from '../errors';
import { Layer, LayerVariable } from '../layers/layer';
import { DType, Tensor } from '../tensor';
import { summaryLines } from './summary';
import {
  Compiled, History, ModelCompileArgs, ModelEvaluateArgs, ModelFitArgs, ModelPredictArgs, TrainableGraph, compileModel,
  evaluateModel, fitModel, predictModel, trainOnBatchModel,
} from './training';
import { Dataset, isDataset } from '../data/dataset';
import {
  ModelEvaluateDatasetArgs, ModelFitDatasetArgs, ModelPredictDatasetArgs, evaluateDatasetModel, fitDatasetModel, predictDatasetModel,
} from './dataset_training';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

let sequentialCount = 0;

export class Sequential implements TrainableGraph {
  readonly name: string;
  readonly layers: Layer[] = [];
  stopTraining = false;
  isTraining = false;
  private compiled: Compiled | null = null;
  private builtInputShape?: number[];

  constructor(args: SequentialArgs = {}) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object {layers, name}', 'sequential(args)', args));
    this.name = args.name ?? (sequentialCount++ === 0 ? 'sequential' : `sequential_${sequentialCount - 1}`);
    if (args.layers !== undefined) {
      if (!Array.isArray(args.layers)) throw new TypeError(expected('an array of layers', 'layers', args.layers));
      args.layers.forEach((l) => this.add(l));
    }
  }

  /** Appends a layer; builds it at once when the input shape is known (so summary() works). */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new TypeError(expected('a Layer (e.g. tn.layers.dense({units: 10}))', 'layer', layer));
    if (this.layers.includes(layer)) throw new Error(`Layer ${layer.name} is already in model ${this.name}`);
    if (this.layers.length === 0) {
      if (layer.declaredInputShape) this.buildFrom(layer, layer.declaredInputShape);
    } else if (this.builtInputShape) {
      const previous = this.layers[this.layers.length - 1].builtOutputShape!;
      // Keras ignores an input shape given to a later layer; one that contradicts the model is an error here.
      const declared = layer.declaredInputShape;
      if (declared && (declared.length !== previous.length || declared.some((d, i) => d !== previous[i]))) {
        throw new RangeError(`Layer ${layer.name} declares inputShape ${shapeString([null, ...declared])} but the layer before it ` +
          `in model ${this.name} outputs ${shapeString([null, ...previous])}`);
      }
      this.buildFrom(layer, previous);
    } else if (layer.declaredInputShape) {
      throw new Error(`Only the first layer of a Sequential model takes an inputShape; layer ${layer.name} has one`);
    }
    this.layers.push(layer);
    if (this.layers.length === 1 && layer.declaredInputShape) this.builtInputShape = layer.declaredInputShape.slice();
  }

  private buildFrom(layer: Layer, inputShape: number[]): void {
    layer.ensureBuilt(inputShape);
  }

  /** Builds every layer for a batch-less input shape (done on first fit/predict if needed). */
  ensureBuilt(inputShape: number[]): void {
    if (this.layers.length === 0) throw new Error(`Model ${this.name} has no layers; add some with model.add(layer)`);
    if (this.builtInputShape) return;
    let shape = inputShape;
    for (const layer of this.layers) {
      layer.ensureBuilt(shape);
      shape = layer.builtOutputShape!;
    }
    this.builtInputShape = inputShape.slice();
  }

  inputShape(): number[] | undefined {
    return this.builtInputShape;
  }

  inputDtype(): DType {
    return this.layers.length > 0 ? this.layers[0].inputDtype : 'float32';
  }

  outputShape(): number[] {
    const last = this.layers[this.layers.length - 1];
    if (!last?.builtOutputShape) throw new Error(`Model ${this.name} is not built yet: give the first layer an inputShape`);
    return last.builtOutputShape;
  }

  outputLayer(): Layer {
    return this.layers[this.layers.length - 1];
  }

  /** The variables training updates, read from each layer's `trainable` now (never cached). */
  trainableVariables(): LayerVariable[] {
    return this.layers.flatMap((l) => l.trainableVariables);
  }

  forwardBatch(x: Tensor, training: boolean): Tensor {
    let h = x;
    let mask: Tensor | null = null;
    for (const layer of this.layers) {
      const input = h;
      h = layer.forward(input, training, mask);
      mask = layer.computeMask(input, mask);
    }
    return h;
  }

  backwardBatch(dy: Tensor, dyIsPreActivation: boolean): void {
    // Layers before the first one with trainable weights need no backward at all.
    const first = this.layers.findIndex((l) => l.trainableVariables.length > 0);
    if (first < 0) return;
    let g: Tensor | null = dy;
    for (let i = this.layers.length - 1; i >= first && g !== null; i--) {
      g = this.layers[i].backward(g, i > first, dyIsPreActivation && i === this.layers.length - 1);
    }
  }

  compile(args: ModelCompileArgs): void {
    this.compiled = compileModel(this, args);
  }

  get optimizer() {
    return this.compiled?.optimizer;
  }

  /** fit(x, y, args) on tensors, or fit(dataset, args) on a tn.data Dataset of [x, y] batches (as Keras). */
  fit(x: Tensor, y: Tensor, args?: ModelFitArgs): Promise<History>;
  fit(dataset: Dataset<unknown>, args?: ModelFitDatasetArgs): Promise<History>;
  fit(x: Tensor | Dataset<unknown>, y?: Tensor | ModelFitDatasetArgs, args?: ModelFitArgs): Promise<History> {
    if (isDataset(x)) return (async () => fitDatasetModel(this, this.compiled, x, datasetArgs(y, args, 'fit'), 'fit'))();
    return fitModel(this, this.compiled, x, y as Tensor, args);
  }

  /** evaluate(x, y, args) on tensors, or evaluate(dataset, args) on a Dataset of [x, y] batches (as Keras). */
  evaluate(x: Tensor, y: Tensor, args?: ModelEvaluateArgs): Promise<Tensor | Tensor[]>;
  evaluate(dataset: Dataset<unknown>, args?: ModelEvaluateDatasetArgs): Promise<Tensor | Tensor[]>;
  evaluate(x: Tensor | Dataset<unknown>, y?: Tensor | ModelEvaluateDatasetArgs, args?: ModelEvaluateArgs): Promise<Tensor | Tensor[]> {
    if (isDataset(x)) return (async () => evaluateDatasetModel(this, this.compiled, x, datasetArgs(y, args, 'evaluate'), 'evaluate'))();
    return evaluateModel(this, this.compiled, x, y as Tensor, args);
  }

  /** TensorFlow.js' fitDataset: trains on a Dataset of {xs, ys} (or [x, y]) batches. */
  fitDataset(dataset: Dataset<unknown>, args?: ModelFitDatasetArgs): Promise<History> {
    return fitDatasetModel(this, this.compiled, dataset, args, 'fitDataset');
  }

  /** TensorFlow.js' evaluateDataset: [loss, ...metrics] over a Dataset of batches. */
  evaluateDataset(dataset: Dataset<unknown>, args?: ModelEvaluateDatasetArgs): Promise<Tensor | Tensor[]> {
    return evaluateDatasetModel(this, this.compiled, dataset, args, 'evaluateDataset');
  }

  /** predict(x) on a tensor; predict(dataset) (as Keras) resolves to the outputs of all its batches. */
  predict(x: Tensor, args?: ModelPredictArgs): Tensor;
  predict(dataset: Dataset<unknown>, args?: ModelPredictDatasetArgs): Promise<Tensor>;
  predict(x: Tensor | Dataset<unknown>, args?: ModelPredictArgs | ModelPredictDatasetArgs): Tensor | Promise<Tensor> {
    if (isDataset(x)) return predictDatasetModel(this, x, args);
    return predictModel(this, x, args as ModelPredictArgs);
  }

  trainOnBatch(x: Tensor, y: Tensor): number | number[] {
    return trainOnBatchModel(this, this.compiled, x, y);
  }

  summary(lineLength?: number, positions?: number[], printFn: (line: string) => void = console.log): void {
    if (this.layers.length === 0) throw new Error(`Model ${this.name} has no layers to summarize`);
    if (!this.builtInputShape) {
      throw new Error(`Model ${this.name} is not built yet: give the first layer an inputShape, or call fit/predict first`);
    }
    for (const line of summaryLines(this.name, this.layers, lineLength, positions)) printFn(line);
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  getWeights(): Tensor[] {
    return this.layers.flatMap((l) => l.getWeights());
  }

  setWeights(weights: Tensor[]): void {
    const total = this.layers.reduce((n, l) => n + l.weightVariables.length, 0);
    if (!Array.isArray(weights) || weights.length !== total) {
      throw new RangeError(`Model ${this.name} expects ${total} weight tensors but received ${Array.isArray(weights) ? weights.length : typeof weights}`);
    }
    let i = 0;
    for (const l of this.layers) {
      const n = l.weightVariables.length;
      l.setWeights(weights.slice(i, i + n));
      i += n;
    }
  }

  toString(): string {
    return `Sequential(${this.name}: ${this.layers.map((l) => `${l.name} ${shapeString([null, ...(l.builtOutputShape ?? [])])}`).join(' -> ')})`;
  }

  // ---- save and load: thin delegations into lib/io -------------------------------------------

  /** tfjs' model.save: 'file://dir' (model.json + weights), 'file://m.keras' (Keras 3), or an IOHandler. */
  save(handlerOrURL: string | import('../io/types').IOHandler, config?: import('../io/types').SaveConfig): Promise<import('../io/types').SaveResult> {
    return (require('../io/model_io') as typeof import('../io/model_io')).saveModel(this as never, handlerOrURL, config, this.compiled);
  }

  /** The weights alone: 'file://w.safetensors'. */
  saveWeights(url: string): Promise<void> {
    return (require('../io') as typeof import('../io')).saveWeights(this, url);
  }

  /** Loads weights saved by saveWeights; every name, dtype and shape is checked before any is set. */
  loadWeights(url: string, options?: { strict?: boolean }): Promise<void> {
    return (require('../io') as typeof import('../io')).loadWeights(this, url, options);
  }
}

export function sequential(args?: SequentialArgs): Sequential {
  return new Sequential(args);
}

/** fit(dataset, args) / evaluate(dataset, args): the options come second (a Keras y is not allowed). */
function datasetArgs(y: unknown, args: unknown, what: string): unknown {
  if (y instanceof Tensor) throw new TypeError(`${what}: y must not be given when x is a Dataset (the dataset yields [x, y] batches)`);
  if (y !== undefined && y !== null && args !== undefined) throw new TypeError(`${what}(dataset, args) takes its options as the second argument`);
  return y ?? args;
}
