// Recurrent benchmark: the train step (forward, loss, backward through time, Adam) of
//   seed 004: Embedding 10000x32, length 500 -> LSTM 128 (returnSequences) -> LSTM 128 ->
//             Dense 1 sigmoid; Adam; binary cross-entropy; batch 64
//   seed 002: Embedding 10000x32, length 20 -> GRU 32 -> Dense 1000 softmax; Adam;
//             sparse categorical cross-entropy; batch 32
// in ms per step, and the same two models in PyTorch measured in the same run, after ours
// (bench/peers/torch_rnn.py, in its own process on tensornode's thread count; skip it with
// BENCH_NO_PEER=1). A small LSTM is checked against a float64 reference before anything is timed.
//
//   node bench/rnn.js            (or: npm run bench -- rnn, where bench/run.js lists it)
'use strict';
const { machine, timeSync, printTable, fmt, runTorchPeer, tn } = require('./_common');

function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 4294967296;
}

// Correctness first: LSTM(3) on [2, 4, 2] against float64 Keras equations.
function checkLstm() {
  const r = lcg(7);
  const B = 2, T = 4, F = 2, U = 3, G = 4 * U;
  const rnd = (n) => Float32Array.from({ length: n }, () => r() - 0.5);
  const x = rnd(B * T * F), W = rnd(F * G), R = rnd(U * G), b = rnd(G);
  const layer = tn.layers.lstm({ units: U });
  layer.ensureBuilt([T, F]);
  layer.setWeights([tn.tensor(W, [F, G]), tn.tensor(R, [U, G]), tn.tensor(b, [G])]);
  const y = layer.apply(tn.tensor(x, [B, T, F])).dataSync();
  const sig = (z) => 1 / (1 + Math.exp(-z));
  for (let bb = 0; bb < B; bb++) {
    let h = new Float64Array(U), c = new Float64Array(U);
    for (let t = 0; t < T; t++) {
      const z = new Float64Array(G);
      for (let j = 0; j < G; j++) {
        z[j] = b[j];
        for (let k = 0; k < F; k++) z[j] += x[(bb * T + t) * F + k] * W[k * G + j];
        for (let k = 0; k < U; k++) z[j] += h[k] * R[k * G + j];
      }
      const nh = new Float64Array(U), nc = new Float64Array(U);
      for (let j = 0; j < U; j++) {
        nc[j] = sig(z[U + j]) * c[j] + sig(z[j]) * Math.tanh(z[2 * U + j]);
        nh[j] = sig(z[3 * U + j]) * Math.tanh(nc[j]);
      }
      h = nh;
      c = nc;
    }
    for (let j = 0; j < U; j++) {
      if (Math.abs(y[bb * U + j] - h[j]) > 1e-5) throw new Error(`LSTM check failed at [${bb}, ${j}]: ${y[bb * U + j]} vs ${h[j]}`);
    }
  }
}

function seed004() {
  tn.setSeed(1);
  const B = 64, T = 500, V = 10000;
  const model = tn.sequential({
    layers: [
      tn.layers.embedding({ inputDim: V, outputDim: 32, inputLength: T }),
      tn.layers.lstm({ units: 128, returnSequences: true }),
      tn.layers.lstm({ units: 128 }),
      tn.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  const r = lcg(3);
  const x = tn.tensor(Int32Array.from({ length: B * T }, () => Math.floor(r() * V)), [B, T]);
  const y = tn.tensor(Float32Array.from({ length: B }, () => (r() < 0.5 ? 0 : 1)), [B, 1]);
  const first = model.trainOnBatch(x, y);
  if (!Number.isFinite(first)) throw new Error(`seed 004 loss ${first}`);
  return { ...timeSync('seed004', () => model.trainOnBatch(x, y), { maxTime: 8, minSamples: 3 }), params: model.countParams() };
}

function seed002() {
  tn.setSeed(1);
  const B = 32, T = 20, V = 10000;
  const model = tn.sequential({
    layers: [
      tn.layers.embedding({ inputDim: V, outputDim: 32, inputLength: T }),
      tn.layers.gru({ units: 32 }),
      tn.layers.dense({ units: 1000, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const r = lcg(4);
  const x = tn.tensor(Int32Array.from({ length: B * T }, () => Math.floor(r() * V)), [B, T]);
  const y = tn.tensor(Int32Array.from({ length: B }, () => Math.floor(r() * 1000)), [B]);
  const first = model.trainOnBatch(x, y);
  if (!Number.isFinite(first)) throw new Error(`seed 002 loss ${first}`);
  return { ...timeSync('seed002', () => model.trainOnBatch(x, y), { maxTime: 3, minSamples: 20 }), params: model.countParams() };
}

function main() {
  checkLstm();
  console.log(machine());
  const ours = { seed004: seed004(), seed002: seed002() };
  const torch = runTorchPeer('torch_rnn.py', ['seed004', 'seed002']);
  const labels = {
    seed004: 'seed 004: Emb 10000x32, T=500, LSTM128(seq), LSTM128, Dense1; Adam, BCE; batch 64',
    seed002: 'seed 002: Emb 10000x32, T=20, GRU32, Dense1000 softmax; Adam, SCCE; batch 32',
  };
  const digits = { seed004: 1, seed002: 2 };
  const rows = Object.keys(labels).map((k) => [labels[k], fmt(ours[k].ms, digits[k]), `±${ours[k].rme.toFixed(1)}%`,
    torch ? fmt(torch[k].ms, digits[k]) : 'n/a', torch ? `${fmt(torch[k].ms / ours[k].ms, 2)}x` : 'n/a']);
  printTable(`Recurrent train step (ms per step, lower is better; peer in the same run: PyTorch ${torch ? torch.torch : 'not run'})`,
    ['model', 'tensornode ms', 'rme', 'PyTorch ms', 'PyTorch / tensornode'], rows);
  // The peer must do the same work. nn.LSTM keeps two biases where Keras keeps one (their sum acts
  // as one), so PyTorch's count minus that redundant bias must equal ours.
  if (torch) {
    console.log(`PyTorch peer: torch ${torch.torch}, ${torch.threads} threads${torch.blas ? `, BLAS ${torch.blas}` : ''}`);
    for (const k of Object.keys(labels)) {
      const same = torch[k].params - torch[k].redundant_bias === ours[k].params;
      console.log(`${k} parameters: tensornode ${ours[k].params}, PyTorch ${torch[k].params}` +
        (torch[k].redundant_bias ? ` (${torch[k].redundant_bias} of them nn.LSTM's second bias)` : '') +
        (same ? ': same model' : ': MISMATCH, the PyTorch model is not the same model'));
    }
  }
}

main();
