// The layer lifecycle every layer follows.
//
// Note [Layers on the engine]
// A layer's computation is `call(inputs, {training, mask})` written with engine ops (lib/ops),
// so its gradient comes from the op registry and the tape: nothing hand-written, a layer called
// twice (a shared layer) keeps both calls' saved tensors on the tape, and gradients of a
// weight used twice add up (Note [Gradient accumulation] in engine/tape.ts). Each weight is a
// LayerVariable whose `tensor` aliases its value array; the tape differentiates with respect
// to that tensor and the optimizer updates the array in place. Built-in layers take batch-less
// shapes in build/computeOutputShape (static batchlessShapes = true); a user's subclass of
// tn.layers.Layer takes them with the batch dimension first, as tfjs and Keras do.
//
// The older protocol below (forward/backward on reused buffers) is still the fast path of a
// Sequential model whose layers all have it; see Note [Two step runners] in models/training.ts.
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
import { SymbolicTensor, applySymbolic } from './topology';

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

/** What a weight regularizer is to a layer (lib/regularizers.ts makes them). */
export interface Regularizer {
  readonly className: string;
  /** The penalty for x, a scalar tensor built from engine ops (so it has a gradient). */
  apply(x: Tensor): Tensor;
  getConfig(): Record<string, unknown>;
}

/** What a weight constraint is to a layer (lib/constraints.ts makes them). */
export interface Constraint {
  readonly className: string;
  /** The constrained value of w (a new tensor of w's shape), applied after each update. */
  apply(w: Tensor): Tensor;
  getConfig(): Record<string, unknown>;
}

/** A weight of a layer: its value, a tensor aliasing it, and the gradient training writes. */
export class LayerVariable {
  readonly name: string;
  readonly shape: number[];
  readonly value: Float32Array;
  readonly grad: Float32Array;
  /** A tensor over `value` (the same memory): what calls read and what the tape differentiates. */
  readonly tensor: Tensor;
  trainable: boolean;
  regularizer: Regularizer | null = null;
  constraint: Constraint | null = null;
  readonly dtype: DType = 'float32';

  constructor(name: string, shape: number[], value: Float32Array, trainable: boolean) {
    this.name = name;
    this.shape = shape;
    this.value = value;
    this.grad = new Float32Array(value.length);
    this.trainable = trainable;
    // kept: a weight outlives every scope (tidy) it is first used in
    this.tensor = keep(new Tensor(value, shape.slice(), 'float32'));
  }

  get size(): number {
    return this.value.length;
  }

  /** tfjs' LayerVariable.read(): the weight as a tensor (aliasing it; use it inside call). */
  read(): Tensor {
    return this.tensor;
  }

  /** tfjs' LayerVariable.write(t): copies t (of the weight's shape) into the weight. */
  write(t: Tensor): void {
    const v = checkTensor(t, `write() of weight ${this.name}`);
    if (v.shape.length !== this.shape.length || v.shape.some((d, i) => d !== this.shape[i])) {
      throw new RangeError(`Weight ${this.name} has shape ${shapeString(this.shape)} but write() received ${shapeString(v.shape)}`);
    }
    this.value.set(v.values as Float32Array);
  }

  /** Applies the constraint, if any, in place (after an optimizer update). */
  applyConstraint(): void {
    if (this.constraint === null) return;
    const c = this.constraint.apply(this.tensor);
    this.value.set(c.values as Float32Array);
    if (c !== this.tensor) c.dispose();
  }
}

/** Keras' call(inputs, training, mask) keyword arguments. */
export interface CallArgs {
  training?: boolean;
  /** [batch, time] of 1/0 for a sequence input (one per input for several inputs), or null. */
  mask?: Tensor | null | (Tensor | null)[];
  [key: string]: unknown;
}

/**
 * Throws when args holds a key outside `known` (so an option we do not implement is never
 * silently ignored), naming the key and listing the known ones.
 */
export function checkKnownKeys(args: object | undefined, known: readonly string[], what: string): void {
  if (args === undefined || args === null) return;
  const all = [...BASE_LAYER_KEYS, ...known];
  for (const key of Object.keys(args)) {
    if ((args as Record<string, unknown>)[key] === undefined) continue;
    if (!all.includes(key)) {
      throw new TypeError(`${what}: unknown option '${key}'; the options are ${all.slice().sort().join(', ')}`);
    }
  }
}

/** The options every layer takes (LayerArgs). */
export const BASE_LAYER_KEYS = ['name', 'inputShape', 'batchInputShape', 'batchSize', 'trainable', 'dtype'] as const;

/** How many shapes' views of one buffer a layer remembers (See Note [Reused buffers]). */
export const BUFFER_SHAPES_PER_KEY = 4;

/** One reused buffer: its backing array and the views of it last handed out, most recent first. */
interface BufferSlot {
  storage: Float32Array | Int32Array;
  views: Tensor[];
}

/** Whether a shape argument is a list of shapes (several inputs) rather than one shape. */
export function isShapeList(shape: unknown): boolean {
  return Array.isArray(shape) && shape.length > 0 && Array.isArray(shape[0]);
}

function mapShapes<T, U>(shape: T[] | T[][], f: (s: T[]) => U[]): U[] | U[][] {
  return isShapeList(shape) ? (shape as T[][]).map(f) : f(shape as T[]);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
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
  /**
   * Built-in layers take batch-less shapes in build and computeOutputShape; a user's subclass
   * takes them with the batch dimension (null) first, as tfjs (Note [Layers on the engine]).
   */
  static readonly batchlessShapes: boolean = false;
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
  /** Every input's / output's batch-less shape, for layers with several (merge layers, returnState). */
  builtInputShapes?: number[][];
  builtOutputShapes?: number[][];
  /** The graph nodes that call this layer on symbolic inputs (topology.ts), in order. */
  readonly inboundNodes: import('./topology').Node[] = [];
  /** Keras' activity_regularizer: a penalty on the layer's output, added to the training loss. */
  activityRegularizer: Regularizer | null = null;
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

  /** Creates weights for an input shape (batch-less for built-in layers). Subclasses call super.build last. */
  build(inputShape: number[] | number[][] | (number | null)[]): void {
    if (this.usesBatchlessShapes()) {
      this.recordShapes(inputShape as number[] | number[][], this.computeOutputShape(inputShape) as number[] | number[][]);
    }
    this.built = true;
  }

  /** Whether build/computeOutputShape take batch-less shapes (built-in layers). */
  usesBatchlessShapes(): boolean {
    return (this.constructor as typeof Layer).batchlessShapes;
  }

  private recordShapes(input: number[] | number[][], output: number[] | number[][]): void {
    const inputs = isShapeList(input) ? (input as number[][]) : [input as number[]];
    const outputs = isShapeList(output) ? (output as number[][]) : [output as number[]];
    this.builtInputShapes = inputs.map((x) => x.slice());
    this.builtOutputShapes = outputs.map((x) => x.slice());
    this.builtInputShape = this.builtInputShapes[0];
    this.builtOutputShape = this.builtOutputShapes[0];
  }

  /**
   * Builds the layer once for batch-less input shape(s); a later call with other shapes is an
   * error. For a user's layer, build and computeOutputShape see the shapes with a null batch.
   */
  ensureBuilt(inputShape: number[] | number[][]): void {
    if (!this.built) {
      if (this.usesBatchlessShapes()) {
        this.build(inputShape);
      } else {
        const withBatchDim = mapShapes(inputShape, (x) => [null, ...x]);
        this.build(withBatchDim as never);
        this.built = true;
        this.recordShapes(inputShape, mapShapes(this.computeOutputShape(withBatchDim as never) as never, (x) => x.slice(1) as number[]));
      }
      return;
    }
    const given = isShapeList(inputShape) ? (inputShape as number[][]) : [inputShape as number[]];
    const built = this.builtInputShapes ?? (this.builtInputShape ? [this.builtInputShape] : []);
    const same = given.length === built.length && given.every((g, k) => sameShape(g, built[k]));
    if (!same) {
      const show = (list: number[][]): string => list.map((x) => shapeString([null, ...x])).join(', ');
      throw new RangeError(`Layer ${this.name} was built for input shape ${show(built)} but received ${show(given)}`);
    }
  }

  /**
   * The output shape for an input shape: batch-less for built-in layers, with the batch first
   * for a user's layer (the default: the input shape, as tfjs).
   */
  computeOutputShape(inputShape: number[] | number[][] | (number | null)[]): number[] | number[][] | (number | null)[] {
    return inputShape as number[];
  }

  /** computeOutputShape on batch-less shapes whatever the layer's convention. */
  outputShapeFor(inputShape: number[] | number[][]): number[] | number[][] {
    if (this.usesBatchlessShapes()) return this.computeOutputShape(inputShape) as number[] | number[][];
    const out = this.computeOutputShape(mapShapes(inputShape, (x) => [null, ...x]) as never) as never;
    return mapShapes(out, (x) => x.slice(1) as number[]);
  }

  /**
   * The layer's computation on engine ops (Note [Layers on the engine]): inputs is a tensor,
   * or an array of them for a layer of several inputs; returns a tensor or several.
   */
  call(_inputs: Tensor | Tensor[], _kwargs: CallArgs): Tensor | Tensor[] {
    throw new Error(`Layer ${this.name} (${this.getClassName()}) does not implement call(inputs, kwargs)`);
  }

  /** Old protocol (Note [Reused buffers]): x -> y on reused buffers; see hasBackward. */
  forward(_x: Tensor, _training: boolean, _mask?: Tensor | null): Tensor {
    throw new Error(`Layer ${this.name} (${this.getClassName()}) has no forward (it runs through call)`);
  }

  /** Old protocol: writes every weight's .grad; see the comment at the top of this file. */
  backward(_dy: Tensor, _needInputGrad: boolean, _dyIsPreActivation?: boolean): Tensor | null {
    throw new Error(`Layer ${this.name} (${this.getClassName()}) has no hand-written backward`);
  }

  /** Whether this layer has the old forward/backward pair (the Sequential fast path). */
  hasBackward(): boolean {
    return this.forward !== Layer.prototype.forward && this.backward !== Layer.prototype.backward;
  }

  /** Keras' layer.losses: penalties of the weights' regularizers (scalar tensors, engine ops). */
  regularizationLosses(): Tensor[] {
    const out: Tensor[] = [];
    for (const v of this.weightVariables) if (v.regularizer !== null && (this.trainable && v.trainable)) out.push(v.regularizer.apply(v.tensor));
    return out;
  }

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

  /**
   * Creates a weight; its value comes from the initializer. Two forms:
   *   addWeight(name, shape, initializer, trainable?, {regularizer, constraint}?)   (built-in layers)
   *   addWeight(name, shape, dtype?, initializer?, regularizer?, trainable?, constraint?)   (tfjs)
   */
  addWeight(name: string, shape: number[], ...rest: unknown[]): LayerVariable {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(expected('a non-empty string', 'addWeight(name)', name));
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new TypeError(expected('an array of non-negative integers', `addWeight('${name}', shape)`, shape));
    }
    let initializer: Initializer;
    let trainable = true;
    let regularizer: Regularizer | null = null;
    let constraint: Constraint | null = null;
    if (rest.length === 0 || rest[0] === undefined || typeof rest[0] === 'string') {
      const [dtype, init, reg, tr, con] = rest as [unknown, unknown, unknown, unknown, unknown];
      if (dtype !== undefined && dtype !== 'float32') {
        throw new TypeError(expected("'float32' (the only weight dtype so far)", `addWeight('${name}', dtype)`, dtype));
      }
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const inits = require('../initializers') as typeof import('../initializers');
      initializer = inits.resolveInitializer(init, `addWeight('${name}', initializer)`, 'glorotUniform');
      if (tr !== undefined && tr !== null) trainable = checkBoolean(tr, `addWeight('${name}', trainable)`);
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      regularizer = reg === undefined || reg === null ? null : (require('../regularizers') as typeof import('../regularizers')).resolveRegularizer(reg, `addWeight('${name}', regularizer)`);
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      constraint = con === undefined || con === null ? null : (require('../constraints') as typeof import('../constraints')).resolveConstraint(con, `addWeight('${name}', constraint)`);
    } else {
      const [init, tr, extra] = rest as [Initializer, boolean | undefined, { regularizer?: Regularizer | null; constraint?: Constraint | null } | undefined];
      initializer = init;
      if (tr !== undefined) trainable = tr;
      regularizer = extra?.regularizer ?? null;
      constraint = extra?.constraint ?? null;
    }
    const value = initializer.apply(shape);
    const v = new LayerVariable(`${this.name}/${name}`, shape.slice(), value, trainable);
    v.regularizer = regularizer;
    v.constraint = constraint;
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

  /**
   * tfjs' layer.apply: on tensors, runs call in inference mode (building the layer if needed)
   * and returns new tensors; on symbolic tensors (tn.input), adds a node to the graph and
   * returns the symbolic outputs (topology.ts).
   */
  apply(inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], kwargs: CallArgs = {}): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0) throw new TypeError(`Layer ${this.name}: apply() needs at least one input`);
    if (list.every((t) => t instanceof SymbolicTensor)) return applySymbolic(this, inputs as SymbolicTensor | SymbolicTensor[], kwargs);
    list.forEach((t, i) => {
      if (t instanceof SymbolicTensor) throw new TypeError(`Layer ${this.name}: apply() got symbolic and concrete inputs mixed (input ${i} is symbolic)`);
      checkTensor(t, list.length === 1 ? 'input' : `inputs[${i}]`);
      if ((t as Tensor).rank < 1) throw new RangeError(`Layer ${this.name} needs an input with a batch dimension`);
    });
    const tensors = list as Tensor[];
    this.ensureBuilt(Array.isArray(inputs) ? tensors.map((t) => t.shape.slice(1)) : tensors[0].shape.slice(1));
    return this.call(Array.isArray(inputs) ? tensors : tensors[0], { training: false, ...kwargs });
  }
}

/** Tensor of shape [batch, ...rest] over the same memory (used to re-shape buffers). */
export function withBatch(t: Tensor, batch: number, rest: number[]): Tensor {
  return new Tensor(t.values, [batch, ...rest], t.dtype);
}
