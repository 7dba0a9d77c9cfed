// Two word-level recurrent models on real text (Debian's fortunes-min package, see
// examples/text-corpus.js; install with `sudo apt-get install fortunes-min`):
//
//   classifier  seed 004's sentiment-style model: Embedding(maskZero) -> LSTM(returnSequences)
//               -> LSTM -> Dense(1, sigmoid). Task: is a quotation from the 'literature' file
//               (vs. the general fortunes and riddles)? Sequences are left-padded with 0,
//               which the mask skips.
//   generator   seed 002's next-token model: Embedding -> GRU -> Dense(vocabulary, softmax),
//               trained on every 10-word context of the corpus; prints loss per epoch and a
//               generated passage.
//
//   node examples/text-models.js [classifier|generator|both]
'use strict';
const tn = require('..');
const { loadFortunes, tokenize } = require('./text-corpus');

function vocabulary(tokenLists, minCount) {
  const counts = new Map();
  for (const list of tokenLists) for (const w of list) counts.set(w, (counts.get(w) || 0) + 1);
  // 0: padding, 1: unknown word
  const words = ['<pad>', '<unk>', ...[...counts].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1]).map(([w]) => w)];
  const index = new Map(words.map((w, i) => [w, i]));
  return { words, encode: (w) => index.get(w) ?? 1 };
}

function shuffled(n, seed) {
  let s = seed;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

async function classifier() {
  console.log('\n=== classifier: Embedding -> LSTM(returnSequences) -> LSTM -> Dense(1, sigmoid)');
  tn.setSeed(4);
  const { entries, sources } = loadFortunes();
  const tokens = entries.map(tokenize);
  const { words, encode } = vocabulary(tokens, 2);
  const T = 48;
  const n = entries.length;
  const x = new Int32Array(n * T), y = new Float32Array(n);
  const order = shuffled(n, 1);
  order.forEach((src, i) => {
    const ids = tokens[src].slice(0, T).map(encode);
    x.set(ids, i * T + (T - ids.length)); // left-padded with 0 (masked)
    y[i] = sources[src] === 0 ? 1 : 0;
  });
  const nTest = Math.floor(n * 0.2), nTrain = n - nTest;
  const xTrain = tn.tensor(x.subarray(0, nTrain * T), [nTrain, T]), yTrain = tn.tensor(y.subarray(0, nTrain), [nTrain, 1]);
  const xTest = tn.tensor(x.subarray(nTrain * T), [nTest, T]), yTest = tn.tensor(y.subarray(nTrain), [nTest, 1]);
  const positives = y.subarray(nTrain).reduce((a, b) => a + b, 0);
  console.log(`${n} quotations (${nTrain} train, ${nTest} held out), vocabulary ${words.length}, ` +
    `majority baseline on held-out: ${(100 * Math.max(positives, nTest - positives) / nTest).toFixed(1)}%`);
  const model = tn.sequential({
    layers: [
      tn.layers.embedding({ inputDim: words.length, outputDim: 32, inputLength: T, maskZero: true }),
      tn.layers.lstm({ units: 32, returnSequences: true }),
      tn.layers.lstm({ units: 32 }),
      tn.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: tn.train.adam(0.003), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const t0 = Date.now();
  await model.fit(xTrain, yTrain, { epochs: 12, batchSize: 32, validationData: [xTest, yTest], verbose: 2 });
  const [, acc] = await model.evaluate(xTest, yTest);
  console.log(`held-out accuracy ${(acc.dataSync()[0] * 100).toFixed(1)}% (trained in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

async function generator() {
  console.log('\n=== generator: Embedding -> GRU -> Dense(vocabulary, softmax)');
  tn.setSeed(2);
  const { entries } = loadFortunes();
  const stream = [];
  for (const e of entries) stream.push(...tokenize(e), '<eos>');
  const { words, encode } = vocabulary([stream], 3);
  const ids = Int32Array.from(stream, encode);
  const C = 10;
  const n = ids.length - C;
  const x = new Int32Array(n * C), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x.set(ids.subarray(i, i + C), i * C);
    y[i] = ids[i + C];
  }
  console.log(`${ids.length} tokens, vocabulary ${words.length} (words seen >= 3 times; others <unk>), ${n} contexts of ${C}`);
  const model = tn.sequential({
    layers: [
      tn.layers.embedding({ inputDim: words.length, outputDim: 32, inputLength: C }),
      tn.layers.gru({ units: 128 }),
      tn.layers.dense({ units: words.length, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tn.train.adam(0.003), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(tn.tensor(x, [n, C]), tn.tensor(y, [n]), { epochs: 8, batchSize: 32, verbose: 2 });
  // Generate from a real context, sampling with temperature 0.7 (never <unk>).
  let s = 17;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
  const context = Array.from(ids.subarray(0, C));
  const out = [];
  for (let i = 0; i < 60; i++) {
    const p = model.predict(tn.tensor(Int32Array.from(context), [1, C])).dataSync();
    const w = Array.from(p, (v, k) => (k === 1 ? 0 : Math.exp(Math.log(Math.max(v, 1e-12)) / 0.7)));
    let u = rand() * w.reduce((a, b) => a + b, 0), next = 0;
    while ((u -= w[next]) > 0 && next < w.length - 1) next++;
    out.push(words[next]);
    context.shift();
    context.push(next);
  }
  console.log(`context: ${stream.slice(0, C).join(' ')}`);
  console.log(`generated: ${out.join(' ').replace(/ <eos> /g, '\n  ').replace(/ ([.,!?;:])/g, '$1')}`);
}

async function main() {
  const which = process.argv[2] || 'both';
  if (which === 'classifier' || which === 'both') await classifier();
  if (which === 'generator' || which === 'both') await generator();
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
