// Metrics with Keras' names. 'accuracy' resolves, as in Keras, from the loss: binary for
// binary cross-entropy (or a single output unit), sparse categorical for the sparse loss,
// categorical otherwise. Metrics are batch means, averaged over an epoch by sample count.
import { expected } from './errors';
import { LOSS_CODES, ResolvedLoss } from './losses';
import { native } from './native';

const ACCURACY_CODES = { binary: 0, categorical: 1, sparse: 2 } as const;

export interface Metric {
  /** The key in logs and History ('acc' for accuracy, as TensorFlow.js writes it). */
  key: string;
  /** Batch mean of the metric. target is int32 labels for the sparse variants. */
  compute(pred: Float32Array, target: Float32Array | Int32Array, rows: number, cols: number): number;
}

function accuracy(key: string, kind: keyof typeof ACCURACY_CODES): Metric {
  const code = ACCURACY_CODES[kind];
  return {
    key,
    compute: (pred, target, rows, cols) =>
      native.accuracyCount(code, false, pred, target, rows, cols) / (kind === 'binary' ? rows * cols : rows),
  };
}

function lossMetric(key: string, code: number): Metric {
  return { key, compute: (pred, target, rows, cols) => native.lossForwardBackward(code, false, null, pred, target, rows, cols) };
}

export function resolveMetric(value: unknown, loss: ResolvedLoss, outputUnits: number): Metric {
  switch (value) {
    case 'accuracy':
    case 'acc':
      if (loss.sparse) return accuracy('acc', 'sparse');
      if (loss.name === 'binaryCrossentropy' || outputUnits === 1) return accuracy('acc', 'binary');
      return accuracy('acc', 'categorical');
    case 'binaryAccuracy':
    case 'binary_accuracy':
      return accuracy('binaryAccuracy', 'binary');
    case 'categoricalAccuracy':
    case 'categorical_accuracy':
      return accuracy('categoricalAccuracy', 'categorical');
    case 'sparseCategoricalAccuracy':
    case 'sparse_categorical_accuracy':
      return accuracy('sparseCategoricalAccuracy', 'sparse');
    case 'mse':
    case 'meanSquaredError':
      return lossMetric('mse', LOSS_CODES.meanSquaredError);
    case 'mae':
    case 'meanAbsoluteError':
      return lossMetric('mae', LOSS_CODES.meanAbsoluteError);
    default:
      throw new TypeError(expected("a metric ('accuracy', 'binaryAccuracy', 'categoricalAccuracy', " +
        "'sparseCategoricalAccuracy', 'mse' or 'mae')", 'metrics', value));
  }
}
