// Embedding: integer indices [batch, ...] -> rows of a table [inputDim, outputDim] (Keras 3
// semantics). call is tn.gather of the table (its gradient, gatherGrad, scatter-adds into a
// table-sized gradient). The older forward/backward pair gathers and scatter-adds sparsely in
// native/cpu/embedding.cpp (Note [Sparse embedding gradient]): a training step touches only the
// table rows of the batch (and zeroes those of the batch before), never the whole table.
import { checkBoolean, checkPositiveInteger, expected } from '../errors';
import { Initializer, resolveInitializer } from '../initializers';
import { native } from '../native';
import { Tensor } from '../tensor';
import { cast, notEqual } from '../ops/elementwise';
import { gather } from '../ops/shape';
import { constraintOption, regularizerOption, serializeOption, singleInput } from './core';
import { CallArgs, Constraint, Layer, LayerArgs, LayerVariable, Regularizer, checkKnownKeys } from './layer';

export interface EmbeddingLayerArgs extends LayerArgs {
  /** Vocabulary size: indices are in [0, inputDim). */
  inputDim: number;
  /** Size of each embedding vector. */
  outputDim: number;
  /** Length of the input sequences (a first layer's inputShape [inputLength]). */
  inputLength?: number;
  /** Index 0 is padding: the layer outputs a mask that later layers (LSTM, GRU, …) respect. */
  maskZero?: boolean;
  /** Default 'randomUniform' in [-0.05, 0.05], as Keras. */
  embeddingsInitializer?: string | Initializer;
  embeddingsRegularizer?: string | Regularizer | null;
  /** A penalty on the layer's output, added to the training loss (Keras' activity_regularizer). */
  activityRegularizer?: string | Regularizer | null;
  embeddingsConstraint?: string | Constraint | null;
}

const EMBEDDING_KEYS = ['inputDim', 'outputDim', 'inputLength', 'maskZero', 'embeddingsInitializer', 'embeddingsRegularizer',
  'activityRegularizer', 'embeddingsConstraint'];

export class Embedding extends Layer {
  static override readonly batchlessShapes = true;
  static readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  private readonly embeddingsInitializer: Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly embeddingsConstraint: Constraint | null;
  embeddings?: LayerVariable;
  // Indices of the last forward (copied: the model's batch buffers are reused) and of the
  // batch before, whose gradient rows the next backward zeroes.
  private indices = new Int32Array(0);
  private count = 0;
  private prevIndices = new Int32Array(0);
  private prevCount = 0;

  constructor(args: EmbeddingLayerArgs) {
    if (args === null || typeof args !== 'object') {
      throw new TypeError(expected('an object with inputDim and outputDim', 'embedding(args)', args));
    }
    checkKnownKeys(args, EMBEDDING_KEYS, 'tn.layers.embedding');
    const inputShape = args.inputShape ?? (args.inputLength !== undefined ? [checkPositiveInteger(args.inputLength, 'inputLength')] : undefined);
    super({ ...args, inputShape, dtype: args.dtype ?? 'int32' });
    this.inputDim = checkPositiveInteger(args.inputDim, 'inputDim');
    this.outputDim = checkPositiveInteger(args.outputDim, 'outputDim');
    this.maskZero = args.maskZero === undefined ? false : checkBoolean(args.maskZero, 'maskZero');
    this.embeddingsInitializer = resolveInitializer(args.embeddingsInitializer, 'embeddingsInitializer', 'randomUniform');
    this.embeddingsRegularizer = regularizerOption(args.embeddingsRegularizer, 'embeddingsRegularizer');
    this.activityRegularizer = regularizerOption(args.activityRegularizer, 'activityRegularizer');
    this.embeddingsConstraint = constraintOption(args.embeddingsConstraint, 'embeddingsConstraint');
  }

  override build(inputShape: number[]): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], this.embeddingsInitializer, true,
      { regularizer: this.embeddingsRegularizer, constraint: this.embeddingsConstraint });
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return [...inputShape, this.outputDim];
  }

  /** The position [b, t, …] of flat index i in a tensor of `shape`. */
  private static position(shape: number[], i: number): string {
    const pos: number[] = [];
    for (let d = shape.length - 1; d >= 0; d--) {
      pos.unshift(i % shape[d]);
      i = Math.floor(i / shape[d]);
    }
    return `[${pos.join(', ')}]`;
  }

  private badIndex(x: Tensor, i: number): never {
    throw new RangeError(expected(`an index in [0, ${this.inputDim}) (inputDim of ${this.name})`,
      `input${Embedding.position(x.shape, i)}`, x.values[i]));
  }

  /**
   * The input as int32 indices, each checked to be in [0, inputDim) (a float input must hold
   * integers), so a bad index is an error naming its position, as forward's.
   */
  private indicesOf(x: Tensor): Tensor {
    const v = x.values;
    for (let i = 0; i < v.length; i++) {
      if (x.dtype !== 'int32' && !Number.isInteger(v[i])) {
        throw new TypeError(expected('an integer index', `input${Embedding.position(x.shape, i)}`, v[i]));
      }
      if (v[i] < 0 || v[i] >= this.inputDim) this.badIndex(x, i);
    }
    return x.dtype === 'int32' ? x : cast(x, 'int32');
  }

  /** Rows of the table gathered by the indices: [batch, ...] -> [batch, ..., outputDim]. */
  override call(inputs: Tensor | Tensor[], _kwargs: CallArgs = {}): Tensor {
    const x = singleInput(this, inputs);
    return gather(this.embeddings!.tensor, this.indicesOf(x), 0);
  }

  override forward(x: Tensor, _training: boolean): Tensor {
    const n = x.size;
    if (this.indices.length < n) this.indices = new Int32Array(n);
    const idx = this.indices.subarray(0, n);
    if (x.dtype === 'int32') {
      idx.set(x.values as Int32Array);
    } else {
      const v = x.values;
      for (let i = 0; i < n; i++) {
        if (!Number.isInteger(v[i])) throw new TypeError(expected('an integer index', `input${Embedding.position(x.shape, i)}`, v[i]));
        idx[i] = v[i];
      }
    }
    const y = this.buffer('y', [...x.shape, this.outputDim]);
    const bad = native.embeddingForward(y.values as Float32Array, this.embeddings!.value, idx, n, this.inputDim, this.outputDim);
    if (bad >= 0) this.badIndex(x, bad);
    this.count = n;
    return y;
  }

  override backward(dy: Tensor, _needInputGrad: boolean): Tensor | null {
    const n = this.count;
    native.embeddingBackward(this.embeddings!.grad, dy.values as Float32Array, this.indices.subarray(0, n),
      this.prevCount > 0 ? this.prevIndices.subarray(0, this.prevCount) : null, n, this.prevCount, this.inputDim, this.outputDim);
    // The rows touched now are the ones to zero next time.
    if (this.prevIndices.length < n) this.prevIndices = new Int32Array(this.indices.length);
    this.prevIndices.set(this.indices.subarray(0, n));
    this.prevCount = n;
    return null; // indices have no gradient
  }

  /**
   * With maskZero, 1 where the index is not 0 and 0 where it is, as float32 of the input's
   * shape; a fresh tensor each time (a shared layer's masks must not overwrite each other).
   */
  override computeMask(input: Tensor, _mask: Tensor | null): Tensor | null {
    if (!this.maskZero) return null;
    return cast(notEqual(input, 0), 'float32');
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim, maskZero: this.maskZero,
      embeddingsRegularizer: serializeOption(this.embeddingsRegularizer), activityRegularizer: serializeOption(this.activityRegularizer),
      embeddingsConstraint: serializeOption(this.embeddingsConstraint),
    };
  }
}
