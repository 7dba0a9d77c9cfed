// Core layers: dense, activation, flatten, reshape, dropout. Each has its call on engine ops
// (Note [Layers on the engine] in layer.ts) and the older forward/backward pair side by side;
// the math of the latter is in native/cpu (elementwise.cpp, gemm.cpp).
//
// The helpers below (singleInput, the regularizer and constraint options) serve every layer of
// core, conv, pooling, normalization and embedding.
import { ResolvedActivation, fusableOutputActivation, resolveActivation } from '../activations';
import { checkBoolean, checkNumberInRange, checkPositiveInteger, expected, shapeString } from '../errors';
import { Initializer, resolveInitializer } from '../initializers';
import { native } from '../native';
import { randomUint32 } from '../random';
import { resolveConstraint } from '../constraints';
import { resolveRegularizer } from '../regularizers';
import { Tensor, checkTensor, sizeOf } from '../tensor';
import { run1 } from '../engine/registry';
import { dense } from '../ops/dense';
import { cast, greaterEqual, mul, sigmoid, softmax } from '../ops/elementwise';
import { randomUniform } from '../ops/random';
import { reshape } from '../ops/shape';
import { CallArgs, Constraint, Layer, LayerArgs, LayerVariable, Regularizer, checkKnownKeys } from './layer';

// ---- shared by the built-in layers' call -------------------------------------------------------

/**
 * The input of a single-input layer's call: one tensor with a batch axis, the layer built for
 * its batch-less shape (a later call with another shape is ensureBuilt's error).
 */
export function singleInput(layer: Layer, inputs: Tensor | Tensor[]): Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) {
      throw new TypeError(`Layer ${layer.name} (${layer.getClassName()}) takes one input but call() received ${inputs.length}`);
    }
    inputs = inputs[0];
  }
  const x = checkTensor(inputs, `the input of layer ${layer.name}`);
  if (x.rank < 1) throw new RangeError(`Layer ${layer.name} needs an input with a batch dimension but received a scalar`);
  layer.ensureBuilt(x.shape.slice(1));
  return x;
}

/** x as float32 (layers compute in float32; an int32 or bool input is cast, as Keras autocasts). */
export function floatInput(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : cast(x, 'float32');
}

/** activation(x) on engine ops; softmax and sigmoid through tn.softmax / tn.sigmoid (Note [A loss meets its activation]). */
export function applyActivation(x: Tensor, activation: ResolvedActivation): Tensor {
  switch (activation.name) {
    case 'linear': return x;
    case 'softmax': return softmax(x);
    case 'sigmoid': return sigmoid(x);
    // the op behind tn.relu, tn.elu, tn.leakyRelu, …, with the layer's own alpha
    default: return run1('activation', [x], x.shape.slice(), 'float32', [activation.code, activation.alpha]);
  }
}

function isObjectWith(value: unknown, methods: string[]): boolean {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.className === 'string' && methods.every((m) => typeof v[m] === 'function');
}

/** A regularizer option: a Regularizer object ({className, apply, getConfig}) as is, else tn.regularizers' names. */
export function regularizerOption(value: unknown, argument: string): Regularizer | null {
  if (value === undefined || value === null) return null;
  if (isObjectWith(value, ['apply', 'getConfig'])) return value as Regularizer;
  return resolveRegularizer(value, argument);
}

/** A constraint option: a Constraint object ({className, apply, getConfig}) as is, else tn.constraints' names. */
export function constraintOption(value: unknown, argument: string): Constraint | null {
  if (value === undefined || value === null) return null;
  if (isObjectWith(value, ['apply', 'getConfig'])) return value as Constraint;
  return resolveConstraint(value, argument);
}

/** A regularizer or constraint in a layer's config, as Keras serializes it: {className, config}, or null. */
export function serializeOption(value: Regularizer | Constraint | null): { className: string; config: Record<string, unknown> } | null {
  return value === null ? null : { className: value.className, config: value.getConfig() };
}

export interface DenseLayerArgs extends LayerArgs {
  units: number;
  activation?: string;
  useBias?: boolean;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  /** tfjs spelling of the input size for a first layer: same as inputShape [inputDim]. */
  inputDim?: number;
  kernelRegularizer?: string | Regularizer | null;
  biasRegularizer?: string | Regularizer | null;
  /** A penalty on the layer's output, added to the training loss (Keras' activity_regularizer). */
  activityRegularizer?: string | Regularizer | null;
  kernelConstraint?: string | Constraint | null;
  biasConstraint?: string | Constraint | null;
}

const DENSE_KEYS = ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'inputDim', 'kernelRegularizer',
  'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint'];

/** y = activation(x · kernel + bias) over the last axis. kernel: [in, units] (Keras layout). */
export class Dense extends Layer {
  static override readonly batchlessShapes = true;
  protected override supportsMasking = true;
  static readonly className = 'Dense';
  readonly units: number;
  readonly activation: ResolvedActivation;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  kernel?: LayerVariable;
  bias?: LayerVariable;
  // Saved by forward for backward (see Note [Reused buffers]).
  private x?: Tensor;
  private z: Tensor | null = null;
  private y?: Tensor;

  constructor(args: DenseLayerArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object with units', 'dense(args)', args));
    checkKnownKeys(args, DENSE_KEYS, 'tn.layers.dense');
    const inputShape = args.inputShape ?? (args.inputDim !== undefined ? [checkPositiveInteger(args.inputDim, 'inputDim')] : undefined);
    super({ ...args, inputShape });
    this.units = checkPositiveInteger(args.units, 'units');
    this.activation = resolveActivation(args.activation);
    this.useBias = args.useBias === undefined ? true : checkBoolean(args.useBias, 'useBias');
    this.kernelInitializer = resolveInitializer(args.kernelInitializer, 'kernelInitializer', 'glorotUniform');
    this.biasInitializer = resolveInitializer(args.biasInitializer, 'biasInitializer', 'zeros');
    this.kernelRegularizer = regularizerOption(args.kernelRegularizer, 'kernelRegularizer');
    this.biasRegularizer = regularizerOption(args.biasRegularizer, 'biasRegularizer');
    this.activityRegularizer = regularizerOption(args.activityRegularizer, 'activityRegularizer');
    this.kernelConstraint = constraintOption(args.kernelConstraint, 'kernelConstraint');
    this.biasConstraint = constraintOption(args.biasConstraint, 'biasConstraint');
  }

  override build(inputShape: number[]): void {
    if (inputShape.length < 1) throw new RangeError(`Dense ${this.name} needs inputs of rank >= 2 but received [null]`);
    const inDim = inputShape[inputShape.length - 1];
    this.kernel = this.addWeight('kernel', [inDim, this.units], this.kernelInitializer, true,
      { regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.units], this.biasInitializer, true,
        { regularizer: this.biasRegularizer, constraint: this.biasConstraint });
    }
    super.build(inputShape);
  }

  /** The fused dense op (matMul + bias + activation in one kernel, one gradient). */
  override call(inputs: Tensor | Tensor[], _kwargs: CallArgs = {}): Tensor {
    const x = floatInput(singleInput(this, inputs));
    return dense(x, this.kernel!.tensor, this.bias ? this.bias.tensor : null, this.activation.name, this.activation.alpha);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return [...inputShape.slice(0, -1), this.units];
  }

  override forward(x: Tensor, _training: boolean): Tensor {
    const inDim = this.kernel!.shape[0];
    const rows = x.size / inDim;
    const outShape = [...x.shape.slice(0, -1), this.units];
    const y = this.buffer('y', outShape);
    const z = this.activation.name === 'linear' ? null : this.buffer('z', outShape);
    native.denseForward(y.values as Float32Array, z ? (z.values as Float32Array) : null, x.values as Float32Array,
      this.kernel!.value, this.bias ? this.bias.value : null, rows, inDim, this.units, this.activation.code,
      this.activation.alpha);
    this.x = x;
    this.z = z;
    this.y = y;
    return y;
  }

  override backward(dy: Tensor, needInputGrad: boolean, dyIsPreActivation = false): Tensor | null {
    const x = this.x!, y = this.y!;
    const inDim = this.kernel!.shape[0];
    const rows = x.size / inDim;
    const dx = needInputGrad ? this.buffer('dx', x.shape) : null;
    const dz = this.activation.name === 'linear' || dyIsPreActivation ? null : this.buffer('dz', y.shape);
    native.denseBackward(dx ? (dx.values as Float32Array) : null, this.kernel!.grad, this.bias ? this.bias.grad : null,
      dz ? (dz.values as Float32Array) : null, dy.values as Float32Array, x.values as Float32Array, this.kernel!.value,
      this.z ? (this.z.values as Float32Array) : null, y.values as Float32Array, rows, inDim, this.units,
      this.activation.code, this.activation.alpha, dyIsPreActivation);
    return dx;
  }

  override fusableOutputActivation(): 'sigmoid' | 'softmax' | null {
    return fusableOutputActivation(this.activation);
  }

  override preActivationOutput(): Tensor | null {
    return this.z;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), units: this.units, activation: this.activation.name, useBias: this.useBias,
      kernelRegularizer: serializeOption(this.kernelRegularizer), biasRegularizer: serializeOption(this.biasRegularizer),
      activityRegularizer: serializeOption(this.activityRegularizer), kernelConstraint: serializeOption(this.kernelConstraint),
      biasConstraint: serializeOption(this.biasConstraint),
    };
  }
}

export interface ActivationLayerArgs extends LayerArgs {
  activation: string;
  /** Negative slope for leakyRelu, alpha for elu. */
  alpha?: number;
}

/** Applies an activation elementwise (softmax over the last axis). */
export class Activation extends Layer {
  static override readonly batchlessShapes = true;
  protected override supportsMasking = true;
  static readonly className = 'Activation';
  readonly activation: ResolvedActivation;
  private x?: Tensor;
  private y?: Tensor;

  constructor(args: ActivationLayerArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object with activation', 'activation(args)', args));
    checkKnownKeys(args, ['activation', 'alpha'], 'tn.layers.activation');
    super(args);
    const resolved = resolveActivation(args.activation);
    this.activation = args.alpha === undefined ? resolved : { ...resolved, alpha: checkNumberInRange(args.alpha, 'alpha', -1e9, 1e9) };
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return inputShape.slice();
  }

  override call(inputs: Tensor | Tensor[], _kwargs: CallArgs = {}): Tensor {
    return applyActivation(floatInput(singleInput(this, inputs)), this.activation);
  }

  override forward(x: Tensor, _training: boolean): Tensor {
    const cols = x.shape[x.rank - 1];
    const y = this.buffer('y', x.shape);
    native.activationForward(y.values as Float32Array, x.values as Float32Array, x.size / cols, cols, this.activation.code,
      this.activation.alpha);
    this.x = x;
    this.y = y;
    return y;
  }

  override backward(dy: Tensor, needInputGrad: boolean, dyIsPreActivation = false): Tensor | null {
    if (!needInputGrad) return null;
    if (dyIsPreActivation) return dy;
    const x = this.x!, y = this.y!;
    const cols = x.shape[x.rank - 1];
    const dx = this.buffer('dx', x.shape);
    native.activationBackward(dx.values as Float32Array, dy.values as Float32Array, x.values as Float32Array,
      y.values as Float32Array, x.size / cols, cols, this.activation.code, this.activation.alpha);
    return dx;
  }

  override fusableOutputActivation(): 'sigmoid' | 'softmax' | null {
    return fusableOutputActivation(this.activation);
  }

  override preActivationOutput(): Tensor | null {
    return this.x ?? null;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation.name };
  }
}

/** [batch, d1, d2, …] -> [batch, d1·d2·…], a view on the same memory. */
export class Flatten extends Layer {
  static override readonly batchlessShapes = true;
  static readonly className = 'Flatten';

  constructor(args: LayerArgs = {}) {
    checkKnownKeys(args, [], 'tn.layers.flatten');
    super(args);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return [sizeOf(inputShape)];
  }

  override call(inputs: Tensor | Tensor[], _kwargs: CallArgs = {}): Tensor {
    const x = singleInput(this, inputs);
    return reshape(x, [x.shape[0], sizeOf(x.shape.slice(1))]);
  }

  override forward(x: Tensor, _training: boolean): Tensor {
    return new Tensor(x.values, [x.shape[0], x.size / x.shape[0]], x.dtype);
  }

  override backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    return needInputGrad ? new Tensor(dy.values, [dy.shape[0], ...this.builtInputShape!], dy.dtype) : null;
  }
}

export interface ReshapeLayerArgs extends LayerArgs {
  targetShape: number[];
}

/** Reshapes each sample to targetShape (one entry may be -1), a view on the same memory. */
export class Reshape extends Layer {
  static override readonly batchlessShapes = true;
  static readonly className = 'Reshape';
  readonly targetShape: number[];

  constructor(args: ReshapeLayerArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object with targetShape', 'reshape(args)', args));
    checkKnownKeys(args, ['targetShape'], 'tn.layers.reshape');
    super(args);
    const t = args.targetShape;
    if (!Array.isArray(t) || !t.every((d) => Number.isInteger(d) && (d > 0 || d === -1)) || t.filter((d) => d === -1).length > 1) {
      throw new TypeError(expected('an array of positive integers with at most one -1', 'targetShape', t));
    }
    this.targetShape = t.slice();
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const size = sizeOf(inputShape);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const out = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (!out.every((d) => Number.isInteger(d) && d > 0) || sizeOf(out) !== size) {
      throw new RangeError(`Expected a targetShape with ${size} elements per sample (input shape ${shapeString(inputShape)}) ` +
        `for reshape ${this.name} but received ${shapeString(this.targetShape)}`);
    }
    return out;
  }

  override call(inputs: Tensor | Tensor[], _kwargs: CallArgs = {}): Tensor {
    const x = singleInput(this, inputs);
    return reshape(x, [x.shape[0], ...this.computeOutputShape(x.shape.slice(1))]);
  }

  override forward(x: Tensor, _training: boolean): Tensor {
    return new Tensor(x.values, [x.shape[0], ...this.builtOutputShape!], x.dtype);
  }

  override backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    return needInputGrad ? new Tensor(dy.values, [dy.shape[0], ...this.builtInputShape!], dy.dtype) : null;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}

export interface DropoutLayerArgs extends LayerArgs {
  rate: number;
  /** Seed for this layer's masks; by default they come from the global seeded source. */
  seed?: number;
}

/** Inverted dropout: in training, zeroes a `rate` fraction and scales the rest by 1/(1-rate). */
export class Dropout extends Layer {
  static override readonly batchlessShapes = true;
  protected override supportsMasking = true;
  static readonly className = 'Dropout';
  readonly rate: number;
  private readonly seed?: number;
  private calls = 0;
  private mask: Tensor | null = null;

  constructor(args: DropoutLayerArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object with rate', 'dropout(args)', args));
    checkKnownKeys(args, ['rate', 'seed'], 'tn.layers.dropout');
    super(args);
    this.rate = checkNumberInRange(args.rate, 'rate', 0, 1, true, false);
    if (args.seed !== undefined) this.seed = checkPositiveInteger(args.seed + 1, 'seed') - 1;
  }

  override computeOutputShape(inputShape: number[]): number[] {
    return inputShape.slice();
  }

  /** This call's seed: a new one from the layer's seed each call, or (without) one from the global stream. */
  private nextSeed(): number {
    return this.seed === undefined ? randomUint32() : (this.seed + 0x9e3779b9 * ++this.calls) >>> 0;
  }

  /**
   * Training: a fresh keep mask each call (uniform >= rate, from tn.randomUniform with this
   * call's seed), the kept values scaled by 1/(1 - rate) (inverted dropout, as Keras);
   * inference: the input itself.
   */
  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor {
    const x = singleInput(this, inputs);
    if (kwargs.training !== true || this.rate === 0) return x;
    const keep = cast(greaterEqual(randomUniform(x.shape.slice(), 0, 1, 'float32', this.nextSeed()), this.rate), 'float32');
    return mul(floatInput(x), mul(keep, 1 / (1 - this.rate)));
  }

  override forward(x: Tensor, training: boolean): Tensor {
    if (!training || this.rate === 0) {
      this.mask = null;
      return x;
    }
    const y = this.buffer('y', x.shape);
    const mask = this.buffer('mask', x.shape);
    const seed = this.nextSeed();
    native.dropoutForward(y.values as Float32Array, mask.values as Float32Array, x.values as Float32Array, x.size, this.rate, seed);
    this.mask = mask;
    return y;
  }

  override backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    if (!needInputGrad) return null;
    if (this.mask === null) return dy;
    const dx = this.buffer('dx', dy.shape);
    native.multiply(dx.values as Float32Array, dy.values as Float32Array, this.mask.values as Float32Array, dy.size);
    return dx;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }
}
