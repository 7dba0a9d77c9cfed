// `node examples/custom-loop.js`: the seed MLP (784 -> 64 relu -> 64 relu -> 10) trained on the
// MNIST digits with a hand-written training loop instead of model.fit, in the two forms users
// bring from elsewhere:
//   - TensorFlow.js:  optimizer.minimize(() => loss)
//   - PyTorch-like:   const { value, grads } = tn.variableGrads(lossFn); optimizer.applyGradients(grads)
// Both train the same model from the same initial weights on the same batches, and are then
// compared with model.fit on the same data. No tidy() anywhere: the gradient functions free
// their intermediates when they return, and tn.memory() shows the count does not grow.
//
// Options: --epochs N (default 5), --limit N (digits used, default all 10,000), --quiet.
'use strict';
const tn = require('..');
const { loadMnist } = require('./mnist-data');

/** A PyTorch-style module: its parameters are tn.variables, forward() is built from ops. */
class MLP {
  constructor(sizes, seed) {
    tn.setSeed(seed);
    this.layers = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const limit = Math.sqrt(6 / (sizes[i] + sizes[i + 1]));  // Glorot uniform, as Keras' Dense
      this.layers.push({
        kernel: tn.variable(tn.randomUniform([sizes[i], sizes[i + 1]], -limit, limit)),
        bias: tn.variable(tn.zeros([sizes[i + 1]])),
      });
    }
  }

  forward(x) {
    let h = x;
    this.layers.forEach((layer, i) => {
      h = tn.matMul(h, layer.kernel).add(layer.bias);
      if (i < this.layers.length - 1) h = tn.relu(h);
    });
    return h;  // logits
  }

  parameters() {
    return this.layers.flatMap((l) => [l.kernel, l.bias]);
  }
}

/** Mean softmax cross-entropy of logits against one-hot labels. */
function crossEntropy(logits, oneHotLabels) {
  return tn.neg(tn.mean(tn.sum(oneHotLabels.mul(tn.logSoftmax(logits)), 1)));
}

function accuracy(model, x, labels) {
  const predicted = tn.argMax(model.forward(x), 1);
  return tn.mean(tn.cast(tn.equal(predicted, labels), 'float32')).dataSync()[0];
}

/** One epoch's batches: a seeded shuffle of the rows, batchSize at a time. */
function batches(n, batchSize, epoch) {
  tn.setSeed(1000 + epoch);
  const order = Array.from({ length: n }, (_, i) => i);
  tn.util.shuffle(order);
  const out = [];
  for (let start = 0; start < n; start += batchSize) out.push(tn.tensor(order.slice(start, start + batchSize), undefined, 'int32'));
  return out;
}

/** Trains a fresh MLP with a custom loop; form 'minimize' (tfjs) or 'variableGrads' (PyTorch-like). */
function trainCustom(form, data, { epochs, batchSize, log }) {
  const model = new MLP([784, 64, 64, 10], 7);
  const optimizer = tn.train.adam(0.001);
  const params = model.parameters();
  let before = null;
  for (let epoch = 0; epoch < epochs; epoch++) {
    let lossSum = 0;
    let steps = 0;
    for (const idx of batches(data.xTrain.shape[0], batchSize, epoch)) {
      const x = tn.gather(data.xTrain, idx);
      const y = tn.gather(data.yTrain, idx);
      const lossFn = () => crossEntropy(model.forward(x), y);
      let loss;
      if (form === 'minimize') {
        loss = optimizer.minimize(lossFn, true, params);
      } else {
        const { value, grads } = tn.variableGrads(lossFn, params);
        optimizer.applyGradients(grads);
        loss = value;
      }
      lossSum += loss.dataSync()[0];
      steps++;
      if (before === null) before = tn.memory().numTensors;
    }
    log(`  ${form}: epoch ${epoch + 1}/${epochs} loss ${(lossSum / steps).toFixed(4)}`);
  }
  return { model, testAccuracy: accuracy(model, data.xTest, data.labelsTest), tensorsAfterFirstStep: before };
}

async function trainWithFit(data, { epochs, batchSize }) {
  tn.setSeed(7);
  const model = tn.sequential({
    layers: [
      tn.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }),
      tn.layers.dense({ units: 64, activation: 'relu' }),
      tn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tn.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(data.xTrain, data.yTrain, { epochs, batchSize, verbose: 0 });
  const [, acc] = await model.evaluate(data.xTest, data.yTest);
  return acc.dataSync()[0];
}

async function main({ epochs = 5, limit = Infinity, batchSize = 32, quiet = false } = {}) {
  const log = quiet ? () => {} : (...a) => console.log(...a);
  const { xTrain, yTrain, xTest, yTest } = loadMnist({ testFraction: 0.2, limit });
  const data = { xTrain, yTrain, xTest, yTest, labelsTest: tn.argMax(yTest, 1) };
  log(`MNIST digits: ${xTrain.shape[0]} for training, ${xTest.shape[0]} held out; ${epochs} epochs of batch ${batchSize}`);
  const minimized = trainCustom('minimize', data, { epochs, batchSize, log });
  const viaGrads = trainCustom('variableGrads', data, { epochs, batchSize, log });
  const fitAccuracy = await trainWithFit(data, { epochs, batchSize });
  const result = {
    minimizeAccuracy: minimized.testAccuracy,
    variableGradsAccuracy: viaGrads.testAccuracy,
    fitAccuracy,
    liveTensors: tn.memory().numTensors,
  };
  log(`test accuracy: optimizer.minimize loop ${(result.minimizeAccuracy * 100).toFixed(2)}%, ` +
    `variableGrads + applyGradients loop ${(result.variableGradsAccuracy * 100).toFixed(2)}%, ` +
    `model.fit ${(result.fitAccuracy * 100).toFixed(2)}%`);
  return result;
}

module.exports = { main, MLP, crossEntropy };

if (require.main === module) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  main({ epochs: arg('--epochs', 5), limit: arg('--limit', Infinity), quiet: process.argv.includes('--quiet') })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
