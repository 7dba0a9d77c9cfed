// Losses and metrics as functions of tensors, with tfjs' names and semantics: tn.losses (tfjs-core's
// tf.losses: a reduced loss, optional weights) and tn.metrics (tfjs-layers' tf.metrics: one value per
// example, the mean over the last axis), so custom loops and custom losses are written as in tfjs.
// The fused softmax cross-entropy op (native/cpu/ops_nn.cpp) and its gradient sit here too; see
// Note [A loss meets its activation] (lib/ops/util.ts) for when the cross-entropies use it.
import { expected, shapeString } from '../errors';
import { runKernel } from '../engine/registry';
import { registerGradient } from '../engine/tape';
import { onesLike } from './creation';
import { Tensor, scalar } from '../tensor';
import {
  abs, add, cast, clipByValue, div, equal, exp, greater, log, log1p, maximum, minimum, mul, neg, notEqual, relu, sqrt, square,
  sub, where,
} from './elementwise';
import { argMax, mean, sum } from './reduce';
import { expandDims, reshape } from './shape';
import { logSoftmax } from './nn';
import { TensorLike, checkFloat, logitsOf, sameShape, toTensor } from './util';

// ---- the fused op ----------------------------------------------------------------------------

/**
 * Softmax cross-entropy per row: logits [..., C] against labels of the same shape (one-hot or
 * soft, float32) or int32 class indices of shape [...]; returns [...] (the loss of each row).
 */
export function softmaxCrossEntropyWithLogits(labels: TensorLike, logits: TensorLike): Tensor {
  const x = toTensor(logits, 'logits', 'softmaxCrossEntropy');
  checkFloat(x, 'softmaxCrossEntropy', 'logits');
  if (x.rank === 0) throw new RangeError('softmaxCrossEntropy: logits must have rank >= 1');
  let l = toTensor(labels, 'labels', 'softmaxCrossEntropy', 'float32');
  const rows = x.shape.slice(0, -1);
  // int32 labels shaped like the logits are one-hot rows (tn.oneHot gives int32, as tfjs)
  if (l.dtype === 'int32' && sameShape(l.shape, x.shape)) l = cast(l, 'float32');
  if (l.dtype === 'int32') {
    if (!sameShape(l.shape, rows)) {
      throw new RangeError(`softmaxCrossEntropy: class indices must have shape ${shapeString(rows)} for logits ` +
        `${shapeString(x.shape)} but have ${shapeString(l.shape)}`);
    }
    const classes = x.shape[x.rank - 1];
    const v = l.values;
    for (let i = 0; i < v.length; i++) {
      if (v[i] < 0 || v[i] >= classes) throw new RangeError(expected(`a class index in [0, ${classes})`, `labels[${i}]`, v[i]));
    }
  } else {
    checkFloat(l, 'softmaxCrossEntropy', 'labels');
    if (!sameShape(l.shape, x.shape)) {
      throw new RangeError(`softmaxCrossEntropy: labels ${shapeString(l.shape)} and logits ${shapeString(x.shape)} differ`);
    }
  }
  return runKernel('softmaxCrossEntropy', [x, l], [{ shape: rows, dtype: 'float32' }, { shape: x.shape, dtype: 'float32' }])[0];
}
registerGradient('softmaxCrossEntropy', ([dloss], node, _present, needed) => {
  const [logits, labels] = node.inputs;
  const probs = node.outputs[1];
  const dlogits = runKernel('softmaxCrossEntropyGrad', [dloss, probs, labels], [{ shape: logits.shape, dtype: 'float32' }])[0];
  // d loss / d labels = -log softmax(logits), for soft labels that are themselves learned
  const dlabels = needed[1] ? mul(neg(logSoftmax(logits)), expandDims(dloss, -1)) : null;
  return [dlogits, dlabels];
});

/** Elementwise sigmoid cross-entropy from logits, stably: max(x, 0) - x z + log(1 + exp(-|x|)). */
export function sigmoidCrossEntropyWithLogits(labels: TensorLike, logits: TensorLike): Tensor {
  const x = toTensor(logits, 'logits', 'sigmoidCrossEntropy');
  const z = toTensor(labels, 'labels', 'sigmoidCrossEntropy', 'float32');
  checkFloat(x, 'sigmoidCrossEntropy', 'logits');
  checkFloat(z, 'sigmoidCrossEntropy', 'labels');
  return add(sub(relu(x), mul(x, z)), log1p(exp(neg(abs(x)))));
}

// ---- tn.losses (tfjs-core) ---------------------------------------------------------------------

/** tfjs' tf.Reduction. */
export enum Reduction {
  NONE = 0,
  MEAN = 1,
  SUM = 2,
  SUM_BY_NONZERO_WEIGHTS = 3,
}

function checkReduction(r: unknown, op: string): Reduction {
  if (r !== Reduction.NONE && r !== Reduction.MEAN && r !== Reduction.SUM && r !== Reduction.SUM_BY_NONZERO_WEIGHTS) {
    throw new TypeError(expected('a tn.Reduction (NONE, MEAN, SUM or SUM_BY_NONZERO_WEIGHTS)', `${op}(reduction)`, r));
  }
  return r;
}

/** tfjs' computeWeightedLoss: losses times weights (broadcast), reduced as `reduction` says. */
export function computeWeightedLoss(losses: TensorLike, weights?: TensorLike | null,
  reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const l = toTensor(losses, 'losses', 'computeWeightedLoss');
  checkFloat(l, 'computeWeightedLoss', 'losses');
  const r = checkReduction(reduction, 'computeWeightedLoss');
  const w = weights === undefined || weights === null ? null : toTensor(weights, 'weights', 'computeWeightedLoss', 'float32');
  const weighted = w === null ? l : mul(l, w);
  if (r === Reduction.NONE) return weighted;
  if (r === Reduction.SUM) return sum(weighted);
  if (w === null) return mean(weighted);
  const broadcastWeights = mul(w, onesLike(l));  // w in l's shape
  if (r === Reduction.MEAN) return div(sum(weighted), sum(broadcastWeights));
  return div(sum(weighted), sum(cast(notEqual(broadcastWeights, 0), 'float32')));
}

function pair(op: string, labels: TensorLike, predictions: TensorLike, names = ['labels', 'predictions']): [Tensor, Tensor] {
  let y = toTensor(labels, names[0], op, 'float32');
  const p = toTensor(predictions, names[1], op, 'float32');
  if (y.dtype === 'int32') y = cast(y, 'float32');  // tn.oneHot's int32 labels, as tfjs takes them
  checkFloat(y, op, names[0]);
  checkFloat(p, op, names[1]);
  if (!sameShape(y.shape, p.shape)) {
    throw new RangeError(`${op}: ${names[0]} ${shapeString(y.shape)} and ${names[1]} ${shapeString(p.shape)} must have the same shape`);
  }
  return [y, p];
}

function smoothLabels(y: Tensor, labelSmoothing: number, op: string, classes: number): Tensor {
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new RangeError(expected('a number in [0, 1]', `${op}(labelSmoothing)`, labelSmoothing));
  }
  return labelSmoothing === 0 ? y : add(mul(y, 1 - labelSmoothing), labelSmoothing / classes);
}

export const losses = {
  /** Mean over rows of -sum(labels * log softmax(logits)) along the last axis (tfjs: dim -1). */
  softmaxCrossEntropy(onehotLabels: TensorLike, logits: TensorLike, weights?: TensorLike | null, labelSmoothing = 0,
    reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
    const [y, x] = pair('losses.softmaxCrossEntropy', onehotLabels, logits, ['onehotLabels', 'logits']);
    const smoothed = smoothLabels(y, labelSmoothing, 'losses.softmaxCrossEntropy', x.shape[x.rank - 1] ?? 1);
    return computeWeightedLoss(softmaxCrossEntropyWithLogits(smoothed, x), weights, reduction);
  },
  sigmoidCrossEntropy(multiClassLabels: TensorLike, logits: TensorLike, weights?: TensorLike | null, labelSmoothing = 0,
    reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
    const [y, x] = pair('losses.sigmoidCrossEntropy', multiClassLabels, logits, ['multiClassLabels', 'logits']);
    const smoothed = smoothLabels(y, labelSmoothing, 'losses.sigmoidCrossEntropy', 2);
    return computeWeightedLoss(sigmoidCrossEntropyWithLogits(smoothed, x), weights, reduction);
  },
  meanSquaredError(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null,
    reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
    const [y, p] = pair('losses.meanSquaredError', labels, predictions);
    return computeWeightedLoss(square(sub(y, p)), weights, reduction);
  },
  absoluteDifference(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null,
    reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
    const [y, p] = pair('losses.absoluteDifference', labels, predictions);
    return computeWeightedLoss(abs(sub(y, p)), weights, reduction);
  },
  /** -(y log(p + eps) + (1 - y) log(1 - p + eps)). */
  logLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, epsilon = 1e-7,
    reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
    const [y, p] = pair('losses.logLoss', labels, predictions);
    const l = neg(add(mul(y, log(add(p, epsilon))), mul(sub(1, y), log(add(sub(1, p), epsilon)))));
    return computeWeightedLoss(l, weights, reduction);
  },
  /** 0.5 e^2 where |e| <= delta, else delta (|e| - 0.5 delta). */
  huberLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, delta = 1,
    reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
    const [y, p] = pair('losses.huberLoss', labels, predictions);
    const e = abs(sub(p, y));
    const quadratic = minimum(e, delta);
    const linear = sub(e, quadratic);
    return computeWeightedLoss(add(mul(0.5, square(quadratic)), mul(delta, linear)), weights, reduction);
  },
  /** max(0, 1 - (2 labels - 1) predictions): labels in {0, 1}. */
  hingeLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null,
    reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
    const [y, p] = pair('losses.hingeLoss', labels, predictions);
    return computeWeightedLoss(relu(sub(1, mul(sub(mul(2, y), 1), p))), weights, reduction);
  },
  /** 1 - sum(labels * predictions, axis): the inputs are expected to be unit vectors. */
  cosineDistance(labels: TensorLike, predictions: TensorLike, axis: number, weights?: TensorLike | null,
    reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
    const [y, p] = pair('losses.cosineDistance', labels, predictions);
    return computeWeightedLoss(sub(1, sum(mul(y, p), axis, true)), weights, reduction);
  },
  computeWeightedLoss,
};

// ---- tn.metrics (tfjs-layers): one value per example ------------------------------------------

const EPSILON = 1e-7;  // Keras' backend epsilon, as tfjs' metrics clip with

/** Where a prediction came from softmax/sigmoid logits (Note [A loss meets its activation]). */
function logitsFor(p: Tensor, activation: 'softmax' | 'sigmoid'): Tensor | null {
  const found = logitsOf.get(p);
  return found !== undefined && found.activation === activation ? found.logits : null;
}

/** -sum(yTrue log(yPred)) over the last axis, yPred normalized and clipped to [eps, 1 - eps] as Keras. */
export function categoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = pair('metrics.categoricalCrossentropy', yTrue, yPred, ['yTrue', 'yPred']);
  const logits = logitsFor(p, 'softmax');
  if (logits !== null) return softmaxCrossEntropyWithLogits(y, logits);
  const normalized = clipByValue(div(p, sum(p, -1, true)), EPSILON, 1 - EPSILON);
  return neg(sum(mul(y, log(normalized)), -1));
}

/** categoricalCrossentropy against integer class indices (shape [...] or [..., 1]). */
export function sparseCategoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const p = toTensor(yPred, 'yPred', 'metrics.sparseCategoricalCrossentropy');
  checkFloat(p, 'metrics.sparseCategoricalCrossentropy', 'yPred');
  let y = toTensor(yTrue, 'yTrue', 'metrics.sparseCategoricalCrossentropy', 'int32');
  const rows = p.shape.slice(0, -1);
  if (y.rank === rows.length + 1 && y.shape[y.rank - 1] === 1) y = reshape(y, rows);
  if (y.dtype === 'float32') {
    const v = y.values;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i])) throw new TypeError(expected('integer class indices', `yTrue[${i}]`, v[i]));
    }
    y = cast(y, 'int32');
  }
  if (y.dtype !== 'int32') throw new TypeError(expected('int32 (or integral float32) class indices', 'yTrue', y.dtype));
  const logits = logitsFor(p, 'softmax');
  if (logits !== null) return softmaxCrossEntropyWithLogits(y, logits);
  // From probabilities: -log(clip(p[label])), through the same op on log-probabilities (a
  // softmax of log(p) is p again when p sums to 1, which Keras' normalization ensures).
  const normalized = clipByValue(div(p, sum(p, -1, true)), EPSILON, 1 - EPSILON);
  return softmaxCrossEntropyWithLogits(y, log(normalized));
}

/** Mean over the last axis of -(y log p + (1 - y) log(1 - p)), p clipped to [eps, 1 - eps]. */
export function binaryCrossentropy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = pair('metrics.binaryCrossentropy', yTrue, yPred, ['yTrue', 'yPred']);
  const logits = logitsFor(p, 'sigmoid');
  if (logits !== null) return mean(sigmoidCrossEntropyWithLogits(y, logits), -1);
  const c = clipByValue(p, EPSILON, 1 - EPSILON);
  return mean(neg(add(mul(y, log(c)), mul(sub(1, y), log(sub(1, c))))), -1);
}

export function meanSquaredError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = pair('metrics.meanSquaredError', yTrue, yPred, ['yTrue', 'yPred']);
  return mean(square(sub(y, p)), -1);
}

export function meanAbsoluteError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = pair('metrics.meanAbsoluteError', yTrue, yPred, ['yTrue', 'yPred']);
  return mean(abs(sub(y, p)), -1);
}

export function meanAbsolutePercentageError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = pair('metrics.meanAbsolutePercentageError', yTrue, yPred, ['yTrue', 'yPred']);
  return mul(100, mean(abs(div(sub(y, p), maximum(abs(y), EPSILON))), -1));
}

/** 1 - cosine similarity would be a distance; tfjs' cosineProximity is the negated similarity. */
export function cosineProximity(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = pair('metrics.cosineProximity', yTrue, yPred, ['yTrue', 'yPred']);
  const unit = (t: Tensor): Tensor => div(t, maximum(sqrt(sum(square(t), -1, true)), EPSILON));
  return neg(sum(mul(unit(y), unit(p)), -1));
}

export function binaryAccuracy(yTrue: TensorLike, yPred: TensorLike, threshold = 0.5): Tensor {
  const [y, p] = pair('metrics.binaryAccuracy', yTrue, yPred, ['yTrue', 'yPred']);
  return mean(cast(equal(y, cast(greater(p, threshold), 'float32')), 'float32'), -1);
}

export function categoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = pair('metrics.categoricalAccuracy', yTrue, yPred, ['yTrue', 'yPred']);
  return cast(equal(argMax(y, -1), argMax(p, -1)), 'float32');
}

export function sparseCategoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const p = toTensor(yPred, 'yPred', 'metrics.sparseCategoricalAccuracy');
  let y = toTensor(yTrue, 'yTrue', 'metrics.sparseCategoricalAccuracy', 'float32');
  const rows = p.shape.slice(0, -1);
  if (y.rank === rows.length + 1 && y.shape[y.rank - 1] === 1) y = reshape(y, rows);
  return cast(equal(cast(y, 'float32'), cast(argMax(p, -1), 'float32')), 'float32');
}

/** Over the whole batch, as tfjs: true positives / predicted positives (0 when none). */
export function precision(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = pair('metrics.precision', yTrue, yPred, ['yTrue', 'yPred']);
  const predicted = cast(greater(p, 0.5), 'float32');
  const tp = sum(mul(y, predicted));
  const all = sum(predicted);
  return where(greater(all, 0), div(tp, maximum(all, 1)), scalar(0));
}

/** Over the whole batch, as tfjs: true positives / actual positives (0 when none). */
export function recall(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = pair('metrics.recall', yTrue, yPred, ['yTrue', 'yPred']);
  const predicted = cast(greater(p, 0.5), 'float32');
  const tp = sum(mul(y, predicted));
  const actual = sum(y);
  return where(greater(actual, 0), div(tp, maximum(actual, 1)), scalar(0));
}

/** 1 - SS_res / SS_tot over the batch (tfjs' r2Score). */
export function r2Score(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [y, p] = pair('metrics.r2Score', yTrue, yPred, ['yTrue', 'yPred']);
  const res = sum(square(sub(y, p)));
  const tot = sum(square(sub(y, mean(y))));
  return sub(1, div(res, add(tot, EPSILON)));
}

export const metrics = {
  binaryAccuracy, binaryCrossentropy, categoricalAccuracy, categoricalCrossentropy, cosineProximity,
  meanAbsoluteError, meanAbsolutePercentageError, meanSquaredError, precision, recall, r2Score,
  sparseCategoricalAccuracy, sparseCategoricalCrossentropy,
  MAE: meanAbsoluteError, mae: meanAbsoluteError, MAPE: meanAbsolutePercentageError, mape: meanAbsolutePercentageError,
  MSE: meanSquaredError, mse: meanSquaredError,
};
