// Fuzzing the public API: seeded malformed calls (tensors, layer configs, fit/predict/evaluate
// arguments and data, weights, optimizers, settings; test/native/api_fuzz_cases.js), each of
// which must throw or reject with a JS Error that says what was wrong. They run in a child
// process, so a crash fails with the case that caused it. TENSORNODE_API_FUZZ_CASES sets the
// number of cases (default 1,500).
'use strict';
const assert = require('assert');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

describe('public API fuzzing', function () {
  this.timeout(10 * 60 * 1000);

  it('every malformed call through the public API is a JS Error: no crash, no hang, no silent return', () => {
    const count = Number(process.env.TENSORNODE_API_FUZZ_CASES || 1500);
    const seed = Number(process.env.TENSORNODE_FUZZ_SEED || 7);
    const progressFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tn-api-fuzz-')), 'progress.txt');
    const r = spawnSync(process.execPath, [path.join(__dirname, 'native', 'api_fuzz_child.js'), String(seed), String(count), progressFile],
      { encoding: 'utf8', timeout: 9 * 60 * 1000, maxBuffer: 64 << 20 });
    const lines = fs.existsSync(progressFile) ? fs.readFileSync(progressFile, 'utf8').trim().split('\n') : [];
    const last = lines[lines.length - 1] ?? '(none)';
    if (r.error?.code === 'ETIMEDOUT') assert.fail(`the API fuzz child hung at ${last}`);
    assert.strictEqual(r.signal, null, `the API fuzz child died with ${r.signal} at ${last}\n${r.stderr}`);
    assert.strictEqual(r.status, 0, `the API fuzz child exited ${r.status} at ${last}\n${r.stderr}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop());
    console.log(`      ${summary.cases} cases (seed ${seed}): ${summary.errors} JS errors, ${summary.failures.length} failures`);
    assert.deepStrictEqual(summary.failures.slice(0, 30), []);
  });
});
