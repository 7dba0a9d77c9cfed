// Helpers shared by the benchmarks: the machine description, a timing wrapper over the
// `benchmark` package, and a compact table printer.
'use strict';
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const Benchmark = require('benchmark');
const tn = require('..');

function machine() {
  const cpu = os.cpus()[0];
  const info = tn.backendInfo();
  return `${cpu ? cpu.model.trim() : 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, ` +
    `tensornode ${info.cpu.threads} threads, gemm kernel ${info.cpu.gemmKernel}`;
}

/** Mean and relative margin (ms per call) of a synchronous function, by benchmark.js. */
function timeSync(name, fn, { maxTime = 2, minSamples = 5 } = {}) {
  const bench = new Benchmark(name, fn, { maxTime, minSamples });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  return { ms: bench.stats.mean * 1000, rme: bench.stats.rme };
}

/** Same for an async function (deferred benchmark). */
function timeAsync(name, fn, { maxTime = 2, minSamples = 5 } = {}) {
  return new Promise((resolve, reject) => {
    const bench = new Benchmark(name, {
      defer: true, maxTime, minSamples,
      fn: (deferred) => { fn().then(() => deferred.resolve(), reject); },
      onComplete: () => (bench.error ? reject(bench.error) : resolve({ ms: bench.stats.mean * 1000, rme: bench.stats.rme })),
    });
    bench.run({ async: true });
  });
}

function printTable(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  rows.forEach((r) => console.log(line(r)));
}

/**
 * TensorFlow.js (core + layers on its CPU backend), the peer the benchmarks compare with, or
 * null when it is not installed or BENCH_NO_PEER is set.
 */
async function loadTfjs() {
  if (process.env.BENCH_NO_PEER) return null;
  let tf;
  try {
    tf = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-cpu');
    tf.layers = require('@tensorflow/tfjs-layers');
  } catch (e) {
    return null;
  }
  await tf.setBackend('cpu');
  return tf;
}

/**
 * Runs a PyTorch peer script from bench/peers/ with Debian's python3-torch (`apt-get install
 * python3-torch libopenblas0-pthread`: PyPI is not reachable here, and without OpenBLAS Debian's
 * torch falls back to the reference BLAS) on as many threads as tensornode uses, and returns
 * the JSON object it prints last, or null when PyTorch is not installed or BENCH_NO_PEER is set.
 * The peer runs in its own process, after or before ours, never at the same time.
 */
let torchInstalled = null; // probed once per process: importing torch takes about a second

function runTorchPeer(script, args = []) {
  if (process.env.BENCH_NO_PEER) return null;
  const python = process.env.BENCH_PYTHON || '/usr/bin/python3';
  if (torchInstalled === null) {
    const probe = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    torchInstalled = !probe.error && probe.status === 0;
  }
  if (!torchInstalled) return null;
  const threads = String(tn.backendInfo().cpu.threads);
  const r = spawnSync(python, [path.join(__dirname, 'peers', script), ...args.map(String)], {
    encoding: 'utf8', maxBuffer: 1 << 26,
    // ATen and oneDNN run on OpenMP with tensornode's thread count. OpenBLAS gets one thread: its
    // own pool beside OpenMP's spinning workers oversubscribes the cores and made every peer
    // 1.3-3x slower (seed 004 LSTM 2.8 s vs 1.2 s, MLP step b32 2.2 ms vs 0.7 ms), which would
    // flatter us. One OpenBLAS thread was the fastest setting for every benchmarked model.
    env: { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`PyTorch peer ${script} failed:\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const fmt = (x, digits = 2) => (x >= 100 ? x.toFixed(0) : x.toFixed(digits));

module.exports = { machine, timeSync, timeAsync, printTable, fmt, loadTfjs, runTorchPeer, tn };
