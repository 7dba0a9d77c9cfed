// Matrix products (tfjs names and semantics) and their gradients. Kernel: MatMul in
// native/cpu/ops_linalg.cpp (batched sgemm, batch axes broadcast).
import { shapeString } from '../errors';
import { Tensor } from '../tensor';
import { run1 } from '../engine/registry';
import { registerGradient } from '../engine/tape';
import { reduceTo } from './elementwise';
import { reshape } from './shape';
import { TensorLike, broadcastShapes, checkFloat, toTensor } from './util';

/** a @ b over the last two axes (optionally transposed); batch axes broadcast. Rank >= 2. */
export function matMul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  const x = toTensor(a, 'a', 'matMul'), y = toTensor(b, 'b', 'matMul');
  checkFloat(x, 'matMul', 'a');
  checkFloat(y, 'matMul', 'b');
  if (x.rank < 2 || y.rank < 2) {
    throw new RangeError(`matMul: a and b must have rank >= 2 but have shapes ${shapeString(x.shape)} and ${shapeString(y.shape)}`);
  }
  const m = transposeA ? x.shape[x.rank - 1] : x.shape[x.rank - 2];
  const k = transposeA ? x.shape[x.rank - 2] : x.shape[x.rank - 1];
  const k2 = transposeB ? y.shape[y.rank - 1] : y.shape[y.rank - 2];
  const n = transposeB ? y.shape[y.rank - 2] : y.shape[y.rank - 1];
  if (k !== k2) {
    throw new RangeError(`matMul: inner dimensions of a ${shapeString(x.shape)}${transposeA ? ' (transposed)' : ''} and ` +
      `b ${shapeString(y.shape)}${transposeB ? ' (transposed)' : ''} differ: ${k} vs ${k2}`);
  }
  const batch = broadcastShapes('matMul', x.shape.slice(0, -2), y.shape.slice(0, -2));
  return run1('matMul', [x, y], [...batch, m, n], 'float32', [transposeA ? 1 : 0, transposeB ? 1 : 0]);
}
registerGradient('matMul', ([dy], node) => {
  const [a, b] = node.inputs;
  const [ta, tb] = node.attrs;
  let da: Tensor, db: Tensor;
  if (!ta && !tb) {
    da = matMul(dy, b, false, true);
    db = matMul(a, dy, true, false);
  } else if (ta && !tb) {
    da = matMul(b, dy, false, true);
    db = matMul(a, dy, false, false);
  } else if (!ta && tb) {
    da = matMul(dy, b, false, false);
    db = matMul(dy, a, true, false);
  } else {
    da = matMul(b, dy, true, true);
    db = matMul(dy, a, true, true);
  }
  return [reduceTo(da, a.shape), reduceTo(db, b.shape)];
});

/** tfjs' dot: vector·vector (a scalar), matrix·vector, vector·matrix, matrix·matrix. */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  const x = toTensor(a, 'a', 'dot'), y = toTensor(b, 'b', 'dot');
  if (x.rank < 1 || x.rank > 2 || y.rank < 1 || y.rank > 2) {
    throw new RangeError(`dot: a and b must have rank 1 or 2 but have shapes ${shapeString(x.shape)} and ${shapeString(y.shape)}`);
  }
  const x2 = x.rank === 1 ? reshape(x, [1, x.shape[0]]) : x;
  const y2 = y.rank === 1 ? reshape(y, [y.shape[0], 1]) : y;
  const p = matMul(x2, y2);
  const shape = [...(x.rank === 2 ? [x.shape[0]] : []), ...(y.rank === 2 ? [y.shape[1]] : [])];
  return reshape(p, shape);
}

/** v1 (m) outer v2 (n): an m x n matrix. */
export function outerProduct(v1: TensorLike, v2: TensorLike): Tensor {
  const x = toTensor(v1, 'v1', 'outerProduct'), y = toTensor(v2, 'v2', 'outerProduct');
  if (x.rank !== 1 || y.rank !== 1) throw new RangeError('outerProduct: v1 and v2 must be vectors');
  return matMul(reshape(x, [x.shape[0], 1]), reshape(y, [1, y.shape[0]]));
}
