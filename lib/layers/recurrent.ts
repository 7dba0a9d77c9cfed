// Recurrent layers: SimpleRNN, LSTM, GRU (Keras 3 equations, options and weight layouts, so
// Keras and cuDNN weights map 1:1). The math, forward and backward through time, is in
// native/cpu/rnn.cpp; see the equations and Note [RNN time-major workspace] in rnn.h.
//
// Input [batch, time, features]. Output [batch, units], or [batch, time, units] with
// returnSequences (in processing order: reversed in time with goBackwards, as in Keras).
//
// Masking (Note [RNN masking] in rnn.h): a mask from the layer before (Embedding with
// maskZero) skips steps: a masked step keeps the previous state and outputs the previous
// output. With returnSequences the mask is passed on to the next layer.
//
// Note [returnState in a Sequential model]: a Sequential model carries one tensor from layer to
// layer, so (as in Keras, where a Sequential model cannot use return_state either) the
// states are not a second output there. With returnState: true the layer's forward output is
// unchanged and the final states of the last forward call are available as copies from
// `layer.getStates()` ([h] or, for LSTM, [h, c], each [batch, units]); `layer.states`
// is the same as a property. No gradient flows into the states.
//
// Note [Recurrent layers on the engine]: call(x, {training, mask, initialState}) is ONE
// whole-sequence engine op (tn.simpleRnnSequence / lstmSequence / gruSequence, lib/ops/rnn.ts),
// so the tape differentiates it with the op's registered gradient (the same native kernels as
// forward/backward). There returnState is Keras': call returns [output, h] (LSTM
// [output, h, c]) and computeOutputShape the list of their shapes; gradients flow into the
// states and into an initialState. Dropout masks are drawn in call, fresh each call (the same
// draws as forward: one stream of seeds per layer, input mask first), and enter the op as
// constant inputs.
import { ResolvedActivation, resolveActivation } from '../activations';
import { checkBoolean, checkNumberInRange, checkPositiveInteger, expected, shapeString } from '../errors';
import { resolveConstraint } from '../constraints';
import { Initializer, resolveInitializer } from '../initializers';
import { native } from '../native';
import { gruSequence, lstmSequence, simpleRnnSequence } from '../ops/rnn';
import { randomUint32 } from '../random';
import { resolveRegularizer } from '../regularizers';
import { Tensor, checkTensor } from '../tensor';
import { CallArgs, Constraint, Layer, LayerArgs, LayerVariable, Regularizer, checkKnownKeys } from './layer';

/** Cell codes of native/cpu/rnn.h (RnnCell). */
const CELL = { simple: 0, lstm: 1, gruResetAfter: 2, gruResetBefore: 3 } as const;

/** Activations the fused gate kernels support (rnn_supports_activation in rnn.h). */
const GATE_ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'relu6', 'softsign'];

export interface RNNLayerArgs extends LayerArgs {
  units: number;
  /** Activation of the candidate / output (default 'tanh'). */
  activation?: string;
  useBias?: boolean;
  kernelInitializer?: string | Initializer;
  recurrentInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  /** Fraction of the input features dropped in training (one mask per sequence). */
  dropout?: number;
  /** Fraction of the recurrent state dropped where it enters the recurrent matmul in training. */
  recurrentDropout?: number;
  returnSequences?: boolean;
  /**
   * call returns [output, ...final states] (See Note [Recurrent layers on the engine]); in a
   * Sequential model they come from getStates() (See Note [returnState in a Sequential model]).
   */
  returnState?: boolean;
  goBackwards?: boolean;
  /** Seed for the dropout masks; by default they come from the global seeded source. */
  seed?: number;
  /** Penalties on the weights and on the output (Keras' *_regularizer), added to the training loss. */
  kernelRegularizer?: string | Regularizer | null;
  recurrentRegularizer?: string | Regularizer | null;
  biasRegularizer?: string | Regularizer | null;
  activityRegularizer?: string | Regularizer | null;
  /** Projections applied to the weights after each optimizer update (Keras' *_constraint). */
  kernelConstraint?: string | Constraint | null;
  recurrentConstraint?: string | Constraint | null;
  biasConstraint?: string | Constraint | null;
}

/** The options of every recurrent layer (RNNLayerArgs); LSTM and GRU add theirs. */
const RNN_KEYS = ['units', 'activation', 'useBias', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'dropout',
  'recurrentDropout', 'returnSequences', 'returnState', 'goBackwards', 'seed', 'kernelRegularizer', 'recurrentRegularizer',
  'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'recurrentConstraint', 'biasConstraint'];

/** The keyword arguments call takes (Keras' training, mask and initial_state). */
const CALL_KEYS = ['training', 'mask', 'initialState'];

/** A regularizer or constraint object, as the interfaces in layer.ts describe them. */
function isPenaltyObject(v: unknown): v is { className: string; apply(x: Tensor): Tensor; getConfig(): Record<string, unknown> } {
  return v !== null && typeof v === 'object' && typeof (v as { apply?: unknown }).apply === 'function' &&
    typeof (v as { getConfig?: unknown }).getConfig === 'function';
}

// Objects pass as they are (the Regularizer / Constraint interfaces of layer.ts); names go to
// lib/regularizers.ts and lib/constraints.ts.
function regularizerArg(v: unknown, argument: string): Regularizer | null {
  return isPenaltyObject(v) ? v : resolveRegularizer(v, argument);
}

function constraintArg(v: unknown, argument: string): Constraint | null {
  return isPenaltyObject(v) ? v : resolveConstraint(v, argument);
}

/** Keras' serialize(): {className, config}, or null. */
function serialized(v: Regularizer | Constraint | null): Record<string, unknown> | null {
  return v === null ? null : { className: v.className, config: v.getConfig() };
}

export interface LSTMLayerArgs extends RNNLayerArgs {
  recurrentActivation?: string;
  /** Adds 1 to the forget-gate bias at initialization (Keras default true). */
  unitForgetBias?: boolean;
}

export interface GRULayerArgs extends RNNLayerArgs {
  recurrentActivation?: string;
  /** Reset gate after the recurrent matmul (Keras 3 and cuDNN default, true) or before it. */
  resetAfter?: boolean;
}

export type SimpleRNNLayerArgs = RNNLayerArgs;

function gateActivation(value: unknown, argument: string, fallback: string): ResolvedActivation {
  const a = resolveActivation(value === undefined ? fallback : value, argument);
  if (!GATE_ACTIVATIONS.includes(a.name)) {
    throw new TypeError(expected(`one of ${GATE_ACTIVATIONS.map((n) => `'${n}'`).join(', ')} (activations the recurrent gate ` +
      'kernels fuse)', argument, value));
  }
  return a;
}

/** The base of SimpleRNN, LSTM and GRU: config, weights, and the calls into rnn.cpp. */
export abstract class RNN extends Layer {
  static override readonly batchlessShapes = true;
  readonly units: number;
  readonly activation: ResolvedActivation;
  readonly recurrentActivation: ResolvedActivation;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  /**
   * Output 0 (not the previous output) at masked steps when returning sequences; set by
   * Bidirectional, as Keras does.
   */
  zeroOutputForMask = false;
  protected readonly kernelInitializer: Initializer;
  protected readonly recurrentInitializer: Initializer;
  protected readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly recurrentRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly recurrentConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  protected readonly args: RNNLayerArgs;
  private readonly seed?: number;
  private calls = 0;
  kernel?: LayerVariable;
  recurrentKernel?: LayerVariable;
  bias?: LayerVariable;
  // Saved by forward for backward (see Note [Reused buffers] in layer.ts).
  private saved: {
    batch: number; time: number; inDim: number; xs: Float32Array; gates: Float32Array; states: Float32Array;
    cells: Float32Array | null; aux: Float32Array | null; hm: Float32Array | null; mask: Float32Array | null;
    inMask: Float32Array | null; recMask: Float32Array | null;
  } | null = null;

  /**
   * ownKeys: the options of the subclass beyond RNN_KEYS; what: its factory's name, for errors
   * ('tn.layers.lstm').
   */
  constructor(args: RNNLayerArgs, ownKeys: readonly string[], what: string) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object with units', `${what}(args)`, args));
    checkKnownKeys(args, [...RNN_KEYS, ...ownKeys], what);
    super(args);
    this.args = { ...args };
    this.units = checkPositiveInteger(args.units, 'units');
    this.activation = gateActivation(args.activation, 'activation', 'tanh');
    this.recurrentActivation = gateActivation((args as LSTMLayerArgs).recurrentActivation, 'recurrentActivation', 'sigmoid');
    this.useBias = args.useBias === undefined ? true : checkBoolean(args.useBias, 'useBias');
    this.kernelInitializer = resolveInitializer(args.kernelInitializer, 'kernelInitializer', 'glorotUniform');
    this.recurrentInitializer = resolveInitializer(args.recurrentInitializer, 'recurrentInitializer', 'orthogonal');
    this.biasInitializer = resolveInitializer(args.biasInitializer, 'biasInitializer', 'zeros');
    this.dropout = args.dropout === undefined ? 0 : checkNumberInRange(args.dropout, 'dropout', 0, 1, true, false);
    this.recurrentDropout = args.recurrentDropout === undefined ? 0
      : checkNumberInRange(args.recurrentDropout, 'recurrentDropout', 0, 1, true, false);
    this.returnSequences = args.returnSequences === undefined ? false : checkBoolean(args.returnSequences, 'returnSequences');
    this.returnState = args.returnState === undefined ? false : checkBoolean(args.returnState, 'returnState');
    this.goBackwards = args.goBackwards === undefined ? false : checkBoolean(args.goBackwards, 'goBackwards');
    if (args.seed !== undefined) this.seed = checkPositiveInteger(args.seed + 1, 'seed') - 1;
    this.kernelRegularizer = regularizerArg(args.kernelRegularizer, 'kernelRegularizer');
    this.recurrentRegularizer = regularizerArg(args.recurrentRegularizer, 'recurrentRegularizer');
    this.biasRegularizer = regularizerArg(args.biasRegularizer, 'biasRegularizer');
    this.activityRegularizer = regularizerArg(args.activityRegularizer, 'activityRegularizer');
    this.kernelConstraint = constraintArg(args.kernelConstraint, 'kernelConstraint');
    this.recurrentConstraint = constraintArg(args.recurrentConstraint, 'recurrentConstraint');
    this.biasConstraint = constraintArg(args.biasConstraint, 'biasConstraint');
  }

  /** Native cell code. */
  protected abstract cellCode(): number;
  /** Gates per unit: 1, 4 or 3. */
  protected abstract gateCount(): number;
  /** A new layer of the same class and config with some options replaced (used by Bidirectional). */
  abstract cloneWith(overrides: Partial<RNNLayerArgs>): RNN;
  /** The engine op of this cell over a whole sequence: [output, h, (c)]. */
  protected abstract sequence(x: Tensor, options: SequenceOptions): Tensor[];
  /** How many states the cell carries: 1 (h), or 2 (h, c) for LSTM. */
  get stateCount(): number {
    return 1;
  }

  protected biasShape(): number[] {
    return [this.gateCount() * this.units];
  }

  protected biasInitializerFor(): Initializer {
    return this.biasInitializer;
  }

  override build(inputShape: number[]): void {
    if (inputShape.length !== 2) {
      throw new RangeError(`${this.getClassName()} ${this.name} expects inputs of shape [batch, time, features] but ` +
        `received ${shapeString([null, ...inputShape])}`);
    }
    const inDim = inputShape[1];
    const gu = this.gateCount() * this.units;
    this.kernel = this.addWeight('kernel', [inDim, gu], this.kernelInitializer, undefined,
      { regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, gu], this.recurrentInitializer, undefined,
      { regularizer: this.recurrentRegularizer, constraint: this.recurrentConstraint });
    if (this.useBias) {
      this.bias = this.addWeight('bias', this.biasShape(), this.biasInitializerFor(), undefined,
        { regularizer: this.biasRegularizer, constraint: this.biasConstraint });
    }
    super.build(inputShape);
  }

  /**
   * [batch-less output shape], or with returnState the list [output, h, (c)] of shapes (See
   * Note [Recurrent layers on the engine]).
   */
  override computeOutputShape(inputShape: number[]): number[] | number[][] {
    if (inputShape.length !== 2) {
      throw new RangeError(`${this.getClassName()} ${this.name} expects inputs of shape [batch, time, features] but ` +
        `received ${shapeString([null, ...inputShape])}`);
    }
    const output = this.returnSequences ? [inputShape[0], this.units] : [this.units];
    if (!this.returnState) return output;
    return [output, ...Array.from({ length: this.stateCount }, () => [this.units])];
  }

  /**
   * The layer on the engine (See Note [Recurrent layers on the engine]): x [batch, time,
   * features] -> output, or [output, ...final states] with returnState. kwargs: training
   * (dropout), mask ([batch, time], nonzero = use the step), initialState ([h0], LSTM [h0, c0],
   * each [batch, units]).
   */
  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor | Tensor[] {
    const what = `${this.getClassName()} ${this.name}`;
    const x = singleInput(inputs, what);
    checkKnownKeys(kwargs, CALL_KEYS, `${what}: call`);
    if (this.kernel === undefined) throw new Error(`${what} is not built: call it through apply() (or build it) first`);
    if (x.rank !== 3 || x.shape[2] !== this.kernel.shape[0]) {
      throw new RangeError(`${what} expects inputs of shape ${shapeString([null, null, this.kernel.shape[0]])} ` +
        `([batch, time, features]) but received ${shapeString(x.shape)}`);
    }
    const [batch, time, inDim] = x.shape;
    const training = kwargs.training === undefined || kwargs.training === null ? false
      : checkBoolean(kwargs.training, `${what}: call(training)`);
    const mask = callMask(kwargs.mask, [batch, time], what);
    const initialState = this.callInitialState(kwargs.initialState, batch, what);
    const dropoutMask = training && this.dropout > 0
      ? new Tensor(this.freshDropoutMask(batch * inDim, this.dropout), [batch, inDim], 'float32') : null;
    const recurrentDropoutMask = training && this.recurrentDropout > 0
      ? new Tensor(this.freshDropoutMask(batch * this.units, this.recurrentDropout), [batch, this.units], 'float32') : null;
    const outs = this.sequence(x, {
      activation: this.activation.name, returnSequences: this.returnSequences, goBackwards: this.goBackwards, mask,
      zeroOutputForMask: this.zeroOutputForMask, initialState, dropoutMask, recurrentDropoutMask,
    });
    return this.returnState ? outs : outs[0];
  }

  /** kwargs.initialState checked: null, or stateCount tensors of [batch, units]. */
  private callInitialState(value: unknown, batch: number, what: string): Tensor[] | null {
    if (value === undefined || value === null) return null;
    const list = value instanceof Tensor ? [value] : value;
    const n = this.stateCount;
    const want = n === 2 ? '[h0, c0]' : '[h0]';
    if (!Array.isArray(list) || list.length !== n) {
      throw new TypeError(expected(`${want}: ${n} tensor${n > 1 ? 's' : ''} of shape ${shapeString([batch, this.units])}`,
        `${what}: call(initialState)`, value));
    }
    return list.map((t, i) => {
      const s = checkTensor(t, `${what}: call(initialState[${i}])`);
      if (s.rank !== 2 || s.shape[0] !== batch || s.shape[1] !== this.units) {
        throw new RangeError(`${what}: expected initialState[${i}] of shape ${shapeString([batch, this.units])} ` +
          `([batch, units]) but received ${shapeString(s.shape)}`);
      }
      return s;
    });
  }

  private nextSeed(): number {
    return this.seed === undefined ? randomUint32() : (this.seed + 0x9e3779b9 * ++this.calls) >>> 0;
  }

  /** A new dropout mask of n values (0 or 1/(1-rate)), from the layer's stream of seeds. */
  private freshDropoutMask(n: number, rate: number): Float32Array {
    const mask = new Float32Array(n);
    native.dropoutForward(new Float32Array(n), mask, new Float32Array(n).fill(1), n, rate, this.nextSeed());
    return mask;
  }

  /** A dropout mask of n values (0 or 1/(1-rate)) in buffer `key`. */
  private dropoutMask(key: string, n: number, rate: number): Float32Array {
    const ones = this.buffer('ones', [n]).values as Float32Array;
    // 'ones' only ever holds ones, filled a prefix at a time (views of one backing array, See
    // Note [Reused buffers]), so a 1 in the last place means the whole view is filled.
    if (ones[n - 1] !== 1) ones.fill(1);
    const mask = this.buffer(key, [n]).values as Float32Array;
    const y = this.buffer('dropoutScratch', [n]).values as Float32Array;
    native.dropoutForward(y, mask, ones, n, rate, this.nextSeed());
    return mask;
  }

  /** The mask as float32 1/0 of [batch, time], or null. */
  private maskValues(mask: Tensor | null | undefined, batch: number, time: number): Float32Array | null {
    if (mask === null || mask === undefined) return null;
    if (mask.size !== batch * time) {
      throw new RangeError(`Expected a mask of shape ${shapeString([batch, time])} for ${this.name} but received ` +
        `${shapeString(mask.shape)}`);
    }
    if (mask.dtype === 'float32') return mask.values as Float32Array;
    const m = this.buffer('maskF32', [batch, time]).values as Float32Array;
    const v = mask.values;
    for (let i = 0; i < m.length; i++) m[i] = v[i] !== 0 ? 1 : 0;
    return m;
  }

  override forward(x: Tensor, training: boolean, mask?: Tensor | null): Tensor {
    if (x.rank !== 3) {
      throw new RangeError(`${this.getClassName()} ${this.name} expects inputs of shape [batch, time, features] but ` +
        `received ${shapeString(x.shape)}`);
    }
    const [batch, time, inDim] = x.shape;
    const u = this.units, gu = this.gateCount() * u;
    const cell = this.cellCode();
    const lstm = cell === CELL.lstm, gru = cell === CELL.gruResetAfter || cell === CELL.gruResetBefore;
    const y = this.buffer('y', this.returnSequences ? [batch, time, u] : [batch, u]);
    const xs = this.buffer('xs', [time, batch, inDim]).values as Float32Array;
    const gates = this.buffer('gates', [time, batch, gu]).values as Float32Array;
    const states = this.buffer('states', [time + 1, batch, u]).values as Float32Array;
    const cells = lstm ? this.buffer('cells', [time + 1, batch, u]).values as Float32Array : null;
    const aux = gru ? this.buffer('aux', [time, batch, u]).values as Float32Array : null;
    const inMask = training && this.dropout > 0 ? this.dropoutMask('inMask', batch * inDim, this.dropout) : null;
    const recMask = training && this.recurrentDropout > 0 ? this.dropoutMask('recMask', batch * u, this.recurrentDropout) : null;
    const hm = recMask ? this.buffer('hm', [time, batch, u]).values as Float32Array : null;
    const m = this.maskValues(mask, batch, time);
    native.rnnForward(y.values, xs, gates, states, cells, aux, hm, x.values as Float32Array, this.kernel!.value,
      this.recurrentKernel!.value, this.bias ? this.bias.value : null, m, inMask, recMask, cell, batch, time, inDim, u,
      this.activation.code, this.recurrentActivation.code, this.goBackwards, this.returnSequences, this.zeroOutputForMask);
    this.saved = { batch, time, inDim, xs, gates, states, cells, aux, hm, mask: m, inMask, recMask };
    return y;
  }

  override backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    const s = this.saved;
    if (s === null) throw new Error(`${this.name}: backward called before forward`);
    const { batch, time, inDim } = s;
    const u = this.units, gu = this.gateCount() * u;
    const cell = this.cellCode();
    const dx = needInputGrad ? this.buffer('dx', [batch, time, inDim]) : null;
    const dgates = this.buffer('dgates', [time, batch, gu]).values as Float32Array;
    const dgatesRec = cell === CELL.gruResetAfter ? this.buffer('dgatesRec', [time, batch, gu]).values as Float32Array : null;
    const dxs = dx ? this.buffer('dxs', [time, batch, inDim]).values as Float32Array : null;
    native.rnnBackward(dx ? dx.values : null, this.kernel!.grad, this.recurrentKernel!.grad, this.bias ? this.bias.grad : null,
      dgates, dgatesRec, dxs, dy.values as Float32Array, s.xs, s.gates, s.states, s.cells, s.aux, s.hm, this.kernel!.value,
      this.recurrentKernel!.value, s.mask, s.inMask, s.recMask, cell, batch, time, inDim, u, this.activation.code,
      this.recurrentActivation.code, this.goBackwards, this.returnSequences, this.zeroOutputForMask);
    return dx;
  }

  override computeMask(_input: Tensor, mask: Tensor | null): Tensor | null {
    return this.returnSequences ? mask : null;
  }

  /**
   * The final states of the last forward call, copied: [h] (SimpleRNN, GRU) or [h, c] (LSTM),
   * each [batch, units]. See Note [returnState in a Sequential model].
   */
  getStates(): Tensor[] {
    const s = this.saved;
    if (s === null) throw new Error(`${this.name} has not run yet: call predict (or fit) first, then getStates()`);
    const n = s.batch * this.units, at = s.time * n;
    const out = [new Tensor(s.states.slice(at, at + n), [s.batch, this.units], 'float32')];
    if (s.cells) out.push(new Tensor(s.cells.slice(at, at + n), [s.batch, this.units], 'float32'));
    return out;
  }

  get states(): Tensor[] {
    return this.getStates();
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), units: this.units, activation: this.activation.name,
      recurrentActivation: this.recurrentActivation.name, useBias: this.useBias, dropout: this.dropout,
      recurrentDropout: this.recurrentDropout, returnSequences: this.returnSequences, returnState: this.returnState,
      goBackwards: this.goBackwards, kernelRegularizer: serialized(this.kernelRegularizer),
      recurrentRegularizer: serialized(this.recurrentRegularizer), biasRegularizer: serialized(this.biasRegularizer),
      activityRegularizer: serialized(this.activityRegularizer), kernelConstraint: serialized(this.kernelConstraint),
      recurrentConstraint: serialized(this.recurrentConstraint), biasConstraint: serialized(this.biasConstraint),
    };
  }
}

/** The options every cell's sequence op gets from call. */
interface SequenceOptions {
  activation: string;
  returnSequences: boolean;
  goBackwards: boolean;
  mask: Tensor | null;
  zeroOutputForMask: boolean;
  initialState: Tensor[] | null;
  dropoutMask: Tensor | null;
  recurrentDropoutMask: Tensor | null;
}

/** The one input tensor of a recurrent layer's call. */
function singleInput(inputs: Tensor | Tensor[], what: string): Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) {
      throw new TypeError(`${what}: call takes one input tensor [batch, time, features] but received ${inputs.length} ` +
        '(pass initial states as call(x, {initialState}))');
    }
    return checkTensor(inputs[0], `${what}: call(inputs[0])`);
  }
  return checkTensor(inputs, `${what}: call(inputs)`);
}

/** kwargs.mask checked: null, or a tensor of [batch, time] (the first one of a list). */
function callMask(value: unknown, shape: number[], what: string): Tensor | null {
  const m = Array.isArray(value) ? value[0] : value;
  if (m === undefined || m === null) return null;
  const t = checkTensor(m, `${what}: call(mask)`);
  if (t.rank !== 2 || t.shape[0] !== shape[0] || t.shape[1] !== shape[1]) {
    throw new RangeError(`Expected a mask of shape ${shapeString(shape)} ([batch, time]) for ${what} but received ` +
      `${shapeString(t.shape)}`);
  }
  return t;
}

/** h = activation(x·kernel + h_prev·recurrentKernel + bias). */
export class SimpleRNN extends RNN {
  static readonly className = 'SimpleRNN';

  constructor(args: SimpleRNNLayerArgs) {
    // no recurrentActivation: SimpleRNN has no gates
    super(args, [], 'tn.layers.simpleRNN');
  }

  protected sequence(x: Tensor, o: SequenceOptions): Tensor[] {
    const r = simpleRnnSequence(x, this.kernel!.tensor, this.recurrentKernel!.tensor, this.bias ? this.bias.tensor : null, o);
    return [r.output, r.h];
  }

  protected cellCode(): number {
    return CELL.simple;
  }

  protected gateCount(): number {
    return 1;
  }

  cloneWith(overrides: Partial<RNNLayerArgs>): SimpleRNN {
    return new SimpleRNN({ ...this.args, ...overrides } as SimpleRNNLayerArgs);
  }
}

/** Long short-term memory (Hochreiter 1997), gates i, f, c, o; kernel [in, 4u]. */
export class LSTM extends RNN {
  static readonly className = 'LSTM';
  readonly unitForgetBias: boolean;

  constructor(args: LSTMLayerArgs) {
    super(args, ['recurrentActivation', 'unitForgetBias'], 'tn.layers.lstm');
    this.unitForgetBias = args.unitForgetBias === undefined ? true : checkBoolean(args.unitForgetBias, 'unitForgetBias');
  }

  protected cellCode(): number {
    return CELL.lstm;
  }

  protected gateCount(): number {
    return 4;
  }

  override get stateCount(): number {
    return 2;
  }

  protected sequence(x: Tensor, o: SequenceOptions): Tensor[] {
    const r = lstmSequence(x, this.kernel!.tensor, this.recurrentKernel!.tensor, this.bias ? this.bias.tensor : null,
      { ...o, recurrentActivation: this.recurrentActivation.name });
    return [r.output, r.h, r.c];
  }

  protected override biasInitializerFor(): Initializer {
    if (!this.unitForgetBias) return this.biasInitializer;
    // Keras: concat(init(u), ones(u), init(2u)).
    const base = this.biasInitializer, u = this.units;
    return {
      className: 'UnitForgetBias',
      apply: (shape: number[]) => {
        const v = base.apply(shape);
        v.fill(1, u, 2 * u);
        return v;
      },
    };
  }

  cloneWith(overrides: Partial<RNNLayerArgs>): LSTM {
    return new LSTM({ ...this.args, ...overrides } as LSTMLayerArgs);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), unitForgetBias: this.unitForgetBias };
  }
}

/** Gated recurrent unit (Cho 2014), gates z, r, h; bias [2, 3u] with resetAfter, else [3u]. */
export class GRU extends RNN {
  static readonly className = 'GRU';
  readonly resetAfter: boolean;

  constructor(args: GRULayerArgs) {
    super(args, ['recurrentActivation', 'resetAfter'], 'tn.layers.gru');
    this.resetAfter = args.resetAfter === undefined ? true : checkBoolean(args.resetAfter, 'resetAfter');
  }

  protected cellCode(): number {
    return this.resetAfter ? CELL.gruResetAfter : CELL.gruResetBefore;
  }

  protected gateCount(): number {
    return 3;
  }

  protected sequence(x: Tensor, o: SequenceOptions): Tensor[] {
    const r = gruSequence(x, this.kernel!.tensor, this.recurrentKernel!.tensor, this.bias ? this.bias.tensor : null,
      { ...o, recurrentActivation: this.recurrentActivation.name, resetAfter: this.resetAfter });
    return [r.output, r.h];
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  cloneWith(overrides: Partial<RNNLayerArgs>): GRU {
    return new GRU({ ...this.args, ...overrides } as GRULayerArgs);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }
}
