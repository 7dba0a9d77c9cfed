// Accuracy, not speed: the demo's seed MLP (examples/mnist-mlp.js) trained for 10 epochs on the
// same 8,000 / 2,000 split of the `mnist` package's digits, once per seed, with and without the
// demo's one-pixel shifts, in tensornode and in PyTorch (bench/peers/torch_mnist_mlp.py, Keras'
// initializers and Adam epsilon). It shows what accuracy this model and data allow, so that the
// demo's number can be read against a peer instead of against a guess.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { machine, printTable, runTorchPeer, tn } = require('./_common');
const { loadMnist, shiftEveryEpoch, seededRandom } = require('../examples/mnist-data');

const SEEDS = 6;

async function trainOnce(data, seed, augment) {
  tn.setSeed(seed);
  const model = tn.sequential({
    layers: [
      tn.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }),
      tn.layers.dense({ units: 64, activation: 'relu' }),
      tn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  // A copy: the shifts rewrite the training tensor, and every run starts from the same digits.
  const images = tn.tensor(data.xTrain.dataSync().slice(), data.xTrain.shape);
  const callbacks = augment ? [shiftEveryEpoch(images, 1, seededRandom(1000 + seed))] : [];
  await model.fit(images, data.yTrain, { epochs: 10, batchSize: 32, verbose: 0, callbacks });
  const [, acc] = await model.evaluate(data.xTest, data.yTest);
  return acc.dataSync()[0];
}

function summary(accs) {
  const pct = (v) => (v * 100).toFixed(2);
  const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
  return [pct(mean), `${pct(Math.min(...accs))} – ${pct(Math.max(...accs))}`];
}

async function main() {
  console.log(`machine: ${machine()}`);
  const data = loadMnist({ testFraction: 0.2 });
  const ours = { plain: [], shifted: [] };
  for (let seed = 0; seed < SEEDS; seed++) {
    ours.plain.push(await trainOnce(data, seed, false));
    ours.shifted.push(await trainOnce(data, seed, true));
  }

  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tensornode-mnist-'));
  const write = (name, t) => {
    const values = t.dataSync();
    fs.writeFileSync(path.join(folder, name), Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  };
  write('x_train.f32', data.xTrain);
  write('x_test.f32', data.xTest);
  write('labels_train.i32', data.labelsTrain);
  write('labels_test.i32', data.labelsTest);
  let torch = null;
  try {
    torch = runTorchPeer('torch_mnist_mlp.py', [folder, SEEDS]);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }

  const rows = [];
  for (const kind of ['plain', 'shifted']) {
    rows.push([`tensornode, ${kind}`, ...summary(ours[kind])]);
    rows.push([`PyTorch, ${kind}`, ...(torch ? summary(torch[kind]) : ['n/a', 'n/a'])]);
  }
  printTable(`seed MLP, 10 epochs, ${data.xTrain.shape[0]} train / ${data.xTest.shape[0]} test digits, ${SEEDS} seeds: test accuracy %`,
    ['run', 'mean', 'min – max'], rows);
  console.log(torch ? `peer: PyTorch ${torch.torch}` : 'peer: PyTorch not installed (apt-get install python3-torch libopenblas0-pthread)');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
