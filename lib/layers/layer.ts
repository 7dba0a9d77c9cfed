// The layer lifecycle every layer follows (Keras' Layer, with explicit backward):
//
//   constructor(args)     validates the config, in user terms
//   build(inputShape)     creates the weights for a batch-less input shape
//   computeOutputShape    batch-less output shape for a batch-less input shape
//   forward(x, training)  x: [batch, ...inputShape] -> y; keeps what backward needs
//   backward(dy, needInputGrad, dyIsPreActivation)
//                         -> dx (or null when the caller needs no input gradient, e.g. the
//                         first layer); WRITES every weight's .grad (not +=). With
//                         dyIsPreActivation, dy is already the gradient w.r.t. the layer's
//                         pre-activation output; see Note [Fused output activation] in
//                         native/cpu/loss.h.
//
// Note [Reused buffers]: forward and backward write into buffers the layer keeps, keyed by
// name (see `buffer`), so a steady-state training step allocates nothing. A tensor a layer
// returns is therefore only valid until the layer runs again; models copy what they hand to
// users. Memory is bounded whatever the batch sizes: each name has ONE backing array, grown
// by half again when a larger shape needs more, and the tensors handed out are views of its
// first elements, remembered for the BUFFER_SHAPES_PER_KEY most recent shapes (fit needs two,
// the full batch and the last one, and validation two more), so steady state allocates no
// view either. A server predicting every batch size from 1 to 2,000 thus keeps one array per
// name, the size of its largest batch, instead of allocating (and fragmenting the heap with)
// a new one per size. Contents are stale: kernels write every element of their outputs. A
// view handed out before the backing array grew stays valid for whoever still holds it.
import { checkBoolean, expected, shapeString } from '../errors';
import { Initializer } from '../initializers';
import { DType, Tensor, checkTensor, sizeOf } from '../tensor';
import { keep } from '../engine/memory';

export interface LayerArgs {
  /** Layer name; unique names are generated when omitted. */
  name?: string;
  /** Input shape without the batch dimension (first layer of a model). */
  inputShape?: number[];
  /** Input shape with the batch dimension first (null for any batch size). */
  batchInputShape?: (number | null)[];
  /** Batch size, with inputShape. */
  batchSize?: number;
  trainable?: boolean;
  /** Input dtype for the first layer: 'float32' (default) or 'int32' (indices). */
  dtype?: DType;
}

/** A weight of a layer: its value and the gradient backward writes. */
export class LayerVariable {
  readonly name: string;
  readonly shape: number[];
  readonly value: Float32Array;
  readonly grad: Float32Array;
  trainable: boolean;

  constructor(name: string, shape: number[], value: Float32Array, trainable: boolean) {
    this.name = name;
    this.shape = shape;
    this.value = value;
    this.grad = new Float32Array(value.length);
    this.trainable = trainable;
  }

  get size(): number {
    return this.value.length;
  }
}

/** How many shapes' views of one buffer a layer remembers (See Note [Reused buffers]). */
export const BUFFER_SHAPES_PER_KEY = 4;

/** One reused buffer: its backing array and the views of it last handed out, most recent first. */
interface BufferSlot {
  storage: Float32Array | Int32Array;
  views: Tensor[];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const nameCounters = new Map<string, number>();

/** 'dense' -> 'dense', 'dense_1', 'dense_2', … (as Keras names layers). */
export function uniqueName(prefix: string): string {
  const n = nameCounters.get(prefix) ?? 0;
  nameCounters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Keras' to_snake_case: 'Dense' -> 'dense', 'MaxPooling2D' -> 'max_pooling2d', 'Conv2D' -> 'conv2d'. */
export function toSnakeCase(className: string): string {
  return className.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

export abstract class Layer {
  readonly name: string;
  trainable: boolean;
  built = false;
  /** Batch-less input shape given in the config (first layer), if any. */
  readonly declaredInputShape?: number[];
  readonly declaredBatchSize?: number;
  readonly inputDtype: DType;
  /** Batch-less shapes known once built. */
  builtInputShape?: number[];
  builtOutputShape?: number[];
  protected readonly variables: LayerVariable[] = [];
  /** Reused buffers by `${key}:${dtype}` (See Note [Reused buffers]). */
  private readonly buffers = new Map<string, BufferSlot>();

  constructor(args: LayerArgs = {}) {
    const className = (this.constructor as { className?: string }).className ?? this.constructor.name;
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name.length === 0)) {
      throw new TypeError(expected('a non-empty string', 'name', args.name));
    }
    this.name = args.name ?? uniqueName(toSnakeCase(className));
    this.trainable = args.trainable === undefined ? true : checkBoolean(args.trainable, 'trainable');
    if (args.inputShape !== undefined) {
      if (!Array.isArray(args.inputShape) || !args.inputShape.every((d) => Number.isInteger(d) && d > 0)) {
        throw new TypeError(expected('an array of positive integers', 'inputShape', args.inputShape));
      }
      this.declaredInputShape = args.inputShape.slice();
    } else if (args.batchInputShape !== undefined) {
      const b = args.batchInputShape;
      if (!Array.isArray(b) || b.length < 2 || !b.slice(1).every((d) => Number.isInteger(d) && (d as number) > 0)) {
        throw new TypeError(expected('[batch|null, ...positive integers]', 'batchInputShape', b));
      }
      this.declaredInputShape = b.slice(1) as number[];
      if (b[0] !== null) this.declaredBatchSize = b[0] as number;
    }
    if (args.batchSize !== undefined) this.declaredBatchSize = args.batchSize;
    if (args.dtype !== undefined && args.dtype !== 'float32' && args.dtype !== 'int32') {
      throw new TypeError(expected("'float32' or 'int32'", 'dtype', args.dtype));
    }
    this.inputDtype = args.dtype ?? 'float32';
  }

  /** Keras class name, e.g. 'Dense'. */
  getClassName(): string {
    return (this.constructor as { className?: string }).className ?? this.constructor.name;
  }

  /** Creates weights for a batch-less input shape. Subclasses call super.build last. */
  build(inputShape: number[]): void {
    this.builtInputShape = inputShape.slice();
    this.builtOutputShape = this.computeOutputShape(inputShape);
    this.built = true;
  }

  /** Builds the layer once for an input shape; a later call with another shape is an error. */
  ensureBuilt(inputShape: number[]): void {
    if (!this.built) {
      this.build(inputShape);
      return;
    }
    const s = this.builtInputShape!;
    if (s.length !== inputShape.length || s.some((d, i) => d !== inputShape[i])) {
      throw new RangeError(`Layer ${this.name} was built for input shape ${shapeString([null, ...s])} but received ` +
        `${shapeString([null, ...inputShape])}`);
    }
  }

  abstract computeOutputShape(inputShape: number[]): number[];
  /** mask: [batch, time] of 1/0 from a layer before (Embedding with maskZero), or null. */
  abstract forward(x: Tensor, training: boolean, mask?: Tensor | null): Tensor;
  abstract backward(dy: Tensor, needInputGrad: boolean, dyIsPreActivation?: boolean): Tensor | null;

  /**
   * For the model's last layer: 'sigmoid' or 'softmax' when the layer ends in that activation
   * and can hand the loss its pre-activation output (see preActivationOutput).
   */
  fusableOutputActivation(): 'sigmoid' | 'softmax' | null {
    return null;
  }

  /** The pre-activation output of the last forward, when fusableOutputActivation() is not null. */
  preActivationOutput(): Tensor | null {
    return null;
  }

  /** Whether a mask passes through this layer unchanged (Keras' supports_masking). */
  protected supportsMasking = false;

  /**
   * The mask for this layer's output, given its input and the input's mask (called after
   * forward). Layers that consume a mask (recurrent layers without returnSequences) or make
   * one (Embedding with maskZero) override this; others pass it on when supportsMasking.
   */
  computeMask(_input: Tensor, mask: Tensor | null): Tensor | null {
    return this.supportsMasking ? mask : null;
  }

  /** Creates a weight; its value comes from the initializer. */
  protected addWeight(name: string, shape: number[], initializer: Initializer, trainable = true): LayerVariable {
    const value = initializer.apply(shape);
    const v = new LayerVariable(`${this.name}/${name}`, shape.slice(), value, trainable);
    this.variables.push(v);
    return v;
  }

  /** A buffer kept across steps for `key` (see Note [Reused buffers]). Contents are stale. */
  protected buffer(key: string, shape: number[], dtype: DType = 'float32'): Tensor {
    const id = `${key}:${dtype}`;
    let slot = this.buffers.get(id);
    if (slot !== undefined) {
      const views = slot.views;
      if (sameShape(views[0].shape, shape)) return views[0];
      const at = views.findIndex((t) => sameShape(t.shape, shape));
      if (at > 0) {
        const t = views.splice(at, 1)[0];
        views.unshift(t);
        return t;
      }
    }
    const n = sizeOf(shape);
    if (slot === undefined || slot.storage.length < n) {
      const capacity = slot === undefined ? n : Math.max(n, Math.ceil(slot.storage.length * 1.5));
      slot = { storage: dtype === 'int32' ? new Int32Array(capacity) : new Float32Array(capacity), views: [] };
      this.buffers.set(id, slot);
    }
    // kept: the layer owns its buffers, so a tidy() around the first call must not dispose them
    const t = keep(new Tensor(slot.storage.subarray(0, n), shape.slice(), dtype));
    slot.views.unshift(t);
    if (slot.views.length > BUFFER_SHAPES_PER_KEY) slot.views.pop();
    return t;
  }

  /** Forgets reused buffers (e.g. after a different batch size was used once). */
  releaseBuffers(): void {
    this.buffers.clear();
  }

  /** All weights, trainable first (Keras order within each group is creation order). */
  get weightVariables(): LayerVariable[] {
    return this.variables.slice();
  }

  get trainableVariables(): LayerVariable[] {
    return this.trainable ? this.variables.filter((v) => v.trainable) : [];
  }

  /** Copies of the weights, as tensors (Keras layouts). */
  getWeights(): Tensor[] {
    return this.variables.map((v) => new Tensor(v.value.slice(), v.shape.slice(), 'float32'));
  }

  /** Sets the weights from tensors of exactly the weights' shapes (values are copied). */
  setWeights(weights: Tensor[]): void {
    if (!Array.isArray(weights) || weights.length !== this.variables.length) {
      throw new RangeError(`Layer ${this.name} expects ${this.variables.length} weight tensors ` +
        `(${this.variables.map((v) => shapeString(v.shape)).join(', ')}) but received ` +
        `${Array.isArray(weights) ? weights.length : typeof weights}${this.built ? '' : ' (the layer is not built yet)'}`);
    }
    weights.forEach((w, i) => {
      const t = checkTensor(w, `weights[${i}]`);
      const v = this.variables[i];
      if (t.shape.length !== v.shape.length || t.shape.some((d, k) => d !== v.shape[k])) {
        throw new RangeError(`Expected shape ${shapeString(v.shape)} for weights[${i}] (${v.name}) but received shape ` +
          `${shapeString(t.shape)}`);
      }
      v.value.set(t.values);
    });
  }

  countParams(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, trainable: this.trainable };
  }

  /** Runs the layer on a tensor in inference mode, building it if needed; returns a new tensor. */
  apply(input: Tensor): Tensor {
    const x = checkTensor(input, 'input');
    if (x.rank < 1) throw new RangeError(`Layer ${this.name} needs an input with a batch dimension`);
    this.ensureBuilt(x.shape.slice(1));
    const y = this.forward(x, false);
    return new Tensor(y.values.slice(), y.shape.slice(), y.dtype);
  }
}

/** Tensor of shape [batch, ...rest] over the same memory (used to re-shape buffers). */
export function withBatch(t: Tensor, batch: number, rest: number[]): Tensor {
  return new Tensor(t.values, [batch, ...rest], t.dtype);
}
