// The optimizer base: keeps per-variable slots and runs ONE fused native update over all
// trainable variables per step (native/cpu/optim.cpp). Subclasses only state their
// hyper-parameters and how many slots they need.
import { LayerVariable } from '../layers/layer';
import { expected, shapeString } from '../errors';
import { native } from '../native';
import { Tensor, checkTensor } from '../tensor';
import { NamedTensorMap, variableGrads } from '../engine/gradients';
import { Variable, findVariable } from '../engine/variable';

export abstract class Optimizer {
  /** Native optimizer code (native/cpu/optim.h). */
  protected abstract readonly kind: number;
  private lr = 0;
  /** Number of updates applied so far. */
  iterations = 0;
  // Slots per variable (a layer's LayerVariable, or a tn.variable); weak, so they go with it.
  private readonly slots = new WeakMap<LayerVariable | Variable, { a: Float32Array | null; b: Float32Array | null }>();
  // The argument lists of the last update, rebuilt only when the variable list changes.
  private cachedFor: LayerVariable[] | null = null;
  private cached: { params: Float32Array[]; grads: Float32Array[]; a: Float32Array[] | null; b: Float32Array[] | null } | null = null;
  // The variables that have slots, in first-update order (for getWeights), and slot values set
  // by setWeights for variables not seen yet, by slot name (taken when the variable first updates).
  private readonly slotOwners: WeakRef<LayerVariable | Variable>[] = [];
  private readonly pendingSlots = new Map<string, Float32Array>();

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

  /**
   * tfjs' optimizer.minimize(f, returnCost, varList): one update of varList (default: every
   * trainable tn.variable) along the gradients of the scalar f(). Returns the cost when
   * returnCost is true, else null.
   */
  minimize(f: () => Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    const { value, grads } = variableGrads(f, varList);
    this.applyGradients(grads);
    for (const g of Object.values(grads)) g.dispose();
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /**
   * tfjs' optimizer.applyGradients: one update of the named tn.variables from their gradients,
   * given as {name: gradient} or [{name, tensor}] (what tn.variableGrads returns).
   */
  applyGradients(variableGradients: NamedTensorMap | { name: string; tensor: Tensor }[]): void {
    const pairs: [string, unknown][] = Array.isArray(variableGradients)
      ? variableGradients.map((g, i) => {
        if (g === null || typeof g !== 'object' || typeof g.name !== 'string') {
          throw new TypeError(expected('{name, tensor}', `applyGradients(variableGradients[${i}])`, g));
        }
        return [g.name, g.tensor];
      })
      : variableGradients !== null && typeof variableGradients === 'object'
        ? Object.entries(variableGradients)
        : (() => { throw new TypeError(expected('{name: Tensor} or [{name, tensor}]', 'applyGradients(variableGradients)', variableGradients)); })();
    const vars: Variable[] = [];
    const gradients: Float32Array[] = [];
    for (const [name, g] of pairs) {
      const v = findVariable(name);
      if (v === undefined) throw new Error(`applyGradients: no live variable named '${name}'`);
      const t = checkTensor(g, `applyGradients(['${name}'])`);
      if (t.dtype !== 'float32' || v.dtype !== 'float32' || t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
        throw new RangeError(`applyGradients: the gradient of '${name}' is ${t.dtype} ${shapeString(t.shape)} but the ` +
          `variable is ${v.dtype} ${shapeString(v.shape)}`);
      }
      if (!v.trainable) continue;
      vars.push(v);
      gradients.push(t.values as Float32Array);
    }
    if (vars.length === 0) return;
    const count = this.slotCount();
    const slotsOf = vars.map((v) => this.slotsFor(v, count));
    this.iterations++;
    native.optimizerUpdate(this.kind, { ...this.hyper(), learningRate: this.learningRate, step: this.iterations },
      vars.map((v) => v.values as Float32Array), gradients,
      count >= 1 ? slotsOf.map((s) => s.a!) : null, count >= 2 ? slotsOf.map((s) => s.b!) : null);
  }

  private slotsFor(v: LayerVariable | Variable, count: number): { a: Float32Array | null; b: Float32Array | null } {
    let s = this.slots.get(v);
    if (s === undefined) {
      s = { a: count >= 1 ? new Float32Array(v.size) : null, b: count >= 2 ? new Float32Array(v.size) : null };
      const names = this.slotNames();
      for (const [i, slot] of [s.a, s.b].entries()) {
        const pending = slot && this.pendingSlots.get(`${v.name}/${names[i]}`);
        if (slot && pending) {
          slot.set(pending);
          this.pendingSlots.delete(`${v.name}/${names[i]}`);
        }
      }
      this.slots.set(v, s);
      this.slotOwners.push(new WeakRef(v));
    }
    return s;
  }

  /** tfjs' slot names, in slot order: 'm', 'v' (Adam); 'rms', 'momentum' (RMSProp); 'momentum' (SGD). */
  protected slotNames(): string[] {
    return ['a', 'b'];
  }

  /**
   * tfjs' optimizer.getWeights(): [{name: 'iter', tensor: int32 scalar}, then every slot as
   * {name: `${variableName}/${slot}`, tensor}], grouped by slot as tfjs orders them. Copies.
   */
  async getWeights(): Promise<{ name: string; tensor: Tensor }[]> {
    const out: { name: string; tensor: Tensor }[] = [{ name: 'iter', tensor: new Tensor(new Int32Array([this.iterations]), [], 'int32') }];
    const count = this.slotCount(), names = this.slotNames();
    const live = this.slotOwners.map((r) => r.deref()).filter((v): v is LayerVariable | Variable => v !== undefined);
    for (let k = 0; k < count; k++) {
      for (const v of live) {
        const s = this.slots.get(v)!;
        const slot = k === 0 ? s.a : s.b;
        if (slot) out.push({ name: `${v.name}/${names[k]}`, tensor: new Tensor(slot.slice(), v.shape.slice(), 'float32') });
      }
    }
    for (const [name, values] of this.pendingSlots) {
      out.push({ name, tensor: new Tensor(values.slice(), [values.length], 'float32') });
    }
    return out;
  }

  /**
   * tfjs' optimizer.setWeights(weights): 'iter' sets the iteration count; `${variableName}/${slot}`
   * sets a slot, now for a variable already updated, else when that variable first updates
   * (a model just loaded). Every entry is checked before any is assigned.
   */
  async setWeights(weights: { name: string; tensor: Tensor }[]): Promise<void> {
    if (!Array.isArray(weights)) throw new TypeError(expected('an array of {name, tensor}', 'setWeights(weights)', weights));
    const names = this.slotNames().slice(0, this.slotCount());
    const live = new Map<string, LayerVariable | Variable>();
    for (const r of this.slotOwners) { const v = r.deref(); if (v) live.set(v.name, v); }
    const plan: (() => void)[] = [];
    for (const [i, w] of weights.entries()) {
      if (w === null || typeof w !== 'object' || typeof w.name !== 'string') throw new TypeError(expected('{name, tensor}', `setWeights(weights[${i}])`, w));
      const t = checkTensor(w.tensor, `setWeights(weights[${i}].tensor)`);
      if (w.name === 'iter') {
        const it = t.values[0];
        if (t.size !== 1 || !Number.isInteger(it) || it < 0) throw new RangeError(expected('a non-negative integer scalar', "setWeights('iter')", t.values[0]));
        plan.push(() => { this.iterations = it; });
        continue;
      }
      const slash = w.name.lastIndexOf('/');
      const slot = names.indexOf(w.name.slice(slash + 1));
      if (slash < 0 || slot < 0) {
        throw new Error(`setWeights: '${w.name}' is not a slot of ${this.getClassName()} (its slots are ${names.map((n) => `'<variable>/${n}'`).join(', ') || 'none'}, and 'iter')`);
      }
      const values = t.dtype === 'float32' ? (t.values as Float32Array) : Float32Array.from(t.values);
      const v = live.get(w.name.slice(0, slash));
      if (v !== undefined) {
        if (values.length !== v.size) throw new RangeError(`setWeights: '${w.name}' has ${values.length} values but variable ${v.name} has ${v.size}`);
        const s = this.slots.get(v)!;
        const dst = slot === 0 ? s.a! : s.b!;
        plan.push(() => dst.set(values));
      } else {
        plan.push(() => { this.pendingSlots.set(w.name, values.slice()); });
      }
    }
    for (const f of plan) f();
  }

  /** Applies one update to a model's variables from each one's .grad (the fit path). */
  applyLayerGradients(variables: LayerVariable[]): void {
    if (variables.length === 0) return;
    if (!sameVariables(this.cachedFor, variables)) {
      const count = this.slotCount();
      const slotsOf = variables.map((v) => this.slotsFor(v, count));
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
