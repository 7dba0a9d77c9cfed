// Batch normalization (Keras 3's BatchNormalization). call runs the engine's batch-norm ops
// (batchNormTraining with the batch statistics, batchNorm with the moving ones); the older
// forward/backward pair runs native/cpu/batchnorm.cpp, forward and backward fused per channel.
//
// Training (fit, or forward with training=true on a trainable layer) normalizes with the
// batch mean and the BIASED batch variance and updates
//   movingMean = movingMean·momentum + mean·(1 - momentum)   (same for movingVariance)
// as Keras 3 does (ops.moments, no Bessel correction). Inference (predict/evaluate, or a
// layer with trainable = false, as in Keras 3) uses the moving statistics.
// Weights, in Keras order: gamma (scale), beta (center), movingMean, movingVariance; the
// moving ones are non-trainable. In call they are written in place after the op, outside the
// tape (their update is no part of the gradient). A mask passes through and is not used for
// the statistics (unlike Keras 3, which computes masked moments).
import { checkBoolean, checkNumberInRange, expected, shapeString } from '../errors';
import { Initializer, resolveInitializer } from '../initializers';
import { native } from '../native';
import { Tensor, sizeOf } from '../tensor';
import { withoutRecording } from '../engine/tape';
import { batchNorm, batchNormTraining } from '../ops/conv';
import { add, alongLastAxis, mul } from '../ops/elementwise';
import { constraintOption, floatInput, regularizerOption, serializeOption, singleInput } from './core';
import { CallArgs, Constraint, Layer, LayerArgs, LayerVariable, Regularizer, checkKnownKeys } from './layer';

export interface BatchNormalizationLayerArgs extends LayerArgs {
  /** The feature axis (counting the batch axis as 0); default -1 (channels last). */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: string | Initializer;
  gammaInitializer?: string | Initializer;
  movingMeanInitializer?: string | Initializer;
  movingVarianceInitializer?: string | Initializer;
  betaRegularizer?: string | Regularizer | null;
  gammaRegularizer?: string | Regularizer | null;
  betaConstraint?: string | Constraint | null;
  gammaConstraint?: string | Constraint | null;
}

const BATCH_NORMALIZATION_KEYS = ['axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer',
  'movingMeanInitializer', 'movingVarianceInitializer', 'betaRegularizer', 'gammaRegularizer', 'betaConstraint', 'gammaConstraint'];

export class BatchNormalization extends Layer {
  static override readonly batchlessShapes = true;
  protected override supportsMasking = true;
  static readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly initializers: Initializer[];
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  readonly betaConstraint: Constraint | null;
  readonly gammaConstraint: Constraint | null;
  gamma?: LayerVariable;
  beta?: LayerVariable;
  movingMean?: LayerVariable;
  movingVariance?: LayerVariable;
  // (outer, channels, inner) per sample, from the built input shape.
  private perSampleOuter = 1;
  private channels = 0;
  private inner = 1;
  // Saved by forward for backward.
  private x?: Tensor;
  private mean = new Float32Array(0);
  private invstd = new Float32Array(0);
  private trainingMode = false;

  constructor(args: BatchNormalizationLayerArgs = {}) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object', 'batchNormalization(args)', args));
    checkKnownKeys(args, BATCH_NORMALIZATION_KEYS, 'tn.layers.batchNormalization');
    super(args);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis)) throw new TypeError(expected('an integer', 'axis', axis));
    this.axis = axis;
    this.momentum = args.momentum === undefined ? 0.99 : checkNumberInRange(args.momentum, 'momentum', 0, 1);
    this.epsilon = args.epsilon === undefined ? 1e-3 : checkNumberInRange(args.epsilon, 'epsilon', 0, Infinity, false, false);
    this.center = args.center === undefined ? true : checkBoolean(args.center, 'center');
    this.scale = args.scale === undefined ? true : checkBoolean(args.scale, 'scale');
    this.initializers = [
      resolveInitializer(args.gammaInitializer, 'gammaInitializer', 'ones'),
      resolveInitializer(args.betaInitializer, 'betaInitializer', 'zeros'),
      resolveInitializer(args.movingMeanInitializer, 'movingMeanInitializer', 'zeros'),
      resolveInitializer(args.movingVarianceInitializer, 'movingVarianceInitializer', 'ones'),
    ];
    this.betaRegularizer = regularizerOption(args.betaRegularizer, 'betaRegularizer');
    this.gammaRegularizer = regularizerOption(args.gammaRegularizer, 'gammaRegularizer');
    this.betaConstraint = constraintOption(args.betaConstraint, 'betaConstraint');
    this.gammaConstraint = constraintOption(args.gammaConstraint, 'gammaConstraint');
  }

  /** The axis as an index into the batch-less shape. */
  private featureIndex(inputShape: number[]): number {
    const full = inputShape.length + 1;
    const a = this.axis < 0 ? this.axis + full : this.axis;
    if (a < 1 || a >= full) {
      throw new RangeError(expected(`an axis in [1, ${full - 1}] or [-${full - 1}, -1] (not the batch axis) for inputs of shape ` +
        `${shapeString([null, ...inputShape])}`, 'axis', this.axis));
    }
    return a - 1;
  }

  override build(inputShape: number[]): void {
    const i = this.featureIndex(inputShape);
    const c = inputShape[i];
    this.perSampleOuter = sizeOf(inputShape.slice(0, i));
    this.channels = c;
    this.inner = sizeOf(inputShape.slice(i + 1));
    const [g, b, mm, mv] = this.initializers;
    if (this.scale) this.gamma = this.addWeight('gamma', [c], g, true, { regularizer: this.gammaRegularizer, constraint: this.gammaConstraint });
    if (this.center) this.beta = this.addWeight('beta', [c], b, true, { regularizer: this.betaRegularizer, constraint: this.betaConstraint });
    this.movingMean = this.addWeight('moving_mean', [c], mm, false);
    this.movingVariance = this.addWeight('moving_variance', [c], mv, false);
    this.mean = new Float32Array(c);
    this.invstd = new Float32Array(c);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    this.featureIndex(inputShape);
    return inputShape.slice();
  }

  /**
   * Training (training true on a trainable layer): the batch statistics through
   * batchNormTraining, then the moving statistics updated in place with the layer's momentum.
   * Otherwise the moving statistics, through tn.batchNorm along the feature axis.
   */
  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor {
    const x = floatInput(singleInput(this, inputs));
    const axis = this.featureIndex(x.shape.slice(1)) + 1;
    const gamma = this.gamma ? this.gamma.tensor : null, beta = this.beta ? this.beta.tensor : null;
    const movingMean = this.movingMean!, movingVariance = this.movingVariance!;
    if (kwargs.training === true && this.trainable) {
      const { y, mean, variance } = batchNormTraining(x, gamma, beta, this.epsilon, axis);
      withoutRecording(() => {
        const m = this.momentum;
        movingMean.write(add(mul(movingMean.tensor, m), mul(mean, 1 - m)));
        movingVariance.write(add(mul(movingVariance.tensor, m), mul(variance, 1 - m)));
      });
      return y;
    }
    return alongLastAxis(x, axis, (u) => batchNorm(u, movingMean.tensor, movingVariance.tensor, beta ?? undefined, gamma ?? undefined,
      this.epsilon));
  }

  override forward(x: Tensor, training: boolean): Tensor {
    const y = this.buffer('y', x.shape);
    this.trainingMode = training && this.trainable;
    native.batchNormForward(y.values as Float32Array, this.mean, this.invstd, this.movingMean!.value,
      this.movingVariance!.value, x.values as Float32Array, this.gamma ? this.gamma.value : null,
      this.beta ? this.beta.value : null, x.shape[0] * this.perSampleOuter, this.channels, this.inner, this.momentum,
      this.epsilon, this.trainingMode);
    this.x = x;
    return y;
  }

  override backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    const x = this.x!;
    const dx = needInputGrad ? this.buffer('dx', x.shape) : null;
    const grads = this.trainable;
    native.batchNormBackward(dx ? (dx.values as Float32Array) : null, grads && this.gamma ? this.gamma.grad : null,
      grads && this.beta ? this.beta.grad : null, dy.values as Float32Array, x.values as Float32Array, this.mean, this.invstd,
      this.gamma ? this.gamma.value : null, x.shape[0] * this.perSampleOuter, this.channels, this.inner, this.trainingMode);
    return dx;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), axis: this.axis, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaRegularizer: serializeOption(this.betaRegularizer), gammaRegularizer: serializeOption(this.gammaRegularizer),
      betaConstraint: serializeOption(this.betaConstraint), gammaConstraint: serializeOption(this.gammaConstraint),
    };
  }
}
