// `npm run demo`: the seed MLP (Dense 64 relu, Dense 64 relu, Dense 10 softmax; Adam;
// categorical cross-entropy; batch 32; 10 epochs) trained on 8,000 real handwritten digits and
// tested on 2,000 held-out ones.
//
// Each epoch the training digits are moved by a random pixel or none (shiftImages): with only 8,000
// digits this model memorises them (99% train accuracy) and tests at about 94% — PyTorch gets the
// same on the same split (bench/peers/torch_mnist_mlp.py). The one-pixel shifts were chosen on a
// validation split carved from the training digits, not on the test digits. `npm run demo --
// --no-augment` trains on the digits as they are.
//
// The training curves (loss and accuracy, training and held-out) are drawn to
// examples/output/mnist-mlp-history.svg, or to the file given with `--plot FILE`.
'use strict';
const fs = require('fs');
const path = require('path');
const tn = require('..');
const { loadMnist, shiftEveryEpoch, seededRandom } = require('./mnist-data');

async function main() {
  const augment = !process.argv.includes('--no-augment');
  const plotAt = process.argv.indexOf('--plot');
  const plotFile = path.resolve(plotAt >= 0 ? process.argv[plotAt + 1] ?? '' : path.join(__dirname, 'output', 'mnist-mlp-history.svg'));
  tn.setSeed(42);
  const { xTrain, yTrain, xTest, yTest } = loadMnist({ testFraction: 0.2 });
  console.log(`MNIST digits: ${xTrain.shape[0]} for training, ${xTest.shape[0]} held out for testing; ` +
    (augment ? 'training digits shifted by up to one pixel each epoch' : 'no augmentation'));
  const model = tn.sequential({
    layers: [
      tn.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }),
      tn.layers.dense({ units: 64, activation: 'relu' }),
      tn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.summary();
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const callbacks = augment ? [shiftEveryEpoch(xTrain, 1, seededRandom(42))] : [];

  const started = Date.now();
  // The held-out digits are only evaluated, never trained on; showing them per epoch as val_* is for the reader.
  const history = await model.fit(xTrain, yTrain, { epochs: 10, batchSize: 32, validationData: [xTest, yTest], verbose: 1, callbacks });
  const seconds = (Date.now() - started) / 1000;
  const [loss, acc] = await model.evaluate(xTest, yTest);
  console.log(`trained in ${seconds.toFixed(1)} s on ${tn.backendInfo().cpu.threads} CPU threads ` +
    `(gemm kernel: ${tn.backendInfo().cpu.gemmKernel})`);
  console.log(`test loss ${loss.dataSync()[0].toFixed(4)}, test accuracy ${(acc.dataSync()[0] * 100).toFixed(2)}%`);
  fs.mkdirSync(path.dirname(plotFile), { recursive: true });
  history.plot(plotFile);
  console.log(`training curves (val_* = the held-out digits): ${plotFile} (open it in a browser)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
