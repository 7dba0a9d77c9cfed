// Fuzzing the native boundary: malformed calls to every exported native function (the cudaOps
// mirrors included), each of which must be a JS Error naming the function — never a crash,
// never a hang, never a silent return. The cases come from a seeded generator
// (test/native/fuzz_cases.js) and run in a child process, so a crash fails this test with the
// case that caused it. TENSORNODE_FUZZ_CASES sets the number of cases (default 6,000) and
// TENSORNODE_FUZZ_SEED the seed. See Note [Checked sizes at the native boundary].
// runOp (the op table's entry point) is fuzzed from valid calls of every op family (see "runOp"
// in fuzz_cases.js). Calls that once crashed or hung the kernels are kept there as
// KNOWN_CRASHES and replayed, each in its own process.
'use strict';
const assert = require('assert');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { tn } = require('./helpers');
const { SPECS, CUDA_SPECS, OP_FAMILIES, KNOWN_CRASHES, validCalls, makeCase } = require('./native/fuzz_cases');

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
      .filter((n) => !['numThreads', 'gemmKernel', 'opTable'].includes(n)); // take no arguments
    const uncovered = all.filter((n) => !(seen.get(n) > 10));
    assert.deepStrictEqual(uncovered, []);
  });

  it('runOp: the valid calls span every kernel family, and the cases break each op of them', () => {
    const table = native.opTable();
    assert.ok(Array.isArray(table) && table.length > 0 && table.every((n) => typeof n === 'string'));
    assert.deepStrictEqual(native.opTable(1, 'x', {}, null), table); // extra arguments are ignored
    const built = new Set();
    for (let seed = 1; seed <= 30; seed++) for (const c of validCalls(native, seed)) if (c.name.startsWith('runOp ')) built.add(c.name.slice(6));
    for (const op of ['add', 'exp', 'cast', 'where', 'sum', 'argMax', 'cumsum', 'transpose', 'stridedSlice', 'concat', 'gather', 'pad',
      'tile', 'reverse', 'matMul', 'logSoftmax', 'activation']) assert.ok(built.has(op), `no valid runOp call of ${op}`);
    assert.ok(built.size >= 50, `only ${built.size} ops have valid calls`);
    const seen = new Map();
    for (let i = 0; i < 6000; i++) {
      const c = makeCase(native, 5, i);
      if (c.name === 'runOp' && c.must) seen.set(c.family, (seen.get(c.family) ?? 0) + 1);
    }
    assert.deepStrictEqual(OP_FAMILIES.filter((f) => !(seen.get(f) > 10)), [], 'op families with few must-throw cases');
  });

  // Calls that crashed (SIGSEGV) or hung the kernels before their sizes were checked: each now
  // throws, or (an empty result: cumsum of an empty x, a gather with an empty output) returns
  // at once. Each runs in its own process so a regression is reported, not fatal.
  it('the calls that once crashed or hung the op kernels now throw or return at once', function () {
    this.timeout(120000);
    const failures = [];
    for (let i = 0; i < KNOWN_CRASHES.length; i++) {
      const progressFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tn-fuzz-')), 'progress.txt');
      const r = spawnSync(process.execPath, [path.join(__dirname, 'native', 'fuzz_child.js'), 'known', String(i), '1', progressFile],
        { encoding: 'utf8', timeout: 20 * 1000 });
      const what = `known crash ${i}: ${KNOWN_CRASHES[i].what}`;
      if (r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGTERM') failures.push(`${what}: hung`);
      else if (r.signal !== null || r.status !== 0) failures.push(`${what}: died (${r.signal ?? r.status})`);
      else failures.push(...JSON.parse(r.stdout.trim().split('\n').pop()).failures.filter((f) => !/returned without an error/.test(f) || !/empty|mid = 0|\[2\^20,2\^20,1,0\]/.test(f)));
    }
    // and runOp takes SharedArrayBuffer-backed arrays, as every other native function does
    const exp = native.opTable().indexOf('exp');
    try {
      native.runOp(exp, [new Float32Array(new SharedArrayBuffer(16)), new Float32Array(4)], 1, Int32Array.of(1, 4, 1, 4), null);
    } catch (e) {
      failures.push(`runOp exp with a SharedArrayBuffer-backed output: ${e.message}`);
    }
    assert.deepStrictEqual(failures, []);
  });
});
