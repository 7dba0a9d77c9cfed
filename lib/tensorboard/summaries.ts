// Summary values as TensorFlow writes them, in the two forms our callbacks follow
// (See Note [Two TensorBoard conventions] in callback.ts):
//
//   scalars     simple_value (TF's C++ WriteScalarSummary: tfjs-node) or a float32 scalar
//               tensor with plugin "scalars" (tf.summary.scalar in TF2: Keras 3)
//   histograms  a [k, 3] tensor of (left edge, right edge, count) with plugin "histograms":
//               float32 and tfjs-node's bucketing, or float64 and TensorBoard's
//               summary_v2 bucketing (Keras 3)
//
// The arithmetic of each bucketing is done in the precision its original computes in
// (Math.fround where TensorFlow computes in float32), so the bytes match those TensorFlow
// writes for the same values; test/fixtures/tensorboard/ holds the files that check it.
import { DT_DOUBLE, DT_FLOAT, SummaryMetadataMessage, SummaryValueMessage, TensorMessage } from './protos';

/** TensorBoard's and tfjs-node's default bucket count. */
export const DEFAULT_BUCKETS = 30;

/** See Note [Proto3 zeros] in protos.ts: a string field equal to '' is left unset. */
function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

function pluginMetadata(pluginName: string, description?: string): SummaryMetadataMessage {
  const m: SummaryMetadataMessage = { pluginData: { pluginName } };
  const d = nonEmpty(description);
  if (d !== undefined) m.summaryDescription = d;
  return m;
}

function tensorOf(dtype: typeof DT_FLOAT | typeof DT_DOUBLE, shape: number[], values: Float32Array | Float64Array): TensorMessage {
  const t: TensorMessage = {
    dtype,
    // A scalar's shape is an empty TensorShapeProto, which TF writes as a present, empty field.
    tensorShape: { dim: shape.map((size) => (size === 0 ? {} : { size })) },
  };
  // No data, no field (See Note [Proto3 zeros] in protos.ts).
  if (values.length > 0) t.tensorContent = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return t;
}

// TensorFlow writes a scalar -0 as +0 (both paths; the fixture shows it), so do we.
const plusZero = (v: number): number => (v === 0 ? 0 : v);

/** A scalar as simple_value (oneof: written even when 0). */
export function simpleScalar(tag: string, value: number): SummaryValueMessage {
  return { tag, simpleValue: plusZero(value) };
}

/** A scalar as TF2's tf.summary.scalar writes it: a float32 0-d tensor, plugin "scalars". */
export function tensorScalar(tag: string, value: number, description?: string): SummaryValueMessage {
  return { tag, tensor: tensorOf(DT_FLOAT, [], Float32Array.of(plusZero(value))), metadata: pluginMetadata('scalars', description) };
}

function minMax(data: ArrayLike<number>): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

function checkFinite(data: ArrayLike<number>, tag: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new RangeError(`histogram ${tag}: value ${data[i]} at flat index ${i} is not finite`);
  }
}

/**
 * tfjs-node's buckets (its NodeJSKernelBackend.buckets, run on TensorFlow in float32): none for
 * no data; one bucket [v - 0.5, v + 0.5] when all values are v; else `bucketCount` equal-width
 * buckets over [min, max], the last one closed. Rows are (left, right, count), float32.
 */
export function tfjsBuckets(data: ArrayLike<number>, bucketCount = DEFAULT_BUCKETS): Float32Array {
  const f = Math.fround;
  if (data.length === 0) return new Float32Array(0);
  const [min, max] = minMax(data).map(f);
  const range = f(max - min);
  if (range === 0) return Float32Array.of(f(min - 0.5), f(min + 0.5), data.length);
  const width = f(range / bucketCount);
  const counts = new Float64Array(bucketCount);
  for (let i = 0; i < data.length; i++) {
    const index = Math.floor(f(f(f(data[i]) - min) / width));
    counts[Math.min(index, bucketCount - 1)]++;
  }
  // TensorFlow's LinSpace in float32: start + step * i, the last edge exactly max.
  const step = f(range / bucketCount);
  const edges = new Float32Array(bucketCount + 1);
  for (let i = 0; i < bucketCount; i++) edges[i] = f(min + f(step * i));
  edges[bucketCount] = max;
  const out = new Float32Array(bucketCount * 3);
  for (let i = 0; i < bucketCount; i++) out.set([edges[i], edges[i + 1], counts[i]], i * 3);
  return out;
}

/**
 * TensorBoard's summary_v2 buckets (tf.summary.histogram, float64): `bucketCount` rows of
 * zeros for no data; when all values are v, every edge is v and the last bucket holds them all;
 * else equal-width buckets over [min, max], the last one closed.
 */
export function tensorBoardBuckets(data: ArrayLike<number>, bucketCount = DEFAULT_BUCKETS): Float64Array {
  const out = new Float64Array(bucketCount * 3);
  if (data.length === 0 || bucketCount === 0) return out;
  const [min, max] = minMax(data);
  const range = max - min;
  if (range === 0) {
    for (let i = 0; i < bucketCount; i++) out.set([max, max, i === bucketCount - 1 ? data.length : 0], i * 3);
    return out;
  }
  const width = range / bucketCount;
  const counts = new Float64Array(bucketCount);
  for (let i = 0; i < data.length; i++) counts[Math.min(Math.floor((data[i] - min) / width), bucketCount - 1)]++;
  // tf.linspace (float64): start + delta * i, with the last edge exactly max.
  const delta = range / bucketCount;
  const edges = new Float64Array(bucketCount + 1);
  for (let i = 0; i < bucketCount; i++) edges[i] = i === 0 ? min : min + delta * i;
  edges[bucketCount] = max;
  for (let i = 0; i < bucketCount; i++) out.set([edges[i], edges[i + 1], counts[i]], i * 3);
  return out;
}

/** A histogram as tfjs-node's SummaryFileWriter.histogram writes it. */
export function tfjsHistogram(tag: string, data: ArrayLike<number>, bucketCount = DEFAULT_BUCKETS, description?: string): SummaryValueMessage {
  checkFinite(data, tag);
  const b = tfjsBuckets(data, bucketCount);
  return { tag, tensor: tensorOf(DT_FLOAT, [b.length / 3, 3], b), metadata: pluginMetadata('histograms', description) };
}

/** A histogram as TF2's tf.summary.histogram writes it (Keras 3's TensorBoard callback). */
export function tensorBoardHistogram(tag: string, data: ArrayLike<number>, bucketCount = DEFAULT_BUCKETS,
  description?: string): SummaryValueMessage {
  checkFinite(data, tag);
  const b = tensorBoardBuckets(data, bucketCount);
  return { tag, tensor: tensorOf(DT_DOUBLE, [bucketCount, 3], b), metadata: pluginMetadata('histograms', description) };
}
