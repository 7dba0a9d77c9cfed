// Small CNNs learn small image tasks on the CPU, to stated held-out accuracies:
//  - synthetic bars (horizontal / vertical / diagonal lines in noise, 12x12): >= 95%
//  - an MNIST subset (real digits from the `mnist` devDependency, 28x28): >= 93%
// Each takes a few seconds on 2 cores (tests never assert a time).
'use strict';
const assert = require('assert');
const { makeRandom, tn } = require('./helpers');
const { loadMnist } = require('../examples/mnist-data');

function bars(n, size, seed) {
  const rand = makeRandom(seed);
  const noise = rand(n * size * size, 0, 0.3);
  const pick = rand(3 * n, 0, 1);
  const x = new Float32Array(n * size * size);
  const labels = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const cls = Math.floor(pick[3 * s] * 3);
    const at = Math.floor(pick[3 * s + 1] * (size - 2)) + 1;
    const shift = Math.floor(pick[3 * s + 2] * 5) - 2;
    labels[s] = cls;
    const img = x.subarray(s * size * size, (s + 1) * size * size);
    img.set(noise.subarray(s * size * size, (s + 1) * size * size));
    for (let i = 0; i < size; i++) {
      if (cls === 0) img[at * size + i] += 1; // horizontal
      else if (cls === 1) img[i * size + at] += 1; // vertical
      else if (i + shift >= 0 && i + shift < size) img[i * size + i + shift] += 1; // diagonal
    }
  }
  return { x: tn.tensor(x, [n, size, size, 1]), y: tn.tensor(labels, [n], 'int32') };
}

describe('CNNs learn (CPU)', () => {
  it('synthetic bars (3 classes, 12x12) to >= 95% held-out accuracy', async function () {
    this.timeout(60000);
    tn.setSeed(7);
    const train = bars(600, 12, 1), test = bars(300, 12, 2);
    const model = tn.sequential({
      layers: [
        tn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 12, 1] }),
        tn.layers.maxPooling2d({ poolSize: 2 }),
        tn.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
        tn.layers.globalMaxPooling2d(),
        tn.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tn.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(train.x, train.y, { epochs: 8, batchSize: 32, verbose: 0 });
    const [, acc] = await model.evaluate(test.x, test.y);
    assert.ok(acc.dataSync()[0] >= 0.95, `held-out accuracy ${acc.dataSync()[0]}`);
  });

  it('an MNIST subset (3,000 real digits) with conv, batch norm and pooling to >= 93% held-out accuracy', async function () {
    this.timeout(120000);
    tn.setSeed(11);
    const { xTrain, labelsTrain, xTest, labelsTest } = loadMnist({ limit: 4000, testFraction: 0.25 });
    const as4d = (t) => tn.tensor(t.dataSync(), [t.shape[0], 28, 28, 1]);
    const model = tn.sequential({
      layers: [
        tn.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
        tn.layers.maxPooling2d({ poolSize: 2 }),
        tn.layers.conv2d({ filters: 16, kernelSize: 3, useBias: false }),
        tn.layers.batchNormalization(),
        tn.layers.activation({ activation: 'relu' }),
        tn.layers.maxPooling2d({ poolSize: 2 }),
        tn.layers.flatten(),
        tn.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(as4d(xTrain), labelsTrain, { epochs: 5, batchSize: 32, verbose: 0 });
    const [, acc] = await model.evaluate(as4d(xTest), labelsTest);
    assert.ok(acc.dataSync()[0] >= 0.93, `held-out accuracy ${acc.dataSync()[0]}`);
  });
});
