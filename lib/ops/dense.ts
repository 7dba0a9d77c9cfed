// The fused dense op, y = activation(x · kernel + bias) in one kernel (native/cpu/dense.cpp via
// ops_nn.cpp), with its gradient; and tfjs' tn.fused.matMul, which uses it where it can.
import { ACTIVATION_CODES, ActivationIdentifier, resolveActivation } from '../activations';
import { expected, shapeString } from '../errors';
import { Tensor } from '../tensor';
import { runKernel } from '../engine/registry';
import { registerGradient } from '../engine/tape';
import { add, elu, leakyRelu, prelu, relu, relu6, sigmoid, tanh } from './elementwise';
import { matMul } from './linalg';
import { TensorLike, checkFloat, logitsOf, toTensor } from './util';

/**
 * activation(x · kernel + bias) over the last axis of x (any rank >= 1); kernel [in, units]
 * (Keras' layout), bias [units] or null. activation: any of lib/activations.ts ('softmax' over
 * the last axis), alpha its parameter (leakyRelu's slope, elu's alpha; defaults as Keras).
 */
export function dense(x: TensorLike, kernel: TensorLike, bias: TensorLike | null = null, activation: string = 'linear',
  alpha?: number): Tensor {
  const xt = toTensor(x, 'x', 'dense'), k = toTensor(kernel, 'kernel', 'dense');
  checkFloat(xt, 'dense', 'x');
  checkFloat(k, 'dense', 'kernel');
  if (xt.rank < 1 || k.rank !== 2 || xt.shape[xt.rank - 1] !== k.shape[0]) {
    throw new RangeError(`dense: x ${shapeString(xt.shape)} and kernel ${shapeString(k.shape)} do not fit: expected a kernel ` +
      `[${xt.rank >= 1 ? xt.shape[xt.rank - 1] : '?'}, units]`);
  }
  const units = k.shape[1];
  const inputs = [xt, k];
  if (bias !== null && bias !== undefined) {
    const b = toTensor(bias, 'bias', 'dense');
    checkFloat(b, 'dense', 'bias');
    if (b.rank !== 1 || b.shape[0] !== units) throw new RangeError(`dense: expected a bias of shape [${units}] but received ${shapeString(b.shape)}`);
    inputs.push(b);
  }
  const act = resolveActivation(activation, 'dense(activation)');
  const a = alpha ?? act.alpha;
  if (typeof a !== 'number' || !Number.isFinite(a)) throw new TypeError(expected('a finite number', 'dense(alpha)', a));
  const shape = [...xt.shape.slice(0, -1), units];
  const outs = act.code === ACTIVATION_CODES.linear ? [{ shape, dtype: 'float32' as const }]
    : [{ shape, dtype: 'float32' as const }, { shape, dtype: 'float32' as const }];
  const [y, z] = runKernel('dense', inputs, outs, [act.code, a]);
  if (act.name === 'softmax' || act.name === 'sigmoid') logitsOf.set(y, { activation: act.name, logits: z });  // Note [A loss meets its activation]
  return y;
}
// outputs (y[, z]); dys[1] is z's gradient when a loss used the logits (Note [A loss meets its
// activation]): then the activation's backward is skipped for that part.
registerGradient('dense', (dys, node, present, needed) => {
  const [x, kernel] = node.inputs;
  const [y, z] = node.outputs;
  const [code, alpha] = node.attrs;
  const hasBias = node.inputs.length === 3;
  const wantDx = needed[0];  // no dx for a first layer
  const outputs = wantDx ? [{ shape: x.shape, dtype: 'float32' as const }] : [];
  outputs.push({ shape: kernel.shape, dtype: 'float32' as const });
  if (hasBias) outputs.push({ shape: [kernel.shape[1]], dtype: 'float32' as const });
  let dy = dys[0];
  let dyIsPre = 0;
  if (z !== undefined && present[1]) {
    // Both paths: dz = dy * act'(z) + dz_direct, then the linear backward.
    dy = present[0] ? add(runKernel('activationGrad', [dys[0], z, y], [{ shape: y.shape, dtype: 'float32' }], [code, alpha])[0], dys[1]) : dys[1];
    dyIsPre = 1;
  }
  const inputs = [dy, x, kernel, y];
  if (z !== undefined) inputs.push(z);
  const grads = runKernel('denseGrad', inputs, outputs, [code, alpha, dyIsPre, wantDx ? 1 : 0]);
  return wantDx ? grads : [null, ...grads];
});

export interface FusedMatMulArgs {
  a: TensorLike;
  b: TensorLike;
  transposeA?: boolean;
  transposeB?: boolean;
  bias?: TensorLike;
  activation?: 'linear' | 'relu' | 'prelu' | 'elu' | 'relu6' | 'leakyrelu' | 'sigmoid' | 'tanh';
  preluActivationWeights?: TensorLike;
  leakyreluAlpha?: number;
}

const FUSED_ACTIVATIONS: Record<string, ActivationIdentifier | 'prelu'> = {
  linear: 'linear', relu: 'relu', prelu: 'prelu', elu: 'elu', relu6: 'relu6', leakyrelu: 'leakyRelu', sigmoid: 'sigmoid',
  tanh: 'tanh',
};

/**
 * tfjs' tf.fused.matMul: activation(a @ b + bias), with tfjs' activation names. A rank-2 (or
 * batched, untransposed) product with a 1-D bias runs as the one fused dense kernel; other forms
 * (transposes, batch axes in b, a broadcast bias, prelu) are the same ops composed.
 */
export function fusedMatMul(args: FusedMatMulArgs): Tensor {
  if (args === null || typeof args !== 'object') throw new TypeError(expected('an object {a, b, ...}', 'fused.matMul(args)', args));
  const known = ['a', 'b', 'transposeA', 'transposeB', 'bias', 'activation', 'preluActivationWeights', 'leakyreluAlpha'];
  for (const key of Object.keys(args)) {
    if (!known.includes(key)) throw new TypeError(`fused.matMul: unknown option '${key}' (known: ${known.join(', ')})`);
  }
  const name = args.activation ?? 'linear';
  const act = FUSED_ACTIVATIONS[name];
  if (act === undefined) throw new TypeError(expected(`one of ${Object.keys(FUSED_ACTIVATIONS).join(', ')}`, 'fused.matMul(activation)', name));
  if (act === 'prelu' && args.preluActivationWeights === undefined) {
    throw new TypeError("fused.matMul: activation 'prelu' needs preluActivationWeights");
  }
  const a = toTensor(args.a, 'a', 'fused.matMul'), b = toTensor(args.b, 'b', 'fused.matMul');
  const bias = args.bias === undefined || args.bias === null ? null : toTensor(args.bias, 'bias', 'fused.matMul');
  const alpha = args.leakyreluAlpha ?? 0.2;
  if (!args.transposeA && !args.transposeB && act !== 'prelu' && a.rank >= 2 && b.rank === 2 &&
    (bias === null || (bias.rank === 1 && bias.shape[0] === b.shape[1]))) {
    return dense(a, b, bias, act, act === 'leakyRelu' ? alpha : undefined);
  }
  let y = matMul(a, b, args.transposeA ?? false, args.transposeB ?? false);
  if (bias !== null) y = add(y, bias);
  switch (act) {
    case 'linear': return y;
    case 'relu': return relu(y);
    case 'relu6': return relu6(y);
    case 'elu': return elu(y);
    case 'sigmoid': return sigmoid(y);
    case 'tanh': return tanh(y);
    case 'leakyRelu': return leakyRelu(y, alpha);
    default: return prelu(y, args.preluActivationWeights!);
  }
}
