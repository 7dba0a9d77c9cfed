// The optimizer base: keeps per-variable slots and runs ONE fused native update over all
// trainable variables per step (native/cpu/optim.cpp). Subclasses only state their
// hyper-parameters and how many slots they need.
import { LayerVariable } from '../layers/layer';
import { expected } from '../errors';
import { native } from '../native';

export abstract class Optimizer {
  /** Native optimizer code (native/cpu/optim.h). */
  protected abstract readonly kind: number;
  private lr = 0;
  /** Number of updates applied so far. */
  iterations = 0;
  private readonly slots = new Map<LayerVariable, { a: Float32Array | null; b: Float32Array | null }>();
  // The argument lists of the last update, rebuilt only when the variable list changes.
  private cachedFor: LayerVariable[] | null = null;
  private cached: { params: Float32Array[]; grads: Float32Array[]; a: Float32Array[] | null; b: Float32Array[] | null } | null = null;

  constructor(learningRate: number) {
    this.learningRate = learningRate;
  }

  /**
   * The learning rate of the next update. It may be changed between steps (a schedule, a
   * callback): to any finite number >= 0 (a schedule may end at 0); NaN, infinities and
   * non-numbers are errors here rather than weights silently turned to NaN.
   */
  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(expected('a finite number >= 0', 'learningRate', value));
    }
    this.lr = value;
  }

  abstract getClassName(): string;
  /** Number of slot buffers per variable (0, 1 or 2). */
  protected abstract slotCount(): number;
  /** Hyper-parameters passed to the native update. */
  protected abstract hyper(): Record<string, number | boolean>;

  /** Applies one update from each variable's .grad. */
  applyGradients(variables: LayerVariable[]): void {
    if (variables.length === 0) return;
    if (!sameVariables(this.cachedFor, variables)) {
      const count = this.slotCount();
      const slotsOf = variables.map((v) => {
        let s = this.slots.get(v);
        if (s === undefined) {
          s = { a: count >= 1 ? new Float32Array(v.size) : null, b: count >= 2 ? new Float32Array(v.size) : null };
          this.slots.set(v, s);
        }
        return s;
      });
      this.cached = {
        params: variables.map((v) => v.value),
        grads: variables.map((v) => v.grad),
        a: count >= 1 ? slotsOf.map((s) => s.a!) : null,
        b: count >= 2 ? slotsOf.map((s) => s.b!) : null,
      };
      this.cachedFor = variables.slice();
    }
    this.iterations++;
    const c = this.cached!;
    native.optimizerUpdate(this.kind, { ...this.hyper(), learningRate: this.learningRate, step: this.iterations },
      c.params, c.grads, c.a, c.b);
  }

  getConfig(): Record<string, unknown> {
    return { learningRate: this.learningRate, ...this.hyper() };
  }
}

/** Whether two variable lists hold the same variables in the same order. */
function sameVariables(a: LayerVariable[] | null, b: LayerVariable[]): boolean {
  if (a === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
