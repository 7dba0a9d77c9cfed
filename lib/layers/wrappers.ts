// Bidirectional: runs a recurrent layer forwards and a copy of it backwards over the same
// input and merges the two outputs (Keras 3 semantics). Weights: the forward layer's, then
// the backward layer's, each in its own Keras layout.
//
// call (the layer on the engine, Note [Layers on the engine] in layer.ts) is the two layers'
// calls, the backward output flipped back in time when it is a sequence, and the merge as
// engine ops; with returnState it returns [output, ...forward states, ...backward states], as
// Keras, and takes initialState the same way (the first half for the forward layer).
import { checkOneOf, expected, shapeString } from '../errors';
import { add, mul } from '../ops/elementwise';
import { concat, reverse } from '../ops/shape';
import { Tensor } from '../tensor';
import { CallArgs, Layer, LayerArgs, checkKnownKeys } from './layer';
import { RNN } from './recurrent';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';
const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave'];

export interface BidirectionalLayerArgs extends LayerArgs {
  /** The recurrent layer (lstm, gru, simpleRNN); its config makes both directions. */
  layer: RNN;
  mergeMode?: MergeMode;
}

export class Bidirectional extends Layer {
  static override readonly batchlessShapes = true;
  static readonly className = 'Bidirectional';
  readonly forwardLayer: RNN;
  readonly backwardLayer: RNN;
  readonly mergeMode: MergeMode;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  private yF: Tensor | null = null;
  private yB: Tensor | null = null;

  constructor(args: BidirectionalLayerArgs) {
    if (args === null || typeof args !== 'object' || !(args.layer instanceof RNN)) {
      throw new TypeError(expected('an object {layer} with a recurrent layer (lstm, gru, simpleRNN)', 'bidirectional(args)',
        args === null || typeof args !== 'object' ? args : args.layer));
    }
    checkKnownKeys(args, ['layer', 'mergeMode'], 'tn.layers.bidirectional');
    const inner = args.layer;
    if (inner.activityRegularizer !== null) {
      // Each direction's output would need its own penalty, which nothing collects yet.
      throw new TypeError(`tn.layers.bidirectional: the wrapped layer ${inner.name} has an activityRegularizer, which ` +
        'Bidirectional does not support yet');
    }
    super({
      ...args,
      inputShape: args.inputShape ?? (args.batchInputShape === undefined ? inner.declaredInputShape : undefined),
    });
    this.mergeMode = args.mergeMode === undefined ? 'concat' : checkOneOf(args.mergeMode, 'mergeMode', MERGE_MODES);
    // As Keras: fresh layers from the wrapped layer's config; the backward one with goBackwards flipped.
    this.forwardLayer = inner.cloneWith({ name: `forward_${inner.name}`, inputShape: undefined, batchInputShape: undefined });
    this.backwardLayer = inner.cloneWith({
      name: `backward_${inner.name}`, goBackwards: !inner.goBackwards, inputShape: undefined, batchInputShape: undefined,
    });
    this.returnSequences = inner.returnSequences;
    this.returnState = inner.returnState;
    // Keras' Bidirectional outputs 0 at masked steps when it returns sequences.
    this.forwardLayer.zeroOutputForMask = this.returnSequences;
    this.backwardLayer.zeroOutputForMask = this.returnSequences;
  }

  override build(inputShape: number[]): void {
    this.forwardLayer.ensureBuilt(inputShape);
    this.backwardLayer.ensureBuilt(inputShape);
    this.variables.push(...this.forwardLayer.weightVariables, ...this.backwardLayer.weightVariables);
    super.build(inputShape);
  }

  /** The merged output's shape; with returnState, the list [output, ...forward states, ...backward states]. */
  override computeOutputShape(inputShape: number[]): number[] | number[][] {
    const inner = this.forwardLayer.computeOutputShape(inputShape);
    const list = this.returnState ? (inner as number[][]) : [inner as number[]];
    const out = list[0].slice();
    if (this.mergeMode === 'concat') out[out.length - 1] *= 2;
    if (!this.returnState) return out;
    const states = list.slice(1);
    return [out, ...states, ...states.map((s) => s.slice())];
  }

  /** The layer on the engine: see the note at the top of this file. */
  override call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor | Tensor[] {
    const what = `Bidirectional ${this.name}`;
    checkKnownKeys(kwargs, ['training', 'mask', 'initialState'], `${what}: call`);
    let forwardState: unknown = null, backwardState: unknown = null;
    const initial = kwargs.initialState;
    if (initial !== undefined && initial !== null) {
      const n = 2 * this.forwardLayer.stateCount;
      if (!Array.isArray(initial) || initial.length !== n) {
        throw new TypeError(expected(`an array of ${n} tensors (the forward layer's initial states, then the backward layer's)`,
          `${what}: call(initialState)`, initial));
      }
      forwardState = initial.slice(0, n / 2);
      backwardState = initial.slice(n / 2);
    }
    const outsF = this.forwardLayer.call(inputs, { training: kwargs.training, mask: kwargs.mask, initialState: forwardState });
    const outsB = this.backwardLayer.call(inputs, { training: kwargs.training, mask: kwargs.mask, initialState: backwardState });
    const listF = Array.isArray(outsF) ? outsF : [outsF], listB = Array.isArray(outsB) ? outsB : [outsB];
    const yF = listF[0];
    // The backward layer's sequence is in reversed time: flip it back.
    const yB = this.returnSequences ? reverse(listB[0], 1) : listB[0];
    let y: Tensor;
    switch (this.mergeMode) {
      case 'concat': y = concat([yF, yB], -1); break;
      case 'sum': y = add(yF, yB); break;
      case 'mul': y = mul(yF, yB); break;
      case 'ave': y = mul(add(yF, yB), 0.5); break;
    }
    return this.returnState ? [y, ...listF.slice(1), ...listB.slice(1)] : y;
  }

  override forward(x: Tensor, training: boolean, mask?: Tensor | null): Tensor {
    const yF = this.forwardLayer.forward(x, training, mask);
    const yB = this.backwardLayer.forward(x, training, mask);
    this.yF = yF;
    this.yB = yB;
    const u = this.forwardLayer.units;
    const rows = yF.size / u;
    const time = this.returnSequences ? yF.shape[1] : 1;
    const outShape = [...yF.shape.slice(0, -1), this.mergeMode === 'concat' ? 2 * u : u];
    const y = this.buffer('y', outShape);
    const out = y.values as Float32Array, f = yF.values, b = yB.values;
    for (let r = 0; r < rows; r++) {
      // The backward layer's sequence is in reversed time: flip it back.
      const rb = this.returnSequences ? Math.floor(r / time) * time + (time - 1 - (r % time)) : r;
      const fo = r * u, bo = rb * u;
      switch (this.mergeMode) {
        case 'concat':
          for (let j = 0; j < u; j++) {
            out[2 * fo + j] = f[fo + j];
            out[2 * fo + u + j] = b[bo + j];
          }
          break;
        case 'sum': for (let j = 0; j < u; j++) out[fo + j] = f[fo + j] + b[bo + j]; break;
        case 'ave': for (let j = 0; j < u; j++) out[fo + j] = 0.5 * (f[fo + j] + b[bo + j]); break;
        case 'mul': for (let j = 0; j < u; j++) out[fo + j] = f[fo + j] * b[bo + j]; break;
      }
    }
    return y;
  }

  override backward(dy: Tensor, needInputGrad: boolean): Tensor | null {
    const yF = this.yF!, yB = this.yB!;
    const u = this.forwardLayer.units;
    const rows = yF.size / u;
    const time = this.returnSequences ? yF.shape[1] : 1;
    const dyF = this.buffer('dyF', yF.shape), dyB = this.buffer('dyB', yB.shape);
    const g = dy.values, df = dyF.values as Float32Array, db = dyB.values as Float32Array, f = yF.values, b = yB.values;
    for (let r = 0; r < rows; r++) {
      const rb = this.returnSequences ? Math.floor(r / time) * time + (time - 1 - (r % time)) : r;
      const fo = r * u, bo = rb * u;
      switch (this.mergeMode) {
        case 'concat':
          for (let j = 0; j < u; j++) {
            df[fo + j] = g[2 * fo + j];
            db[bo + j] = g[2 * fo + u + j];
          }
          break;
        case 'sum': for (let j = 0; j < u; j++) df[fo + j] = db[bo + j] = g[fo + j]; break;
        case 'ave': for (let j = 0; j < u; j++) df[fo + j] = db[bo + j] = 0.5 * g[fo + j]; break;
        case 'mul':
          for (let j = 0; j < u; j++) {
            df[fo + j] = g[fo + j] * b[bo + j];
            db[bo + j] = g[fo + j] * f[fo + j];
          }
          break;
      }
    }
    const dxF = this.forwardLayer.backward(dyF, needInputGrad);
    const dxB = this.backwardLayer.backward(dyB, needInputGrad);
    if (!needInputGrad || dxF === null || dxB === null) return null;
    const dx = this.buffer('dx', dxF.shape);
    const o = dx.values as Float32Array, a = dxF.values, c = dxB.values;
    for (let i = 0; i < o.length; i++) o[i] = a[i] + c[i];
    return dx;
  }

  override computeMask(_input: Tensor, mask: Tensor | null): Tensor | null {
    return this.returnSequences ? mask : null;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), mergeMode: this.mergeMode, layer: this.forwardLayer.getConfig() };
  }

  override toString(): string {
    return `Bidirectional(${this.forwardLayer.getClassName()} ${shapeString(this.builtOutputShape ?? [])})`;
  }
}
