// Variables: tensors that keep their identity while their values change (tn.variable, as
// tfjs). Gradient functions treat trainable variables as the default things to differentiate
// with respect to (tn.variableGrads, optimizer.minimize), and scopes never free them.
import { expected, shapeString } from '../errors';
import { DType, Tensor, checkTensor } from '../tensor';

// Live variables by name; a weak reference, so a variable nobody holds is collected (and its
// name becomes free again), where tfjs would keep it until disposed.
const variables = new Map<string, WeakRef<Variable>>();
let counter = 0;

export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;
  readonly isVariable = true;

  constructor(initialValue: Tensor, trainable: boolean, name: string) {
    super(initialValue.values.slice(), initialValue.shape.slice(), initialValue.dtype);
    this.name = name;
    this.trainable = trainable;
  }

  /** Copies newValue (of this variable's shape and dtype) into the variable. */
  assign(newValue: Tensor): void {
    const v = checkTensor(newValue, `assign(newValue) of variable '${this.name}'`);
    if (v.dtype !== this.dtype || v.shape.length !== this.shape.length || v.shape.some((d, i) => d !== this.shape[i])) {
      throw new RangeError(`Variable '${this.name}' is ${this.dtype} ${shapeString(this.shape)}; ` +
        `assign() received ${v.dtype} ${shapeString(v.shape)}`);
    }
    this.values.set(v.values as never);
  }

  override dispose(): void {
    if (variables.get(this.name)?.deref() === this) variables.delete(this.name);
    super.dispose();
  }
}

/** tn.variable(initialValue, trainable = true, name?, dtype?): a variable holding a copy of initialValue. */
export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DType): Variable {
  let init = checkTensor(initialValue, 'variable(initialValue)');
  if (typeof trainable !== 'boolean') throw new TypeError(expected('a boolean', 'variable(trainable)', trainable));
  if (dtype !== undefined && dtype !== init.dtype) {
    if (dtype !== 'float32' && dtype !== 'int32') throw new TypeError(expected("'float32' or 'int32'", 'variable(dtype)', dtype));
    // Lazy import: ops depend on the engine, not the other way round.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    init = require('../ops/elementwise').cast(init, dtype);
  }
  let chosen = name;
  if (chosen === undefined) {
    do chosen = `Variable${counter++}`; while (variables.get(chosen)?.deref() !== undefined);
  } else if (typeof chosen !== 'string' || chosen.length === 0) {
    throw new TypeError(expected('a non-empty string', 'variable(name)', name));
  } else if (variables.get(chosen)?.deref() !== undefined) {
    throw new Error(`Variable with name ${chosen} was already registered`);
  }
  const v = new Variable(init, trainable, chosen);
  variables.set(chosen, new WeakRef(v));
  return v;
}

/** The live variable called name, or undefined. */
export function findVariable(name: string): Variable | undefined {
  return variables.get(name)?.deref();
}

/** Every live trainable variable, in creation order. */
export function trainableVariables(): Variable[] {
  const out: Variable[] = [];
  for (const [name, ref] of variables) {
    const v = ref.deref();
    if (v === undefined) variables.delete(name);
    else if (v.trainable && !v.isDisposed) out.push(v);
  }
  return out;
}
