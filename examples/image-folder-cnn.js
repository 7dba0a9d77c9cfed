// `npm run example:images`: the seed CNN trained the Keras way, from folders of image files.
//
// 1. Writes a folder tree of real pictures: two Fashion-MNIST classes (default Pullover and
//    Coat, which look alike) as 64x64 RGB PNG files, data/train/<class>/*.png and
//    data/test/<class>/*.png, under DATA_DIR (default: a folder in the system temp dir, reused
//    on the next run). Fashion-MNIST comes from the Debian package `dataset-fashion-mnist` (or
//    FASHION_MNIST_DIR).
// 2. Trains seed 000's model exactly as its Keras code does:
//      train_datagen = ImageDataGenerator(rescale=1/255)
//      train = train_datagen.flow_from_directory('data/train', target_size=(64, 64), batch_size=32, class_mode='binary')
//      model = Sequential([Conv2D(32, 3, relu), MaxPooling2D(2), Conv2D(64, 3, relu), MaxPooling2D(2),
//                          Flatten(), Dense(128, relu), Dense(1, sigmoid)])
//      model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
//      model.fit(train, epochs=10); model.evaluate(test)
// 3. Prints the test accuracy, and images per second for decoding alone (one pass over the
//    training folder: read, decode, rescale) and for training (decoding overlapped with it).
//
// Sizes (defaults chosen to finish in about a minute on 2 cores): TRAIN_PER_CLASS=1000,
// TEST_PER_CLASS=500, EPOCHS=10; CLASSES=2,4 (Fashion-MNIST class indices).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const tn = require('..');

const FASHION_DIR = process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';
const NAMES = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
const CLASSES = (process.env.CLASSES || '2,4').split(',').map(Number);
const TRAIN_PER_CLASS = Number(process.env.TRAIN_PER_CLASS) || 1000;
const TEST_PER_CLASS = Number(process.env.TEST_PER_CLASS) || 500;
const EPOCHS = Number(process.env.EPOCHS) || 10;
const DATA_DIR = process.env.DATA_DIR ||
  path.join(os.tmpdir(), `tensornode-fashion-folders-${CLASSES.join('-')}-${TRAIN_PER_CLASS}-${TEST_PER_CLASS}`);

function findIdx(name) {
  for (const f of [name, `${name}.gz`]) if (fs.existsSync(path.join(FASHION_DIR, f))) return path.join(FASHION_DIR, f);
  console.error(`Fashion-MNIST was not found in ${FASHION_DIR}. Install it with\n` +
    '  sudo apt-get install dataset-fashion-mnist\n' +
    'or set FASHION_MNIST_DIR to a folder holding the IDX files from https://github.com/zalandoresearch/fashion-mnist.');
  process.exit(2);
}

function countFiles(dir) {
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir, { withFileTypes: true })
    .reduce((n, e) => n + (e.isDirectory() ? countFiles(path.join(dir, e.name)) : 1), 0);
}

/** Writes data/{train,test}/<class>/<n>.png: each 28x28 grey digit of clothing as a 64x64 RGB PNG. */
async function writeFolders() {
  const want = CLASSES.length * (TRAIN_PER_CLASS + TEST_PER_CLASS);
  if (countFiles(DATA_DIR) === want) {
    console.log(`image folders: ${DATA_DIR} (${want} PNG files, written by an earlier run)`);
    return;
  }
  const sharp = require('sharp');
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
  const started = Date.now();
  for (const [split, images, labels, perClass] of [
    ['train', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte', TRAIN_PER_CLASS],
    ['test', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', TEST_PER_CLASS],
  ]) {
    const x = (await tn.data.readIdx(findIdx(images), { dtype: 'int32' })).dataSync();
    const y = (await tn.data.readIdx(findIdx(labels))).dataSync();
    for (const c of CLASSES) {
      const dir = path.join(DATA_DIR, split, NAMES[c]);
      fs.mkdirSync(dir, { recursive: true });
      const picks = [];
      for (let i = 0; i < y.length && picks.length < perClass; i++) if (y[i] === c) picks.push(i);
      // A few at a time: sharp encodes on the libuv pool.
      for (let k = 0; k < picks.length; k += 16) {
        await Promise.all(picks.slice(k, k + 16).map((i, j) => {
          const pixels = Buffer.from(Uint8Array.from(x.subarray(i * 784, (i + 1) * 784)));
          return sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } })
            .resize(64, 64, { kernel: 'cubic' }).toColourspace('srgb').png()
            .toFile(path.join(dir, `${String(k + j).padStart(5, '0')}.png`));
        }));
      }
    }
  }
  console.log(`image folders: wrote ${want} PNG files (64x64 RGB) to ${DATA_DIR} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function main() {
  await writeFolders();
  tn.setSeed(0);

  // The seed code, line for line.
  const trainDatagen = tn.preprocessing.image.imageDataGenerator({ rescale: 1 / 255 });
  const testDatagen = tn.preprocessing.image.imageDataGenerator({ rescale: 1 / 255 });
  const trainGenerator = trainDatagen.flowFromDirectory(path.join(DATA_DIR, 'train'), { targetSize: [64, 64], batchSize: 32, classMode: 'binary' });
  const testGenerator = testDatagen.flowFromDirectory(path.join(DATA_DIR, 'test'), { targetSize: [64, 64], batchSize: 32, classMode: 'binary' });
  console.log(`classes: ${JSON.stringify(trainGenerator.classIndices)}`);

  const model = tn.sequential({
    layers: [
      tn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [64, 64, 3] }),
      tn.layers.maxPooling2d({ poolSize: 2 }),
      tn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tn.layers.maxPooling2d({ poolSize: 2 }),
      tn.layers.flatten(),
      tn.layers.dense({ units: 128, activation: 'relu' }),
      tn.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });

  // Decoding alone: one pass over the training folder (read, decode, rescale), no training.
  let started = process.hrtime.bigint();
  let decoded = 0;
  for await (const [x] of trainGenerator) decoded += x.shape[0];
  const decodeSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  const epochSeconds = [];
  let epochStart = 0n;
  const history = await model.fit(trainGenerator, {
    epochs: EPOCHS, verbose: process.stdout.isTTY ? 1 : 2,
    callbacks: {
      onEpochBegin: () => { epochStart = process.hrtime.bigint(); },
      onEpochEnd: () => { epochSeconds.push(Number(process.hrtime.bigint() - epochStart) / 1e9); },
    },
  });
  const [testLoss, testAcc] = await model.evaluate(testGenerator);

  const trainImages = trainGenerator.samples;
  const meanEpoch = epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length;
  const info = tn.backendInfo().cpu;
  console.log(`decoding: ${decoded} images in ${decodeSeconds.toFixed(2)} s = ${(decoded / decodeSeconds).toFixed(0)} images/s ` +
    `(PNG read + decode + rescale, one pass, no training)`);
  console.log(`training: ${(trainImages / meanEpoch).toFixed(0)} images/s (${trainImages} images per epoch, ${meanEpoch.toFixed(2)} s per epoch ` +
    `on average over ${epochSeconds.length} epochs, decoding overlapped; ${info.threads} CPU threads)`);
  console.log(`train accuracy ${(history.history.acc.at(-1) * 100).toFixed(2)}%, test loss ${testLoss.dataSync()[0].toFixed(4)}, ` +
    `test accuracy ${(testAcc.dataSync()[0] * 100).toFixed(2)}% (${testGenerator.samples} test images, ` +
    `${NAMES[CLASSES[0]]} vs ${NAMES[CLASSES[1]]})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
