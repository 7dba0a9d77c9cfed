// The foundation's benchmark: sgemm GFLOP/s (square 256/512/1024 and the seed MLP's shapes)
// and the seed MLP's train step (Dense 64 relu, Dense 64 relu, Dense 10 softmax, Adam,
// categorical cross-entropy) at batch 32 and 1024, against TensorFlow.js' CPU backend and
// PyTorch (bench/peers/torch_mlp.py; skipped where python3-torch is not installed) in the same
// run, each peer in turn, never at the same time. Correctness is checked before anything is timed.
'use strict';
const { machine, timeSync, timeAsync, printTable, fmt, loadTfjs, runTorchPeer, tn } = require('./_common');

const native = tn._native;

function randomArray(n, seed) {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296) * 2 - 1);
}

function checkSgemm() {
  const M = 67, N = 45, K = 129;
  const A = randomArray(M * K, 1), B = randomArray(K * N, 2);
  const C = new Float32Array(M * N), R = new Float32Array(M * N);
  native.sgemm(false, false, M, N, K, 1, A, K, B, N, 0, C, N);
  native.sgemmReference(false, false, M, N, K, 1, A, K, B, N, 0, R, N);
  for (let i = 0; i < C.length; i++) {
    if (Math.abs(C[i] - R[i]) > 1e-4 * (1 + Math.abs(R[i]))) throw new Error(`sgemm mismatch at ${i}: ${C[i]} vs ${R[i]}`);
  }
}

function sgemmRows() {
  // [label, M, N, K, transA, transB]
  const shapes = [
    ['square 256', 256, 256, 256, false, false],
    ['square 512', 512, 512, 512, false, false],
    ['square 1024', 1024, 1024, 1024, false, false],
    ['MLP fwd 32x784·784x64', 32, 64, 784, false, false],
    ['MLP dW 784x32·32x64 (Aᵀ)', 784, 64, 32, true, false],
    ['MLP dx 32x64·64x784 (Bᵀ)', 32, 784, 64, false, true],
    ['MLP fwd 1024x784·784x64', 1024, 64, 784, false, false],
    ['MLP dW 784x1024·1024x64 (Aᵀ)', 784, 64, 1024, true, false],
  ];
  return shapes.map(([label, M, N, K, ta, tb]) => {
    const A = randomArray(M * K, 3), B = randomArray(K * N, 4), C = new Float32Array(M * N);
    const lda = ta ? M : K, ldb = tb ? K : N;
    const t = timeSync(label, () => native.sgemm(ta, tb, M, N, K, 1, A, lda, B, ldb, 0, C, N), { maxTime: 1 });
    return [label, fmt(t.ms, 3), fmt((2 * M * N * K) / (t.ms * 1e6), 1)];
  });
}

function mnistLikeData(n) {
  const x = randomArray(n * 784, 5).map((v) => (v + 1) / 2);
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % 10);
  return { x, labels };
}

function tensornodeStep(batch) {
  tn.setSeed(1);
  const model = tn.sequential({
    layers: [
      tn.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }),
      tn.layers.dense({ units: 64, activation: 'relu' }),
      tn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const { x, labels } = mnistLikeData(batch);
  const xs = tn.tensor(x, [batch, 784]);
  const ys = tn.oneHot(tn.tensor(labels, [batch], 'int32'), 10, 1, 0, 'float32');
  const step = timeSync(`tensornode train step b${batch}`, () => model.trainOnBatch(xs, ys));
  const predict = timeSync(`tensornode predict b${batch}`, () => model.predict(xs, { batchSize: batch }));
  // fit() over 50 batches: the step as a user runs it (batching, shuffling, event-loop yields).
  const steps = 50;
  const many = mnistLikeData(batch * steps);
  const fx = tn.tensor(many.x, [batch * steps, 784]);
  const fy = tn.oneHot(tn.tensor(many.labels, [batch * steps], 'int32'), 10, 1, 0, 'float32');
  return timeAsync(`tensornode fit b${batch}`, () => model.fit(fx, fy, { epochs: 1, batchSize: batch, verbose: 0 }), { maxTime: 3 })
    .then((fit) => ({ step: step.ms, predict: predict.ms, fit: fit.ms / steps }));
}

async function tfjsStep(batch) {
  const tf = await loadTfjs();
  if (tf === null) return null;
  const L = tf.layers;
  const model = L.sequential({
    layers: [
      L.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }),
      L.layers.dense({ units: 64, activation: 'relu' }),
      L.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
  const { x, labels } = mnistLikeData(batch);
  const xs = tf.tensor2d(x, [batch, 784]);
  const ys = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), 'float32');
  const step = await timeAsync(`tfjs train step b${batch}`, () => model.trainOnBatch(xs, ys), { maxTime: 3, minSamples: 3 });
  const predict = timeSync(`tfjs predict b${batch}`, () => tf.tidy(() => model.predict(xs).dataSync()), { maxTime: 2, minSamples: 3 });
  return { step: step.ms, predict: predict.ms, version: tf.version_core };
}

async function main() {
  console.log(`machine: ${machine()}`);
  checkSgemm();
  printTable('sgemm (row-major, fp32)', ['shape', 'ms', 'GFLOP/s'], sgemmRows());
  const rows = [];
  let tfjsVersion = null;
  let torchInfo = null;
  const ratio = (peer, ours) => (peer === undefined ? 'n/a' : `${fmt(peer / ours, 1)}x`);
  const cell = (ms) => (ms === undefined ? 'n/a' : fmt(ms, 2));
  for (const batch of [32, 1024]) {
    const ours = await tensornodeStep(batch);
    const tfjs = await tfjsStep(batch);
    const torch = runTorchPeer('torch_mlp.py', [batch]);
    if (tfjs) tfjsVersion = tfjs.version;
    if (torch) torchInfo = `PyTorch ${torch.torch} on ${torch.threads} threads, BLAS ${torch.blas}`;
    rows.push([`train step, batch ${batch}`, fmt(ours.step, 3), fmt(ours.fit, 3), cell(tfjs?.step), cell(torch?.step_ms),
      ratio(tfjs?.step, ours.step), ratio(torch?.step_ms, ours.step)]);
    rows.push([`predict, batch ${batch}`, fmt(ours.predict, 3), '', cell(tfjs?.predict), cell(torch?.predict_ms),
      ratio(tfjs?.predict, ours.predict), ratio(torch?.predict_ms, ours.predict)]);
  }
  printTable('seed MLP 784-64-64-10, Adam, categorical CE (ms; peers measured in the same run)',
    ['what', 'tensornode trainOnBatch', 'tensornode in fit()', 'tfjs-cpu', 'PyTorch', 'tfjs / tensornode', 'PyTorch / tensornode'], rows);
  console.log(`peers: TensorFlow.js ${tfjsVersion ?? 'not installed'} CPU backend; ${torchInfo ?? 'PyTorch not installed (apt-get install python3-torch libopenblas0-pthread)'}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
