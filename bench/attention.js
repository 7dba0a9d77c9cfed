// Fused attention (tn.scaledDotProductAttention) against the unfused composition in tensornode
// (transposes to heads-first, matMul, softmax, matMul, transpose back: what a layer would do
// without the fused op) and against PyTorch's torch.nn.functional.scaled_dot_product_attention
// on the CPU (bench/peers/torch_attention.py, its own process, after ours, never at the same
// time), batch 1, 8 heads, head dim 64, T = 128, 512, 2048, forward and forward+backward.
//
//   time:   median ms of at least 5 runs and 1.5 s, after 2 warm-up runs;
//   memory: the peak RSS growth of one run, in a fresh process per (engine, T, mode) that has
//           made its inputs and run the op once at T = 8 (so thread pools and code are warm):
//           maxRSS after the run minus RSS before it (median of three such processes). It counts everything the run allocates
//           (outputs and gradients included: 4 MiB per [1, 2048, 8, 64] tensor), not only the
//           op's scratch.
// Same thread count for both: tensornode's (TENSORNODE_NUM_THREADS or the core count), passed
// to torch as OMP_NUM_THREADS (torch.set_num_threads). PyTorch gets q, k, v in its own layout
// (B, H, T, D) contiguous; tensornode in Keras' (B, T, H, D). Correctness first: at T = 128 the
// fused op is checked against the unfused composition (out, dq, dk, dv) and against PyTorch's
// output and gradients on the same inputs (a shared generator).
//
//   npm run bench -- attention        (or node bench/attention.js)
//   BENCH_PYTHON=/path/to/python      (default: the repo's .peers venv if present, else /usr/bin/python3)
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const venvPython = path.join(__dirname, '..', '.peers', 'bin', 'python');
if (!process.env.BENCH_PYTHON && fs.existsSync(venvPython)) process.env.BENCH_PYTHON = venvPython;

const { machine, printTable, fmt, runTorchPeer, tn } = require('./_common');

const B = 1, H = 8, D = 64;
const LENGTHS = [128, 512, 2048];
const MODES = ['forward', 'forward+backward'];
const IMPLS = ['fused', 'unfused'];

/** n doubles uniform in [-1, 1), by the LCG torch_attention.py lcg() repeats exactly. */
function lcg(n, seed) {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

function makeInputs(T) {
  const shape = [B, T, H, D];  // (B, T, H, D)
  const n = B * T * H * D;
  return ['q', 'k', 'v', 'dout'].map((_, i) => tn.tensor(lcg(n, 101 + i), shape));
}

const fused = (q, k, v) => tn.scaledDotProductAttention(q, k, v);
function unfused(q, k, v) {
  const qh = tn.transpose(q, [0, 2, 1, 3]), kh = tn.transpose(k, [0, 2, 1, 3]), vh = tn.transpose(v, [0, 2, 1, 3]);  // (B, H, T, D)
  const p = tn.softmax(tn.mul(tn.matMul(qh, kh, false, true), 1 / Math.sqrt(D)));  // (B, H, T, T)
  return tn.transpose(tn.matMul(p, vh), [0, 2, 1, 3]);  // (B, T, H, D)
}
const IMPL_FN = { fused, unfused };

function runner(impl, mode, [q, k, v, dout]) {
  const f = IMPL_FN[impl];
  return mode === 'forward' ? () => f(q, k, v) : () => tn.grads(f)([q, k, v], dout);
}

function medianMs(fn, { warmup = 2, minRuns = 5, minTime = 1500, maxRuns = 50 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const times = [];
  const start = process.hrtime.bigint();
  while (times.length < maxRuns && (times.length < minRuns || Number(process.hrtime.bigint() - start) / 1e6 < minTime)) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

// ---- child: one memory measurement ------------------------------------------------------------

if (process.argv[2] === '--memory') {
  const [impl, T, mode] = [process.argv[3], Number(process.argv[4]), process.argv[5]];
  runner(impl, mode, makeInputs(8))();
  const inputs = makeInputs(T);
  global.gc();  // (--expose-gc) garbage of the setup is not counted against the run
  const before = process.memoryUsage().rss;
  runner(impl, mode, inputs)();
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ peak_rss_delta_bytes: Math.max(0, peak - before) }));
  process.exit(0);
}

// The median of three fresh processes: one alone was sometimes tens of MiB high on the loaded
// machine (when V8's collector ran late).
function memoryOf(impl, T, mode) {
  const runs = [0, 1, 2].map(() => {
    const r = spawnSync(process.execPath, ['--expose-gc', __filename, '--memory', impl, String(T), mode], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`memory child ${impl} ${T} ${mode} failed:\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()).peak_rss_delta_bytes;
  });
  return runs.sort((a, b) => a - b)[1];
}

// ---- correctness ------------------------------------------------------------------------------

function maxRelDiff(a, b) {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(b[i])));
  return worst;
}

function check(torchCheck) {
  const inputs = makeInputs(128);
  const [q, k, v, dout] = inputs;
  const a = [fused(q, k, v), ...tn.grads(fused)([q, k, v], dout)];
  const b = [unfused(q, k, v), ...tn.grads(unfused)([q, k, v], dout)];
  const names = ['out', 'dq', 'dk', 'dv'];
  names.forEach((name, i) => {
    const d = maxRelDiff(a[i].values, b[i].values);
    if (!(d < 1e-3)) throw new Error(`T=128: fused and unfused ${name} differ (max relative difference ${d})`);
  });
  if (torchCheck) {
    names.forEach((name, i) => {
      const d = maxRelDiff(a[i].values, torchCheck[name]);
      if (!(d < 1e-3)) throw new Error(`T=128: tensornode and PyTorch ${name} differ (max relative difference ${d})`);
    });
  }
}

// ---- main -------------------------------------------------------------------------------------

function main() {
  const threads = tn.getNumThreads();
  console.log(`machine: ${machine()}`);
  const load0 = os.loadavg()[0];
  const ours = {};
  for (const T of LENGTHS) {
    const inputs = makeInputs(T);
    for (const mode of MODES) {
      for (const impl of IMPLS) {
        ours[`${impl} ${T} ${mode}`] = { ms: medianMs(runner(impl, mode, inputs)), bytes: memoryOf(impl, T, mode) };
      }
    }
  }
  const torch = runTorchPeer('torch_attention.py', [LENGTHS.join(',')]);
  const load1 = os.loadavg()[0];
  if (torch && torch.threads !== threads) throw new Error(`PyTorch ran on ${torch.threads} threads, tensornode on ${threads}`);
  check(torch ? torch.check : null);

  const MiB = (b) => (b === undefined || b === null ? 'n/a' : fmt(b / (1 << 20), 1));
  const cell = (v, digits = 2) => (v === undefined || v === null ? 'n/a' : fmt(v, digits));
  const rows = [];
  const json = { bench: 'attention', threads, B, H, D, torch: torch ? torch.torch : null, torch_backend: torch ? torch.backend : null,
    load_avg_1m: [load0, load1], results: {} };
  for (const T of LENGTHS) {
    for (const mode of MODES) {
      const f = ours[`fused ${T} ${mode}`], u = ours[`unfused ${T} ${mode}`], p = torch ? torch.results[`${T} ${mode}`] : null;
      rows.push([`T=${T} ${mode}`, fmt(f.ms, 2), fmt(u.ms, 2), cell(p?.ms), fmt(u.ms / f.ms, 2), p ? fmt(f.ms / p.ms, 2) : 'n/a',
        MiB(f.bytes), MiB(u.bytes), MiB(p?.bytes)]);
      json.results[`${T} ${mode}`] = { fused_ms: f.ms, unfused_ms: u.ms, torch_ms: p?.ms ?? null,
        fused_peak_rss_delta: f.bytes, unfused_peak_rss_delta: u.bytes, torch_peak_rss_delta: p?.bytes ?? null };
    }
  }
  printTable(`attention, B=${B} H=${H} D=${D}, ${threads} threads each: median ms; peak RSS growth of one run (MiB)`,
    ['case', 'fused ms', 'unfused ms', 'PyTorch sdpa ms', 'unfused / fused', 'fused / PyTorch', 'fused MiB', 'unfused MiB', 'PyTorch MiB'], rows);
  console.log(`peer: ${torch ? `PyTorch ${torch.torch} F.scaled_dot_product_attention (CPU backend chosen: ${torch.backend}) on ${torch.threads} threads` : 'PyTorch not installed (set BENCH_PYTHON, or create the .peers venv)'}; ` +
    `checked at T=128: fused = unfused${torch ? ' = PyTorch' : ''} (out, dq, dk, dv); ` +
    `1-min load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after (a shared machine: multi-threaded timings swing)`);
  console.log(JSON.stringify(json));
}

main();
