// Whole-sequence recurrent ops: SimpleRNN, LSTM and GRU over (batch, time, features), each ONE
// fused native op ('rnnSequence', native/core/ops/rnn.def, math in native/cpu/rnn.cpp) with its
// hand-written gradient ('rnnSequenceGrad') registered below. Keras 3 equations and weight
// layouts (see native/cpu/rnn.h):
//
//   kernel           (F, G*U)   input weights, gate blocks side by side (LSTM i f c o, GRU z r h)
//   recurrentKernel  (U, G*U)
//   bias             (G*U), or (2, 3U) for GRU with resetAfter (input row, recurrent row)
//
// Masks (Keras semantics, Note [RNN masking] and Note [RNN initial and final states] in rnn.h):
// mask (B, T), nonzero = use the step; a masked step carries the state and outputs the previous
// output (0 before the row's first unmasked step, or always with zeroOutputForMask).
// Dropout is the layer's business: it draws dropoutMask (B, F) and recurrentDropoutMask (B, U)
// (0 or 1/(1-rate), one per sequence, shared by all steps and gates) and passes them here.
//
// The op's outputs are [output, h, (c), ...saved]; these functions return what the user sees.
// Gradients flow to x, kernel, recurrentKernel, bias and the initial states; none to the masks.
import { ACTIVATION_CODES, ActivationIdentifier, resolveActivation } from '../activations';
import { checkBoolean, checkShapeEquals, expected, shapeString } from '../errors';
import { Tensor } from '../tensor';
import { OutputSpec, runKernel } from '../engine/registry';
import { registerGradient } from '../engine/tape';
import { cast } from './elementwise';
import { TensorLike, checkFloat, toTensor } from './util';

/** The cell codes of cpu::RnnCell. */
const CELL = { simple: 0, lstm: 1, gruResetAfter: 2, gruResetBefore: 3 } as const;
const GATES = [1, 4, 3, 3];

/** The activations the gate kernels fuse (cpu::rnn_supports_activation). */
const FUSABLE: readonly ActivationIdentifier[] = ['linear', 'relu', 'sigmoid', 'tanh', 'relu6', 'softsign'];

export interface SimpleRnnSequenceOptions {
  /** Default 'tanh'. One of linear, relu, sigmoid, tanh, relu6, softsign. */
  activation?: string;
  /** Return the output of every step (B, T, U) instead of the last (B, U). Default false. */
  returnSequences?: boolean;
  /** Process the sequence in reverse; the returned sequence is then reversed too (Keras). Default false. */
  goBackwards?: boolean;
  /** (B, T) bool, int32 or float32: nonzero steps are used, zero steps skipped (state carried). */
  mask?: TensorLike | null;
  /** Output 0 at masked steps instead of the previous output (Keras' Bidirectional sets it). Default false. */
  zeroOutputForMask?: boolean;
  /** Keras' initial_state: [h0] ((B, U)); [h0, c0] for LSTM. Default zeros. */
  initialState?: TensorLike[] | null;
  /** (B, F) float32 input dropout mask (0 or 1/(1-rate)), applied to every step's input. */
  dropoutMask?: TensorLike | null;
  /** (B, U) float32 recurrent dropout mask, applied to h where it enters the recurrent matmuls. */
  recurrentDropoutMask?: TensorLike | null;
}

export interface LstmSequenceOptions extends SimpleRnnSequenceOptions {
  /** Activation of the gates; default 'sigmoid'. */
  recurrentActivation?: string;
}

export interface GruSequenceOptions extends LstmSequenceOptions {
  /** Keras 3's default true: the reset gate multiplies h·R_h (+ recurrent bias); false: h before the matmul. */
  resetAfter?: boolean;
}

export interface RnnSequenceResult {
  /** (B, T, U) with returnSequences, else (B, U). */
  output: Tensor;
  /** The final state (B, U). */
  h: Tensor;
}

export interface LstmSequenceResult extends RnnSequenceResult {
  /** The final cell state (B, U). */
  c: Tensor;
}

const COMMON_OPTIONS = ['activation', 'returnSequences', 'goBackwards', 'mask', 'zeroOutputForMask', 'initialState',
  'dropoutMask', 'recurrentDropoutMask'];
const OPTIONS: Record<string, readonly string[]> = {
  simpleRnnSequence: COMMON_OPTIONS,
  lstmSequence: [...COMMON_OPTIONS, 'recurrentActivation'],
  gruSequence: [...COMMON_OPTIONS, 'recurrentActivation', 'resetAfter'],
};

/** SimpleRNN over a whole sequence: h = act(x·kernel + h_prev·recurrentKernel + bias). */
export function simpleRnnSequence(x: TensorLike, kernel: TensorLike, recurrentKernel: TensorLike, bias?: TensorLike | null,
  options: SimpleRnnSequenceOptions = {}): RnnSequenceResult {
  const outs = rnnSequence('simpleRnnSequence', CELL.simple, x, kernel, recurrentKernel, bias, options);
  return { output: outs[0], h: outs[1] };
}

/** LSTM over a whole sequence (gates i, f, c, o; Keras' equations and weight layout). */
export function lstmSequence(x: TensorLike, kernel: TensorLike, recurrentKernel: TensorLike, bias?: TensorLike | null,
  options: LstmSequenceOptions = {}): LstmSequenceResult {
  const outs = rnnSequence('lstmSequence', CELL.lstm, x, kernel, recurrentKernel, bias, options);
  return { output: outs[0], h: outs[1], c: outs[2] };
}

/** GRU over a whole sequence (gates z, r, h; resetAfter true as Keras 3, or false). */
export function gruSequence(x: TensorLike, kernel: TensorLike, recurrentKernel: TensorLike, bias?: TensorLike | null,
  options: GruSequenceOptions = {}): RnnSequenceResult {
  const resetAfter = options?.resetAfter === undefined ? true : checkBoolean(options.resetAfter, 'gruSequence(resetAfter)');
  const outs = rnnSequence('gruSequence', resetAfter ? CELL.gruResetAfter : CELL.gruResetBefore, x, kernel, recurrentKernel, bias,
    options);
  return { output: outs[0], h: outs[1] };
}

function fusableActivation(value: unknown, fallback: ActivationIdentifier, argument: string): number {
  const { name } = resolveActivation(value === undefined ? fallback : value, argument);
  if (!FUSABLE.includes(name)) {
    throw new TypeError(expected(`one of ${FUSABLE.map((a) => `'${a}'`).join(', ')} (the activations the fused RNN kernel ` +
      'supports)', argument, value));
  }
  return ACTIVATION_CODES[name];
}

function optionalFlag(v: unknown, argument: string): boolean {
  return v === undefined ? false : checkBoolean(v, argument);
}

function floatTensor(v: TensorLike, argument: string, op: string): Tensor {
  const t = toTensor(v, argument, op);
  checkFloat(t, op, argument);
  return t;
}

// Validates every argument, then runs the op: returns all its outputs ([output, h, (c), ...saved]).
function rnnSequence(op: string, cell: number, xIn: TensorLike, kernelIn: TensorLike, recurrentIn: TensorLike,
  biasIn: TensorLike | null | undefined, options: GruSequenceOptions): Tensor[] {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(expected('an options object', `${op}(options)`, options));
  }
  for (const key of Object.keys(options)) {
    if ((options as Record<string, unknown>)[key] === undefined) continue;
    if (!OPTIONS[op].includes(key)) {
      const hint = key === 'dropout' || key === 'recurrentDropout'
        ? ' (the layer draws dropout masks; pass them as dropoutMask / recurrentDropoutMask)' : '';
      throw new TypeError(`${op}: unknown option '${key}'${hint}; the options are ${OPTIONS[op].join(', ')}`);
    }
  }
  const arg = (name: string): string => `${op}(${name})`;
  const x = floatTensor(xIn, 'x', op);
  if (x.rank !== 3 || x.shape.some((d) => d === 0)) {
    throw new RangeError(`${op}: expected x of shape [batch, time, features] (all positive) but received shape ${shapeString(x.shape)}`);
  }
  const [B, T, F] = x.shape;
  const G = GATES[cell];
  const kernel = floatTensor(kernelIn, 'kernel', op);
  if (kernel.rank !== 2 || kernel.shape[0] !== F || kernel.shape[1] === 0 || kernel.shape[1] % G !== 0) {
    throw new RangeError(`${op}: expected kernel of shape [${F}, ${G} * units] (features = ${F} from x) but received ` +
      `shape ${shapeString(kernel.shape)}`);
  }
  const U = kernel.shape[1] / G;
  const recurrent = floatTensor(recurrentIn, 'recurrentKernel', op);
  checkShapeEquals(recurrent.shape, [U, G * U], arg('recurrentKernel'));
  const biasShape = cell === CELL.gruResetAfter ? [2, G * U] : [G * U];
  const bias = biasIn === null || biasIn === undefined ? null : floatTensor(biasIn, 'bias', op);
  if (bias) checkShapeEquals(bias.shape, biasShape, arg('bias'));

  const act = fusableActivation(options.activation, 'tanh', arg('activation'));
  const recAct = cell === CELL.simple ? ACTIVATION_CODES.sigmoid
    : fusableActivation(options.recurrentActivation, 'sigmoid', arg('recurrentActivation'));
  const returnSequences = optionalFlag(options.returnSequences, arg('returnSequences'));
  const goBackwards = optionalFlag(options.goBackwards, arg('goBackwards'));
  const zeroOutputForMask = optionalFlag(options.zeroOutputForMask, arg('zeroOutputForMask'));

  let mask: Tensor | null = null;
  if (options.mask !== undefined && options.mask !== null) {
    mask = toTensor(options.mask, 'mask', op);
    checkShapeEquals(mask.shape, [B, T], arg('mask'));
    if (mask.dtype !== 'float32') mask = cast(mask, 'float32');
  }
  const maskLike = (v: TensorLike | null | undefined, shape: number[], name: string): Tensor | null => {
    if (v === undefined || v === null) return null;
    const t = floatTensor(v, name, op);
    checkShapeEquals(t.shape, shape, arg(name));
    return t;
  };
  const inMask = maskLike(options.dropoutMask, [B, F], 'dropoutMask');
  const recMask = maskLike(options.recurrentDropoutMask, [B, U], 'recurrentDropoutMask');

  const lstm = cell === CELL.lstm;
  let h0: Tensor | null = null, c0: Tensor | null = null;
  if (options.initialState !== undefined && options.initialState !== null) {
    const s = options.initialState;
    const want = lstm ? 2 : 1;
    if (!Array.isArray(s) || s.length !== want) {
      throw new TypeError(expected(`an array of ${want} initial state tensor${want > 1 ? 's ([h0, c0])' : ' ([h0])'}`,
        arg('initialState'), s));
    }
    h0 = maskLike(s[0], [B, U], 'initialState[0]');
    if (lstm) c0 = maskLike(s[1], [B, U], 'initialState[1]');
    if (h0 === null || (lstm && c0 === null)) throw new TypeError(expected('an array of tensors', arg('initialState'), s));
  }

  const attrs = [cell, act, recAct, +goBackwards, +returnSequences, +zeroOutputForMask, +(bias !== null), +(mask !== null),
    +(inMask !== null), +(recMask !== null), +(h0 !== null), +(c0 !== null)];
  const inputs = [x, kernel, recurrent, bias, mask, inMask, recMask, h0, c0].filter((t): t is Tensor => t !== null);
  const f32 = (shape: number[]): OutputSpec => ({ shape, dtype: 'float32' });
  const outputs = [f32(returnSequences ? [B, T, U] : [B, U]), f32([B, U])];
  if (lstm) outputs.push(f32([B, U]));
  outputs.push(f32([T, B, F]), f32([T, B, G * U]), f32([T + 1, B, U]));  // xs, gates, states
  if (lstm) outputs.push(f32([T + 1, B, U]));                             // cells
  if (cell === CELL.gruResetAfter || cell === CELL.gruResetBefore) outputs.push(f32([T, B, U]));  // aux
  if (recMask) outputs.push(f32([T, B, U]));                              // hm
  return runKernel('rnnSequence', inputs, outputs, attrs);
}

// The gradient: one rnnSequenceGrad (see rnn.def for its argument lists).
registerGradient('rnnSequence', (dys, node) => {
  const a = node.attrs;
  const cell = a[0];
  const [hasBias, hasMask, hasInMask, hasRecMask, hasH0, hasC0] = a.slice(6, 12).map((v) => v === 1);
  const lstm = cell === CELL.lstm;
  const nStates = lstm ? 2 : 1;
  const saved = node.outputs.slice(1 + nStates);  // xs, gates, states, [cells], [aux], [hm]
  const ins = node.inputs;
  let at = 3;
  const next = (present: boolean): Tensor | null => (present ? ins[at++] : null);
  const [x, kernel, recurrent] = ins;
  const bias = next(hasBias), mask = next(hasMask), inMask = next(hasInMask), recMask = next(hasRecMask);
  const h0 = next(hasH0), c0 = next(hasC0);
  const gradInputs = [...dys.slice(0, 1 + nStates), ...saved, kernel, recurrent, mask, inMask, recMask]
    .filter((t): t is Tensor => t !== null);
  const specs: OutputSpec[] = [x, kernel, recurrent, bias, h0, c0].filter((t): t is Tensor => t !== null)
    .map((t) => ({ shape: t.shape.slice(), dtype: 'float32' }));
  const g = runKernel('rnnSequenceGrad', gradInputs, specs, a);
  let k = 3;
  const take = (present: boolean): Tensor | null => (present ? g[k++] : null);
  const dBias = take(hasBias), dh0 = take(hasH0), dc0 = take(hasC0);
  return [g[0], g[1], g[2], ...(hasBias ? [dBias] : []), ...(hasMask ? [null] : []), ...(hasInMask ? [null] : []),
    ...(hasRecMask ? [null] : []), ...(hasH0 ? [dh0] : []), ...(hasC0 ? [dc0] : [])];
});
