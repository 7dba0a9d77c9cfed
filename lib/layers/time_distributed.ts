// TimeDistributed: applies one layer to every time step of a [batch, time, ...] input, with
// the same weights at every step (Keras 3 semantics).
//
// Note [Time folded into the batch]
// Instead of calling the inner layer once per step (Keras' loop over time), the time axis is
// folded into the batch: [b, t, ...] -> [b*t, ...], one inner call, then [b*t, ...out] ->
// [b, t, ...out]. Both reshapes are views with gradients on the tape, so the inner layer's
// weight gradients sum over steps as they would over separate calls. It is the same
// computation for every layer whose samples are independent (dense, conv, pooling, dropout
// in inference); a layer that mixes samples sees b*t of them at once (batch normalization in
// training computes its statistics over all steps together, where Keras' loop would use each
// step's). A mask [b, t, ...] is folded the same way and given to the inner layer.
import { expected, shapeString } from '../errors';
import { reshape } from '../ops';
import { Tensor } from '../tensor';
import { CallArgs, Layer, LayerArgs, LayerVariable, checkKnownKeys, isShapeList } from './layer';

export interface TimeDistributedLayerArgs extends LayerArgs {
  /** The layer applied at every time step. */
  layer: Layer;
}

export class TimeDistributed extends Layer {
  static override readonly batchlessShapes = true;
  static readonly className = 'TimeDistributed';
  readonly layer: Layer;

  constructor(args: TimeDistributedLayerArgs) {
    if (args === null || typeof args !== 'object' || !(args.layer instanceof Layer)) {
      throw new TypeError(expected('an object {layer} with a Layer (e.g. tn.layers.dense(...))', 'timeDistributed(args)',
        args === null || typeof args !== 'object' ? args : args.layer));
    }
    checkKnownKeys(args, ['layer'], 'timeDistributed');
    super(args);
    this.layer = args.layer;
  }

  /** The per-step shape for a batch-less [time, ...rest] input shape. */
  private stepShape(inputShape: number[] | number[][]): number[] {
    if (isShapeList(inputShape)) throw new TypeError(`Layer ${this.name} (TimeDistributed) takes one input but received a list of ${inputShape.length}`);
    const s = inputShape as number[];
    if (s.length < 2) {
      throw new RangeError(`Layer ${this.name} (TimeDistributed) needs inputs of rank >= 3 ([batch, time, ...]) but received shape ` +
        `${shapeString([null, ...s])}`);
    }
    return s.slice(1);
  }

  override build(inputShape: number[]): void {
    this.layer.ensureBuilt(this.stepShape(inputShape));
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    const step = this.layer.outputShapeFor(this.stepShape(inputShape));
    if (isShapeList(step)) throw new RangeError(`Layer ${this.name} (TimeDistributed): the inner layer ${this.layer.name} has several outputs`);
    return [inputShape[0], ...(step as number[])];
  }

  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor {
    if (Array.isArray(inputs)) {
      if (inputs.length !== 1) throw new TypeError(`Layer ${this.name} (TimeDistributed) takes one input but received ${inputs.length}`);
      inputs = inputs[0];
    }
    const x = inputs;
    if (x.rank < 3) {
      throw new RangeError(`Layer ${this.name} (TimeDistributed) needs inputs of rank >= 3 ([batch, time, ...]) but received shape ${shapeString(x.shape)}`);
    }
    const [b, t] = x.shape;
    // Note [Time folded into the batch]
    const folded = reshape(x, [b * t, ...x.shape.slice(2)]);
    let mask: Tensor | null = null;
    if (kwargs.mask !== undefined && kwargs.mask !== null) {
      const m = kwargs.mask;
      if (Array.isArray(m) || !(m instanceof Tensor) || m.rank < 2 || m.shape[0] !== b || m.shape[1] !== t) {
        throw new RangeError(`Layer ${this.name} (TimeDistributed) needs a mask of shape [${b}, ${t}, ...] for an input of shape ` +
          `${shapeString(x.shape)} but received ${m instanceof Tensor ? shapeString(m.shape) : Array.isArray(m) ? 'a list of masks' : String(m)}`);
      }
      mask = reshape(m, [b * t, ...m.shape.slice(2)]);
    }
    const y = this.layer.call(folded, { ...kwargs, mask });
    if (Array.isArray(y)) throw new RangeError(`Layer ${this.name} (TimeDistributed): the inner layer ${this.layer.name} returned several outputs`);
    return reshape(y, [b, t, ...y.shape.slice(1)]);
  }

  // The weights are the inner layer's (shared by every step).
  override get weightVariables(): LayerVariable[] {
    return this.layer.weightVariables;
  }

  override get trainableVariables(): LayerVariable[] {
    return this.trainable ? this.layer.trainableVariables : [];
  }

  override regularizationLosses(): Tensor[] {
    return this.trainable ? this.layer.regularizationLosses() : [];
  }

  override getWeights(): Tensor[] {
    return this.layer.getWeights();
  }

  override setWeights(weights: Tensor[]): void {
    this.layer.setWeights(weights);
  }

  override countParams(): number {
    return this.layer.countParams();
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: { className: this.layer.getClassName(), config: this.layer.getConfig() } };
  }

  override toString(): string {
    return `TimeDistributed(${this.layer.getClassName()} ${shapeString([null, ...(this.builtOutputShape ?? [])])})`;
  }
}
