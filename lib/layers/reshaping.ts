// Reshaping layers on engine ops (Keras 3 semantics): repeatVector and permute. Their
// gradients come from the tape (tile's and transpose's registered gradients).
import { checkPositiveInteger, expected, shapeString } from '../errors';
import { expandDims, tile, transpose } from '../ops';
import { Tensor } from '../tensor';
import { CallArgs, Layer, LayerArgs, checkKnownKeys } from './layer';

export interface RepeatVectorLayerArgs extends LayerArgs {
  /** How many times to repeat each sample. */
  n: number;
}

/** [batch, features] -> [batch, n, features]: each sample repeated n times. */
export class RepeatVector extends Layer {
  static override readonly batchlessShapes = true;
  static readonly className = 'RepeatVector';
  readonly n: number;

  constructor(args: RepeatVectorLayerArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object with n', 'repeatVector(args)', args));
    checkKnownKeys(args, ['n'], 'repeatVector');
    super(args);
    this.n = checkPositiveInteger(args.n, 'repeatVector({n})');
  }

  override computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 1 || Array.isArray(inputShape[0])) {
      throw new RangeError(`Layer ${this.name} (RepeatVector) needs inputs of shape [batch, features] but received ` +
        `${Array.isArray(inputShape[0]) ? 'a list of inputs' : shapeString([null, ...inputShape])}`);
    }
    return [this.n, inputShape[0]];
  }

  override call(inputs: Tensor | Tensor[], _kwargs: CallArgs = {}): Tensor {
    const x = single(this, inputs);
    if (x.rank !== 2) throw new RangeError(`Layer ${this.name} (RepeatVector) needs inputs of rank 2 but received shape ${shapeString(x.shape)}`);
    return tile(expandDims(x, 1), [1, this.n, 1]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), n: this.n };
  }
}

export interface PermuteLayerArgs extends LayerArgs {
  /** A permutation of 1..rank (1-based: the batch axis 0 stays first), e.g. [2, 1] swaps the two axes after the batch. */
  dims: number[];
}

/** Permutes the non-batch axes of its input: output axis i+1 is input axis dims[i]. */
export class Permute extends Layer {
  static override readonly batchlessShapes = true;
  static readonly className = 'Permute';
  readonly dims: number[];

  constructor(args: PermuteLayerArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object with dims', 'permute(args)', args));
    checkKnownKeys(args, ['dims'], 'permute');
    super(args);
    const dims = args.dims;
    const valid = Array.isArray(dims) && dims.length > 0 && dims.every((d) => Number.isInteger(d)) &&
      dims.slice().sort((a, b) => a - b).every((d, i) => d === i + 1);
    if (!valid) {
      throw new TypeError(expected('a permutation of 1..n (indices start at 1; the batch axis is not included)', 'permute({dims})', dims));
    }
    this.dims = dims.slice();
  }

  override computeOutputShape(inputShape: number[]): number[] {
    if (Array.isArray(inputShape[0]) || inputShape.length !== this.dims.length) {
      throw new RangeError(`Layer ${this.name} (Permute) with dims ${shapeString(this.dims)} needs inputs of rank ${this.dims.length + 1} ` +
        `but received ${Array.isArray(inputShape[0]) ? 'a list of inputs' : `shape ${shapeString([null, ...inputShape])}`}`);
    }
    return this.dims.map((d) => inputShape[d - 1]);
  }

  override call(inputs: Tensor | Tensor[], _kwargs: CallArgs = {}): Tensor {
    const x = single(this, inputs);
    if (x.rank !== this.dims.length + 1) {
      throw new RangeError(`Layer ${this.name} (Permute) needs inputs of rank ${this.dims.length + 1} but received shape ${shapeString(x.shape)}`);
    }
    return transpose(x, [0, ...this.dims]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dims: this.dims.slice() };
  }
}

function single(layer: Layer, inputs: Tensor | Tensor[]): Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) throw new TypeError(`Layer ${layer.name} (${layer.getClassName()}) takes one input but received ${inputs.length}`);
    return inputs[0];
  }
  return inputs;
}
