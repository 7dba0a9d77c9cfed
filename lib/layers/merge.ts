// Merge layers (Keras 3 semantics): add, subtract, multiply, average, maximum, minimum,
// concatenate, dot. Each is called on a list of tensors, written with engine ops, so its
// gradient comes from the tape (Note [Layers on the engine] in layer.ts).
//
// Note [Merge broadcasting]
// The elementwise merges take inputs of one shape, or shapes Keras' Merge allows: batch-less
// shapes aligned from the right, where a dimension of 1 broadcasts against any size and a
// missing leading dimension counts as 1 ([3] with [2, 3] gives [2, 3]). An input of lower
// rank gets its new axes of size 1 right after the batch axis (Keras expands at axis 1), so
// the batch axis never takes part in broadcasting; every input's batch size must be the same.
//
// Note [Merge masks]
// Masks come as kwargs.mask, one per input (or null), [batch, time] of 1/0. As Keras 3: the
// output mask of an elementwise merge is the OR of the input masks when every input has one,
// else none; maximum and minimum take, at a step masked in some inputs, the result of the
// others (the identity-free fold of Keras' _apply_merge_op_and_or_mask); multiply treats a
// masked step as 1 and zeroes the steps masked in all inputs; add, subtract and average use
// the values as they are. Concatenate's mask is Keras': each input's mask broadcast over its
// features (all ones for an input without one), concatenated along the axis, any over the
// last axis. Dot's output has no mask.
import { checkBoolean, expected, shapeString } from '../errors';
import {
  add, any, broadcastTo, cast, concat, div, expandDims, logicalOr, matMul, maximum, minimum, mul, notEqual, onesLike, reshape,
  rsqrt, square, sub, sum, transpose, where,
} from '../ops';
import { Tensor } from '../tensor';
import { CallArgs, Layer, LayerArgs, checkKnownKeys, isShapeList } from './layer';

/** The layers' list of batch-less input shapes; a single shape is an error naming the layer. */
function shapeList(layer: Layer, inputShape: number[] | number[][]): number[][] {
  if (!isShapeList(inputShape)) {
    throw new TypeError(`Layer ${layer.name} (${layer.getClassName()}) must be called on a list of inputs ` +
      `but received one input of shape ${shapeString([null, ...(inputShape as number[])])}`);
  }
  return inputShape as number[][];
}

function tensorList(layer: Layer, inputs: Tensor | Tensor[]): Tensor[] {
  if (!Array.isArray(inputs)) {
    throw new TypeError(`Layer ${layer.name} (${layer.getClassName()}) must be called on a list of tensors but received one tensor`);
  }
  if (inputs.length === 0) throw new RangeError(`Layer ${layer.name} (${layer.getClassName()}) must be called on at least 1 input`);
  const batch = inputs[0].shape[0];
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(expected('a Tensor', `input ${i} of layer ${layer.name}`, t));
    if (t.rank < 1 || t.shape[0] !== batch) {
      throw new RangeError(`Layer ${layer.name} (${layer.getClassName()}) cannot merge tensors with different batch sizes: ` +
        `${inputs.map((x) => shapeString(x.shape)).join(', ')}`);
    }
  });
  return inputs;
}

/** The per-input masks of kwargs.mask (null entries where none), or null when no input has one. */
function maskList(layer: Layer, mask: CallArgs['mask'], count: number): (Tensor | null)[] | null {
  if (mask === undefined || mask === null) return null;
  if (!Array.isArray(mask) || mask.length !== count) {
    throw new TypeError(`Layer ${layer.name} (${layer.getClassName()}) takes one mask per input (a list of ${count}, ` +
      `entries may be null) but received ${Array.isArray(mask) ? `a list of ${mask.length}` : 'a single mask'}`);
  }
  return mask.every((m) => m === null || m === undefined) ? null : mask.map((m) => m ?? null);
}

/** A mask as a bool tensor (masks are 1/0 floats here; user masks may be bool or int). */
function asBool(m: Tensor): Tensor {
  return m.dtype === 'bool' ? m : notEqual(m, 0);
}

/** Keras' expand_dims(mask, -1) broadcast to x's shape (a mask of x's rank is used as is). */
function maskLike(layer: Layer, m: Tensor, x: Tensor): Tensor {
  const b = asBool(m);
  if (b.rank === x.rank) return broadcastTo(b, x.shape.slice());
  if (b.rank === x.rank - 1) return broadcastTo(expandDims(b, -1), x.shape.slice());
  throw new RangeError(`Layer ${layer.name}: a mask of shape ${shapeString(m.shape)} does not fit an input of shape ${shapeString(x.shape)}`);
}

/** The OR of every input's mask as 1/0 float32 when all inputs have one, else null. */
function orOfMasks(masks: (Tensor | null)[] | null): Tensor | null {
  if (masks === null || masks.some((m) => m === null)) return null;
  let out = asBool(masks[0]!);
  for (const m of masks.slice(1)) out = logicalOr(out, asBool(m!));
  return cast(out, 'float32');
}

/** Keras' base Merge (the elementwise merges); see Note [Merge broadcasting]. */
export abstract class Merge extends Layer {
  static override readonly batchlessShapes = true;
  protected override supportsMasking = true;
  /** Exactly this many inputs (subtract, dot), or null for any number from 1. */
  protected readonly inputCount: number | null = null;
  /** Whether inputs of lower rank are expanded first (Note [Merge broadcasting]); not for concatenate and dot. */
  protected readonly expandsRanks: boolean = true;

  constructor(args: LayerArgs = {}, known: readonly string[] = [], factory = 'merge') {
    if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) {
      throw new TypeError(expected('an object of layer options', `${factory}(args)`, args));
    }
    checkKnownKeys(args, known, factory);
    super(args);
  }

  /** Checks the count of inputs. */
  protected checkCount(count: number): void {
    const n = this.inputCount;
    if ((n !== null && count !== n) || count < 1) {
      throw new RangeError(`Layer ${this.name} (${this.getClassName()}) must be called on ${n === null ? 'at least 1 input' : `exactly ${n} inputs`} ` +
        `but received ${count}`);
    }
  }

  override build(inputShape: number[] | number[][]): void {
    const shapes = shapeList(this, inputShape);
    this.checkCount(shapes.length);
    super.build(shapes);  // computeOutputShape validates the shapes
  }

  /** Keras' _compute_elemwise_op_output_shape over all inputs (batch-less). */
  override computeOutputShape(inputShape: number[] | number[][]): number[] {
    const shapes = shapeList(this, inputShape);
    let out = shapes[0].slice();
    for (const s of shapes.slice(1)) {
      const [long, short] = out.length >= s.length ? [out, s] : [s, out];
      const lead = long.length - short.length;
      const next = long.slice(0, lead);
      for (let i = 0; i < short.length; i++) {
        const a = long[lead + i], b = short[i];
        if (a !== b && a !== 1 && b !== 1) {
          throw new RangeError(`Layer ${this.name} (${this.getClassName()}): inputs have incompatible shapes ` +
            `${shapes.map((x) => shapeString([null, ...x])).join(', ')}`);
        }
        next.push(a === 1 ? b : a);
      }
      out = next;
    }
    return out;
  }

  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor {
    const list = tensorList(this, inputs);
    this.checkCount(list.length);
    const masks = maskList(this, kwargs.mask, list.length);
    if (!this.expandsRanks) return this.merge(list, masks);
    // Note [Merge broadcasting]: lower-rank inputs get size-1 axes after the batch axis.
    const rank = Math.max(...list.map((t) => t.rank));
    const same = list.map((t) => (t.rank === rank ? t : reshape(t, [t.shape[0], ...new Array(rank - t.rank).fill(1), ...t.shape.slice(1)])));
    return this.merge(same, masks);
  }

  /** The merge of inputs of one rank; masks per Note [Merge masks]. */
  protected abstract merge(inputs: Tensor[], masks: (Tensor | null)[] | null): Tensor;

  override computeMask(inputs: Tensor | Tensor[], mask: Tensor | null | (Tensor | null)[]): Tensor | null {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    return orOfMasks(maskList(this, mask as CallArgs['mask'], list.length));
  }
}

export class Add extends Merge {
  static readonly className = 'Add';

  constructor(args?: LayerArgs) {
    super(args, [], 'add');
  }

  protected merge(inputs: Tensor[]): Tensor {
    return inputs.slice(1).reduce((acc, x) => add(acc, x), inputs[0]);
  }
}

export class Subtract extends Merge {
  static readonly className = 'Subtract';
  protected override readonly inputCount = 2;

  constructor(args?: LayerArgs) {
    super(args, [], 'subtract');
  }

  protected merge(inputs: Tensor[]): Tensor {
    return sub(inputs[0], inputs[1]);
  }
}

export class Multiply extends Merge {
  static readonly className = 'Multiply';

  constructor(args?: LayerArgs) {
    super(args, [], 'multiply');
  }

  protected merge(inputs: Tensor[], masks: (Tensor | null)[] | null): Tensor {
    if (masks === null) return inputs.slice(1).reduce((acc, x) => mul(acc, x), inputs[0]);
    // Keras 3: a masked step counts as 1; steps masked in every input are zeroed when all have masks.
    const allMasked = masks.every((m) => m !== null);
    let out: Tensor | null = null;
    let outMask: Tensor | null = null;
    for (let i = 0; i < inputs.length; i++) {
      let x = inputs[i];
      const m = masks[i];
      if (m !== null) {
        const b = maskLike(this, m, x);
        x = where(b, x, 1);
        if (allMasked) outMask = outMask === null ? b : logicalOr(outMask, b);
      }
      out = out === null ? x : mul(out, x);
    }
    return outMask === null ? out! : where(outMask, out!, 0);
  }
}

export class Average extends Merge {
  static readonly className = 'Average';

  constructor(args?: LayerArgs) {
    super(args, [], 'average');
  }

  protected merge(inputs: Tensor[]): Tensor {
    return div(inputs.slice(1).reduce((acc, x) => add(acc, x), inputs[0]), inputs.length);
  }
}

/** Keras' _apply_merge_op_and_or_mask: a fold where masked steps take the other operand. */
function foldWithMasks(layer: Layer, op: (a: Tensor, b: Tensor) => Tensor, inputs: Tensor[], masks: (Tensor | null)[] | null): Tensor {
  if (masks === null) return inputs.slice(1).reduce((acc, x) => op(acc, x), inputs[0]);
  let out = inputs[0];
  let outMask = masks[0] === null ? null : maskLike(layer, masks[0], inputs[0]);
  for (let i = 1; i < inputs.length; i++) {
    let x = inputs[i];
    const m = masks[i] === null ? null : maskLike(layer, masks[i]!, x);
    if (m !== null) x = where(m, x, out);
    if (outMask !== null) out = where(outMask, out, x);
    outMask = m !== null && outMask !== null ? logicalOr(outMask, m) : null;
    out = op(out, x);
  }
  return out;
}

export class Maximum extends Merge {
  static readonly className = 'Maximum';

  constructor(args?: LayerArgs) {
    super(args, [], 'maximum');
  }

  protected merge(inputs: Tensor[], masks: (Tensor | null)[] | null): Tensor {
    return foldWithMasks(this, maximum, inputs, masks);
  }
}

export class Minimum extends Merge {
  static readonly className = 'Minimum';

  constructor(args?: LayerArgs) {
    super(args, [], 'minimum');
  }

  protected merge(inputs: Tensor[], masks: (Tensor | null)[] | null): Tensor {
    return foldWithMasks(this, minimum, inputs, masks);
  }
}

export interface ConcatenateLayerArgs extends LayerArgs {
  /** The axis to join along, counting the batch axis (default -1, the last). */
  axis?: number;
}

/** Joins its inputs along `axis`; every other dimension must match. */
export class Concatenate extends Merge {
  static readonly className = 'Concatenate';
  protected override readonly expandsRanks = false;
  readonly axis: number;

  constructor(args: ConcatenateLayerArgs = {}) {
    super(args, ['axis'], 'concatenate');
    const axis = args.axis ?? -1;
    if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new TypeError(expected('an integer', 'concatenate({axis})', axis));
    this.axis = axis;
  }

  /** The axis within a full (batch-first) shape of `rank`; the batch axis is an error. */
  private axisFor(rank: number): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 0 || a >= rank) {
      throw new RangeError(`Layer ${this.name} (Concatenate): axis ${this.axis} is out of range for inputs of rank ${rank}`);
    }
    if (a === 0) throw new RangeError(`Layer ${this.name} (Concatenate): axis ${this.axis} is the batch axis, which cannot be concatenated`);
    return a;
  }

  override computeOutputShape(inputShape: number[] | number[][]): number[] {
    const shapes = shapeList(this, inputShape);
    const rank = shapes[0].length + 1;
    const a = this.axisFor(rank) - 1;  // within the batch-less shapes
    const out = shapes[0].slice();
    shapes.forEach((s, i) => {
      if (s.length !== shapes[0].length || s.some((d, j) => j !== a && d !== shapes[0][j])) {
        throw new RangeError(`Layer ${this.name} (Concatenate) needs inputs of matching shapes except along axis ${this.axis} ` +
          `but input ${i} has shape ${shapeString([null, ...s])} and input 0 ${shapeString([null, ...shapes[0]])}`);
      }
      if (i > 0) out[a] += s[a];
    });
    return out;
  }

  protected merge(inputs: Tensor[]): Tensor {
    return concat(inputs, this.axisFor(inputs[0].rank));
  }

  override computeMask(inputs: Tensor | Tensor[], mask: Tensor | null | (Tensor | null)[]): Tensor | null {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const masks = maskList(this, mask as CallArgs['mask'], list.length);
    if (masks === null) return null;
    const full = list.map((x, i) => (masks[i] === null ? cast(onesLike(x), 'bool') : maskLike(this, masks[i]!, x)));
    return cast(any(concat(full, this.axisFor(list[0].rank)), -1), 'float32');
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface DotLayerArgs extends LayerArgs {
  /** The axis (or [axis of input 0, axis of input 1]) to contract, counting the batch axis. */
  axes: number | [number, number];
  /** L2-normalize both inputs along their axes first (the output is then a cosine similarity). */
  normalize?: boolean;
}

/** Keras' backend.epsilon(), the floor of the norm in normalize. */
const EPSILON = 1e-7;

/** Keras' Dot: the per-sample dot product of two inputs along the given axes (batch_dot). */
export class Dot extends Merge {
  static readonly className = 'Dot';
  protected override readonly inputCount = 2;
  protected override readonly expandsRanks = false;
  readonly axes: number | [number, number];
  readonly normalize: boolean;

  constructor(args: DotLayerArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object with axes', 'dot(args)', args));
    super(args, ['axes', 'normalize'], 'dot');
    const axes = args.axes;
    const isInt = (a: unknown): boolean => typeof a === 'number' && Number.isInteger(a);
    if (!isInt(axes) && !(Array.isArray(axes) && axes.length === 2 && axes.every(isInt))) {
      throw new TypeError(expected('an integer or a list of 2 integers', 'dot({axes})', axes));
    }
    this.axes = Array.isArray(axes) ? [axes[0], axes[1]] : axes;
    this.normalize = args.normalize === undefined ? false : checkBoolean(args.normalize, 'dot({normalize})');
  }

  /** Both axes within full (batch-first) shapes of ranks r0, r1; the batch axis is an error. */
  private axesFor(r0: number, r1: number): [number, number] {
    const [a0, a1] = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    const out: [number, number] = [a0 < 0 ? a0 + r0 : a0, a1 < 0 ? a1 + r1 : a1];
    [r0, r1].forEach((r, i) => {
      if (out[i] < 0 || out[i] >= r) {
        throw new RangeError(`Layer ${this.name} (Dot): axis ${[a0, a1][i]} is out of range for input ${i} of rank ${r}`);
      }
      if (out[i] === 0) throw new RangeError(`Layer ${this.name} (Dot): cannot take the dot product over the batch axis (axes ${JSON.stringify(this.axes)})`);
    });
    return out;
  }

  override computeOutputShape(inputShape: number[] | number[][]): number[] {
    const shapes = shapeList(this, inputShape);
    this.checkCount(shapes.length);
    const [s0, s1] = shapes;
    const [a0, a1] = this.axesFor(s0.length + 1, s1.length + 1);
    if (s0[a0 - 1] !== s1[a1 - 1]) {
      throw new RangeError(`Layer ${this.name} (Dot): incompatible input shapes ${shapeString([null, ...s0])} and ` +
        `${shapeString([null, ...s1])}: axis ${a0} of input 0 has size ${s0[a0 - 1]} but axis ${a1} of input 1 has ${s1[a1 - 1]}`);
    }
    const out = [...s0.filter((_, i) => i !== a0 - 1), ...s1.filter((_, i) => i !== a1 - 1)];
    return out.length === 0 ? [1] : out;
  }

  protected merge(inputs: Tensor[]): Tensor {
    let [x, y] = inputs;
    const [a0, a1] = this.axesFor(x.rank, y.rank);
    if (this.normalize) {
      x = l2Normalize(x, a0);
      y = l2Normalize(y, a1);
    }
    return batchDot(x, y, a0, a1);
  }

  override computeMask(): Tensor | null {
    return null;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}

/** Keras' ops.normalize(x, axis, order 2): x * rsqrt(max(sum(x^2, axis), eps^2)). */
function l2Normalize(x: Tensor, axis: number): Tensor {
  return mul(x, rsqrt(maximum(sum(square(x), axis, true), EPSILON * EPSILON)));
}

/**
 * Keras' batch_dot: for each sample, contracts axis a0 of x with axis a1 of y; the result has
 * x's other axes, then y's other non-batch axes ([batch, 1] when none are left).
 */
function batchDot(x: Tensor, y: Tensor, a0: number, a1: number): Tensor {
  const batch = x.shape[0];
  const xRest = x.shape.filter((_, i) => i !== 0 && i !== a0);
  const yRest = y.shape.filter((_, i) => i !== 0 && i !== a1);
  const k = x.shape[a0];
  const xPerm = [0, ...x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a0), a0];
  const yPerm = [0, a1, ...y.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a1)];
  const xm = reshape(isIdentity(xPerm) ? x : transpose(x, xPerm), [batch, sizeOfList(xRest), k]);
  const ym = reshape(isIdentity(yPerm) ? y : transpose(y, yPerm), [batch, k, sizeOfList(yRest)]);
  const out = [...xRest, ...yRest];
  return reshape(matMul(xm, ym), [batch, ...(out.length === 0 ? [1] : out)]);
}

function isIdentity(perm: number[]): boolean {
  return perm.every((p, i) => p === i);
}

function sizeOfList(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
