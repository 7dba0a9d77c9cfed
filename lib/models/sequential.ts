// tn.sequential: a linear stack of layers (Keras' / TensorFlow.js' Sequential).
import { expected, shapeString } from '../errors';
import { prepareInputs } from './training';
import { Layer, LayerVariable } from '../layers/layer';
import { DType, Tensor, checkTensor } from '../tensor';
import { summaryLines } from './summary';
import {
  Compiled, History, ModelEvaluateArgs, ModelFitArgs, ModelPredictArgs, TrainableGraph, checkNotTraining, compileModel, fastStepper,
  predictModel,
} from './training';
import { GraphCompileArgs, GraphCompiled, GraphModel, compileGraph, predictGraph, tapeStepper } from './graph_training';
import { Stepper, checkKeys, evaluateWithStepper, fitWithStepper } from './fit_loop';
import { resolveOptimizer } from '../optimizers';
import { checkPositiveInteger } from '../errors';
import { Dataset, isDataset } from '../data/dataset';
import {
  ModelEvaluateDatasetArgs, ModelFitDatasetArgs, ModelPredictDatasetArgs, evaluateDatasetModel, fitDatasetModel, predictDatasetModel,
} from './dataset_training';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

let sequentialCount = 0;

export class Sequential implements TrainableGraph, GraphModel {
  readonly name: string;
  readonly layers: Layer[] = [];
  stopTraining = false;
  isTraining = false;
  /** The hand-written-backward path's compiled state; null when compile asked for what only the tape does. */
  private compiled: Compiled | null = null;
  /** compile's arguments (optimizer resolved), for the tape path's compiled state, made when first needed. */
  private compileArgs: GraphCompileArgs | null = null;
  private graphCompiled: GraphCompiled | null = null;
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

  /** compile({optimizer, loss, metrics, lossWeights}): loss and metrics by name or as functions (yTrue, yPred) => Tensor. */
  compile(args: GraphCompileArgs): void {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object {optimizer, loss, metrics}', 'compile(args)', args));
    checkKeys(args, ['optimizer', 'loss', 'lossWeights', 'metrics'], 'compile');
    const optimizer = resolveOptimizer(args.optimizer);
    const compileArgs: GraphCompileArgs = { ...args, optimizer };
    const simple = typeof args.loss === 'string' && args.lossWeights === undefined &&
      (args.metrics === undefined || typeof args.metrics === 'string' || (Array.isArray(args.metrics) && args.metrics.every((m) => typeof m === 'string')));
    let compiled: Compiled | null = null;
    let fastError: unknown = null;
    if (simple) {
      try {
        compiled = compileModel(this, { optimizer, loss: args.loss as string, metrics: args.metrics as string | string[] | undefined });
      } catch (e) {
        fastError = e;  // a metric only the tape path has (or a bad name: the tape path says which)
      }
    }
    // The tape path's compiled state checks every loss and metric now when the model is built
    // (else at the first fit, when the output shape is known); a compile that throws changes nothing.
    if (fastError !== null && !this.builtInputShape) throw fastError;
    const graphCompiled = this.builtInputShape !== undefined ? this.compileForTape(compileArgs) : null;
    this.compileArgs = compileArgs;
    this.compiled = compiled;
    this.graphCompiled = graphCompiled;
  }

  get optimizer() {
    return this.compileArgs?.optimizer as import('../optimizers').Optimizer | undefined;
  }

  private compileForTape(args: GraphCompileArgs): GraphCompiled {
    if (!this.builtInputShape) {
      throw new Error(`Model ${this.name} is not built yet: give the first layer an inputShape (compile needs the output shape for these losses/metrics)`);
    }
    return compileGraph(this, args);
  }

  private compiledForTape(): GraphCompiled {
    if (this.compileArgs === null) throw new Error('You must compile a model before training it: model.compile({optimizer, loss})');
    if (this.graphCompiled === null) this.graphCompiled = this.compileForTape(this.compileArgs);
    return this.graphCompiled;
  }

  /** Note [Two step runners] (graph_training.ts): whether the hand-written backward path can train this model. */
  private fastPathFits(sampleWeight: unknown, classWeight: unknown): boolean {
    if (this.compiled === null) return false;
    if ((sampleWeight !== undefined && sampleWeight !== null) || (classWeight !== undefined && classWeight !== null)) return false;
    return this.layers.every((l) => l.hasBackward() && l.activityRegularizer === null &&
      l.weightVariables.every((v) => v.regularizer === null && v.constraint === null));
  }

  private stepperFor(x: unknown, sampleWeight?: unknown, classWeight?: unknown): Stepper {
    if (this.compileArgs === null) throw new Error('You must compile a model before training it: model.compile({optimizer, loss})');
    if (!this.builtInputShape && x instanceof Tensor && x.rank >= 1) this.ensureBuilt(x.shape.slice(1));
    if (this.fastPathFits(sampleWeight, classWeight)) return fastStepper(this, this.compiled!);
    return tapeStepper(this, this.compiledForTape());
  }

  /** fit(x, y, args) on tensors, or fit(dataset, args) on a tn.data Dataset of [x, y] batches (as Keras). */
  fit(x: Tensor, y: Tensor, args?: ModelFitArgs): Promise<History>;
  fit(dataset: Dataset<unknown>, args?: ModelFitDatasetArgs): Promise<History>;
  fit(x: Tensor | Dataset<unknown>, y?: Tensor | ModelFitDatasetArgs, args?: ModelFitArgs): Promise<History> {
    if (isDataset(x)) return (async () => fitDatasetModel(this, this.datasetCompiled(), x, datasetArgs(y, args, 'fit'), 'fit'))();
    return (async () => fitWithStepper(this, this.stepperFor(x, args?.sampleWeight, args?.classWeight), x, y, args ?? {}))();
  }

  private datasetCompiled(): Compiled | null {
    if (this.compileArgs !== null && this.compiled === null) {
      throw new Error('Training on a Dataset takes the built-in losses and metrics by name so far; this model was compiled with a custom loss or metric');
    }
    if (this.compiled !== null && !this.layers.every((l) => l.hasBackward())) {
      throw new Error('Training on a Dataset takes built-in layers only so far (a layer of this model has no hand-written backward)');
    }
    return this.compiled;
  }

  /**
   * evaluate(x, y, args) on tensors: synchronous, as tfjs: a Scalar (the loss) or [loss, ...metrics]
   * Scalars. evaluate(dataset, args) resolves to the same (as Keras; tfjs' evaluateDataset).
   */
  evaluate(x: Tensor, y: Tensor, args?: ModelEvaluateArgs): Tensor | Tensor[];
  evaluate(dataset: Dataset<unknown>, args?: ModelEvaluateDatasetArgs): Promise<Tensor | Tensor[]>;
  evaluate(x: Tensor | Dataset<unknown>, y?: Tensor | ModelEvaluateDatasetArgs, args?: ModelEvaluateArgs): Tensor | Tensor[] | Promise<Tensor | Tensor[]> {
    if (isDataset(x)) return (async () => evaluateDatasetModel(this, this.datasetCompiled(), x, datasetArgs(y, args, 'evaluate'), 'evaluate'))();
    if (this.compileArgs === null) throw new Error('You must compile a model before evaluating it: model.compile({optimizer, loss})');
    return evaluateWithStepper(this.stepperFor(x, args?.sampleWeight), x, y, args ?? {});
  }

  /** Keras' evaluate as a Promise (what tn's evaluate returned before it became synchronous as tfjs'). */
  async evaluateAsync(x: Tensor, y: Tensor, args?: ModelEvaluateArgs): Promise<Tensor | Tensor[]> {
    return this.evaluate(x, y, args);
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
    if (this.layers.every((l) => l.hasBackward())) return predictModel(this, x, args as ModelPredictArgs);
    const a = (args ?? {}) as ModelPredictArgs;
    checkKeys(a, ['batchSize', 'verbose'], 'predict');
    const batchSize = a.batchSize === undefined ? 32 : checkPositiveInteger(a.batchSize, 'batchSize');
    const xt = prepareInputs(this, checkTensor(x, 'x'), 'x');
    return predictGraph(this, [xt], batchSize)[0];
  }

  /** One training step on one batch; returns the loss, or [loss, ...metrics]. */
  trainOnBatch(x: Tensor, y: Tensor): number | number[] {
    checkNotTraining(this, 'trainOnBatch');
    const stepper = this.stepperFor(x);
    const r = stepper.step(stepper.prepare(x, y, ''), true);
    return r.metrics.length === 0 ? r.loss : [r.loss, ...r.metrics];
  }

  // ---- the tape path's view of the model (GraphModel, graph_training.ts) ------------------

  inputSpecs(): { name: string; shape: (number | null)[]; dtype: DType }[] {
    if (!this.builtInputShape) throw new Error(`Model ${this.name} is not built yet`);
    return [{ name: `${this.layers[0].name}_input`, shape: [null, ...this.builtInputShape], dtype: this.inputDtype() }];
  }

  outputSpecs(): { name: string; shape: (number | null)[] }[] {
    return [{ name: this.outputLayer().name, shape: [null, ...this.outputShape()] }];
  }

  /** The layers' call()s in order, the mask passed along (Note [Layers on the engine]). */
  runGraph(xs: Tensor[], training: boolean, onOutput?: (layer: Layer, outputs: Tensor[]) => void): Tensor[] {
    let h = xs[0];
    let mask: Tensor | null = null;
    for (const layer of this.layers) {
      const input = h;
      const out = layer.call(input, { training, mask });
      if (Array.isArray(out)) throw new Error(`Layer ${layer.name} returns several outputs; a Sequential model needs one per layer`);
      h = out;
      mask = layer.computeMask(input, mask);
      if (onOutput) onOutput(layer, [h]);
    }
    return [h];
  }

  graphTrainableVariables(): LayerVariable[] {
    return this.trainableVariables();
  }

  graphLayers(): Layer[] {
    return this.layers;
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
