// The seed CNN benchmark: Conv2D 32 3x3 relu on 64x64x3, MaxPool 2, Conv2D 64 3x3 relu,
// MaxPool 2, Flatten, Dense 128 relu, Dense 1 sigmoid; Adam; binary cross-entropy.
// Reports conv forward GFLOP/s for its two convs (batch 32), the train step and predict at
// batch 32 (ms), and the same model measured in the same run, one after the other, by two
// peers: TensorFlow.js' CPU backend, and PyTorch (bench/peers/torch_cnn.py, in its own process
// on tensornode's thread count). Skip both with BENCH_NO_PEER=1. Correctness is checked first.
'use strict';
const { machine, timeSync, timeAsync, printTable, fmt, loadTfjs, runTorchPeer, tn } = require('./_common');

const native = tn._native;
const BATCH = 32;

function randomArray(n, seed) {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296) * 2 - 1);
}

// The seed CNN's two convs: [label, H, W, Cin, Cout], 3x3 valid stride 1.
const CONVS = [['conv1 64x64x3 -> 62x62x32', 64, 64, 3, 32], ['conv2 31x31x32 -> 29x29x64', 31, 31, 32, 64]];

function dims(batch, H, W, cin, cout) {
  return Int32Array.from([batch, H, W, cin, H - 2, W - 2, cout, 3, 3, 1, 1, 1, 1, 0, 0]);
}

function checkConv() {
  for (const [label, H, W, cin, cout] of CONVS) {
    const d = dims(2, H, W, cin, cout);
    const x = randomArray(2 * H * W * cin, 1), k = randomArray(9 * cin * cout, 2);
    const y = new Float32Array(2 * (H - 2) * (W - 2) * cout), r = new Float32Array(y.length);
    native.conv2dForward(y, null, x, k, null, d, 0, 0);
    native.conv2dForwardReference(r, x, k, d);
    for (let i = 0; i < y.length; i++) {
      if (Math.abs(y[i] - r[i]) > 1e-3 * (1 + Math.abs(r[i]))) throw new Error(`${label}: conv mismatch at ${i}: ${y[i]} vs ${r[i]}`);
    }
  }
}

function convRows() {
  return CONVS.map(([label, H, W, cin, cout]) => {
    const d = dims(BATCH, H, W, cin, cout);
    const x = randomArray(BATCH * H * W * cin, 3), k = randomArray(9 * cin * cout, 4), b = randomArray(cout, 5);
    const n = BATCH * (H - 2) * (W - 2) * cout;
    const y = new Float32Array(n), dy = randomArray(n, 6), dx = new Float32Array(x.length), dk = new Float32Array(k.length);
    const db = new Float32Array(cout);
    const flops = 2 * n * 9 * cin;
    const fwd = timeSync(`${label} fwd`, () => native.conv2dForward(y, null, x, k, b, d, 1, 0), { maxTime: 1 });
    const bwdFilter = timeSync(`${label} bwd filter`, () => native.conv2dBackward(null, dk, db, null, dy, x, k, null, y, d, 0, 0, true), { maxTime: 1 });
    const bwdBoth = timeSync(`${label} bwd both`, () => native.conv2dBackward(dx, dk, db, null, dy, x, k, null, y, d, 0, 0, true), { maxTime: 1 });
    return [label, fmt(fwd.ms, 2), fmt(flops / (fwd.ms * 1e6), 1), fmt(bwdFilter.ms, 2), fmt(bwdBoth.ms, 2),
      fmt((2 * flops) / (bwdBoth.ms * 1e6), 1)];
  });
}

function data(seed) {
  const x = randomArray(BATCH * 64 * 64 * 3, seed).map((v) => (v + 1) / 2);
  const y = Float32Array.from({ length: BATCH }, (_, i) => i % 2);
  return { x, y };
}

async function tensornodeCnn() {
  tn.setSeed(1);
  const model = tn.sequential({
    layers: [
      tn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [64, 64, 3] }),
      tn.layers.maxPooling2d({ poolSize: 2 }),
      tn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tn.layers.maxPooling2d({ poolSize: 2 }),
      tn.layers.flatten(),
      tn.layers.dense({ units: 128, activation: 'relu' }),
      tn.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const { x, y } = data(7);
  const xs = tn.tensor(x, [BATCH, 64, 64, 3]), ys = tn.tensor(y, [BATCH, 1]);
  const step = timeSync('tensornode train step', () => model.trainOnBatch(xs, ys), { maxTime: 3 });
  const predict = timeSync('tensornode predict', () => model.predict(xs, { batchSize: BATCH }), { maxTime: 2 });
  const steps = 10;
  const many = tn.tensor(randomArray(BATCH * steps * 64 * 64 * 3, 9).map((v) => (v + 1) / 2), [BATCH * steps, 64, 64, 3]);
  const labels = tn.tensor(Float32Array.from({ length: BATCH * steps }, (_, i) => i % 2), [BATCH * steps, 1]);
  const fit = await timeAsync('tensornode fit', () => model.fit(many, labels, { epochs: 1, batchSize: BATCH, verbose: 0 }), { maxTime: 3 });
  return { step: step.ms, predict: predict.ms, fit: fit.ms / steps, params: model.countParams() };
}

async function tfjsCnn() {
  const tf = await loadTfjs();
  if (tf === null) return null;
  const L = tf.layers;
  const model = L.sequential({
    layers: [
      L.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [64, 64, 3] }),
      L.layers.maxPooling2d({ poolSize: 2 }),
      L.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      L.layers.maxPooling2d({ poolSize: 2 }),
      L.layers.flatten(),
      L.layers.dense({ units: 128, activation: 'relu' }),
      L.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'binaryCrossentropy' });
  const { x, y } = data(7);
  const xs = tf.tensor4d(x, [BATCH, 64, 64, 3]), ys = tf.tensor2d(y, [BATCH, 1]);
  const step = await timeAsync('tfjs train step', () => model.trainOnBatch(xs, ys), { maxTime: 4, minSamples: 2 });
  const predict = timeSync('tfjs predict', () => tf.tidy(() => model.predict(xs).dataSync()), { maxTime: 2, minSamples: 2 });
  return { step: step.ms, predict: predict.ms, version: tf.version_core };
}

async function main() {
  console.log(`machine: ${machine()}`);
  checkConv();
  printTable(`conv2d 3x3 valid, batch ${BATCH} (bias + relu fused into forward)`,
    ['conv', 'fwd ms', 'fwd GFLOP/s', 'bwd filter only ms', 'bwd filter+data ms', 'bwd GFLOP/s'], convRows());
  const ours = await tensornodeCnn();
  const peer = await tfjsCnn();
  const torch = runTorchPeer('torch_cnn.py', [BATCH]);
  const ratio = (theirs, mine, digits) => `${fmt(theirs / mine, digits)}x`;
  printTable(`seed CNN, batch ${BATCH}, Adam, binary CE (ms; peers in the same run: TensorFlow.js ` +
    `${peer ? peer.version : 'not run'} CPU backend, PyTorch ${torch ? torch.torch : 'not run'})`,
    ['what', 'tensornode', 'tensornode in fit()', 'tfjs-cpu', 'tfjs / tensornode', 'PyTorch', 'PyTorch / tensornode'], [
      ['train step', fmt(ours.step, 1), fmt(ours.fit, 1), peer ? fmt(peer.step, 1) : 'n/a', peer ? ratio(peer.step, ours.step, 1) : 'n/a',
        torch ? fmt(torch.step, 1) : 'n/a', torch ? ratio(torch.step, ours.step, 2) : 'n/a'],
      ['predict', fmt(ours.predict, 1), '', peer ? fmt(peer.predict, 1) : 'n/a', peer ? ratio(peer.predict, ours.predict, 1) : 'n/a',
        torch ? fmt(torch.predict, 1) : 'n/a', torch ? ratio(torch.predict, ours.predict, 2) : 'n/a'],
    ]);
  // The peer must do the same work: the same layers give the same parameter count.
  if (torch) {
    console.log(`PyTorch peer: torch ${torch.torch}, ${torch.threads} threads${torch.blas ? `, BLAS ${torch.blas}` : ''}; ` +
      `parameters: tensornode ${ours.params}, PyTorch ${torch.params}` +
      `${torch.params === ours.params ? ' (same)' : ' (MISMATCH: the PyTorch model is not the same model)'}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
