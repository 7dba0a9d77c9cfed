// tn.model: a functional model (models/functional.ts) with compile/fit/evaluate/predict, as
// tfjs' LayersModel. It always trains on the tape (Note [Two step runners] in graph_training.ts).
import { Layer, LayerVariable } from '../layers/layer';
import { DType, Tensor } from '../tensor';
import { checkPositiveInteger, expected } from '../errors';
import { Functional, ModelArgs } from './functional';
import { GraphCompileArgs, GraphCompiled, GraphModel, compileGraph, graphStep, predictGraph, prepareGraphData, tapeStepper } from './graph_training';
import { checkKeys, evaluateWithStepper, fitWithStepper } from './fit_loop';
import { History, ModelEvaluateArgs, ModelFitArgs, ModelPredictArgs, checkNotTraining } from './training';
import { resolveOptimizer } from '../optimizers';

export class LayersModel extends Functional implements GraphModel {
  stopTraining = false;
  isTraining = false;
  private compiled: GraphCompiled | null = null;

  inputSpecs(): { name: string; shape: (number | null)[]; dtype: DType }[] {
    return this.inputs.map((t) => ({ name: t.sourceLayer.name, shape: t.shape.slice(), dtype: t.dtype }));
  }

  outputSpecs(): { name: string; shape: (number | null)[] }[] {
    const names = this.outputNames;
    return this.outputs.map((t, i) => ({ name: names[i], shape: t.shape.slice() }));
  }

  runGraph(xs: Tensor[], training: boolean, onOutput?: (layer: Layer, outputs: Tensor[]) => void): Tensor[] {
    return this.execute(xs, training, onOutput);
  }

  graphTrainableVariables(): LayerVariable[] {
    return this.trainableVariables;
  }

  graphLayers(): Layer[] {
    return this.layers;
  }

  /** compile({optimizer, loss, lossWeights, metrics}): per output as a list or by output name. */
  compile(args: GraphCompileArgs): void {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object {optimizer, loss, metrics}', 'compile(args)', args));
    this.compiled = compileGraph(this, { ...args, optimizer: resolveOptimizer(args.optimizer) });
  }

  get optimizer() {
    return this.compiled?.optimizer;
  }

  private compiledOrThrow(what: string): GraphCompiled {
    if (this.compiled === null) throw new Error(`You must compile a model before ${what} it: model.compile({optimizer, loss})`);
    return this.compiled;
  }

  /** fit(x, y, args): x and y a tensor, a list in input/output order, or an object by input/output name. */
  async fit(x: Tensor | Tensor[] | Record<string, Tensor>, y: Tensor | Tensor[] | Record<string, Tensor>, args: ModelFitArgs = {}): Promise<History> {
    return fitWithStepper(this, tapeStepper(this, this.compiledOrThrow('training')), x, y, args);
  }

  /** tfjs' evaluate: synchronous; the loss Scalar, or [loss, ...per-output losses, ...metrics]. */
  evaluate(x: Tensor | Tensor[] | Record<string, Tensor>, y: Tensor | Tensor[] | Record<string, Tensor>, args: ModelEvaluateArgs = {}): Tensor | Tensor[] {
    return evaluateWithStepper(tapeStepper(this, this.compiledOrThrow('evaluating')), x, y, args);
  }

  async evaluateAsync(x: Tensor | Tensor[] | Record<string, Tensor>, y: Tensor | Tensor[] | Record<string, Tensor>, args: ModelEvaluateArgs = {}): Promise<Tensor | Tensor[]> {
    return this.evaluate(x, y, args);
  }

  /** predict(x): one tensor for a model of one output, else one per output. */
  predict(x: Tensor | Tensor[] | Record<string, Tensor>, args: ModelPredictArgs = {}): Tensor | Tensor[] {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object', 'predict args', args));
    checkKeys(args, ['batchSize', 'verbose'], 'predict');
    const batchSize = args.batchSize === undefined ? 32 : checkPositiveInteger(args.batchSize, 'batchSize');
    // The input checks of training, without targets.
    const xs = prepareGraphData(this, { optimizer: null as never, losses: [], metrics: [], metricKeys: [] }, x, null, '', undefined, undefined, false).xs;
    const outs = predictGraph(this, xs, batchSize);
    return this.singleOutput ? outs[0] : outs;
  }

  /** One training step on one batch: the loss, or [loss, ...per-output losses, ...metrics]. */
  trainOnBatch(x: Tensor | Tensor[] | Record<string, Tensor>, y: Tensor | Tensor[] | Record<string, Tensor>): number | number[] {
    checkNotTraining(this, 'trainOnBatch');
    const compiled = this.compiledOrThrow('training');
    const r = graphStep(this, compiled, prepareGraphData(this, compiled, x, y, ''), true);
    return r.metrics.length === 0 ? r.loss : [r.loss, ...r.metrics];
  }

  summary(lineLength?: number, positions?: number[], printFn: (line: string) => void = console.log): void {
    for (const line of this.summaryTable(lineLength, positions)) printFn(line);
  }

  override toString(): string {
    return `LayersModel(${this.name}: ${this.inputs.length} input(s), ${this.outputs.length} output(s), ${this.layers.length} layers)`;
  }

  save(): never {
    throw new Error('Saving a functional model (tn.model) is not implemented yet; Sequential models save (model.save)');
  }
}

/** tn.model({inputs, outputs, name}): a model from symbolic tensors (tf.model). */
export function model(args: ModelArgs): LayersModel {
  return new LayersModel(args);
}
