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
// states are not a second output. With returnState: true the layer's output is unchanged
// and the final states of the last forward call are available as copies from
// `layer.getStates()` ([h] or, for LSTM, [h, c], each [batch, units]); `layer.states`
// is the same as a property. No gradient flows into the states.
import { ResolvedActivation, resolveActivation } from '../activations';
import { checkBoolean, checkNumberInRange, checkPositiveInteger, expected, shapeString } from '../errors';
import { Initializer, resolveInitializer } from '../initializers';
import { native } from '../native';
import { randomUint32 } from '../random';
import { Tensor } from '../tensor';
import { Layer, LayerArgs, LayerVariable } from './layer';

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
  /** See Note [returnState in a Sequential model]: states come from getStates(). */
  returnState?: boolean;
  goBackwards?: boolean;
  /** Seed for the dropout masks; by default they come from the global seeded source. */
  seed?: number;
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

  constructor(args: RNNLayerArgs, defaults: { recurrentActivation?: string } = {}) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object with units', 'args', args));
    super(args);
    this.args = { ...args };
    this.units = checkPositiveInteger(args.units, 'units');
    this.activation = gateActivation(args.activation, 'activation', 'tanh');
    this.recurrentActivation = gateActivation((args as LSTMLayerArgs).recurrentActivation, 'recurrentActivation',
      defaults.recurrentActivation ?? 'sigmoid');
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
  }

  /** Native cell code. */
  protected abstract cellCode(): number;
  /** Gates per unit: 1, 4 or 3. */
  protected abstract gateCount(): number;
  /** A new layer of the same class and config with some options replaced (used by Bidirectional). */
  abstract cloneWith(overrides: Partial<RNNLayerArgs>): RNN;

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
    this.kernel = this.addWeight('kernel', [inDim, gu], this.kernelInitializer);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, gu], this.recurrentInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', this.biasShape(), this.biasInitializerFor());
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 2) {
      throw new RangeError(`${this.getClassName()} ${this.name} expects inputs of shape [batch, time, features] but ` +
        `received ${shapeString([null, ...inputShape])}`);
    }
    return this.returnSequences ? [inputShape[0], this.units] : [this.units];
  }

  private nextSeed(): number {
    return this.seed === undefined ? randomUint32() : (this.seed + 0x9e3779b9 * ++this.calls) >>> 0;
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
      goBackwards: this.goBackwards,
    };
  }
}

/** h = activation(x·kernel + h_prev·recurrentKernel + bias). */
export class SimpleRNN extends RNN {
  static readonly className = 'SimpleRNN';

  constructor(args: SimpleRNNLayerArgs) {
    super(args);
    if ((args as LSTMLayerArgs).recurrentActivation !== undefined) {
      throw new TypeError(expected('no recurrentActivation (SimpleRNN has no gates)', 'recurrentActivation',
        (args as LSTMLayerArgs).recurrentActivation));
    }
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
    super(args);
    this.unitForgetBias = args.unitForgetBias === undefined ? true : checkBoolean(args.unitForgetBias, 'unitForgetBias');
  }

  protected cellCode(): number {
    return CELL.lstm;
  }

  protected gateCount(): number {
    return 4;
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
    super(args);
    this.resetAfter = args.resetAfter === undefined ? true : checkBoolean(args.resetAfter, 'resetAfter');
  }

  protected cellCode(): number {
    return this.resetAfter ? CELL.gruResetAfter : CELL.gruResetBefore;
  }

  protected gateCount(): number {
    return 3;
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
