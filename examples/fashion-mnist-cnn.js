// `npm run example:fashion`: a small CNN on Fashion-MNIST (60,000 training and 10,000 test
// images of clothing, 28x28 grey, 10 classes), read from the IDX files with tn.data.readIdx.
//
//   Conv2D 32 3x3 relu, MaxPool 2, Conv2D 64 3x3 + BatchNorm + relu, MaxPool 2, Flatten,
//   Dense 128 relu, Dropout 0.3, Dense 10 softmax; Adam; sparse categorical cross-entropy.
//
// The files come from the Debian/Ubuntu package `dataset-fashion-mnist`, or any folder with
// the four files from https://github.com/zalandoresearch/fashion-mnist (set FASHION_MNIST_DIR).
// EPOCHS (default 10) and LIMIT (training images, default all) shorten a run.
'use strict';
const fs = require('fs');
const path = require('path');
const tn = require('..');

const DIR = process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';
const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function findFile(name) {
  for (const candidate of [name, `${name}.gz`]) {
    const p = path.join(DIR, candidate);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

async function load() {
  const paths = FILES.map(findFile);
  if (paths.some((p) => p === null)) {
    console.error(`Fashion-MNIST was not found in ${DIR} (looked for ${FILES.map((f) => `${f}[.gz]`).join(', ')}).\n` +
      'Install it with:\n' +
      '  sudo apt-get install dataset-fashion-mnist     # Debian/Ubuntu: files land in /usr/share/datasets/fashion-mnist\n' +
      'or download the four .gz files from https://github.com/zalandoresearch/fashion-mnist (data/fashion)\n' +
      'and run with FASHION_MNIST_DIR=/path/to/folder.');
    process.exit(2);
  }
  // Images: uint8 -> float32 in [0, 1] (scale 1/255); labels: int32.
  const [xTrain, yTrain, xTest, yTest] = await Promise.all(paths.map((p) => tn.data.readIdx(p, p.includes('images') ? { scale: 1 / 255 } : {})));
  const limit = Math.min(Number(process.env.LIMIT) || Infinity, xTrain.shape[0]);
  const as4d = (t, n) => tn.tensor(t.dataSync().subarray(0, n * 784), [n, 28, 28, 1]);
  return {
    xTrain: as4d(xTrain, limit), yTrain: tn.tensor(yTrain.dataSync().subarray(0, limit), [limit], 'int32'),
    xTest: as4d(xTest, xTest.shape[0]), yTest,
  };
}

async function main() {
  tn.setSeed(2024);
  const { xTrain, yTrain, xTest, yTest } = await load();
  const epochs = Number(process.env.EPOCHS) || 10;
  console.log(`Fashion-MNIST from ${DIR}: ${xTrain.shape[0]} training images, ${xTest.shape[0]} test images`);
  const model = tn.sequential({
    layers: [
      tn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tn.layers.maxPooling2d({ poolSize: 2 }),
      tn.layers.conv2d({ filters: 64, kernelSize: 3, useBias: false }),
      tn.layers.batchNormalization(),
      tn.layers.activation({ activation: 'relu' }),
      tn.layers.maxPooling2d({ poolSize: 2 }),
      tn.layers.flatten(),
      tn.layers.dense({ units: 128, activation: 'relu' }),
      tn.layers.dropout({ rate: 0.3 }),
      tn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.summary();
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const epochTimes = [];
  let started = 0;
  await model.fit(xTrain, yTrain, {
    epochs, batchSize: 64, verbose: process.stdout.isTTY ? 1 : 2,
    callbacks: {
      onEpochBegin: async () => { started = Date.now(); },
      onEpochEnd: async () => { epochTimes.push((Date.now() - started) / 1000); },
    },
  });
  const [loss, acc] = await model.evaluate(xTest, yTest, { batchSize: 256 });
  const mean = epochTimes.reduce((a, b) => a + b, 0) / epochTimes.length;
  const info = tn.backendInfo().cpu;
  console.log(`time per epoch: ${mean.toFixed(1)} s (${epochTimes.map((t) => t.toFixed(1)).join(', ')}) on ${info.threads} CPU threads, ` +
    `gemm kernel ${info.gemmKernel}`);
  console.log(`test loss ${loss.dataSync()[0].toFixed(4)}, test accuracy ${(acc.dataSync()[0] * 100).toFixed(2)}%`);
  // A few predictions, as a user would look at them.
  const probs = model.predict(tn.tensor(xTest.dataSync().subarray(0, 5 * 784), [5, 28, 28, 1])).dataSync();
  const labels = yTest.dataSync();
  for (let i = 0; i < 5; i++) {
    const row = Array.from(probs.subarray(i * 10, i * 10 + 10));
    const best = row.indexOf(Math.max(...row));
    console.log(`  test image ${i}: predicted ${CLASSES[best]} (${(row[best] * 100).toFixed(1)}%), actually ${CLASSES[labels[i]]}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
