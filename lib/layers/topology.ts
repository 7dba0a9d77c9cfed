// The functional graph: symbolic tensors and the nodes that connect layers (Keras' KerasTensor
// and Node, tfjs' SymbolicTensor). `tn.input` makes a symbolic tensor with no layer before it;
// `layer.apply(symbolic)` builds the layer for the symbolic input's shape, works out the
// output shape without computing anything, and records a Node; `tn.model({inputs, outputs})`
// (models/functional.ts) walks the nodes back from the outputs.
import { expected, shapeString } from '../errors';
import { DType } from '../tensor';
import type { CallArgs, Layer } from './layer';

let symbolicCount = 0;

/** A placeholder for a tensor in a graph being built: its shape (batch first, null) and dtype. */
export class SymbolicTensor {
  readonly id = symbolicCount++;
  /** Full shape, batch dimension first (null: any batch size). */
  readonly shape: (number | null)[];
  readonly dtype: DType;
  readonly name: string;
  /** The node that produces this tensor, and which of its outputs it is. */
  readonly node: Node;
  readonly outputIndex: number;

  constructor(shape: (number | null)[], dtype: DType, name: string, node: Node, outputIndex: number) {
    this.shape = shape;
    this.dtype = dtype;
    this.name = name;
    this.node = node;
    this.outputIndex = outputIndex;
  }

  /** The layer that produced this tensor (an InputLayer for tn.input). */
  get sourceLayer(): Layer {
    return this.node.layer;
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `SymbolicTensor(${this.name}, ${shapeString(this.shape)}, ${this.dtype})`;
  }
}

/** One call of a layer in a graph: its symbolic inputs and outputs (Keras' Node). */
export class Node {
  readonly layer: Layer;
  readonly inputs: SymbolicTensor[];
  outputs: SymbolicTensor[] = [];
  /** Whether the layer was applied to a list (even of one) rather than to a single tensor. */
  readonly inputsAsList: boolean;
  readonly outputsAsList: boolean;
  readonly kwargs: CallArgs;

  constructor(layer: Layer, inputs: SymbolicTensor[], inputsAsList: boolean, outputsAsList: boolean, kwargs: CallArgs) {
    this.layer = layer;
    this.inputs = inputs;
    this.inputsAsList = inputsAsList;
    this.outputsAsList = outputsAsList;
    this.kwargs = kwargs;
  }

  /** This node's index among its layer's nodes (Keras' node_index, for the model config). */
  get index(): number {
    return this.layer.inboundNodes.indexOf(this);
  }
}

function batchless(shape: (number | null)[], what: string): number[] {
  const rest = shape.slice(1);
  if (!rest.every((d) => Number.isInteger(d) && (d as number) > 0)) {
    throw new RangeError(`${what} has shape ${shapeString(shape)}: only the batch dimension may be unknown (null) so far`);
  }
  return rest as number[];
}

/** layer.apply on symbolic inputs: build, infer the output shape(s), record the node. */
export function applySymbolic(layer: Layer, inputs: SymbolicTensor | SymbolicTensor[], kwargs: CallArgs): SymbolicTensor | SymbolicTensor[] {
  const asList = Array.isArray(inputs);
  const list = asList ? (inputs as SymbolicTensor[]) : [inputs as SymbolicTensor];
  for (const key of Object.keys(kwargs)) {
    if (key !== 'training' && key !== 'mask' && kwargs[key] !== undefined) {
      throw new TypeError(`Layer ${layer.name}: apply() on symbolic tensors takes no option '${key}' yet (only training)`);
    }
  }
  if (kwargs.mask !== undefined && kwargs.mask !== null) {
    throw new TypeError(`Layer ${layer.name}: a mask is passed along the graph by the layers (Embedding maskZero), not given to apply()`);
  }
  const shapes = list.map((t, i) => batchless(t.shape, asList ? `input ${i} of layer ${layer.name}` : `the input of layer ${layer.name}`));
  const shapeArg = asList ? shapes : shapes[0];
  layer.ensureBuilt(shapeArg);
  const out = layer.outputShapeFor(shapeArg);
  const outList = Array.isArray(out[0]) ? (out as number[][]) : [out as number[]];
  const outputsAsList = Array.isArray(out[0]) as boolean;
  const node = new Node(layer, list, asList, outputsAsList, kwargs);
  const batch = list[0].shape[0];
  const index = layer.inboundNodes.length;
  node.outputs = outList.map((s, k) => new SymbolicTensor([batch, ...s], 'float32',
    `${layer.name}/${index}${outList.length > 1 ? `:${k}` : ''}`, node, k));
  layer.inboundNodes.push(node);
  return outputsAsList ? node.outputs : node.outputs[0];
}

export function checkSymbolic(value: unknown, argument: string): SymbolicTensor {
  if (!(value instanceof SymbolicTensor)) throw new TypeError(expected('a SymbolicTensor (from tn.input or layer.apply)', argument, value));
  return value;
}
