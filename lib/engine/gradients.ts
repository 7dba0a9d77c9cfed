// The gradient API, with tfjs' names and semantics: grad, grads, valueAndGrad, valueAndGrads,
// variableGrads, customGrad. Each runs f on a tape (engine/tape.ts) inside a scope
// (engine/memory.ts), so the intermediates of f and of the backward pass are freed when it
// returns: a custom training loop needs no tidy().
import { expected, shapeString } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { withScope } from './memory';
import { run1 } from './registry';
import { GradFn, backward, recordOp, withTape, withoutRecording } from './tape';
import { Variable, trainableVariables } from './variable';

function addTensors(a: Tensor, b: Tensor): Tensor {
  return run1('add', [a, b], a.shape.slice(), 'float32');
}

function zerosTensor(shape: number[]): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  return new Tensor(new Float32Array(n), shape, 'float32');
}

function onesTensor(shape: number[]): Tensor {
  const t = zerosTensor(shape);
  t.values.fill(1);
  return t;
}

function checkFunction(f: unknown, api: string): void {
  if (typeof f !== 'function') throw new TypeError(expected('a function', `${api}(f)`, f));
}

function checkDy(dy: Tensor | undefined, y: Tensor, api: string): Tensor {
  if (dy === undefined || dy === null) return onesTensor(y.shape.slice());
  const d = checkTensor(dy, `${api}(dy)`);
  if (d.shape.length !== y.shape.length || d.shape.some((v, i) => v !== y.shape[i])) {
    throw new RangeError(`${api}: dy has shape ${shapeString(d.shape)} but f's result has ${shapeString(y.shape)}`);
  }
  return d;
}

function checkFloatSources(xs: Tensor[], api: string): void {
  xs.forEach((x, i) => {
    checkTensor(x, `${api}(xs[${i}])`);
    if (x.dtype !== 'float32') throw new TypeError(`${api}: gradients need float32 inputs but xs[${i}] is ${x.dtype}`);
  });
}

function valueAndGradsOf(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], dy: Tensor | undefined, api: string): { value: Tensor; grads: Tensor[] } {
  checkFloatSources(xs, api);
  return withScope(() => {
    const { result: y, tape } = withTape(xs, () => f(...xs));
    if (!(y instanceof Tensor)) throw new TypeError(expected('f to return a Tensor', api, y));
    const grads = backward(tape, y, checkDy(dy, y, api), xs, addTensors, (s) => zerosTensor(s));
    return { value: y, grads: grads.map((g, i) => g ?? zerosTensor(xs[i].shape.slice())) };
  }, (r) => [r.value, ...r.grads]);
}

/** tn.grad(f): a function x => df/dx (f: Tensor -> Tensor; dy defaults to ones). */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  checkFunction(f, 'grad');
  return (x, dy) => valueAndGradsOf((t) => f(t), [x], dy, 'grad').grads[0];
}

/** tn.grads(f): a function xs => [df/dx for each x]. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  checkFunction(f, 'grads');
  return (xs, dy) => {
    if (!Array.isArray(xs)) throw new TypeError(expected('an array of tensors', 'grads(f)(xs)', xs));
    return valueAndGradsOf(f, xs, dy, 'grads').grads;
  };
}

/** tn.valueAndGrad(f): x => {value: f(x), grad: df/dx}. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  checkFunction(f, 'valueAndGrad');
  return (x, dy) => {
    const r = valueAndGradsOf((t) => f(t), [x], dy, 'valueAndGrad');
    return { value: r.value, grad: r.grads[0] };
  };
}

/** tn.valueAndGrads(f): xs => {value: f(...xs), grads}. */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  checkFunction(f, 'valueAndGrads');
  return (xs, dy) => {
    if (!Array.isArray(xs)) throw new TypeError(expected('an array of tensors', 'valueAndGrads(f)(xs)', xs));
    return valueAndGradsOf(f, xs, dy, 'valueAndGrads');
  };
}

export type NamedTensorMap = { [name: string]: Tensor };

/**
 * tn.variableGrads(f, varList?): the scalar f() and its gradient with respect to each
 * variable of varList (default: every trainable variable), by variable name. Variables f does
 * not use are left out, as in tfjs.
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: NamedTensorMap } {
  checkFunction(f, 'variableGrads');
  const vars = varList ?? trainableVariables();
  if (!Array.isArray(vars)) throw new TypeError(expected('an array of variables', 'variableGrads(varList)', varList));
  vars.forEach((v, i) => {
    if (!(v instanceof Variable)) throw new TypeError(expected('a Variable (tn.variable)', `variableGrads(varList[${i}])`, v));
  });
  checkFloatSources(vars, 'variableGrads');
  return withScope(() => {
    const { result: y, tape } = withTape(vars, f);
    if (!(y instanceof Tensor)) throw new TypeError(expected('f to return a Tensor', 'variableGrads', y));
    if (y.rank !== 0) throw new RangeError(`variableGrads: f must return a scalar but returned shape ${shapeString(y.shape)}`);
    const gs = backward(tape, y, onesTensor([]), vars, addTensors, (s) => zerosTensor(s));
    const named: NamedTensorMap = {};
    vars.forEach((v, i) => {
      const g = gs[i];
      if (g !== null) named[v.name] = g === v ? run1('cast', [g], g.shape.slice(), 'float32') : g;
    });
    return { value: y, grads: named };
  }, (r) => [r.value, ...Object.values(r.grads)]);
}

export type CustomGradientFunc = (...args: (Tensor | ((tensors: Tensor[]) => void))[]) => {
  value: Tensor;
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[];
};

/**
 * tn.customGrad(f): f(...inputs, save) returns {value, gradFunc(dy, saved)}; the returned
 * function computes value and, under a gradient function, uses gradFunc for its gradients.
 */
export function customGrad(f: CustomGradientFunc): (...inputs: Tensor[]) => Tensor {
  checkFunction(f, 'customGrad');
  return (...inputs: Tensor[]) => {
    inputs.forEach((x, i) => checkTensor(x, `customGrad(f)(inputs[${i}])`));
    let saved: Tensor[] = [];
    const save = (tensors: Tensor[]): void => {
      if (!Array.isArray(tensors)) throw new TypeError(expected('an array of tensors', 'customGrad save(tensors)', tensors));
      saved = tensors;
    };
    const r = withoutRecording(() => f(...inputs, save));
    if (r === null || typeof r !== 'object' || !(r.value instanceof Tensor) || typeof r.gradFunc !== 'function') {
      throw new TypeError(expected('{value: Tensor, gradFunc}', 'the result of customGrad(f)', r));
    }
    // A value that is one of the inputs would make the tape loop: record a copy instead.
    const value = inputs.includes(r.value) ? withoutRecording(() => run1('cast', [r.value], r.value.shape.slice(), r.value.dtype)) : r.value;
    const gradFn: GradFn = ([dy]) => {
      const g = r.gradFunc(dy, saved);
      const list = Array.isArray(g) ? g : [g];
      if (list.length !== inputs.length) {
        throw new RangeError(`customGrad: gradFunc returned ${list.length} gradient(s) for ${inputs.length} input(s)`);
      }
      return list;
    };
    recordOp('customGrad', inputs, [value], [], gradFn);
    return value;
  };
}
