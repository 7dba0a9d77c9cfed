// Trains a small model with both TensorBoard callbacks and writes what TensorBoard must find
// (every scalar with its step and value, every histogram tag) beside the logs; then, where a
// Python with TensorBoard is at hand, runs TensorBoard's own readers over them
// (scripts/check_tensorboard.py). A check for developers, not a test: the suite needs no Python.
//
//   python3 -m venv .peers && .peers/bin/pip install tensorboard
//   node scripts/check-tensorboard.js [logdir]      (default: a fresh temp folder)
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const tn = require('..');

async function main() {
  const root = process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tensornode-tbcheck-'));
  tn.setSeed(7);
  const n = 200;
  const x = new Float32Array(n * 4).map(() => Math.random());
  const y = new Float32Array(n).map((_, i) => (x[4 * i] + x[4 * i + 1] > x[4 * i + 2] + x[4 * i + 3] ? 1 : 0));
  const expected = {};
  for (const [name, make] of [['node', tn.node.tensorBoard], ['keras', tn.callbacks.tensorBoard]]) {
    const model = tn.sequential({
      name: `check_${name}`,
      layers: [tn.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), tn.layers.dense({ units: 1, activation: 'sigmoid' })],
    });
    model.compile({ optimizer: tn.train.adam(0.01), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const logdir = path.join(root, name);
    const batches = [];
    const history = await model.fit(tn.tensor2d(x, [n, 4]), tn.tensor2d(y, [n, 1]), {
      epochs: 4, batchSize: 50, validationSplit: 0.2, verbose: 0,
      callbacks: [make(logdir, { updateFreq: 'batch', histogramFreq: 1 }), { onBatchEnd: (b, logs) => batches.push({ ...logs }) }],
    });
    const keras = name === 'keras';
    const scalars = { train: {}, [keras ? 'validation' : 'val']: {} };
    const valRun = keras ? 'validation' : 'val';
    const epochStep = (e) => (keras ? e : e + 1);
    history.epoch.forEach((epoch, i) => {
      for (const [k, values] of Object.entries(history.history)) {
        const run = k.startsWith('val_') ? valRun : 'train';
        const tag = `epoch_${k.replace(/^val_/, '')}`;
        (scalars[run][tag] ??= []).push([epochStep(epoch), values[i]]);
      }
      (scalars.train.epoch_learning_rate ??= []).push([epochStep(epoch), 0.01]);
      if (keras) {
        for (const k of ['loss', 'acc']) (scalars.validation[`evaluation_${k}_vs_iterations`] ??= []).push([(i + 1) * 4, history.history[`val_${k}`][i]]);
      }
    });
    // Batch values: tfjs-node logs each batch's own; Keras the epoch's running mean (4 batches of 40).
    batches.forEach((logs, i) => {
      for (const k of ['loss', 'acc']) {
        const inEpoch = batches.slice(i - (i % 4), i + 1);
        const value = keras ? inEpoch.reduce((s, b) => s + b[k] * b.size, 0) / inEpoch.reduce((s, b) => s + b.size, 0) : logs[k];
        (scalars.train[`batch_${k}`] ??= []).push([i + 1, value]);
      }
    });
    const histograms = model.layers.flatMap((l) => l.weightVariables.map((v) => (keras ? `${model.name}/${v.name}/histogram` : v.name)));
    expected[name] = { logdir, scalars, histograms, histogramSteps: history.epoch };
  }
  const file = path.join(root, 'expected.json');
  fs.writeFileSync(file, JSON.stringify(expected, null, 1));
  console.log(`logs and ${file} written`);
  const python = path.join(__dirname, '..', '.peers', 'bin', 'python');
  if (!fs.existsSync(python)) {
    console.log(`no ${python}: run TensorBoard's reader yourself: python scripts/check_tensorboard.py ${file}`);
    return;
  }
  const r = spawnSync(python, [path.join(__dirname, 'check_tensorboard.py'), file], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

main().catch((e) => { console.error(e); process.exit(1); });
