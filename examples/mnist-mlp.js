// `npm run demo`: the seed MLP (Dense 64 relu, Dense 64 relu, Dense 10 softmax; Adam;
// categorical cross-entropy; batch 32) trained on 8,000 real handwritten digits and tested
// on 2,000 held-out ones.
'use strict';
const tn = require('..');
const { loadMnist } = require('./mnist-data');

async function main() {
  tn.setSeed(42);
  const { xTrain, yTrain, xTest, yTest } = loadMnist({ testFraction: 0.2 });
  console.log(`MNIST digits: ${xTrain.shape[0]} for training, ${xTest.shape[0]} held out for testing`);
  const model = tn.sequential({
    layers: [
      tn.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }),
      tn.layers.dense({ units: 64, activation: 'relu' }),
      tn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.summary();
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const started = Date.now();
  // The held-out digits are only evaluated, never trained on; showing them per epoch as val_* is for the reader.
  await model.fit(xTrain, yTrain, { epochs: 10, batchSize: 32, validationData: [xTest, yTest], verbose: 1 });
  const seconds = (Date.now() - started) / 1000;
  const [loss, acc] = await model.evaluate(xTest, yTest);
  console.log(`trained in ${seconds.toFixed(1)} s on ${tn.backendInfo().cpu.threads} CPU threads ` +
    `(gemm kernel: ${tn.backendInfo().cpu.gemmKernel})`);
  console.log(`test loss ${loss.dataSync()[0].toFixed(4)}, test accuracy ${(acc.dataSync()[0] * 100).toFixed(2)}%`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
