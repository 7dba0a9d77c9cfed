// The issue-16 examples run end to end on small settings: examples/image-folder-cnn.js (writes
// a Fashion-MNIST image folder tree, trains the seed CNN with flowFromDirectory) and
// examples/csv-weather.js (tn.data.csv on Seattle's weather table). They need the Debian
// packages dataset-fashion-mnist and python3-vega-datasets (.ci/run installs both); without
// them the tests are skipped, except under CI=true, where that is a failure.
'use strict';
const assert = require('assert');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const FASHION = process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';
const WEATHER = process.env.CSV || '/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-weather.csv';

function needs(file, pkg, ctx) {
  const found = fs.existsSync(file) || fs.existsSync(`${file}.gz`);
  if (found) return;
  if (process.env.CI) throw new Error(`${file} is missing: CI must install the Debian package ${pkg} (.ci/run APT_PACKAGES)`);
  console.log(`      skipped: ${file} not found (apt-get install ${pkg})`);
  ctx.skip();
}

function runExample(script, env) {
  const r = spawnSync(process.execPath, [path.join(root, 'examples', script)], { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.strictEqual(r.status, 0, `${script} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('issue-16 examples', function () {
  this.timeout(120000);

  it('examples/image-folder-cnn.js: writes the folders, trains with flowFromDirectory + fit, evaluates', function () {
    needs(path.join(FASHION, 'train-images-idx3-ubyte'), 'dataset-fashion-mnist', this);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tensornode-example-folders-'));
    try {
      const out = runExample('image-folder-cnn.js', { DATA_DIR: dataDir, TRAIN_PER_CLASS: '48', TEST_PER_CLASS: '16', EPOCHS: '2' });
      assert.match(out, /wrote 128 PNG files \(64x64 RGB\)/);
      assert.strictEqual(fs.readdirSync(path.join(dataDir, 'train', 'coat')).length, 48);
      assert.match(out, /Found 96 images belonging to 2 classes\./);
      assert.match(out, /decoding: 96 images in [\d.]+ s = \d+ images\/s/);
      assert.match(out, /training: \d+ images\/s/);
      const acc = Number(out.match(/test accuracy ([\d.]+)%/)[1]);
      assert.ok(acc >= 0 && acc <= 100, out);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('examples/csv-weather.js: tn.data.csv + fitDataset beats always answering the commonest weather', function () {
    needs(WEATHER, 'python3-vega-datasets', this);
    const out = runExample('csv-weather.js', { EPOCHS: '20' });
    const [, acc, baseline] = out.match(/test accuracy ([\d.]+)% \(always 'sun': ([\d.]+)%\)/).map(Number);
    assert.ok(acc > baseline + 5, out);
  });
});
