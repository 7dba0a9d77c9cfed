// The tape: while a gradient function (tn.grad, tn.variableGrads, ...) runs its f, every op
// whose inputs depend on the watched tensors is recorded; backward() walks the records in
// reverse and calls each op's registered gradient.
//
// Note [Gradient accumulation]
// A tensor used by several ops (fan-out, a residual, a shared weight) receives one gradient
// contribution from each. The first contribution is stored as is (written); each later one is
// added to it (a new tensor, so no contribution is ever overwritten). Gradients are computed
// with recording paused: no gradient of a gradient yet.
import { DType, Tensor } from '../tensor';

export interface TapeNode {
  op: string;
  inputs: Tensor[];
  outputs: Tensor[];
  attrs: readonly number[];
  /** Set for tn.customGrad nodes: the user's gradient instead of the op's registered one. */
  grad?: GradFn;
}

/**
 * Gradients of an op's inputs from its outputs' gradients (null: no gradient for that input).
 * dys has one tensor per output (zeros where an output got no gradient); `present` says which
 * outputs did, so an op whose extra outputs are usually unused (a fused op's saved
 * intermediates) can skip their terms; `needed` says which inputs' gradients are used (float32
 * inputs that depend on a source), so a costly one nobody reads (the first layer's dx) can be
 * skipped by returning null.
 */
export type GradFn = (dys: Tensor[], node: TapeNode, present: boolean[], needed: boolean[]) => (Tensor | null)[];

const gradientsByOp = new Map<string, GradFn>();

/** Registers op's gradient, next to the op (lib/ops/*.ts); a second one is an error. */
export function registerGradient(op: string, grad: GradFn): void {
  if (gradientsByOp.has(op)) throw new Error(`registerGradient: '${op}' already has a gradient`);
  gradientsByOp.set(op, grad);
}

export class Tape {
  readonly nodes: TapeNode[] = [];
  /** Tensors that depend on a watched source (the sources included). */
  readonly connected = new Set<Tensor>();
}

const tapes: Tape[] = [];
let paused = 0;

/** Records an op on every active tape that watches one of its inputs. */
export function recordOp(op: string, inputs: Tensor[], outputs: Tensor[], attrs: readonly number[], grad?: GradFn): void {
  if (tapes.length === 0 || paused > 0) return;
  for (const tape of tapes) {
    if (!inputs.some((t) => tape.connected.has(t))) continue;
    tape.nodes.push({ op, inputs, outputs, attrs, grad });
    for (const o of outputs) tape.connected.add(o);
  }
}

/** Runs fn with a new tape watching `sources`. */
export function withTape<T>(sources: Tensor[], fn: () => T): { result: T; tape: Tape } {
  const tape = new Tape();
  for (const s of sources) tape.connected.add(s);
  tapes.push(tape);
  try {
    return { result: fn(), tape };
  } finally {
    tapes.splice(tapes.lastIndexOf(tape), 1);
  }
}

/** Runs fn without recording (gradient computations, customGrad's forward). */
export function withoutRecording<T>(fn: () => T): T {
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}

/**
 * d(y)/d(source) for each source, y's gradient being dy. A source y does not depend on gets
 * null. `add` and `zerosLike` come from the ops (the tape itself runs no kernels).
 */
export function backward(tape: Tape, y: Tensor, dy: Tensor, sources: Tensor[],
  add: (a: Tensor, b: Tensor) => Tensor, zerosLike: (shape: number[], dtype: DType) => Tensor): (Tensor | null)[] {
  return withoutRecording(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(y, dy);
    for (let i = tape.nodes.length - 1; i >= 0; i--) {
      const node = tape.nodes[i];
      if (!node.outputs.some((o) => grads.has(o))) continue;  // not on a path to y
      const grad = node.grad ?? gradientsByOp.get(node.op);
      if (grad === undefined) throw new Error(`No gradient is defined for op '${node.op}'`);
      const present = node.outputs.map((o) => grads.has(o));
      const dys = node.outputs.map((o) => grads.get(o) ?? zerosLike(o.shape, 'float32'));
      const needed = node.inputs.map((x) => x.dtype === 'float32' && tape.connected.has(x));
      const dxs = grad(dys, node, present, needed);
      node.inputs.forEach((x, k) => {
        const g = dxs[k];
        if (g === null || g === undefined || !tape.connected.has(x) || x.dtype !== 'float32') return;
        if (g.shape.length !== x.shape.length || g.shape.some((d, j) => d !== x.shape[j])) {
          throw new Error(`The gradient of op '${node.op}' for input ${k} has shape [${g.shape}] but the input has [${x.shape}]`);
        }
        const previous = grads.get(x);
        grads.set(x, previous === undefined ? g : add(previous, g));  // Note [Gradient accumulation]
      });
    }
    return sources.map((s) => grads.get(s) ?? null);
  });
}
