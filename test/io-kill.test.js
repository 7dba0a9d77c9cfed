// Kill during save (Note [Atomic saves] in lib/io/atomic.ts): a child process saves a model in
// a loop, in the tfjs format, as .keras and as safetensors, and is SIGKILLed at random moments.
// After every kill each of the three must load, and hold one whole version of the weights (the
// last one saved or the one being saved), never a mix or a truncated file.
'use strict';
const assert = require('assert');
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { tn } = require('./helpers');
const { killModel, setVersion, versionOf } = require('./io-kill-model');

const KILLS = 16;

function runAndKill(dir, start, delayMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'io-kill-child.js'), dir, String(start)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let timer = null;
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      if (timer === null && String(d).includes('ready')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`the child exited (${code}) before it was killed: ${err}`));
    });
  });
}

describe('io: a process killed while saving leaves a loadable model', function () {
  this.timeout(120000);

  it(`${KILLS} kills at random moments: every format loads one whole version after each`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tn-kill-'));
    const model = killModel();
    setVersion(model, 0);
    await model.save(`file://${dir}/tfjs`);
    await model.save(`file://${dir}/m.keras`);
    await model.saveWeights(`file://${dir}/w.safetensors`);
    let start = 1;
    const seen = { tfjs: new Set(), keras: new Set(), safetensors: new Set() };
    let seed = 17;
    for (let k = 0; k < KILLS; k++) {
      seed = (seed * 48271) % 2147483647;
      await runAndKill(dir, start, seed % 120);
      const versions = {
        tfjs: versionOf(await tn.loadLayersModel(`file://${dir}/tfjs`)),
        keras: versionOf(await tn.loadLayersModel(`file://${dir}/m.keras`)),
      };
      const w = killModel();
      await w.loadWeights(`file://${dir}/w.safetensors`);
      versions.safetensors = versionOf(w);
      for (const [f, v] of Object.entries(versions)) {
        assert.ok(v >= 0, `${f}: version ${v}`);
        seen[f].add(v);
      }
      start = Math.max(versions.tfjs, versions.keras, versions.safetensors) + 2;
    }
    // The kills landed at different points: several versions were left behind in each format.
    for (const f of Object.keys(seen)) assert.ok(seen[f].size > 3, `${f}: versions ${[...seen[f]].join(', ')}`);
    // The next save cleans up what killed saves left (temporary files, unreferenced weights).
    setVersion(model, 999);
    await model.save(`file://${dir}/tfjs`);
    assert.deepStrictEqual(fs.readdirSync(`${dir}/tfjs`).filter((f) => !/^weights\.[0-9a-f]{16}\.bin$/.test(f)), ['model.json']);
    assert.strictEqual(fs.readdirSync(`${dir}/tfjs`).length, 2);
    assert.strictEqual(versionOf(await tn.loadLayersModel(`file://${dir}/tfjs`)), 999);
  });
});
