// The eager engine's benchmark: what one tfjs-style op costs (dispatch overhead of a tiny add and
// a broadcast add, the bandwidth of a 1M-element add, 64x64 and 512x512 matMul; the two adds also
// as the bare native.runOp into a preallocated output, against torch.add(out=), which splits the
// engine's JS and allocation cost from the kernel's) and the seed MLP
// batch-32 train step written as a custom loop (784 -> 128 relu -> 10, tn.variable weights,
// loss = mean(-sum(oneHot * logSoftmax(logits))), Adam lr 1e-3 via optimizer.minimize), against
// PyTorch eager (bench/peers/torch_ops.py) on the same shapes, thread count and, for the MLP,
// the same weights and data. Times are per op or per step; ratios are tensornode time / PyTorch
// time measured in the same run (> 1: tensornode is slower). The peer runs after us, never at the
// same time; without PyTorch its columns read n/a. Correctness is checked before anything is
// timed, and the MLP's loss before and after 20 SGD steps (and, looser, 20 Adam steps) must agree
// with PyTorch's.
//
//   npm run bench -- ops          (or node bench/ops.js)
//   TENSORNODE_NUM_THREADS=1 node bench/ops.js   (both engines on one thread)
//   BENCH_PYTHON=/path/to/python  (default: the repo's .peers venv if present, else /usr/bin/python3)
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

// The PyTorch peer's interpreter: the repo's .peers venv (pip's torch CPU wheel) when present.
const venvPython = path.join(__dirname, '..', '.peers', 'bin', 'python');
if (!process.env.BENCH_PYTHON && fs.existsSync(venvPython)) process.env.BENCH_PYTHON = venvPython;

const { machine, timeSync, printTable, fmt, runTorchPeer, tn } = require('./_common');

const CHECK_STEPS = 20; // as torch_ops.py

/** n doubles uniform in [-1, 1), by the LCG torch_ops.py lcg_doubles() repeats exactly. */
function randomDoubles(n, seed) {
  const out = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

const f32 = (doubles, map = (v) => v) => Float32Array.from(doubles, map);

function near(a, b, tol) {
  return Math.abs(a - b) <= tol * (1 + Math.abs(b));
}

function expectClose(label, got, want, tol = 1e-5) {
  if (got.length !== want.length) throw new Error(`${label}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (!near(got[i], want[i], tol)) throw new Error(`${label}: value ${i} is ${got[i]}, expected ${want[i]}`);
  }
}

// ---- the op benchmarks --------------------------------------------------------------------

function opCases() {
  const a1 = tn.tensor(new Float32Array([1.5]), [1]);
  const b1 = tn.tensor(new Float32Array([2.25]), [1]);
  const a23 = tn.tensor(f32(randomDoubles(6, 1)), [2, 3]);
  const b3 = tn.tensor(f32(randomDoubles(3, 2)), [3]);
  const n = 1 << 20;
  const am = tn.tensor(f32(randomDoubles(n, 3)), [n]);
  const bm = tn.tensor(f32(randomDoubles(n, 4)), [n]);
  const m64a = tn.tensor(f32(randomDoubles(64 * 64, 5)), [64, 64]);
  const m64b = tn.tensor(f32(randomDoubles(64 * 64, 6)), [64, 64]);
  const m512a = tn.tensor(f32(randomDoubles(512 * 512, 7)), [512, 512]);
  const m512b = tn.tensor(f32(randomDoubles(512 * 512, 8)), [512, 512]);

  // Correctness first.
  expectClose('add [1]+[1]', tn.add(a1, b1).values, [3.75]);
  expectClose('a.add(b) [1]+[1]', a1.add(b1).values, [3.75]);
  const bc = tn.add(a23, b3);
  if (bc.shape.join() !== '2,3') throw new Error(`broadcast add: shape [${bc.shape}], expected [2,3]`);
  expectClose('add [2,3]+[3]', bc.values, Array.from(a23.values, (v, i) => Math.fround(v + b3.values[i % 3])));
  const big = tn.add(am, bm).values;
  for (let i = 0; i < n; i += 4099) {
    if (big[i] !== Math.fround(am.values[i] + bm.values[i])) throw new Error(`1M add: value ${i} is ${big[i]}`);
  }
  const naive = (A, B, N, i, j) => { let s = 0; for (let k = 0; k < N; k++) s += A[i * N + k] * B[k * N + j]; return s; };
  const c64 = tn.matMul(m64a, m64b).values;
  for (let i = 0; i < 64; i++) for (let j = 0; j < 64; j++) {
    if (!near(c64[i * 64 + j], naive(m64a.values, m64b.values, 64, i, j), 1e-4)) throw new Error(`matMul 64: (${i},${j}) is ${c64[i * 64 + j]}`);
  }
  const c512 = tn.matMul(m512a, m512b).values;
  for (let t = 0; t < 300; t++) {
    const i = (t * 37) % 512, j = (t * 101) % 512;
    if (!near(c512[i * 512 + j], naive(m512a.values, m512b.values, 512, i, j), 1e-4)) throw new Error(`matMul 512: (${i},${j}) is ${c512[i * 512 + j]}`);
  }

  // The native kernel alone: one native.runOp into a preallocated output (no Tensor, no
  // allocation, no tape), as the CPU kernel of lib/engine/registry.ts calls it.
  const native = tn._native;
  const addId = native.opTable().indexOf('add');
  const o1 = new Float32Array(1), om = new Float32Array(n);
  const s1 = new Int32Array([1, 1, 1, 1, 1, 1]), sm = new Int32Array([1, n, 1, n, 1, n]);
  native.runOp(addId, [o1, a1.values, b1.values], 1, s1, null);
  expectClose('native.runOp add [1]', o1, [3.75]);

  // [key, label, fn, timing options]
  return [
    ['add1_out', '  native.runOp only, preallocated out', () => native.runOp(addId, [o1, a1.values, b1.values], 1, s1, null), { maxTime: 1 }],
    ['add1', 'add [1] + [1]', () => tn.add(a1, b1), { maxTime: 1 }],
    ['add1_method', 'a.add(b) [1] + [1]', () => a1.add(b1), { maxTime: 1 }],
    ['add_bcast', 'add [2,3] + [3] (broadcast)', () => tn.add(a23, b3), { maxTime: 1 }],
    ['add1m', 'add 1M + 1M', () => tn.add(am, bm), { maxTime: 1.5 }],
    ['add1m_out', '  native.runOp only, preallocated out', () => native.runOp(addId, [om, am.values, bm.values], 1, sm, null), { maxTime: 1 }],
    ['mm64', 'matMul 64x64 · 64x64', () => tn.matMul(m64a, m64b), { maxTime: 1 }],
    ['mm512', 'matMul 512x512 · 512x512', () => tn.matMul(m512a, m512b), { maxTime: 2 }],
  ];
}

// ---- the MLP train step as a custom loop --------------------------------------------------

function mlpSetup(batch) {
  const dIn = 784, hidden = 128, dOut = 10;
  const s1 = Math.sqrt(6 / (dIn + hidden)), s2 = Math.sqrt(6 / (hidden + dOut));
  const w1 = tn.variable(tn.tensor(f32(randomDoubles(dIn * hidden, 11), (v) => v * s1), [dIn, hidden]));
  const b1 = tn.variable(tn.tensor(f32(randomDoubles(hidden, 12), (v) => v * 0.01), [hidden]));
  const w2 = tn.variable(tn.tensor(f32(randomDoubles(hidden * dOut, 13), (v) => v * s2), [hidden, dOut]));
  const b2 = tn.variable(tn.tensor(f32(randomDoubles(dOut, 14), (v) => v * 0.01), [dOut]));
  const x = tn.tensor(f32(randomDoubles(batch * dIn, 15), (v) => (v + 1) / 2), [batch, dIn]);
  const labels = tn.tensor(Int32Array.from({ length: batch }, (_, i) => (i * 7) % 10), [batch], 'int32');
  const y = tn.oneHot(labels, dOut, 1, 0, 'float32');
  const vars = [w1, b1, w2, b2];
  const lossFn = () => {
    const logits = tn.add(tn.matMul(tn.relu(tn.add(tn.matMul(x, w1), b1)), w2), b2);
    return tn.mean(tn.neg(tn.sum(tn.mul(y, tn.logSoftmax(logits)), 1)));
  };
  // The same loss from the fused ops: dense + bias + activation in one kernel, the cross-entropy
  // computed from the softmax's logits (Note [A loss meets its activation]).
  const fusedLossFn = () => tn.mean(tn.metrics.categoricalCrossentropy(y, tn.dense(tn.dense(x, w1, b1, 'relu'), w2, b2, 'softmax')));
  return { vars, lossFn, fusedLossFn };
}

async function mlpBench() {
  // The agreement check: CHECK_STEPS plain SGD steps, whose update is the same formula in both
  // engines, so the losses must match PyTorch's closely (the gradients are right).
  const sgd = mlpSetup(32);
  const sgdOpt = tn.train.sgd(0.1);
  const loss0 = sgd.lossFn().values[0];
  for (let i = 0; i < CHECK_STEPS; i++) sgdOpt.minimize(sgd.lossFn, false, sgd.vars);
  const sgdLossAfter = sgd.lossFn().values[0];
  if (!(sgdLossAfter < loss0)) throw new Error(`MLP: the loss did not fall in ${CHECK_STEPS} SGD steps (${loss0} -> ${sgdLossAfter})`);

  // The timed step: Adam lr 1e-3 with PyTorch's betas and tfjs' epsilon 1e-7 (the peer passes
  // the same epsilon), from fresh weights.
  const { vars, lossFn } = mlpSetup(32);
  const optimizer = tn.train.adam(1e-3, 0.9, 0.999, 1e-7);
  const step = () => optimizer.minimize(lossFn, false, vars);
  for (let i = 0; i < CHECK_STEPS; i++) step();
  const adamLossAfter = lossFn().values[0];
  const grads = tn.variableGrads(lossFn, vars);
  const names = Object.keys(grads.grads);
  if (names.length !== 4 || vars.some((v) => grads.grads[v.name].shape.join() !== v.shape.join())) {
    throw new Error(`MLP: variableGrads returned ${names.length} gradients (${names.join(', ')})`);
  }
  await settle();
  const stepTime = timeSync('tensornode custom-loop step b32', step, { maxTime: 3 });
  await settle();
  const forward = timeSync('tensornode loss forward b32', lossFn, { maxTime: 2 });
  const fused = mlpSetup(32);
  if (!near(fused.fusedLossFn().values[0], fused.lossFn().values[0], 1e-5)) {
    throw new Error(`MLP: the fused ops' loss ${fused.fusedLossFn().values[0]} differs from the composed ${fused.lossFn().values[0]}`);
  }
  const fusedOpt = tn.train.adam(1e-3, 0.9, 0.999, 1e-7);
  const fusedStep = () => fusedOpt.minimize(fused.fusedLossFn, false, fused.vars);
  for (let i = 0; i < CHECK_STEPS; i++) fusedStep();
  await settle();
  const fusedStepTime = timeSync('tensornode custom-loop step b32, fused ops', fusedStep, { maxTime: 3 });
  return { loss0, sgdLossAfter, adamLossAfter, step: stepTime, forward, fusedStep: fusedStepTime };
}

// ---- main ---------------------------------------------------------------------------------

// A turn of the event loop between cases: FinalizationRegistry callbacks (tn.memory()'s
// bookkeeping of collected tensors, engine/memory.ts) only run then, and the 10^5-10^6 tensors a
// synchronous tiny-op case leaves pending made the next case's 1M add 2-5x slower.
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

async function main() {
  const threads = tn.getNumThreads();
  console.log(`machine: ${machine()}`);
  const load0 = os.loadavg()[0];
  const ours = {};
  for (const [key, , fn, opts] of opCases()) {
    await settle();
    ours[key] = timeSync(key, fn, opts).ms * 1000; // us
  }
  await settle();
  const mlp = await mlpBench();
  const torch = runTorchPeer('torch_ops.py');
  const load1 = os.loadavg()[0];

  if (torch && torch.threads !== threads) throw new Error(`PyTorch ran on ${torch.threads} threads, tensornode on ${threads}`);
  if (torch) {
    // Adam's epsilon sits in a slightly different place (Keras: m / (sqrt(v) + eps) after bias
    // correction of the rate; PyTorch: m / (sqrt(v_hat) + eps)), hence its looser tolerance.
    const bad = [
      ['loss before', mlp.loss0, torch.sgd_loss0, 1e-4],
      [`loss after ${CHECK_STEPS} SGD steps`, mlp.sgdLossAfter, torch.sgd_loss_after, 1e-3],
      [`loss after ${CHECK_STEPS} Adam steps`, mlp.adamLossAfter, torch.adam_loss_after, 1e-2],
    ].filter(([, a, b, tol]) => !near(a, b, tol));
    if (bad.length > 0) {
      throw new Error(`MLP: tensornode and PyTorch disagree: ${bad.map(([what, a, b]) => `${what} ${a} vs ${b}`).join('; ')}`);
    }
  }

  const MB = 4 * (1 << 20);
  const gbs = (us) => (3 * MB) / (us * 1e3); // bytes / ns = GB/s
  const peerUs = (key) => (torch ? torch[`${key === 'add1_method' ? 'add1' : key}_us`] : undefined);
  const cell = (v, digits = 2) => (v === undefined ? 'n/a' : fmt(v, digits));
  const ratio = (mine, peer) => (peer === undefined ? 'n/a' : `${fmt(mine / peer, 2)}`);
  const rows = [];
  const json = { bench: 'ops', threads, torch: torch ? torch.torch : null, load_avg_1m: [load0, load1], results: {} };
  for (const [key, label] of opCases.labels) {
    const mine = ours[key], peer = peerUs(key);
    rows.push([label, 'µs/op', fmt(mine, 2), cell(peer), ratio(mine, peer)]);
    json.results[key] = { tensornode_us: mine, torch_us: peer ?? null, ratio: peer === undefined ? null : mine / peer };
    if (key === 'add1m' || key === 'add1m_out') {
      rows.push(['    as bandwidth (12 MB/op)', 'GB/s', fmt(gbs(mine), 2), peer === undefined ? 'n/a' : fmt(gbs(peer), 2), '']);
      json.results[key].tensornode_gbs = gbs(mine);
      json.results[key].torch_gbs = peer === undefined ? null : gbs(peer);
    }
  }
  rows.push(['MLP 784-128-10 b32 Adam step', 'ms/step', fmt(mlp.step.ms, 3), cell(torch?.step_ms, 3), ratio(mlp.step.ms, torch?.step_ms)]);
  rows.push(['  the same step with tn.dense + fused cross-entropy', 'ms/step', fmt(mlp.fusedStep.ms, 3), cell(torch?.step_ms, 3),
    ratio(mlp.fusedStep.ms, torch?.step_ms)]);
  rows.push(['  its loss forward alone', 'ms', fmt(mlp.forward.ms, 3), cell(torch?.forward_ms, 3), ratio(mlp.forward.ms, torch?.forward_ms)]);
  json.results.mlp_step = { tensornode_ms: mlp.step.ms, torch_ms: torch?.step_ms ?? null, ratio: torch ? mlp.step.ms / torch.step_ms : null };
  json.results.mlp_step_fused = { tensornode_ms: mlp.fusedStep.ms, torch_ms: torch?.step_ms ?? null, ratio: torch ? mlp.fusedStep.ms / torch.step_ms : null };
  json.results.mlp_forward = { tensornode_ms: mlp.forward.ms, torch_ms: torch?.forward_ms ?? null, ratio: torch ? mlp.forward.ms / torch.forward_ms : null };
  json.results.mlp_check = {
    steps: CHECK_STEPS,
    tensornode: { loss0: mlp.loss0, sgd_after: mlp.sgdLossAfter, adam_after: mlp.adamLossAfter },
    torch: torch ? { loss0: torch.sgd_loss0, sgd_after: torch.sgd_loss_after, adam_after: torch.adam_loss_after } : null,
  };

  printTable(`eager ops and a custom-loop train step, ${threads} threads each (PyTorch eager measured in the same run)`,
    ['what', 'unit', 'tensornode', 'PyTorch', 'tensornode / PyTorch time'], rows);
  const f5 = (v) => v.toFixed(5);
  console.log(`MLP check: loss ${f5(mlp.loss0)}, after ${CHECK_STEPS} SGD(0.1) steps ${f5(mlp.sgdLossAfter)}, after ${CHECK_STEPS} Adam steps ${f5(mlp.adamLossAfter)}` +
    (torch ? `; PyTorch ${f5(torch.sgd_loss0)}, ${f5(torch.sgd_loss_after)}, ${f5(torch.adam_loss_after)}` : ''));
  console.log(`peer: ${torch ? `PyTorch ${torch.torch} eager on ${torch.threads} threads` : 'PyTorch not installed (set BENCH_PYTHON, or create the .peers venv)'}; ` +
    `1-min load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after (on a loaded machine multi-threaded timings of both engines swing widely)`);
  console.log(JSON.stringify(json));
}

// Table order; a row's PyTorch number is <key>_us of torch_ops.py (a '_out' row: torch.add(out=)).
opCases.labels = [
  ['add1', 'add [1] + [1]'],
  ['add1_out', '  native.runOp only, preallocated out (torch: out=)'],
  ['add1_method', 'a.add(b) [1] + [1]'],
  ['add_bcast', 'add [2,3] + [3] (broadcast)'],
  ['add1m', 'add 1M + 1M'],
  ['add1m_out', '  native.runOp only, preallocated out (torch: out=)'],
  ['mm64', 'matMul 64x64 · 64x64'],
  ['mm512', 'matMul 512x512 · 512x512'],
];

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
