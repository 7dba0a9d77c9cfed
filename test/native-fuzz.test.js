// Fuzzing the native boundary: malformed calls to every exported native function (the cudaOps
// mirrors included), each of which must be a JS Error naming the function — never a crash,
// never a hang, never a silent return. The cases come from a seeded generator
// (test/native/fuzz_cases.js) and run in a child process, so a crash fails this test with the
// case that caused it. TENSORNODE_FUZZ_CASES sets the number of cases (default 6,000) and
// TENSORNODE_FUZZ_SEED the seed. See Note [Checked sizes at the native boundary].
'use strict';
const assert = require('assert');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { tn } = require('./helpers');
const { SPECS, CUDA_SPECS, validCalls, makeCase } = require('./native/fuzz_cases');

const native = tn._native;

describe('native boundary fuzzing', function () {
  this.timeout(10 * 60 * 1000);

  it('has a valid-call builder for every exported native function', () => {
    const exported = Object.keys(native).filter((k) => typeof native[k] === 'function');
    const missing = exported.filter((k) => !SPECS[k]);
    assert.deepStrictEqual(missing, [], `no fuzz spec for ${missing.join(', ')}`);
    const cudaMissing = Object.keys(native.cudaOps).filter((k) => !CUDA_SPECS[k]);
    assert.deepStrictEqual(cudaMissing, [], `no fuzz spec for cudaOps.${cudaMissing.join(', cudaOps.')}`);
  });

  it('the builders make valid calls (so each case breaks exactly what it says)', () => {
    const cudaAvailable = tn.backendInfo().cuda.pluginLoaded;
    for (let seed = 1; seed <= 30; seed++) {
      for (const c of validCalls(native, seed)) {
        if (c.name.startsWith('cudaOps.') && !cudaAvailable) {
          assert.throws(() => c.fn(...c.args), /the CUDA plugin is not available/, c.name);
        } else {
          assert.doesNotThrow(() => c.fn(...c.args), `${c.name} (seed ${seed})`);
        }
      }
    }
  });

  it('every malformed call is a JS Error naming the function: no crash, no hang', () => {
    const count = Number(process.env.TENSORNODE_FUZZ_CASES || 6000);
    const seed = Number(process.env.TENSORNODE_FUZZ_SEED || 20261201);
    const progressFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tn-fuzz-')), 'progress.txt');
    const r = spawnSync(process.execPath, [path.join(__dirname, 'native', 'fuzz_child.js'), String(seed), '0', String(count), progressFile],
      { encoding: 'utf8', timeout: 9 * 60 * 1000, maxBuffer: 64 << 20 });
    const lines = fs.existsSync(progressFile) ? fs.readFileSync(progressFile, 'utf8').trim().split('\n') : [];
    const last = lines[lines.length - 1] ?? '(none)';
    if (r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGTERM') assert.fail(`the fuzz child hung at ${last}`);
    assert.strictEqual(r.signal, null, `the fuzz child died with ${r.signal} at ${last}\n${r.stderr}`);
    assert.strictEqual(r.status, 0, `the fuzz child exited ${r.status} at ${last}\n${r.stderr}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop());
    console.log(`      ${summary.cases} cases (seed ${seed}): ${summary.threw} JS errors, ${summary.returnedMay} valid calls ` +
      `among the may-return cases, ${summary.failures.length} failures`);
    assert.deepStrictEqual(summary.failures.slice(0, 20), []);
    assert.strictEqual(summary.cases, count);
  });

  it('the generator covers every function with must-throw cases', () => {
    const seen = new Map();
    for (let i = 0; i < 3000; i++) {
      const c = makeCase(native, 5, i);
      if (c.must) seen.set(c.name, (seen.get(c.name) ?? 0) + 1);
    }
    const all = [...Object.keys(SPECS), ...Object.keys(CUDA_SPECS).map((n) => `cudaOps.${n}`)]
      .filter((n) => !['numThreads', 'gemmKernel'].includes(n)); // take no arguments
    const uncovered = all.filter((n) => !(seen.get(n) > 10));
    assert.deepStrictEqual(uncovered, []);
  });
});
