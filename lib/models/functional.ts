// The functional API: tn.input and tn.model (tfjs' tf.input / tf.model, Keras' Functional).
//
// A model is a graph of nodes (layers/topology.ts) from its input tensors to its outputs. Run
// on real tensors, it calls each node's layer in topological order with engine ops (Note
// [Layers on the engine]), so the tape records the whole graph and autograd gives every
// gradient: shared layers, residual connections and several inputs and outputs need nothing
// special. A model is itself a Layer, so it can be applied inside another model.
import { expected, shapeString } from '../errors';
import { CallArgs, Layer, LayerArgs, LayerVariable, checkKnownKeys } from '../layers/layer';
import { Node, SymbolicTensor } from '../layers/topology';
import { DType, Tensor, checkTensor } from '../tensor';
import { formatShape, summaryRow } from './summary';

// ---- tn.input ---------------------------------------------------------------------------

export interface InputLayerArgs extends LayerArgs {
  sparse?: boolean;
}

/** The layer behind tn.input: no weights, no computation; the start of a graph. */
export class InputLayer extends Layer {
  static readonly className = 'InputLayer';
  static override readonly batchlessShapes = true;
  readonly batchInputShape: (number | null)[];

  constructor(args: InputLayerArgs) {
    super({ name: args.name, dtype: args.dtype, inputShape: args.inputShape, batchInputShape: args.batchInputShape, batchSize: args.batchSize });
    if (args.sparse) throw new TypeError('tn.input: sparse inputs are not supported');
    this.batchInputShape = [this.declaredBatchSize ?? null, ...(this.declaredInputShape ?? [])];
    this.build(this.declaredInputShape ?? []);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return inputShape;
  }

  override call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    return inputs;
  }

  override getConfig(): Record<string, unknown> {
    return { batchInputShape: this.batchInputShape, dtype: this.inputDtype, sparse: false, name: this.name };
  }
}

export interface InputConfig {
  /** Shape without the batch dimension. */
  shape?: number[];
  /** Shape with the batch dimension first (null for any). */
  batchShape?: (number | null)[];
  dtype?: DType;
  name?: string;
  sparse?: boolean;
}

/** tn.input({shape, dtype, name}): a symbolic tensor to build a model from. */
export function input(config: InputConfig): SymbolicTensor {
  if (config === null || typeof config !== 'object') throw new TypeError(expected('an object {shape, dtype, name}', 'tn.input(config)', config));
  checkKnownKeys(config, ['shape', 'batchShape', 'sparse'], 'tn.input');
  if ((config.shape === undefined) === (config.batchShape === undefined)) {
    throw new TypeError('tn.input: give exactly one of shape (without the batch dimension) and batchShape');
  }
  const layer = new InputLayer(config.shape !== undefined
    ? { name: config.name ?? uniqueInputName(), inputShape: config.shape, dtype: config.dtype, sparse: config.sparse }
    : { name: config.name ?? uniqueInputName(), batchInputShape: config.batchShape, dtype: config.dtype, sparse: config.sparse });
  const node = new Node(layer, [], false, false, {});
  node.outputs = [new SymbolicTensor(layer.batchInputShape.slice(), layer.inputDtype, layer.name, node, 0)];
  layer.inboundNodes.push(node);
  return node.outputs[0];
}

let inputCount = 0;
function uniqueInputName(): string {
  return inputCount++ === 0 ? 'input_1' : `input_${inputCount}`;
}

// ---- the graph ---------------------------------------------------------------------------

/** The nodes between inputs and outputs, each after the nodes it reads (Keras' _map_graph_network). */
function topologicalNodes(inputs: SymbolicTensor[], outputs: SymbolicTensor[], modelName: string): Node[] {
  const inputNodes = new Set(inputs.map((t) => t.node));
  const order: Node[] = [];
  const state = new Map<Node, 'visiting' | 'done'>();
  const visit = (node: Node, from: SymbolicTensor): void => {
    const s = state.get(node);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`Model ${modelName}: the graph has a cycle through layer ${node.layer.name}`);
    if (node.inputs.length === 0 && !inputNodes.has(node)) {
      throw new Error(`Graph disconnected in model ${modelName}: cannot obtain a value for ${from.name} (from input ` +
        `${node.layer.name}); the model's inputs are ${inputs.map((t) => t.name).join(', ')}. Pass every tn.input the ` +
        'outputs depend on in inputs.');
    }
    state.set(node, 'visiting');
    if (!inputNodes.has(node)) for (const t of node.inputs) visit(t.node, t);
    state.set(node, 'done');
    order.push(node);
  };
  // The inputs first, in the model's order, even one no output depends on (Keras lists it too).
  for (const t of inputs) {
    state.set(t.node, 'done');
    order.push(t.node);
  }
  for (const o of outputs) visit(o.node, o);
  return order;
}

function toSymbolicList(value: unknown, argument: string): { list: SymbolicTensor[]; single: boolean } {
  const single = !Array.isArray(value);
  const list = single ? [value] : (value as unknown[]);
  if (list.length === 0) throw new TypeError(`${argument} must not be empty`);
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor)) {
      throw new TypeError(expected('a SymbolicTensor (from tn.input or layer.apply)', single ? argument : `${argument}[${i}]`, t));
    }
  });
  return { list: list as SymbolicTensor[], single };
}

export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

let modelCount = 0;

/**
 * A graph of layers from symbolic inputs to outputs (tfjs' LayersModel). Training, evaluation
 * and prediction are in models/graph_training.ts; this class is the graph.
 */
export class Functional extends Layer {
  static readonly className = 'Functional';
  static override readonly batchlessShapes = true;
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  /** Whether the model was given one input / output rather than a list (what predict returns). */
  readonly singleInput: boolean;
  readonly singleOutput: boolean;
  /** Every node of the graph in topological order (input nodes included). */
  readonly nodes: Node[];
  /** Every layer once, in the order of their first node (input layers first). */
  readonly layers: Layer[];

  constructor(args: ModelArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object {inputs, outputs, name}', 'tn.model(args)', args));
    for (const key of Object.keys(args)) {
      if (!['inputs', 'outputs', 'name'].includes(key)) throw new TypeError(`tn.model: unknown option '${key}'; the options are inputs, name, outputs`);
    }
    super({ name: args.name ?? (modelCount++ === 0 ? 'model' : `model_${modelCount - 1}`) });
    const ins = toSymbolicList(args.inputs, 'tn.model(inputs)');
    const outs = toSymbolicList(args.outputs, 'tn.model(outputs)');
    ins.list.forEach((t, i) => {
      if (!(t.sourceLayer instanceof InputLayer)) {
        throw new TypeError(`tn.model: inputs${ins.single ? '' : `[${i}]`} must come from tn.input, but ${t.name} is the output of layer ${t.sourceLayer.name}`);
      }
    });
    if (new Set(ins.list).size !== ins.list.length) throw new Error('tn.model: the same input is given twice in inputs');
    this.inputs = ins.list;
    this.outputs = outs.list;
    this.singleInput = ins.single;
    this.singleOutput = outs.single;
    this.nodes = topologicalNodes(this.inputs, this.outputs, this.name);
    const layers: Layer[] = this.inputs.map((t) => t.sourceLayer);
    for (const node of this.nodes) if (!layers.includes(node.layer)) layers.push(node.layer);
    this.layers = layers;
    const names = new Set<string>();
    for (const l of layers) {
      if (names.has(l.name)) throw new Error(`Model ${this.name}: two layers are named '${l.name}'; layer names in a model must be unique`);
      names.add(l.name);
    }
    const inShapes = this.inputs.map((t) => t.shape.slice(1) as number[]);
    const outShapes = this.outputs.map((t) => t.shape.slice(1) as number[]);
    this.builtInputShapes = inShapes;
    this.builtOutputShapes = outShapes;
    this.builtInputShape = inShapes[0];
    this.builtOutputShape = outShapes[0];
    this.built = true;
  }

  override getClassName(): string {
    return 'Functional';
  }

  get inputNames(): string[] {
    return this.inputs.map((t) => t.sourceLayer.name);
  }

  /** tfjs' model.outputNames: the names of the layers that make the outputs. */
  get outputNames(): string[] {
    const names = this.outputs.map((t) => t.sourceLayer.name);
    // A layer with several outputs (or used twice) gives names that repeat; tell them apart as Keras.
    return names.map((n, i) => (names.indexOf(n) !== i || names.lastIndexOf(n) !== i ? `${n}_${i + 1}` : n));
  }

  override computeOutputShape(inputShape: number[] | number[][]): number[] | number[][] {
    this.ensureBuilt(inputShape);
    return this.singleOutput ? this.builtOutputShape! : this.builtOutputShapes!.map((s) => s.slice());
  }

  override ensureBuilt(inputShape: number[] | number[][]): void {
    const given = this.singleInput ? [inputShape as number[]] : (inputShape as number[][]);
    const want = this.builtInputShapes!;
    const ok = given.length === want.length && given.every((g, k) => Array.isArray(g) && g.length === want[k].length && g.every((d, j) => d === want[k][j]));
    if (!ok) {
      throw new RangeError(`Model ${this.name} takes input shape(s) ${want.map((s) => shapeString([null, ...s])).join(', ')} ` +
        `but received ${given.map((s) => (Array.isArray(s) ? shapeString([null, ...s]) : String(s))).join(', ')}`);
    }
  }

  /** A layer of the model by name, or by index in model.layers (tfjs' getLayer). */
  getLayer(nameOrIndex: string | number): Layer {
    if (typeof nameOrIndex === 'number') {
      if (!Number.isInteger(nameOrIndex) || nameOrIndex < 0 || nameOrIndex >= this.layers.length) {
        throw new RangeError(expected(`an index in [0, ${this.layers.length})`, 'getLayer(index)', nameOrIndex));
      }
      return this.layers[nameOrIndex];
    }
    const found = this.layers.find((l) => l.name === nameOrIndex);
    if (found === undefined) {
      throw new Error(`Model ${this.name} has no layer named '${nameOrIndex}'; its layers are ${this.layers.map((l) => l.name).join(', ')}`);
    }
    return found;
  }

  /** Every weight of every layer once (a shared layer's weights once), trainable and not. */
  override get weightVariables(): LayerVariable[] {
    const seen = new Set<LayerVariable>();
    const out: LayerVariable[] = [];
    for (const l of this.layers) for (const v of l.weightVariables) if (!seen.has(v)) { seen.add(v); out.push(v); }
    return out;
  }

  override get trainableVariables(): LayerVariable[] {
    if (!this.trainable) return [];
    const seen = new Set<LayerVariable>();
    const out: LayerVariable[] = [];
    for (const l of this.layers) for (const v of l.trainableVariables) if (!seen.has(v)) { seen.add(v); out.push(v); }
    return out;
  }

  /** tfjs' model.weights / trainableWeights / nonTrainableWeights. */
  get weights(): LayerVariable[] {
    return this.weightVariables;
  }

  get trainableWeights(): LayerVariable[] {
    return this.trainableVariables;
  }

  get nonTrainableWeights(): LayerVariable[] {
    const trainable = new Set(this.trainableVariables);
    return this.weightVariables.filter((v) => !trainable.has(v));
  }

  override getWeights(): Tensor[] {
    return this.weightVariables.map((v) => new Tensor(v.value.slice(), v.shape.slice(), 'float32'));
  }

  override setWeights(weights: Tensor[]): void {
    const vars = this.weightVariables;
    if (!Array.isArray(weights) || weights.length !== vars.length) {
      throw new RangeError(`Model ${this.name} expects ${vars.length} weight tensors but received ${Array.isArray(weights) ? weights.length : typeof weights}`);
    }
    weights.forEach((w, i) => {
      const t = checkTensor(w, `weights[${i}]`);
      const v = vars[i];
      if (t.shape.length !== v.shape.length || t.shape.some((d, k) => d !== v.shape[k])) {
        throw new RangeError(`Expected shape ${shapeString(v.shape)} for weights[${i}] (${v.name}) but received shape ${shapeString(t.shape)}`);
      }
    });
    weights.forEach((w, i) => vars[i].value.set(w.values as Float32Array));
  }

  override countParams(): number {
    return this.weightVariables.reduce((n, v) => n + v.size, 0);
  }

  override regularizationLosses(): Tensor[] {
    return this.layers.flatMap((l) => l.regularizationLosses());
  }

  /**
   * Runs the graph on tensors (one per input, in order): each node's layer.call with engine
   * ops, masks passed along as Keras does. `onOutput` sees each layer call's outputs (for
   * activity regularizers). Returns one tensor per model output.
   */
  execute(inputs: Tensor[], training: boolean, onOutput?: (layer: Layer, outputs: Tensor[]) => void): Tensor[] {
    if (inputs.length !== this.inputs.length) {
      throw new RangeError(`Model ${this.name} takes ${this.inputs.length} input(s) but received ${inputs.length}`);
    }
    const values = new Map<SymbolicTensor, Tensor>();
    const masks = new Map<SymbolicTensor, Tensor | null>();
    this.inputs.forEach((t, i) => {
      const x = inputs[i];
      const want = t.shape;
      if (x.rank !== want.length || want.some((d, k) => d !== null && d !== x.shape[k])) {
        throw new RangeError(`Input ${i} (${t.name}) of model ${this.name} must have shape ${shapeString(want)} but has ${shapeString(x.shape)}`);
      }
      if (x.dtype !== t.dtype) {
        throw new TypeError(`Input ${i} (${t.name}) of model ${this.name} must be ${t.dtype} but is ${x.dtype}`);
      }
      values.set(t, x);
      masks.set(t, null);
    });
    for (const node of this.nodes) {
      if (node.inputs.length === 0) continue;  // an input node: its value is given
      const xs = node.inputs.map((t) => values.get(t)!);
      const ms = node.inputs.map((t) => masks.get(t) ?? null);
      const layerInput = node.inputsAsList ? xs : xs[0];
      const layerMask = node.inputsAsList ? (ms.every((m) => m === null) ? null : ms) : ms[0];
      const kwargs: CallArgs = { ...node.kwargs, training: node.kwargs.training ?? training, mask: layerMask };
      const result = node.layer.call(layerInput, kwargs);
      const outs = Array.isArray(result) ? result : [result];
      if (outs.length !== node.outputs.length) {
        throw new Error(`Layer ${node.layer.name} returned ${outs.length} output(s) where its computeOutputShape said ${node.outputs.length}`);
      }
      const outMask = node.layer.computeMask(layerInput as Tensor, layerMask as Tensor | null) as Tensor | null | (Tensor | null)[];
      outs.forEach((o, k) => {
        if (!(o instanceof Tensor)) throw new TypeError(`Layer ${node.layer.name}'s call returned ${typeof o} where a Tensor was expected`);
        const want = node.outputs[k].shape;
        if (o.rank !== want.length || want.some((d, j) => j > 0 && d !== o.shape[j])) {
          throw new Error(`Layer ${node.layer.name} returned shape ${shapeString(o.shape)} where its computeOutputShape said ${shapeString(want)}`);
        }
        values.set(node.outputs[k], o);
        masks.set(node.outputs[k], Array.isArray(outMask) ? (outMask[k] ?? null) : outMask);
      });
      if (onOutput) onOutput(node.layer, outs);
    }
    return this.outputs.map((t) => values.get(t)!);
  }

  override call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const outs = this.execute(list, kwargs.training ?? false);
    return this.singleOutput ? outs[0] : outs;
  }

  /** Keras' "Connected to" for a node: 'layer[nodeIndex][tensorIndex]' of each input. */
  private connectedTo(node: Node): string[] {
    return node.inputs.map((t) => `${t.sourceLayer.name}[${t.node.index}][${t.outputIndex}]`);
  }

  /** The summary table; a model that is not a plain chain gets Keras' "Connected to" column. */
  summaryTable(lineLength?: number, positions?: number[]): string[] {
    const chain = this.nodes.every((n) => n.inputs.length <= 1) && this.inputs.length === 1 && this.outputs.length === 1 &&
      this.layers.every((l) => l.inboundNodes.filter((n) => this.nodes.includes(n)).length <= 1);
    const width = lineLength ?? (chain ? 65 : 98);
    const pos = positions ?? (chain ? [0.45, 0.85, 1] : [0.33, 0.55, 0.67, 1]);
    const row = summaryRow(width, pos);
    const lines = [`Model: "${this.name}"`, '_'.repeat(width)];
    lines.push(row(chain ? ['Layer (type)', 'Output shape', 'Param #'] : ['Layer (type)', 'Output shape', 'Param #', 'Connected to']));
    lines.push('='.repeat(width));
    // One row per layer, as Keras: a shared layer's row lists every call's inputs; its output
    // shape is 'multiple' when the calls give different shapes.
    this.layers.forEach((layer, i) => {
      const nodes = this.nodes.filter((n) => n.layer === layer);
      const shapes = nodes.map((n) => n.outputs.map((t) => formatShape(t.shape)).join(' '));
      const out = shapes.every((x) => x === shapes[0]) ? (shapes[0] ?? '') : 'multiple';
      const name = `${layer.name} (${layer.getClassName()})`;
      if (chain) {
        lines.push(row([name, out, String(layer.countParams())]));
      } else {
        const connected = nodes.flatMap((n) => this.connectedTo(n));
        lines.push(row([name, out, String(layer.countParams()), connected[0] ?? '']));
        for (const c of connected.slice(1)) lines.push(row(['', '', '', c]));
      }
      lines.push(i === this.layers.length - 1 ? '='.repeat(width) : '_'.repeat(width));
    });
    const total = this.countParams();
    const trainable = this.trainableVariables.reduce((n, v) => n + v.size, 0);
    lines.push(`Total params: ${total.toLocaleString('en-US')}`);
    lines.push(`Trainable params: ${trainable.toLocaleString('en-US')}`);
    lines.push(`Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`);
    lines.push('_'.repeat(width));
    return lines;
  }
}
