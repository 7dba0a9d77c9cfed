// Neural-network ops that are not elementwise (kernels in native/cpu/ops_nn.cpp).
import { Tensor } from '../tensor';
import { run1 } from '../engine/registry';
import { registerGradient } from '../engine/tape';
import { alongLastAxis } from './elementwise';
import { TensorLike, checkFloat, normalizeAxis, toTensor } from './util';

/** log(softmax(logits)) along axis (default the last), computed stably. */
export function logSoftmax(logits: TensorLike, axis = -1): Tensor {
  const t = toTensor(logits, 'logits', 'logSoftmax');
  checkFloat(t, 'logSoftmax', 'logits');
  if (t.rank === 0) throw new RangeError('logSoftmax: logits must have rank >= 1');
  return alongLastAxis(t, normalizeAxis(axis, t.rank, 'logSoftmax'), (u) => run1('logSoftmax', [u], u.shape, 'float32'));
}
registerGradient('logSoftmax', ([dy], n) => [run1('logSoftmaxGrad', [dy, n.outputs[0]], dy.shape, 'float32')]);
