// `npm run bench -- data`: images from folders (issue 16).
//
// 1. Decoding: images read, decoded, resized and rescaled per second, one pass over a folder
//    (no training), through flowFromDirectory (nearest, PIL's way) and imageDatasetFromDirectory
//    (TensorFlow's bilinear), from 64x64 PNGs (no resize) and 256x256 JPEGs (resized to 64x64),
//    with read-ahead (prefetch 2, the default) and without (prefetch 0). Peer, in the same run:
//    Keras 3 itself (flow_from_directory on PIL, image_dataset_from_directory on tf.data) on
//    the same folders, from a Python with keras and tensorflow (BENCH_KERAS_PYTHON, default
//    python3; n/a when it has neither).
// 2. Training the seed CNN (bench/cnn.js' model, batch 32, Adam) for one epoch: from an
//    in-memory tensor holding the same images, from the folder with prefetch 0, and with
//    prefetch 2. Is training from a folder within 10% of training from memory? Runs alternate,
//    three of each, and the medians are compared (the machine is shared, so one run is noise).
//
// The images: Fashion-MNIST pictures (Debian's dataset-fashion-mnist) upscaled to 64x64 or
// 256x256 RGB, or, without it, synthetic ones. IMAGES (default 1024) sets the count.
// Correctness first: the decoded batches are compared with the pixels sharp reads directly.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { machine, printTable, fmt, tn } = require('./_common');

const N = Number(process.env.IMAGES) || 1024;
const FASHION = process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';
const REPS = 3;

async function sourceImages(n) {
  const file = ['train-images-idx3-ubyte', 'train-images-idx3-ubyte.gz'].map((f) => path.join(FASHION, f)).find((f) => fs.existsSync(f));
  if (file) {
    const labelsFile = [path.join(FASHION, 'train-labels-idx1-ubyte'), path.join(FASHION, 'train-labels-idx1-ubyte.gz')].find((f) => fs.existsSync(f));
    const x = (await tn.data.readIdx(file, { dtype: 'int32' })).dataSync();
    const y = (await tn.data.readIdx(labelsFile)).dataSync();
    // Two classes (sneaker 7, ankle boot 9), n/2 each.
    const picks = [];
    for (const c of [7, 9]) for (let i = 0, k = 0; i < y.length && k < n / 2; i++) if (y[i] === c) (picks.push([i, c]), k++);
    return { what: 'Fashion-MNIST sneakers and ankle boots', images: picks.map(([i, c]) => ({ grey: Uint8Array.from(x.subarray(i * 784, (i + 1) * 784)), cls: c === 7 ? 'sneaker' : 'boot' })) };
  }
  let s = 1;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
  return {
    what: 'synthetic 28x28 images (dataset-fashion-mnist not installed)',
    images: Array.from({ length: n }, (_, i) => ({ grey: Uint8Array.from({ length: 784 }, () => Math.floor(rand() * 256)), cls: i % 2 ? 'b' : 'a' })),
  };
}

async function writeFolder(dir, images, size, format) {
  const sharp = require('sharp');
  for (let k = 0; k < images.length; k += 32) {
    await Promise.all(images.slice(k, k + 32).map(({ grey, cls }, j) => {
      fs.mkdirSync(path.join(dir, cls), { recursive: true });
      const img = sharp(Buffer.from(grey), { raw: { width: 28, height: 28, channels: 1 } }).resize(size, size, { kernel: 'cubic' }).toColourspace('srgb');
      const name = path.join(dir, cls, `${String(k + j).padStart(5, '0')}.${format}`);
      return (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toFile(name);
    }));
  }
}

async function onePass(ds) {
  const started = process.hrtime.bigint();
  let n = 0;
  for await (const element of ds) n += (Array.isArray(element) ? element[0] : element).shape[0];
  return { n, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function decodeRate(make) {
  await onePass(make()); // warm: the OS file cache, sharp's first load
  const rates = [];
  for (let r = 0; r < REPS; r++) {
    const { n, seconds } = await onePass(make());
    rates.push(n / seconds);
  }
  return median(rates);
}

function quietly(fn) {
  const log = console.log;
  console.log = () => {};
  try {
    return fn();
  } finally {
    console.log = log;
  }
}

async function checkCorrect(pngDir) {
  const sharp = require('sharp');
  const gen = tn.preprocessing.image.imageDataGenerator({ rescale: 1 / 255 });
  const it = quietly(() => gen.flowFromDirectory(pngDir, { targetSize: [64, 64], batchSize: 8, shuffle: false, classMode: 'binary' }));
  const [x] = await it.getBatch(0);
  for (let k = 0; k < 8; k++) {
    const { data } = await sharp(it.filepaths[k]).raw().toBuffer({ resolveWithObject: true });
    const got = x.dataSync().subarray(k * 64 * 64 * 3, (k + 1) * 64 * 64 * 3);
    for (let i = 0; i < got.length; i++) {
      if (Math.abs(got[i] - data[i] / 255) > 1e-6) throw new Error(`decoded ${it.filepaths[k]} differs from sharp's pixels at ${i}: ${got[i]} vs ${data[i] / 255}`);
    }
  }
}

function seedCnn() {
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
  return model;
}

function kerasPeer(pngDir, jpgDir) {
  if (process.env.BENCH_NO_PEER) return null;
  const python = process.env.BENCH_KERAS_PYTHON || 'python3';
  const r = spawnSync(python, [path.join(__dirname, 'peers', 'keras_image_folder.py'), pngDir, jpgDir, String(REPS)], {
    encoding: 'utf8', maxBuffer: 1 << 26,
    env: { ...process.env, OMP_NUM_THREADS: String(tn.backendInfo().cpu.threads), TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  if (r.error || r.status !== 0) {
    if (/No module named/.test(r.stderr || '')) return null;
    throw new Error(`Keras peer failed:\n${r.stderr}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

async function main() {
  console.log(`machine: ${machine()}; libuv pool ${process.env.UV_THREADPOOL_SIZE || 4} threads`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tensornode-bench-data-'));
  try {
    const { what, images } = await sourceImages(N);
    const pngDir = path.join(root, 'png64');
    const jpgDir = path.join(root, 'jpg256');
    await writeFolder(pngDir, images, 64, 'png');
    await writeFolder(jpgDir, images, 256, 'jpg');
    console.log(`${images.length} images (${what}): 64x64 PNG in ${pngDir}, 256x256 JPEG in ${jpgDir}`);
    await checkCorrect(pngDir);
    console.log('check: flowFromDirectory batches equal the pixels sharp reads (x 1/255): ok');

    const gen = tn.preprocessing.image.imageDataGenerator({ rescale: 1 / 255 });
    const flow = (dir, prefetch) => () => quietly(() => gen.flowFromDirectory(dir, { targetSize: [64, 64], batchSize: 32, classMode: 'binary', prefetch }));
    const idfd = (dir, prefetch) => () => tn.data.imageDatasetFromDirectory(dir, { imageSize: [64, 64], batchSize: 32, labelMode: 'binary', seed: 1, verbose: false, prefetch });
    const ours = {};
    for (const [key, make] of [
      ['flow png 0', flow(pngDir, 0)], ['flow png 2', flow(pngDir, 2)], ['idfd png 0', idfd(pngDir, 0)], ['idfd png 2', idfd(pngDir, 2)],
      ['flow jpg 0', flow(jpgDir, 0)], ['flow jpg 2', flow(jpgDir, 2)], ['idfd jpg 0', idfd(jpgDir, 0)], ['idfd jpg 2', idfd(jpgDir, 2)],
    ]) ours[key] = await decodeRate(make);
    const peer = kerasPeer(pngDir, jpgDir);
    const row = (label, api, fmtKey, peerKey) => [label,
      fmt(ours[`${api} ${fmtKey} 0`], 0), fmt(ours[`${api} ${fmtKey} 2`], 0),
      peer ? fmt(peer[peerKey], 0) : 'n/a', peer ? `${fmt(ours[`${api} ${fmtKey} 2`] / peer[peerKey], 2)}x` : 'n/a'];
    printTable(`decoding, one pass of ${images.length} images, batch 32, no training (images/s, median of ${REPS}; ` +
      `peer: Keras ${peer ? `${peer.keras} / TensorFlow ${peer.tensorflow} / Pillow ${peer.pillow}` : 'not run'}, same folders, same run)`,
    ['what', 'tensornode prefetch 0', 'tensornode prefetch 2', 'Keras', 'tensornode / Keras'], [
      row('flowFromDirectory, 64x64 PNG (no resize), rescale 1/255', 'flow', 'png', 'flow_png'),
      row('flowFromDirectory, 256x256 JPEG -> 64x64 nearest', 'flow', 'jpg', 'flow_jpg'),
      row('imageDatasetFromDirectory, 64x64 PNG (no resize)', 'idfd', 'png', 'idfd_png'),
      row('imageDatasetFromDirectory, 256x256 JPEG -> 64x64 bilinear', 'idfd', 'jpg', 'idfd_jpg'),
    ]);

    // Training: the same images in memory, and from the folder.
    const all = await tn.data.imageDatasetFromDirectory(pngDir, { imageSize: [64, 64], batchSize: images.length, labelMode: 'binary', shuffle: false, verbose: false }).toArray();
    const [xAll, yAll] = all[0];
    const xMem = tn.tensor(xAll.dataSync().map((v) => v / 255), xAll.shape);
    tn.setSeed(1);
    const model = seedCnn();
    await model.fit(xMem, yAll, { epochs: 1, batchSize: 32, verbose: 0 }); // warm up buffers and caches
    const runs = { memory: [], folder0: [], folder2: [] };
    const time = async (fn) => {
      const started = process.hrtime.bigint();
      await fn();
      return images.length / (Number(process.hrtime.bigint() - started) / 1e9);
    };
    for (let r = 0; r < REPS; r++) {
      runs.memory.push(await time(() => model.fit(xMem, yAll, { epochs: 1, batchSize: 32, verbose: 0 })));
      runs.folder0.push(await time(() => model.fit(flow(pngDir, 0)(), { epochs: 1, verbose: 0 })));
      runs.folder2.push(await time(() => model.fit(flow(pngDir, 2)(), { epochs: 1, verbose: 0 })));
    }
    const mem = median(runs.memory);
    const f0 = median(runs.folder0);
    const f2 = median(runs.folder2);
    const within = (r) => (r >= 0.9 ? 'yes' : 'no');
    printTable(`seed CNN, one epoch of ${images.length} 64x64 images, batch 32, Adam (training images/s, median of ${REPS} alternating runs; ` +
      `runs: memory ${runs.memory.map((v) => v.toFixed(0)).join(', ')}; prefetch 0 ${runs.folder0.map((v) => v.toFixed(0)).join(', ')}; ` +
      `prefetch 2 ${runs.folder2.map((v) => v.toFixed(0)).join(', ')})`,
    ['from', 'images/s', 'ms/step', 'folder / memory', 'within 10%'], [
      ['in-memory tensor, fit(x, y)', fmt(mem, 0), fmt((32 / mem) * 1000, 1), '1.00x', ''],
      ['folder, flowFromDirectory prefetch 0', fmt(f0, 0), fmt((32 / f0) * 1000, 1), `${fmt(f0 / mem, 2)}x`, within(f0 / mem)],
      ['folder, flowFromDirectory prefetch 2 (default)', fmt(f2, 0), fmt((32 / f2) * 1000, 1), `${fmt(f2 / mem, 2)}x`, within(f2 / mem)],
    ]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
